"""Reads for accounts: each returns a queryset or object with its joins already chosen."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import ApiToken, Invitation, Membership, Notification, User
from accounts.tenancy import scopes_disabled


def memberships_of_user(*, user: User) -> list[Membership]:
    """Every organization the user belongs to, for the switcher.

    Unscoped on purpose: it is restricted to the user's own rows and runs before any tenant
    is chosen.
    """
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user).select_related("organization")
            .order_by("organization__name")
        )


def memberships_of_organization(*, search: str = "", role: str = "") -> QuerySet[Membership]:
    queryset = Membership.objects.select_related("user").order_by("user__email")
    if search:
        queryset = queryset.filter(Q(user__email__icontains=search)
                                   | Q(user__full_name__icontains=search))
    if role:
        queryset = queryset.filter(role=role)
    return queryset


def pending_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True) \
        .select_related("invited_by").order_by("-created_at")


def api_tokens_of_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def notifications_of_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
