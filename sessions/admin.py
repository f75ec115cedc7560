"""Django admin for the workspace: superusers only, read-only, scheduling facts only.

Security boundary. Only :class:`~sessions.models.MentoringSession` is registered, and only its
scheduling facts (pair, time, length, format, status, sequence): never its agenda, summary,
place or link, never a rating. Private notes, goals, commitments and action items are not
registered at all: nobody reads a private note but its author, not even a platform superuser.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import UnscopedTenantAdmin
from sessions.models import MentoringSession

SESSION_FIELDS = ["organization", "pair", "starts_at", "duration_minutes", "format", "status",
                  "was_scheduled", "sequence", "created_at", "updated_at"]


@admin.register(MentoringSession)
class MentoringSessionAdmin(UnscopedTenantAdmin):
    list_display = ["pk", "organization", "pair", "starts_at", "duration_minutes", "status"]
    list_filter = ["status", "format"]
    list_select_related = ["organization", "pair"]
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS
