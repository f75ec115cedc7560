"""The weekly digest end to end (dashboards/digest.py): who may opt in, one email per recipient
per ISO week however many beats run, Monday 08:00 in each recipient's own zone across the
changes of 2026, nothing for the opted-out or a changed role, the k rule and tenant isolation
in what the email says. The figures come from test panels registered in
``dashboards.selectors.SECTIONS`` (whose figures are known), and once from the real sections.

A real worker, killed in the middle, is in the last tests (Redis and PostgreSQL, like
tests/sessions/test_reminders_worker.py, whose worker fixture they use)."""

from __future__ import annotations

import time as wall_clock
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.unsubscribe import unsubscribe_token
from core.models import Notification, NotificationChannel, NotificationPreference
from core.notifications import notification_dispatch, notification_preferences_set
from core.tenancy import organization_scope, scopes_disabled
from dashboards import selectors
from dashboards.digest import (
    DIGEST_KIND,
    digest_key,
    digest_offered,
    digest_scan,
    digest_write,
)
from dashboards.figures import SUPPRESSED, Column, Figure, Panel, Table
from dashboards.selectors import Section
from tests.conftest import postgres_available, redis_available
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.programs import ProfileFactory
from tests.sessions.test_reminders_worker import worker  # noqa: F401 (the real worker fixture)

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- test panels ---------------------------------------------------------------------------------

#: sessions held, by the week's first day: 12 this week, 9 last week (week of 30 March 2026)
SESSIONS = {date(2026, 3, 23): 12, date(2026, 3, 16): 9}
ON_TRACK = {date(2026, 3, 23): 62.5, date(2026, 3, 16): 60.0}


def _test_panels(*, scope):
    """One panel whose figures are known per week, one hidden by the k rule, one that counts
    the organization's members (through the tenant scope: another organization's must never
    show), and one shown this week but hidden last week."""
    members = Membership.objects.count()  # tenant-scoped
    return [
        Panel(key="activity", title="Activity", description="Test figures.",
              table=Table(columns=(Column("week", "Week"),), rows=()), headline=(
                  Figure("sessions", "Sessions held", SESSIONS.get(scope.date_from),
                         "sessions"),
                  Figure("on_track", "Pairs on track", ON_TRACK.get(scope.date_from), "%"),
              )),
        Panel(key="ratings", title="Ratings", description="Test figures.",
              table=Table(columns=(Column("week", "Week"),), rows=()), headline=(
                  Figure("mean", "Average session rating", SUPPRESSED, "/5"),
                  Figure("nps", "NPS", 30 if scope.date_from == date(2026, 3, 23)
                         else SUPPRESSED, "NPS"),
              )),
        Panel(key="people", title="People", description="Test figures.",
              table=Table(columns=(Column("week", "Week"),), rows=()), headline=(
                  Figure("members", "Members", members, "people"),)),
    ]


@pytest.fixture
def test_sections(monkeypatch):
    monkeypatch.setattr(selectors, "SECTIONS", (
        Section("test", "Test", _test_panels, ("activity", "ratings", "people")),
        Section("hr_only", "HR only", lambda *, scope: [Panel(
            key="hr_list", title="HR list", description="Names.",
            table=Table(columns=(), rows=()),
            headline=(Figure("named", "Named pair", "Maya and Edward"),))],
            ("hr_list",), hr_only=True),
    ))


def _opt_in(user, channel=NotificationChannel.EMAIL):
    NotificationPreference.objects.update_or_create(user=user, kind=DIGEST_KIND,
                                                    defaults={"channel": channel})


def _person(organization, role, email, *, zone=None, opted_in=True):
    membership = MembershipFactory(organization=organization, role=role,
                                   user=UserFactory(email=email))
    if zone is not None:
        ProfileFactory(membership=membership, time_zone=zone)
    if opted_in:
        _opt_in(membership.user)
    return membership.user


@pytest.fixture
def berlin(db):
    return OrganizationFactory(name="Acme Retail", slug="acme", time_zone="Europe/Berlin")


def _digests():
    return list(Notification.objects.filter(kind=DIGEST_KIND).order_by("email", "key")
                .values_list("email", "key", "status"))


def _scan(capture, now):
    with capture(execute=True):
        return digest_scan(now=now)


# --- who may opt in ----------------------------------------------------------------------------

def test_the_digest_is_off_until_chosen_and_offered_to_executives_and_admins_only(
        client, berlin):
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example", opted_in=False)
    admin = _person(berlin, Role.ADMIN, "hr@acme.example", opted_in=False)
    member = _person(berlin, Role.MEMBER, "maya@acme.example", opted_in=False)
    assert digest_offered(executive)
    assert digest_offered(admin)
    assert not digest_offered(member)

    client.force_login(executive)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert "Weekly dashboard digest" in page
    field = page[page.index(f'name="{DIGEST_KIND}"'):]
    field = field[:field.index("</select>")]
    assert 'value="off" selected' in field  # off until they turn it on
    client.force_login(member)
    assert "Weekly dashboard digest" not in client.get(
        reverse("notification_preferences")).content.decode()

    # only those roles may turn it on; anyone may turn it off
    notification_preferences_set(user=member, channels={DIGEST_KIND: "email"})
    notification_preferences_set(user=executive, channels={DIGEST_KIND: "email"})
    assert list(NotificationPreference.objects.filter(kind=DIGEST_KIND).values_list(
        "user__email", "channel")) == [("exec@acme.example", "email")]


def test_the_settings_page_turns_the_digest_on(client, berlin):
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example", opted_in=False)
    client.force_login(executive)
    page = client.get(reverse("notification_preferences"))
    data = {name: field.initial for name, field in page.context["form"].fields.items()}
    data[DIGEST_KIND] = "email"
    data.update(quiet_hours_start="20:00", quiet_hours_end="08:00")
    assert client.post(reverse("notification_preferences"), data).status_code == 302
    assert NotificationPreference.objects.get(user=executive, kind=DIGEST_KIND).channel == \
        "email"


# --- once per recipient per week -----------------------------------------------------------------

def test_one_digest_per_recipient_per_week_across_duplicate_beats(
        berlin, test_sections, django_capture_on_commit_callbacks):
    _person(berlin, Role.EXECUTIVE, "exec@acme.example")
    _person(berlin, Role.ADMIN, "hr@acme.example")
    _person(berlin, Role.MEMBER, "maya@acme.example")  # a member: never (opted in or not)
    monday = utc(2026, 3, 30, 6, 0)  # 08:00 CEST

    assert _scan(django_capture_on_commit_callbacks, monday - timedelta(minutes=15)) \
        .recipients_due == 0
    first = _scan(django_capture_on_commit_callbacks, monday)
    again = _scan(django_capture_on_commit_callbacks, monday)  # a duplicate beat
    later = _scan(django_capture_on_commit_callbacks, monday + timedelta(hours=5))
    # a task delivered twice, after the row exists, writes nothing
    for user in ("exec@acme.example", "hr@acme.example"):
        with scopes_disabled():
            user_id = Membership.objects.get(user__email=user).user_id
        assert digest_write(organization_id=berlin.pk, user_id=user_id, week="2026-W14",
                            send_day=date(2026, 3, 30)) is None

    assert (first.recipients_due, again.recipients_due, later.recipients_due) == (2, 0, 0)
    assert [(email, status) for email, _, status in _digests()] == [
        ("exec@acme.example", "sent"), ("hr@acme.example", "sent")]
    assert sorted(m.to[0] for m in mail.outbox) == ["exec@acme.example", "hr@acme.example"]

    # the next Monday is a new week: one more each
    _scan(django_capture_on_commit_callbacks, monday + timedelta(days=7))
    assert [key.rsplit(":", 1)[1] for _, key, _ in _digests()] == [
        "2026-W14", "2026-W15", "2026-W14", "2026-W15"]
    assert len(mail.outbox) == 4


def test_a_recipient_executive_in_two_organizations_gets_one_digest_of_each(
        berlin, test_sections, django_capture_on_commit_callbacks):
    other = OrganizationFactory(name="Globex Energy", slug="globex", time_zone="Europe/Berlin")
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example")
    MembershipFactory(organization=other, role=Role.ADMIN, user=executive)
    for index in range(4):
        MembershipFactory(organization=other, user=UserFactory(email=f"g{index}@globex.example"))

    _scan(django_capture_on_commit_callbacks, utc(2026, 3, 30, 6, 0))

    assert sorted(key for _, key, _ in _digests()) == sorted([
        digest_key(organization_id=berlin.pk, user_id=executive.pk, week="2026-W14"),
        digest_key(organization_id=other.pk, user_id=executive.pk, week="2026-W14")])
    bodies = {m.subject.split(":")[0]: m.body for m in mail.outbox}
    # each digest counts its own organization's members only: Acme 1, Globex 1 + 4
    assert "- Members: 1\u00a0person" in bodies["Acme Retail"]
    assert "- Members: 5\u00a0people" in bodies["Globex Energy"]
    assert "Globex" not in bodies["Acme Retail"]
    assert "Acme" not in bodies["Globex Energy"]


# --- time zones and daylight saving --------------------------------------------------------------

@pytest.mark.parametrize(("monday", "expected"), [
    # the week Berlin moved to summer time (Sunday 29 March); New York moved on 8 March,
    # Auckland leaves summer time on 5 April, Kolkata never changes
    (date(2026, 3, 30), {"berlin@acme.example": utc(2026, 3, 30, 6, 0),
                         "newyork@acme.example": utc(2026, 3, 30, 12, 0),
                         "kolkata@acme.example": utc(2026, 3, 30, 2, 30),
                         "auckland@acme.example": utc(2026, 3, 29, 19, 0)}),
    # the week after Auckland's change
    (date(2026, 4, 6), {"berlin@acme.example": utc(2026, 4, 6, 6, 0),
                        "newyork@acme.example": utc(2026, 4, 6, 12, 0),
                        "kolkata@acme.example": utc(2026, 4, 6, 2, 30),
                        "auckland@acme.example": utc(2026, 4, 5, 20, 0)}),
    # the week New York went back to standard time (Sunday 1 November; Berlin on 25 October)
    (date(2026, 11, 2), {"berlin@acme.example": utc(2026, 11, 2, 7, 0),
                         "newyork@acme.example": utc(2026, 11, 2, 13, 0),
                         "kolkata@acme.example": utc(2026, 11, 2, 2, 30),
                         "auckland@acme.example": utc(2026, 11, 1, 19, 0)}),
])
def test_monday_eight_o_clock_in_each_recipients_zone(
        monday, expected, berlin, test_sections, django_capture_on_commit_callbacks):
    # Berlin's executive has no zone of their own: the organization's
    _person(berlin, Role.EXECUTIVE, "berlin@acme.example")
    _person(berlin, Role.ADMIN, "newyork@acme.example", zone="America/New_York")
    _person(berlin, Role.EXECUTIVE, "kolkata@acme.example", zone="Asia/Kolkata")
    _person(berlin, Role.EXECUTIVE, "auckland@acme.example", zone="Pacific/Auckland")
    first_seen: dict[str, datetime] = {}
    now = datetime.combine(monday - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    end = now + timedelta(days=3)
    while now < end:  # a beat every 15 minutes from Sunday 00:00 UTC to Tuesday 24:00
        _scan(django_capture_on_commit_callbacks, now)
        for email, _, _ in _digests():
            first_seen.setdefault(email, now)
        now += timedelta(minutes=15)

    assert first_seen == expected
    week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    assert {key.rsplit(":", 1)[1] for _, key, _ in _digests()} == {week}
    assert len(mail.outbox) == 4


# --- who gets nothing ---------------------------------------------------------------------------

def test_opted_out_unsubscribed_demoted_or_deactivated_recipients_get_nothing(
        client, berlin, test_sections, django_capture_on_commit_callbacks):
    _person(berlin, Role.EXECUTIVE, "never@acme.example", opted_in=False)
    unsubscribed = _person(berlin, Role.EXECUTIVE, "stopped@acme.example")
    demoted = _person(berlin, Role.EXECUTIVE, "demoted@acme.example")
    gone = _person(berlin, Role.ADMIN, "gone@acme.example")
    _person(berlin, Role.EXECUTIVE, "stays@acme.example")
    _person(berlin, Role.MEMBER, "member@acme.example")  # opted in by hand: not offered

    token = unsubscribe_token(user_id=unsubscribed.pk, kind=DIGEST_KIND)
    assert client.post(reverse("unsubscribe", kwargs={"token": token})).status_code == 200
    with organization_scope(berlin):
        Membership.objects.filter(user=demoted).update(role=Role.MEMBER)
    gone.is_active = False
    gone.save()

    _scan(django_capture_on_commit_callbacks, utc(2026, 3, 30, 6, 0))

    assert [email for email, _, _ in _digests()] == ["stays@acme.example"]
    assert [m.to for m in mail.outbox] == [["stays@acme.example"]]


def test_a_role_changed_between_the_scan_and_the_task_gets_nothing(berlin, test_sections):
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example")
    with organization_scope(berlin):
        Membership.objects.filter(user=executive).update(role=Role.MEMBER)
    assert digest_write(organization_id=berlin.pk, user_id=executive.pk, week="2026-W14",
                        send_day=date(2026, 3, 30)) is None
    assert _digests() == []


# --- what the email says ------------------------------------------------------------------------

def test_the_email_shows_headline_figures_their_change_and_the_k_rule(
        berlin, test_sections, django_capture_on_commit_callbacks):
    berlin.anonymity_threshold = 5
    berlin.save()
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example")

    _scan(django_capture_on_commit_callbacks, utc(2026, 3, 30, 6, 0))

    [message] = mail.outbox
    text, (html, mime) = message.body, message.alternatives[0]
    assert mime == "text/html"
    assert message.subject == \
        "Acme Retail: your weekly Flipside digest (23 March to 29 March 2026)"
    assert "the headline figures of 23 March to 29 March 2026, with the change since the " \
        "week before (16 March to 22 March 2026)" in text
    # this week 12 sessions, last week 9: +3; 62.5 % against 60 %: +2.5 points
    assert "- Sessions held: 12\u00a0sessions (+3 since last week)" in text
    assert "- Pairs on track: 62.5\u00a0% (+2.5 points since last week)" in text
    # hidden by the k rule: "fewer than 5", and no change (not even against a shown week)
    assert "- Average session rating: fewer than 5\n" in text
    # shown this week, hidden last week: the value, but no change that would reveal it
    assert "- NPS: +30\n" in text
    assert "Figures about fewer than 5 people are not shown" in text
    assert "fewer than 5" in html
    assert "+2.5 points since last week" in html
    # the executive view only: the HR-only section never reaches a digest
    assert "Named pair" not in text + html
    assert "Maya" not in text + html
    # the dashboard link, both parts; the one-click unsubscribe of this kind
    link = f"{settings.FLIPSIDE_SITE_URL}/o/acme/dashboard/"
    assert link in text
    assert link in html
    token = unsubscribe_token(user_id=executive.pk, kind=DIGEST_KIND)
    assert token in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    key = digest_key(organization_id=berlin.pk, user_id=executive.pk, week="2026-W14")
    assert message.extra_headers["Message-ID"] == f"<{key.replace(':', '.')}@flipside>"
    assert token in text


def test_the_digest_of_the_real_sections_names_nobody(
        berlin, django_capture_on_commit_callbacks):
    from tests.sessions.conftest import make_pair

    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example")
    with organization_scope(berlin):
        world = make_pair(berlin)
    names = [world.mentor_user.display_name, world.mentee_user.display_name,
             world.mentor_user.email, world.mentee_user.email]

    _scan(django_capture_on_commit_callbacks, utc(2026, 3, 30, 6, 0))

    [message] = mail.outbox
    assert message.to == [executive.email]
    content = message.body + message.alternatives[0][0]
    for name in names:
        assert name not in content


# --- a real worker ----------------------------------------------------------------------------

services = pytest.mark.skipif(not (redis_available() and postgres_available()),
                              reason="a real worker needs Redis and PostgreSQL "
                                     "(set REDIS_URL and DATABASE_URL)")


def _monday_morning_scan_at() -> datetime:
    return utc(2026, 3, 30, 6, 0)


@services
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")
def test_duplicate_beats_and_deliveries_with_a_real_worker_send_one_email(
        berlin, worker):  # noqa: F811 (the imported fixture)
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example")
    executive.quiet_hours_start = executive.quiet_hours_end = None
    executive.save()

    reports = [digest_scan(now=_monday_morning_scan_at()) for _ in range(3)]
    from dashboards.tasks import send_weekly_digest

    send_weekly_digest.apply_async((berlin.pk, executive.pk, "2026-W14", "2026-03-30"))
    worker.wait_until(lambda: len(worker.emails()) >= 1 and _digests() and
                      _digests()[0][2] == "sent")
    for pk in Notification.objects.values_list("pk", flat=True):  # the broker delivers again
        assert notification_dispatch(notification_id=pk)
    wall_clock.sleep(2)

    # three beats before the worker wrote the row may each hand it over: still one row
    assert all(r.recipients_due <= 1 for r in reports)
    assert _digests() == [("exec@acme.example", digest_key(
        organization_id=berlin.pk, user_id=executive.pk, week="2026-W14"), "sent")]
    assert [m["To"] for m in worker.emails()] == ["exec@acme.example"]


@services
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")
def test_a_worker_killed_between_sending_and_commit_leaves_one_row_and_one_message_id(
        berlin, worker):  # noqa: F811 (the imported fixture)
    executive = _person(berlin, Role.EXECUTIVE, "exec@acme.example")
    worker.marker.write_text("kill the child right after its next SMTP hand-over")

    digest_scan(now=_monday_morning_scan_at())
    worker.wait_until(lambda: len(worker.emails()) >= 2 and _digests() and
                      _digests()[0][2] == "sent", timeout=40)
    digest_scan(now=_monday_morning_scan_at() + timedelta(minutes=15))  # the next beat
    wall_clock.sleep(2)

    assert not worker.marker.exists()
    assert _digests() == [("exec@acme.example", digest_key(
        organization_id=berlin.pk, user_id=executive.pk, week="2026-W14"), "sent")]
    handed_over = worker.emails()
    assert [m["To"] for m in handed_over] == ["exec@acme.example"] * 2
    assert len({m["Message-ID"] for m in handed_over}) == 1
    assert Notification.objects.filter(kind=DIGEST_KIND).count() == 1
