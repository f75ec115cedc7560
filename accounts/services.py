"""Writes for organizations, memberships, invitations and API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import selectors
from accounts.login_links import LoginLinkClaim, is_local_path
from accounts.models import (
    ApiToken,
    Invitation,
    LoginLinkUse,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
)
from accounts.signals import invitation_accepted
from core.models import Notification
from core.notifications import notification_enqueue
from core.tenancy import organization_scope


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
    """An invitation that cannot be accepted; ``str()`` is the message for the person.

    ``status`` says why: "invalid", "used", "revoked", "expired" or "other_address";
    ``invitation`` is the one the token named, if any (to offer a fresh link)."""

    def __init__(self, message: str, *, status: str = "invalid",
                 invitation: Invitation | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.invitation = invitation


def invitation_get_acceptable(*, token: str) -> Invitation:
    """The invitation for ``token`` if it can still be accepted, else ``InvitationError``."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        raise InvitationError("This invitation link is not valid. Check that you copied the "
                              "whole link, or ask your administrator for a new one.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used. Sign in to reach "
                              f"{invitation.organization.name}.", status="used",
                              invitation=invitation)
    if invitation.revoked_at is not None:
        raise InvitationError("This invitation was withdrawn or replaced by a newer one. "
                              "Use the link in your most recent invitation email.",
                              status="revoked", invitation=invitation)
    if invitation.is_expired:
        raise InvitationError(
            f"This invitation expired on {invitation.expires_at:%d %B %Y}. Ask your "
            f"administrator at {invitation.organization.name} to invite you again.",
            status="expired", invitation=invitation)
    return invitation


def _membership_from_earlier_acceptance(*, token: str, user: User) -> Membership | None:
    """The membership ``user`` got by accepting ``token`` before, if they still have it."""
    invitation = selectors.invitation_by_token(token=token, accepted_by=user)
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
            f"{user.email}. Sign out and sign in (or sign up) with {invitation.email}.",
            status="other_address", invitation=invitation)
    organization = invitation.organization
    with organization_scope(organization):
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:  # accepted by a concurrent request meanwhile
            membership = Membership.objects.filter(user=user).first()
            if locked.accepted_by_id == user.pk and membership is not None:
                membership.organization = organization
                return membership
            raise InvitationError("This invitation has already been used.", status="used",
                                  invitation=locked)
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
def invitation_join_new_account(*, token: str, full_name: str, password: str
                                ) -> tuple[User, Membership]:
    """The invited person, who has no account yet, creates one from the invitation's page
    and accepts in the same step. The address is marked verified: the link was opened from
    the mailbox it was sent to. The caller signs them in (``perform_login``)."""
    invitation = invitation_get_acceptable(token=token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationError("An account with this address exists now: continue with it.",
                              status="account_exists", invitation=invitation)
    user = User.objects.create_user(email=invitation.email, password=password,
                                    full_name=full_name.strip())
    email_address_mark_verified(user=user)
    return user, invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_send_fresh(*, invitation: Invitation) -> Notification | None:
    """"Email me a fresh link" on a dead invitation's page. An expired one (never accepted
    nor withdrawn, to someone not yet a member) is renewed: new token, new expiry, the old
    link stops working, and its cohort place (or whatever else hangs on it) stays. A
    replaced one gets the link of the newest pending invitation to the same address again.
    A withdrawn or used one gets nothing. Callers answer the same whichever happened."""
    organization = invitation.organization
    with organization_scope(organization):
        if Membership.objects.filter(user__email__iexact=invitation.email).exists():
            return None
        pending = (Invitation.objects.select_for_update()
                   .filter(email__iexact=invitation.email, accepted_at__isnull=True,
                           revoked_at__isnull=True).order_by("-created_at").first())
        if pending is None:
            return None
        if pending.is_expired:
            if pending.pk != invitation.pk:
                return None  # only the link of that invitation renews it
            _new_link(pending)
        return notification_enqueue(
            organization=organization, recipient=None, email=pending.email, kind="invitation",
            key=f"invitation:{pending.pk}:{pending.token[:16]}",
            template="accounts/email/invitation_fresh",
            context={"organization": organization.name, "expires_at": pending.expires_at},
            link=invitation_accept_url(pending))


def _new_link(invitation: Invitation) -> None:
    """A new token and a new expiry: the old link stops working."""
    invitation.token = Invitation._meta.get_field("token").get_default()
    invitation.expires_at = Invitation._meta.get_field("expires_at").get_default()
    invitation.save(update_fields=["token", "expires_at"])


#: The least time between two links of one invitation that HR sends (an HR system resending
#: in a loop would otherwise email the person again and again).
INVITATION_RESEND_INTERVAL = timedelta(minutes=10)


@transaction.atomic
def invitation_renew(*, invitation: Invitation) -> Invitation:
    """Give an invitation that was neither accepted nor withdrawn a new link (new token, new
    expiry, counted from now), open or expired alike: the old link stops working, and what
    hangs on the invitation (a cohort place) stays. The caller emails the new link.

    Refused with ``InvitationError`` (``status`` "used" or "revoked") for an accepted or a
    withdrawn one, checked under a row lock so that an acceptance at the same moment either
    comes first (refused here) or finds the new token (its old link is dead); and ("recent")
    within :data:`INVITATION_RESEND_INTERVAL` of the invitation's last email (the outbox
    says when it was queued), under the same lock, so that two resends at once send one."""
    locked = (Invitation.objects.select_for_update(of=("self",))
              .select_related("organization").get(pk=invitation.pk))
    if locked.accepted_at is not None:
        raise InvitationError(
            f"This invitation was accepted on {locked.accepted_at:%d %B %Y}: there is no link "
            "to send.", status="used", invitation=locked)
    if locked.revoked_at is not None:
        raise InvitationError(
            f"This invitation was withdrawn (or replaced by a newer one) on "
            f"{locked.revoked_at:%d %B %Y}: invite the person again to send a new one.",
            status="revoked", invitation=locked)
    sent_at = selectors.invitation_email_last_queued_at(invitation=locked)
    next_allowed = sent_at + INVITATION_RESEND_INTERVAL if sent_at else None
    if next_allowed is not None and timezone.now() < next_allowed:
        minutes = int(INVITATION_RESEND_INTERVAL.total_seconds() // 60)
        raise InvitationError(
            f"A link to this invitation went out less than {minutes} minutes ago: another "
            f"can be sent from {next_allowed:%H:%M} UTC, so that the person gets one email.",
            status="recent", invitation=locked)
    _new_link(locked)
    return locked


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


# --- personal sign-in links (accounts/login_links.py) -------------------------------------

class LoginLinkUsed(Exception):
    """The link was redeemed a moment ago (a double click, a second tab)."""


@transaction.atomic
def login_link_consume(*, claim: LoginLinkClaim, user: User, new_password: str | None = None
                       ) -> User:
    """Redeem a valid sign-in link of ``user`` (checked by ``selectors.login_link_check``):
    record its nonce so it never works again, set the password the person chose when the
    account had none, and mark the address verified (the link was opened from it). The
    caller then signs the person in through allauth, two-factor step included.

    Security boundary: the unique nonce row makes redeeming single use even under a race
    (the loser gets ``LoginLinkUsed`` and nothing else changes).
    """
    try:
        with transaction.atomic():
            LoginLinkUse.objects.create(nonce=claim.nonce, user=user, purpose=claim.purpose)
    except IntegrityError as error:
        raise LoginLinkUsed from error
    if new_password is not None:
        user.set_password(new_password)
        user.save(update_fields=["password"])
    email_address_mark_verified(user=user)
    return user


def email_address_mark_verified(*, user: User) -> None:
    """The account's address is proven: a link sent to it (sign-in link, invitation) was
    opened and used."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True,
            primary=not EmailAddress.objects.filter(user=user, primary=True).exists())
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def login_link_send(*, user: User, target: str) -> Notification | None:
    """Email ``user`` a fresh sign-in link (kind ``login_link``, short-lived) to ``target``
    (a local path; anything else lands on the start page). Inactive accounts get nothing."""
    if not user.is_active:
        return None
    return notification_enqueue(
        organization=None, recipient=user, email=user.email, kind="login_link",
        key=f"login_link:{user.pk}:{secrets.token_hex(8)}",
        template="accounts/email/login_link", context={"name": user.display_name},
        link=target if is_local_path(target) else reverse("home"),
    )


def login_link_request(*, email: str, target: str) -> None:
    """Someone typed ``email`` into "Email me a sign-in link": send one if an active account
    has that address. Returns nothing, so callers answer the same whether or not it exists."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is not None:
        login_link_send(user=user, target=target)


def login_link_uses_prune(*, now=None) -> int:
    """Forget redeemed nonces older than the longest link lifetime (their links have expired
    anyway, so they can no longer be replayed). Returns how many rows were deleted."""
    longest = max(settings.FLIPSIDE_LOGIN_LINK_HOURS.values())
    cutoff = (now or timezone.now()) - timedelta(hours=longest)
    deleted, _ = LoginLinkUse.objects.filter(used_at__lt=cutoff).delete()
    return deleted


# --- self-sign-up by email domain (accounts/signup_policy.py) -----------------------------

@transaction.atomic
def membership_join_by_signup_domain(*, user: User, email: str) -> Membership | None:
    """After ``user`` confirmed ``email``: if an organization opened self-sign-up for its
    domain, make them a member there (never changing an existing membership). Returns the
    new membership, or ``None``."""
    from accounts.signup_policy import organization_for_email_domain

    if email.strip().lower() != user.email.lower():
        return None
    organization = organization_for_email_domain(email)
    if organization is None:
        return None
    with organization_scope(organization):
        membership, created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": Role.MEMBER})
    return membership if created else None


@transaction.atomic
def organization_set_signup_domains(*, organization: Organization, domains: str
                                    ) -> Organization:
    """Open (or close, with an empty value) self-sign-up for email domains the organization
    owns. Normalised to one lowercase domain per line; public email services and domains
    another organization listed are refused (``Organization.clean``)."""
    organization.self_signup_domains = domains
    organization.full_clean()
    organization.save(update_fields=["self_signup_domains"])
    return organization


def user_quiet_hours_set(*, user: User, start: time | None, end: time | None) -> User:
    """Set (or, with both empty, clear) the person's quiet hours for reminders."""
    if (start is None) != (end is None):
        raise ValidationError({"quiet_hours_end": "Give both ends of your quiet hours, or "
                                                  "leave both empty."})
    user.quiet_hours_start, user.quiet_hours_end = start, end
    user.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    return user
