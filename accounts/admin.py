from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, Invitation, Membership, Notification, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "anonymity_threshold"]
    prepopulated_fields = {"slug": ("name",)}


class UnscopedAdmin(admin.ModelAdmin):
    """Platform operators work across tenants in the Django admin: scopes disabled on purpose."""

    def get_queryset(self, request):
        return self.model.objects.with_scopes_disabled().all()


@admin.register(Membership)
class MembershipAdmin(UnscopedAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role"]


@admin.register(Invitation)
class InvitationAdmin(UnscopedAdmin):
    list_display = ["email", "organization", "role", "expires_at", "accepted_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
