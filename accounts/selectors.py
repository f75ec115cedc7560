"""Reads for accounts: each returns a queryset or object with its joins already chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import router
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.login_links import (
    LoginLinkClaim,
    LoginLinkExpired,
    LoginLinkInvalid,
    is_local_path,
    login_link_read,
)
from accounts.models import (
    ApiToken,
    Invitation,
    InvitationStatus,
    LoginLinkUse,
    Membership,
    Organization,
    Role,
    User,
)
from accounts.unsubscribe import unsubscribe_read
from core.compiled import CompiledQuery
from core.models import Notification
from core.tenancy import scopes_disabled


@dataclass(frozen=True)
class UnsubscribeClaim:
    """Whose emails of which kind a one-click unsubscribe token may stop."""

    user: User
    kind: str


def unsubscribe_claim_of_token(*, token: str) -> UnsubscribeClaim | None:
    """The account and kind a signed unsubscribe token names, or None for a bad token or a
    deleted account. Not tenant data: the token itself names the one account (signed by us),
    and only its address is read, to show on the confirmation page."""
    claim = unsubscribe_read(token)
    if claim is None:
        return None
    user = User.objects.filter(pk=claim[0]).only("email").first()
    return UnsubscribeClaim(user=user, kind=claim[1]) if user is not None else None


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


def pending_invitations(*, search: str = "") -> QuerySet[Invitation]:
    """Invitations not answered nor withdrawn (expired ones too: HR withdraws or renews them),
    newest first; ``search``: the address contains it, in any case."""
    invitations = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    if search:
        invitations = invitations.filter(email__icontains=search)
    return invitations.select_related("invited_by").order_by("-created_at", "-pk")


def api_tokens_of_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


#: Kinds that are only emails, never inbox entries (a sign-in link someone asked for).
EMAIL_ONLY_KINDS = ("login_link",)


def notifications_of_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).exclude(kind__in=EMAIL_ONLY_KINDS) \
        .order_by("-created_at", "-id")


_unread_count = CompiledQuery(
    lambda recipient_id: Notification.objects
    .filter(recipient_id=recipient_id, read_at__isnull=True).exclude(kind__in=EMAIL_ONLY_KINDS)
    .values("recipient_id").annotate(unread=Count("pk")).values_list("unread", flat=True),
    recipient_id=int)


def unread_notification_count(*, user: User) -> int:
    """The badge in the navigation of every page: compiled once (core.compiled)."""
    found = _unread_count(recipient_id=user.pk)
    return found[0] if found else 0


@dataclass(frozen=True)
class NavOrganization:
    slug: str
    name: str


@dataclass(frozen=True)
class NavMembership:
    """What the organization switcher shows of one membership (no model instances)."""

    organization: NavOrganization
    role: str

    def get_role_display(self) -> str:
        return Role(self.role).label


def _user_fields() -> list[str]:
    return [field.attname for field in User._meta.concrete_fields]


_user_row = CompiledQuery(lambda pk: User._base_manager.filter(pk=pk)
                          .values_list(*_user_fields()), pk=int)


def user_by_pk(*, pk: int) -> User | None:
    """The account ``pk`` with every field (as ``User.objects.get(pk=pk)`` loads it), or
    ``None``: the lookup of every signed-in request, compiled once (core.compiled)."""
    rows = _user_row(pk=pk)
    return User.from_db(router.db_for_read(User), _user_fields(), rows[0]) if rows else None


def _membership_fields() -> list[str]:
    return [field.attname for field in Membership._meta.concrete_fields]


def _organization_fields() -> list[str]:
    return [field.attname for field in Organization._meta.concrete_fields]


#: Unscoped on purpose, like :func:`memberships_of_user`: the user's own rows only.
_user_memberships = CompiledQuery(
    lambda user_id: Membership.objects.filter(user_id=user_id)
    .order_by("organization__name", "organization_id")
    .values_list(*_membership_fields(), *(f"organization__{name}"
                                          for name in _organization_fields())),
    unscoped=True, user_id=int)


def organization_memberships_of_user(*, user: User) -> list[Membership]:
    """Every membership of the user with its organization, in the switcher's order: the one
    query behind a page under ``/o/<org_slug>/``, which picks the URL's organization among
    them (accounts.permissions) and fills the switcher from them (no second query).

    The same instances as ``select_related("organization")`` would make, from a query
    compiled once (core.compiled): every request under ``/o/`` runs it.
    """
    membership_fields, organization_fields = _membership_fields(), _organization_fields()
    split = len(membership_fields)
    database = router.db_for_read(Membership)
    memberships = []
    for row in _user_memberships(user_id=user.pk):
        membership = Membership.from_db(database, membership_fields, row[:split])
        Membership.organization.field.set_cached_value(
            membership, Organization.from_db(database, organization_fields, row[split:]))
        memberships.append(membership)
    return memberships


def nav_memberships_of(memberships: list[Membership]) -> list[NavMembership]:
    """What the switcher shows of memberships already loaded (with their organizations)."""
    return [NavMembership(organization=NavOrganization(slug=m.organization.slug,
                                                       name=m.organization.name),
                          role=m.role) for m in memberships]


def nav_memberships_of_user(*, user: User) -> list[NavMembership]:
    """The user's organizations for the switcher: one plain query, no model instances.

    Unscoped on purpose, like :func:`memberships_of_user`: the user's own rows only.
    """
    with scopes_disabled():
        rows = list(Membership.objects.filter(user=user)
                    .order_by("organization__name", "organization_id")
                    .values_list("organization__slug", "organization__name", "role"))
    return [NavMembership(organization=NavOrganization(slug=slug, name=name), role=role)
            for slug, name, role in rows]


# --- personal sign-in links (accounts/login_links.py) -------------------------------------

@dataclass(frozen=True)
class LoginLinkCheck:
    """What a sign-in link is worth now: ``status`` is "valid", "used", "expired", "superseded"
    (the password or address changed since it was sent) or "invalid" (not ours, tampered, or
    for an account that no longer exists or is deactivated)."""

    status: str
    claim: LoginLinkClaim | None = None
    user: User | None = None
    used_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def login_link_check(*, token: str) -> LoginLinkCheck:
    expired = False
    try:
        claim = login_link_read(token)
    except LoginLinkInvalid:
        return LoginLinkCheck(status="invalid")
    except LoginLinkExpired as error:
        claim, expired = error.claim, True
    user = User.objects.filter(pk=claim.user_id, is_active=True).first()
    if user is None:
        return LoginLinkCheck(status="invalid")
    use = LoginLinkUse.objects.filter(nonce=claim.nonce).first()
    if use is not None:
        return LoginLinkCheck(status="used", claim=claim, user=user, used_at=use.used_at)
    if expired:
        return LoginLinkCheck(status="expired", claim=claim, user=user)
    if not claim.matches_state_of(user):
        return LoginLinkCheck(status="superseded", claim=claim, user=user)
    return LoginLinkCheck(status="valid", claim=claim, user=user)


# --- invitations: what the link's page needs, and what other apps add -----------------------

#: Providers other apps register (``invitation_details_register`` in their ``ready``):
#: accounts never imports them (dependencies point downward).
def invitation_by_token(*, token: str, accepted_by: User | None = None) -> Invitation | None:
    """The invitation whose secret token is ``token`` (with its organization), if any; with
    ``accepted_by`` only if that user accepted it. Unscoped on purpose: the link's token is
    the only thing its opener has, and it names one invitation of one organization."""
    invitations = Invitation.objects.with_scopes_disabled().select_related("organization")
    if accepted_by is not None:
        invitations = invitations.filter(accepted_by=accepted_by)
    return invitations.filter(token=token).first()


def invitation_email_last_queued_at(*, invitation: Invitation) -> datetime | None:
    """When the newest email carrying a link of ``invitation`` was queued (the invitation,
    an import's, a fresh link, a resend: their outbox keys start ``invitation:<pk>``), or
    ``None`` if none was."""
    key = f"invitation:{invitation.pk}"
    return (Notification.objects.filter(Q(key=key) | Q(key__startswith=f"{key}:"))
            .aggregate(Max("created_at"))["created_at__max"])


_invitation_namers: list[Callable[[Invitation], str]] = []
_invitation_landings: list[Callable[[Invitation, Membership], str | None]] = []


def invitation_details_register(
    *, name: Callable[[Invitation], str] | None = None,
    landing: Callable[[Invitation, Membership], str | None] | None = None,
) -> None:
    """``name``: the name the organization gave the invited person ("" if none), to fill in
    the join form. ``landing``: the local page an accepted invitation lands on (``None`` if it
    is not about one), e.g. the profile of the cohort place it carried."""
    if name is not None and name not in _invitation_namers:
        _invitation_namers.append(name)
    if landing is not None and landing not in _invitation_landings:
        _invitation_landings.append(landing)


def invitation_invitee_name(*, invitation: Invitation) -> str:
    return next((found for namer in _invitation_namers if (found := namer(invitation))), "")


def invitation_landing_path(*, invitation: Invitation, membership: Membership) -> str:
    """Where someone who accepted ``invitation`` lands: the page it is about, else the
    organization's home."""
    for landing in _invitation_landings:
        path = landing(invitation, membership)
        if path and is_local_path(path):
            return path
    return reverse("org_home", kwargs={"org_slug": invitation.organization.slug})


def invitation_account_of(*, invitation: Invitation) -> User | None:
    """The account (active or not) with the invited address. Only the link's page asks, and
    only its mailbox owner sees the answer."""
    return User.objects.filter(email__iexact=invitation.email).first()


def invitation_status_condition(status: str, *, prefix: str = "", now: datetime | None = None
                                ) -> Q:
    """Invitations whose :class:`~accounts.models.InvitationStatus` at ``now`` is ``status``
    (the SQL of :func:`~accounts.models.invitation_status_of`), through ``prefix`` (e.g.
    ``"invitation__"`` from a row that holds one)."""
    now = now or timezone.now()

    def null(field: str, is_null: bool) -> Q:
        return Q(**{f"{prefix}{field}__isnull": is_null})

    if status == InvitationStatus.ACCEPTED:
        return null("accepted_at", False)
    if status == InvitationStatus.REVOKED:
        return null("accepted_at", True) & null("revoked_at", False)
    unanswered = null("accepted_at", True) & null("revoked_at", True)
    if status == InvitationStatus.EXPIRED:
        return unanswered & Q(**{f"{prefix}expires_at__lte": now})
    if status == InvitationStatus.PENDING:
        return unanswered & Q(**{f"{prefix}expires_at__gt": now})
    raise ValueError(f"{status!r} is not an invitation status.")
