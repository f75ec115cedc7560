"""Writes for organizations, memberships, invitations and API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
)
from accounts.notifications import notification_enqueue
from accounts.signals import invitation_accepted
from accounts.tenancy import organization_scope


@transaction.atomic
def organization_update(
    *, organization: Organization, name: str, time_zone: str, anonymity_threshold: int,
    require_two_factor: bool | None = None,
) -> Organization:
    """Change the general settings; ``require_two_factor=None`` leaves that one as it is."""
    organization.name = name
    organization.time_zone = time_zone
    organization.anonymity_threshold = anonymity_threshold
    fields = ["name", "time_zone", "anonymity_threshold"]
    if require_two_factor is not None:
        organization.require_two_factor = require_two_factor
        fields.append("require_two_factor")
    organization.full_clean()
    organization.save(update_fields=fields)
    return organization


@transaction.atomic
def organization_create(*, name: str, slug: str, admin: User, time_zone: str = "UTC"
                        ) -> Organization:
    organization = Organization(name=name, slug=slug, time_zone=time_zone)
    organization.full_clean()
    organization.save()
    with organization_scope(organization):
        Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)
    return organization


def invitation_accept_url(invitation: Invitation) -> str:
    return reverse("invitation_accept", kwargs={"token": invitation.token})


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by: User | None,
    message_context: dict | None = None,
) -> Invitation:
    """Invite ``email`` into ``organization`` as ``role`` and queue the invitation email.

    An existing member is not invited again; a pending invitation is replaced by a fresh one
    (new token, new expiry) so the newest email always works.
    """
    email = email.strip().lower()
    # Filter on the organization explicitly, not only through the open scope: callers with
    # scopes disabled (commands, the admin) must not see or revoke another tenant's rows.
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    Invitation.objects.filter(organization=organization, email__iexact=email,
                              accepted_at__isnull=True, revoked_at__isnull=True) \
        .update(revoked_at=timezone.now())
    invitation = Invitation(organization=organization, email=email, role=role,
                            invited_by=invited_by)
    invitation.full_clean()
    invitation.save()
    inviter = invited_by.display_name if invited_by else organization.name
    notification_enqueue(
        organization=organization,
        recipient=User.objects.filter(email__iexact=email).first(),
        email=email,
        kind="invitation",
        key=f"invitation:{invitation.pk}",
        template="accounts/email/invitation",
        context={
            "organization": organization.name,
            "inviter": inviter,
            "role": invitation.get_role_display(),
            "expires_at": invitation.expires_at,
            **(message_context or {}),
        },
        link=invitation_accept_url(invitation),
    )
    return invitation


class InvitationError(Exception):
    """An invitation that cannot be accepted; ``str()`` is the message for the person."""


def invitation_get_acceptable(*, token: str) -> Invitation:
    """The invitation for ``token`` if it can still be accepted, else ``InvitationError``."""
    invitation = (
        Invitation.objects.with_scopes_disabled()  # looked up by its secret token
        .select_related("organization").filter(token=token).first()
    )
    if invitation is None:
        raise InvitationError("This invitation link is not valid. Check that you copied the "
                              "whole link, or ask your administrator for a new one.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used. Sign in to reach "
                              f"{invitation.organization.name}.")
    if invitation.revoked_at is not None:
        raise InvitationError("This invitation was withdrawn or replaced by a newer one. "
                              "Use the link in your most recent invitation email.")
    if invitation.is_expired:
        raise InvitationError(
            f"This invitation expired on {invitation.expires_at:%d %B %Y}. Ask your "
            f"administrator at {invitation.organization.name} to invite you again."
        )
    return invitation


def _membership_from_earlier_acceptance(*, token: str, user: User) -> Membership | None:
    """The membership ``user`` got by accepting ``token`` before, if they still have it."""
    invitation = (
        Invitation.objects.with_scopes_disabled()  # looked up by its secret token
        .select_related("organization").filter(token=token, accepted_by=user).first()
    )
    if invitation is None:
        return None
    with organization_scope(invitation.organization):
        membership = Membership.objects.filter(user=user).first()
    if membership is not None:
        membership.organization = invitation.organization
    return membership


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Turn a valid invitation into a membership for ``user`` (whose email must match).

    Idempotent for the person who accepted: accepting the same link again (a double click, a
    retried request) returns their membership. Anyone else gets "already used"; so does the
    same person after being removed from the organization.

    Sends ``accounts.signals.invitation_accepted`` in the same transaction, so what other apps
    attach to an invitation (e.g. a cohort place) happens together with the membership.
    """
    earlier = _membership_from_earlier_acceptance(token=token, user=user)
    if earlier is not None:
        return earlier
    invitation = invitation_get_acceptable(token=token)
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{user.email}. Sign out and sign in (or sign up) with {invitation.email}."
        )
    organization = invitation.organization
    with organization_scope(organization):
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:  # accepted by a concurrent request meanwhile
            membership = Membership.objects.filter(user=user).first()
            if locked.accepted_by_id == user.pk and membership is not None:
                membership.organization = organization
                return membership
            raise InvitationError("This invitation has already been used.")
        membership, _ = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        membership.organization = organization
        invitation_accepted.send(sender=Invitation, invitation=locked, membership=membership)
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _admin_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.ADMIN).count()


def _lock_memberships_of(organization_id: int) -> None:
    """Serialise role changes and removals within one organization (a row lock on the
    tenant), so two admins demoting each other at the same moment cannot both pass the
    last-admin check and leave the organization without an admin."""
    Organization.objects.select_for_update().only("pk").get(pk=organization_id)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    _lock_memberships_of(membership.organization_id)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and role != Role.ADMIN and \
            _admin_count(locked.organization) <= 1:
        raise ValidationError(
            {"role": "This is the last HR admin: make someone else an admin first."})
    locked.role = role
    locked.save(update_fields=["role"])
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _lock_memberships_of(membership.organization_id)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and _admin_count(locked.organization) <= 1:
        raise ValidationError("The last HR admin cannot be removed: make someone else an "
                              "admin first.")
    locked.delete()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


def api_token_create(*, user: User, name: str) -> IssuedToken:
    """Create a personal API token; the returned ``key`` is shown to the user once only."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. “HRIS sync”."})
    key = f"fs_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[3:9],
                                    key_hash=hash_token(key))
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, user: User, token_id: int) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)
