"""The weekly digest: the executive dashboard's headline figures and their change since last
week, emailed on Monday morning in each recipient's own zone to the executives and HR admins
who turned it on.

Who: a person with an executive or HR-admin membership who chose "Email" (or "In-app only")
for the kind ``weekly_digest`` on their notification settings page. It is off until they do
(``register_notification_kind(default=OFF, offered=digest_offered)``): only those roles see it
there and may turn it on. One digest per organization where they hold such a role; the
one-click unsubscribe link of every digest (RFC 8058) turns the kind off again.

When: :mod:`dashboards.digest_due` (pure) — Monday 08:00 in the recipient's zone (their
profile's zone in that organization, else the organization's, as reminders choose it),
after their quiet hours, for the rest of that Monday.

What: the headline :class:`~dashboards.figures.Figure` of every executive-visible panel
(``dashboards.selectors.dashboard_panels(hr=False)``), for "this week" (the organization's
seven days Monday to Sunday before the digest's Monday) and "last week" (the seven before).
The change is this week's value minus last week's, shown only when both are numbers: a figure
the k rule hides says "fewer than k" and has no change (a difference with a hidden value
could give it away). No name, no per-person figure, nothing of another organization.

Exactly once: :func:`digest_scan` (beat, every 15 minutes) finds who is due and hands each
one small task (:func:`dashboards.tasks.send_weekly_digest`); the task computes the figures
and writes one outbox row whose unique key is ``weekly_digest:<org>:<user>:<ISO week>``. Two
beats, a redelivered task or two workers add nothing (``notification_enqueue`` returns the
row already there), the outbox's send claims the row under a lock, and a worker that dies
before the row is written leaves the recipient due: the next beat hands it over again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, Role, User
from accounts.unsubscribe import unsubscribe_headers, unsubscribe_url
from core.broker import publish_task
from core.models import Notification, NotificationChannel, NotificationPreference
from core.notifications import notification_enqueue
from core.tenancy import organization_scope, scopes_disabled
from dashboards.digest_due import digest_due, digest_weeks, week_key
from dashboards.figures import Panel
from dashboards.formatting import format_number, format_value, is_number
from dashboards.scope import DashboardScope
from dashboards.selectors import dashboard_panels
from feedback.suppression import effective_k
from sessions.checkins.selectors import organization_today

logger = logging.getLogger(__name__)

DIGEST_KIND = "weekly_digest"
DIGEST_LABEL = "Weekly dashboard digest (executives and HR admins)"
DIGEST_ROLES = (Role.EXECUTIVE, Role.ADMIN)
#: The channels that mean "I opted in" (no preference row means off).
OPTED_IN = (NotificationChannel.EMAIL, NotificationChannel.IN_APP)
TEMPLATE = "dashboards/email/weekly_digest"


def digest_key(*, organization_id: int, user_id: int, week: str) -> str:
    return f"{DIGEST_KIND}:{organization_id}:{user_id}:{week}"


def digest_offered(user: User) -> bool:
    """Whether ``user`` may turn the digest on: an executive or HR admin somewhere."""
    if not user.is_authenticated or not user.is_active:
        return False
    with scopes_disabled():  # the person's own memberships, whatever organization
        return Membership.objects.filter(user=user, role__in=DIGEST_ROLES).exists()


def digest_headers(notification: Notification) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, and a Message-ID made from the outbox key (a resend
    after a worker died mid-send carries the same one)."""
    return {**unsubscribe_headers(notification),
            "Message-ID": f"<{notification.key.replace(':', '.')}@flipside>"}


def register_digest_kind() -> None:
    """``DashboardsConfig.ready``: the opt-in kind and its unsubscribe headers."""
    from core.notifications import register_notification_headers, register_notification_kind

    register_notification_kind(DIGEST_KIND, DIGEST_LABEL, default=NotificationChannel.OFF,
                               offered=digest_offered)
    register_notification_headers(DIGEST_KIND, digest_headers)


# --- who is due --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigestRecipient:
    organization_id: int
    user_id: int
    time_zone: str
    quiet_start: time | None
    quiet_end: time | None


def digest_recipients(*, organization_id: int | None = None,
                      user_id: int | None = None) -> list[DigestRecipient]:
    """Everyone who opted in, once per organization where they are an executive or HR admin
    (one query, every tenant: the scan is the platform's; nothing leaves it but ids)."""
    opted_in = NotificationPreference.objects.filter(kind=DIGEST_KIND, channel__in=OPTED_IN)
    with scopes_disabled():
        memberships = Membership.objects.filter(
            role__in=DIGEST_ROLES, user__is_active=True,
            user_id__in=opted_in.values("user_id"))
        if organization_id is not None:
            memberships = memberships.filter(organization_id=organization_id)
        if user_id is not None:
            memberships = memberships.filter(user_id=user_id)
        rows = memberships.order_by("organization_id", "user_id").values_list(
            "organization_id", "user_id", "organization__time_zone", "profile__time_zone",
            "user__quiet_hours_start", "user__quiet_hours_end")
        return [DigestRecipient(organization_id=org, user_id=user,
                                time_zone=own_zone or org_zone or "UTC",
                                quiet_start=quiet_start, quiet_end=quiet_end)
                for org, user, org_zone, own_zone, quiet_start, quiet_end in rows]


@dataclass(frozen=True)
class DueDigest:
    organization_id: int
    user_id: int
    week: str
    send_day: date

    @property
    def key(self) -> str:
        return digest_key(organization_id=self.organization_id, user_id=self.user_id,
                          week=self.week)


def digests_due(*, now: datetime) -> list[DueDigest]:
    """The digests due at ``now`` that the outbox does not hold yet."""
    found = []
    for recipient in digest_recipients():
        due = digest_due(now, time_zone=recipient.time_zone, quiet_start=recipient.quiet_start,
                         quiet_end=recipient.quiet_end)
        if due is not None:
            found.append(DueDigest(organization_id=recipient.organization_id,
                                   user_id=recipient.user_id, week=due.week,
                                   send_day=due.send_day))
    taken = set(Notification.objects.filter(key__in=[d.key for d in found])
                .values_list("key", flat=True))
    return [d for d in found if d.key not in taken]


@dataclass
class DigestScanReport:
    recipients_due: int = 0
    handed_over: int = 0
    written_here: int = 0


def digest_scan(*, now: datetime | None = None) -> DigestScanReport:
    """Hand each due digest to a worker as its own task. Safe to run twice or concurrently:
    the task writes one outbox row per key. A hand-over that fails (broker down) is done here
    instead; a digest that is neither stays due, and the next beat tries again."""
    from dashboards.tasks import send_weekly_digest

    now = now or timezone.now()
    report = DigestScanReport()
    for due in digests_due(now=now):
        report.recipients_due += 1
        args = (due.organization_id, due.user_id, due.week, due.send_day.isoformat())
        if publish_task(send_weekly_digest, args, what=f"weekly digest {due.key}"):
            report.handed_over += 1
        else:
            digest_write(organization_id=due.organization_id, user_id=due.user_id,
                         week=due.week, send_day=due.send_day)
            report.written_here += 1
    return report


# --- the figures -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigestLine:
    label: str
    value: str  # as the dashboard writes it ("62.5 %", "fewer than 5", "—")
    change: str  # "+3", "−2.5 points", "no change", or "" (nothing to compare)


@dataclass(frozen=True)
class DigestSection:
    title: str  # the panel's title
    lines: tuple[DigestLine, ...]


@dataclass(frozen=True)
class WeeklyDigest:
    organization: str
    k: int
    this_week: tuple[date, date]
    last_week: tuple[date, date]
    sections: tuple[DigestSection, ...] = field(default=())

    @property
    def suppressed(self) -> int:
        hidden = f"fewer than {self.k}"
        return sum(1 for s in self.sections for line in s.lines if line.value == hidden)


def _scope(organization: Organization, span: tuple[date, date], today: date) -> DashboardScope:
    return DashboardScope(organization_id=organization.pk,
                          k=effective_k(organization.anonymity_threshold), today=today,
                          date_from=span[0], date_to=span[1])


def format_change(this, last, unit: str) -> str:
    """This week's value minus last week's, when both are numbers ("" otherwise)."""
    if not (is_number(this) and is_number(last)):
        return ""
    difference = round(this - last, 2)
    if difference == 0:
        return "no change"
    text = format_number(abs(difference))
    sign = "+" if difference > 0 else "\u2212"
    if unit == "%":
        return f"{sign}{text} points"
    return f"{sign}{text}"


def _headline(panels: Sequence[Panel]) -> dict[tuple[str, str], object]:
    return {(panel.key, figure.key): figure.value for panel in panels for figure in panel.headline}


def weekly_digest_build(*, organization: Organization, send_day: date) -> WeeklyDigest:
    """The digest's figures for the week before ``send_day`` and the one before that: only
    the executive-visible panels' headline figures (call inside the organization's scope)."""
    this_week, last_week = digest_weeks(send_day)
    today = organization_today(organization)
    k = effective_k(organization.anonymity_threshold)
    panels = [p for _, section in dashboard_panels(scope=_scope(organization, this_week, today))
              for p in section]
    before = _headline([p for _, section in dashboard_panels(
        scope=_scope(organization, last_week, today)) for p in section])
    sections = []
    for panel in panels:
        lines = tuple(
            DigestLine(label=figure.label,
                       value=format_value(figure.value, figure.unit, k=k, count_unit=True),
                       change=format_change(figure.value, before.get((panel.key, figure.key)),
                                            figure.unit))
            for figure in panel.headline)
        if lines:
            sections.append(DigestSection(title=panel.title, lines=lines))
    return WeeklyDigest(organization=organization.name, k=k, this_week=this_week,
                        last_week=last_week, sections=tuple(sections))


# --- the message -------------------------------------------------------------------------------

def _dashboard_link(organization: Organization) -> str:
    return reverse("dashboards:dashboard", kwargs={"org_slug": organization.slug})


def _span(span: tuple[date, date]) -> str:
    start, end = span
    return f"{start:%-d %B} to {end:%-d %B %Y}"


def digest_write(*, organization_id: int, user_id: int, week: str,
                 send_day: date) -> Notification | None:
    """Compute the digest of ``organization_id`` for ``send_day`` and write it to the outbox
    for ``user_id``, once: nothing when that week's key is there already, or when the person
    is no longer an opted-in executive or HR admin of the organization."""
    if week != week_key(send_day):
        raise ValueError(f"{send_day} is not in week {week}.")
    key = digest_key(organization_id=organization_id, user_id=user_id, week=week)
    if Notification.objects.filter(key=key).exists():
        return None
    if not digest_recipients(organization_id=organization_id, user_id=user_id):
        return None  # opted out, no longer an executive/admin, deactivated, or left
    organization = Organization.objects.filter(pk=organization_id).first()
    user = User.objects.filter(pk=user_id).first()
    if organization is None or user is None:
        return None
    with organization_scope(organization):
        digest = weekly_digest_build(organization=organization, send_day=send_day)
        return notification_enqueue(
            organization=organization, recipient=user, email=user.email, kind=DIGEST_KIND,
            key=key, template=TEMPLATE, link=_dashboard_link(organization),
            context={"digest": digest, "week": week,
                     "this_week": _span(digest.this_week), "last_week": _span(digest.last_week),
                     "kind_label": DIGEST_LABEL,
                     "unsubscribe_url": unsubscribe_url(user_id=user_id, kind=DIGEST_KIND),
                     "settings_url": settings.FLIPSIDE_SITE_URL
                     + reverse("notification_preferences")})
