"""The Django admin (``/django-admin/``) is a tool for platform superusers only.

Security boundary. Every model registered here is either one tenant's data, the list of
every tenant's accounts, or a credential, so nothing is shown to staff who are not
superusers, whatever model permissions they hold: their admin index is empty and every
admin URL answers 403. The sign-in goes through allauth (two-factor, rate limits), see
``config/urls.py``. Tenant rows are read-only here (writes go through the services, which
keep invariants such as "the last admin stays"), and secrets and message bodies are never
displayed, not even to superusers.
"""

from __future__ import annotations

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from accounts.models import ApiToken, Invitation, Membership, Organization, User
from core.models import Notification
from core.tenancy import scopes_disabled


def _is_superuser(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Visible and usable by active superusers only; refuses everyone else on every action."""

    def has_module_permission(self, request):
        return _is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_add_permission(self, request):
        return _is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request)


class ReadOnlyAdmin(SuperuserOnlyAdmin):
    """Superusers may look, never write: the rows are changed through the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UnscopedTenantAdmin(ReadOnlyAdmin):
    """Tenant rows across every organization, for superusers only.

    Their managers refuse to query outside a tenant scope (django-scopes); a superuser
    operates across tenants on purpose, so the scope is disabled here, and only here.
    """

    readonly_fields = ["organization"]

    def get_queryset(self, request):
        return self.model.objects.with_scopes_disabled().select_related("organization")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page's inlines and their formsets read tenant rows too (a survey's questions,
        # their hidden id fields): the whole page runs unscoped, as its queryset does.
        with scopes_disabled():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # a TemplateResponse renders later, outside this block
            return response


@admin.register(User)
class UserAdmin(SuperuserOnlyAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Organization)
class OrganizationAdmin(SuperuserOnlyAdmin):
    list_display = ["name", "slug", "time_zone", "anonymity_threshold", "require_two_factor"]
    prepopulated_fields = {"slug": ("name",)}

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a tenant cascades through all its data: not a click away


@admin.register(Membership)
class MembershipAdmin(UnscopedTenantAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(UnscopedTenantAdmin):
    list_display = ["email", "organization", "role", "expires_at", "accepted_at"]
    # The token is the accept link's secret: never shown.
    exclude = ["token"]


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnlyAdmin):
    """Superusers can see and revoke (delete) a token; keys are never stored or shown."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]
    fields = ["name", "user", "prefix", "created_at", "last_used_at"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Delivery metadata only: the bodies are one person's messages and are not shown."""

    list_display = ["kind", "email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    fields = ["kind", "email", "status", "attempts", "last_error", "created_at", "sent_at"]
    readonly_fields = fields


# Third-party registrations get the same rule. --------------------------------------------


class SuperuserGroupAdmin(SuperuserOnlyAdmin, GroupAdmin):
    pass


class SuperuserEmailAddressAdmin(SuperuserOnlyAdmin, EmailAddressAdmin):
    pass


class SuperuserAuthenticatorAdmin(SuperuserOnlyAdmin, AuthenticatorAdmin):
    """A superuser may remove a lost authenticator (delete) but never sees its secret."""

    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for _model, _model_admin in (
    (Group, SuperuserGroupAdmin),
    (EmailAddress, SuperuserEmailAddressAdmin),
    (Authenticator, SuperuserAuthenticatorAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
