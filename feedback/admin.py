"""Django admin for the surveys: superusers only, read-only, definitions only.

Security boundary. Only :class:`~feedback.models.Survey` is registered, with its questions
inline: what was asked, of whom, when. Nothing about who answered what is registered: not the
responses (who responded), not the drafts, not any answer table (pending, released or
attributed), so no admin page can put an answer next to a person, not even for a platform
superuser.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import UnscopedTenantAdmin
from feedback.models import Question, Survey

SURVEY_FIELDS = ["organization", "cohort", "is_template", "kind", "title", "anonymous",
                 "opens_on", "closes_on", "reminder_days", "published_at", "closed_at",
                 "created_at"]
QUESTION_FIELDS = ["position", "kind", "text", "required", "audience", "choices",
                   "builtin_key"]


class QuestionInline(admin.TabularInline):
    model = Question
    fields = QUESTION_FIELDS
    readonly_fields = QUESTION_FIELDS
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # Shown inside UnscopedTenantAdmin (superusers across tenants, on purpose).
        return Question.objects.with_scopes_disabled().order_by("position", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(UnscopedTenantAdmin):
    list_display = ["title", "organization", "cohort", "kind", "anonymous", "opens_on",
                    "closes_on"]
    list_filter = ["kind", "anonymous", "is_template"]
    list_select_related = ["organization", "cohort"]
    fields = SURVEY_FIELDS
    readonly_fields = SURVEY_FIELDS
    inlines = [QuestionInline]
