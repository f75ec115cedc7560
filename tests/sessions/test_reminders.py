"""The reminder scans on the database under controlled time (time-machine): each kind is
recorded in the outbox exactly when due and never twice, across the spring and autumn changes
of Europe/London and America/New_York, for a person whose zone differs from the
organization's; quiet hours hold; a paused pair gets nothing; the daily email cap; the emails
(text and HTML, program, action link, one-click unsubscribe); constant queries."""

from __future__ import annotations

import datetime as dt
import email
from datetime import UTC

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.unsubscribe import unsubscribe_token
from core.models import Notification, NotificationChannel, NotificationPreference
from matching.models import PairEndReason, PairStatus
from programs.models import DirectedPrompt
from sessions import due as core
from sessions.models import MentoringSession, SessionStatus
from sessions.reminders import pair_facts_load, reminders_scan
from tests.factories.sessions import ActionItemFactory, CommitmentFactory
from tests.sessions.conftest import make_pair

pytestmark = pytest.mark.django_db

STEP = dt.timedelta(minutes=15)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def london_org(organization):
    organization.time_zone = "Europe/London"
    organization.save()
    return organization


def build(organization, member_user, at: dt.datetime, **cohort):
    """Maya (mentor, London) and Edward (mentee, New York; the org is in London), paired at
    ``at``."""
    with time_machine.travel(at, tick=False):
        world = make_pair(organization,
                          mentor_membership=Membership.objects.get(user=member_user))
    if cohort:
        for name, value in cohort.items():
            setattr(world.pair.cohort, name, value)
        world.pair.cohort.save()
    return world


def session(world, starts_at, created=None, minutes=60, **fields):
    with time_machine.travel(created or starts_at - dt.timedelta(days=5), tick=False):
        return MentoringSession.objects.create(
            organization=world.pair.organization, pair=world.pair, starts_at=starts_at,
            duration_minutes=minutes, created_by=world.mentee, **fields)


def scan_every_15_minutes(kinds, start, end):
    moment = start
    while moment <= end:
        with time_machine.travel(moment, tick=False):
            for kind in kinds:
                reminders_scan(kind=kind)
        moment += STEP


def rows(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list(
        "recipient__email", "created_at", "key"))


MAYA, EDWARD = "maya@acme.example", None  # Edward's address comes from the factory


def recipients(kind):
    return sorted(("maya" if address == MAYA else "edward", at) for address, at, _ in rows(kind))


# --- session soon across the DST changes --------------------------------------------------------

@pytest.mark.parametrize(("zone", "start"), [
    ("Europe/London", utc(2026, 3, 29, 13)),     # 14:00 BST, the day the clocks went forward
    ("Europe/London", utc(2026, 10, 25, 14)),    # 14:00 GMT, the day they went back
    ("America/New_York", utc(2026, 3, 8, 18)),   # 14:00 EDT
    ("America/New_York", utc(2026, 11, 1, 19)),  # 14:00 EST
])
def test_session_soon_exactly_24_hours_before_once_across_dst(scoped_organization, london_org,
                                                              member_user,
                                                              zone, start):
    london_org.time_zone = zone
    london_org.save()
    world = build(london_org, member_user, start - dt.timedelta(days=20))
    session(world, start)

    scan_every_15_minutes([core.SESSION_SOON], start - dt.timedelta(hours=30),
                          start + dt.timedelta(hours=1))

    # 24 hours before, for both (14:00 in one zone is daytime in the other), once each
    assert recipients(core.SESSION_SOON) == [("edward", start - dt.timedelta(hours=24)),
                                             ("maya", start - dt.timedelta(hours=24))]


def test_quiet_hours_hold_in_each_persons_own_zone(scoped_organization, london_org, member_user):
    start = utc(2026, 2, 10, 7, 30)  # 07:30 London, 02:30 New York
    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    session(world, start)

    scan_every_15_minutes([core.SESSION_SOON], utc(2026, 2, 9, 6), utc(2026, 2, 9, 14))

    # 24 h before is 07:30 London (Maya sleeps until 08:00) and 02:30 New York (Edward until
    # 08:00 New York, 13:00 UTC): each waits for the end of their own quiet hours
    assert recipients(core.SESSION_SOON) == [("edward", utc(2026, 2, 9, 13)),
                                             ("maya", utc(2026, 2, 9, 8))]


def test_own_quiet_hours_setting_is_used(scoped_organization, london_org, member_user):
    member_user.quiet_hours_start, member_user.quiet_hours_end = dt.time(6), dt.time(10)
    member_user.save()
    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    session(world, utc(2026, 2, 10, 7, 30))

    scan_every_15_minutes([core.SESSION_SOON], utc(2026, 2, 9, 6), utc(2026, 2, 9, 14))

    assert [r for r in recipients(core.SESSION_SOON) if r[0] == "maya"] == [
        ("maya", utc(2026, 2, 9, 10))]


# --- log, rate, dated items ---------------------------------------------------------------

def test_log_your_session_after_2_hours_and_3_days_then_never_again(scoped_organization, london_org,
                                                                    member_user):
    start = utc(2026, 3, 26, 14)  # London moves its clocks in between (29 March)
    world = build(london_org, member_user, utc(2026, 3, 1, 9))
    session(world, start)
    # scanning hourly is enough to see both; every 15 minutes around each moment
    scan_every_15_minutes([core.SESSION_LOG], start, start + dt.timedelta(hours=4))
    scan_every_15_minutes([core.SESSION_LOG], start + dt.timedelta(days=3),
                          start + dt.timedelta(days=3, hours=4))
    scan_every_15_minutes([core.SESSION_LOG], start + dt.timedelta(days=5),
                          start + dt.timedelta(days=5, hours=1))

    first, second = start + dt.timedelta(hours=3), start + dt.timedelta(days=3, hours=3)
    assert recipients(core.SESSION_LOG) == [("edward", first), ("edward", second),
                                            ("maya", first), ("maya", second)]


def test_rate_your_session_once_for_the_one_who_has_not_rated(scoped_organization, london_org,
                                                              member_user):
    from sessions.models import SessionRating

    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    held = session(world, utc(2026, 2, 10, 14), status=SessionStatus.HAPPENED,
                   logged_at=utc(2026, 2, 10, 15, 30), logged_by=world.mentor)
    with time_machine.travel(utc(2026, 2, 10, 15, 30), tick=False):
        SessionRating.objects.create(organization=world.pair.organization, session=held,
                                     participant=world.mentor, value=4)

    scan_every_15_minutes([core.SESSION_RATE], utc(2026, 2, 10, 15), utc(2026, 2, 11, 18))

    # 16:30 UTC is 11:30 in New York
    assert recipients(core.SESSION_RATE) == [("edward", utc(2026, 2, 10, 16, 30))]


def test_action_item_the_morning_of_the_due_date_in_the_owners_zone(scoped_organization, london_org,
                                                                    member_user):
    world = build(london_org, member_user, utc(2026, 2, 1, 9))
    held = session(world, utc(2026, 2, 20, 14), status=SessionStatus.HAPPENED,
                   logged_at=utc(2026, 2, 20, 15))
    with time_machine.travel(utc(2026, 2, 20, 15), tick=False):
        ActionItemFactory(pair=world.pair, session=held, owner=world.mentee,
                          due_date=dt.date(2026, 3, 9))

    scan_every_15_minutes([core.ACTION_ITEM_DUE], utc(2026, 3, 9, 0), utc(2026, 3, 10, 0))

    # 09:00 New York the day after its clocks went forward (EDT) is 13:00 UTC, not 09:00
    # London (the organization's zone)
    assert recipients(core.ACTION_ITEM_DUE) == [("edward", utc(2026, 3, 9, 13))]


def test_commitment_due_once_and_marked_asked(scoped_organization, london_org, member_user):
    world = build(london_org, member_user, utc(2026, 2, 1, 9))
    with time_machine.travel(utc(2026, 2, 2), tick=False):
        commitment = CommitmentFactory(pair=world.pair, owner=world.mentee,
                                       due_date=dt.date(2026, 11, 2))

    scan_every_15_minutes([core.COMMITMENT_DUE], utc(2026, 11, 2, 10), utc(2026, 11, 2, 16))

    assert recipients(core.COMMITMENT_DUE) == [("edward", utc(2026, 11, 2, 14))]  # 09:00 EST
    commitment.refresh_from_db()
    assert commitment.asked_at == utc(2026, 11, 2, 14)


# --- pair kinds ---------------------------------------------------------------------------

def test_get_started_again_carries_the_phase_prompt(scoped_organization, london_org, member_user,
                                                    mailoutbox,
                                                    django_capture_on_commit_callbacks):
    world = build(london_org, member_user, utc(2026, 1, 5, 9), cadence_days=14,
                  start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 6, 30))
    DirectedPrompt.objects.create(organization=london_org, program=world.pair.cohort.program,
                                  phase="early", text="Which app would you delete & why?")
    due = utc(2026, 1, 26, 9)  # the pair's start + 14 + 7 days
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_RESTART], due - STEP, due + dt.timedelta(hours=6))

    assert recipients(core.PAIR_RESTART) == [("edward", utc(2026, 1, 26, 13)), ("maya", due)]
    text = next(m for m in mailoutbox if m.to == [MAYA]).body
    assert "Which app would you delete & why?" in text


def test_pair_at_risk_to_hr_after_two_cancellations_by_the_same_person(
        scoped_organization, london_org, member_user, admin_user):
    world = build(london_org, member_user, utc(2026, 1, 5, 9), cadence_days=14)
    for day in (12, 19):
        session(world, utc(2026, 1, day, 14), status=SessionStatus.CANCELLED,
                cancelled_by=world.mentee, created=utc(2026, 1, 6))
    with time_machine.travel(utc(2026, 1, 19, 10), tick=False):
        MentoringSession.objects.filter(pair=world.pair).update(
            updated_at=utc(2026, 1, 19, 10))  # the second cancellation's moment

    scan_every_15_minutes([core.PAIR_AT_RISK], utc(2026, 1, 19, 9), utc(2026, 1, 19, 12))

    assert [(e, at) for e, at, _ in rows(core.PAIR_AT_RISK)] == [
        ("hr@acme.example", utc(2026, 1, 19, 10))]


def test_inactive_pair_warns_both_and_hr_then_closes_as_inactive(
        scoped_organization, london_org, member_user, admin_user,
        django_capture_on_commit_callbacks):
    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    warn = utc(2026, 1, 5, 9) + dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_INACTIVE], warn - STEP, warn + dt.timedelta(hours=6))
    assert sorted(e for e, _, _ in rows(core.PAIR_INACTIVE)) == sorted(
        [MAYA, world.mentee_user.email, "hr@acme.example"])

    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_INACTIVE], warn + dt.timedelta(days=7) - STEP,
                              warn + dt.timedelta(days=7, minutes=15))
    world.pair.refresh_from_db()
    assert (world.pair.status, world.pair.end_reason) == (PairStatus.ENDED,
                                                          PairEndReason.INACTIVE)
    assert len(rows(core.PAIR_INACTIVE)) == 3  # warned once


def test_the_cohorts_own_inactivity_days_decide_when_a_pair_is_warned(
        scoped_organization, london_org, member_user, admin_user,
        django_capture_on_commit_callbacks):
    from sessions.models import CheckInSchedule

    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    days = 30
    CheckInSchedule.objects.create(organization=world.pair.organization,
                                   cohort=world.pair.cohort, inactivity_days=days)
    warn = utc(2026, 1, 5, 9) + dt.timedelta(days=days)
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_INACTIVE], warn - dt.timedelta(days=1), warn - STEP)
    assert rows(core.PAIR_INACTIVE) == []  # not a day early
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_INACTIVE], warn - STEP, warn + dt.timedelta(hours=6))
    assert sorted(e for e, _, _ in rows(core.PAIR_INACTIVE)) == sorted(
        [MAYA, world.mentee_user.email, "hr@acme.example"])


def test_inactive_pair_stays_open_when_someone_acts_after_the_warning(
        scoped_organization, london_org, member_user, django_capture_on_commit_callbacks):
    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    warn = utc(2026, 1, 5, 9) + dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_INACTIVE], warn, warn + dt.timedelta(hours=5))
    session(world, warn + dt.timedelta(days=10), created=warn + dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.PAIR_INACTIVE], warn + dt.timedelta(days=7),
                              warn + dt.timedelta(days=7, hours=1))
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.ACTIVE


def test_a_paused_pair_gets_nothing(scoped_organization, london_org, member_user, admin_user):
    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    session(world, utc(2026, 2, 10, 14))
    with time_machine.travel(utc(2026, 1, 20), tick=False):
        ActionItemFactory(pair=world.pair, session=session(world, utc(2026, 1, 19, 14)),
                          owner=world.mentor, due_date=dt.date(2026, 2, 11))
    world.pair.status = PairStatus.PAUSED
    world.pair.save()

    for day in (dt.timedelta(days=d) for d in (36, 37, 38, 60, 61, 68)):
        with time_machine.travel(utc(2026, 1, 5, 12) + day, tick=False):
            for kind in (*core.REMINDER_KINDS,):
                reminders_scan(kind=kind)

    assert Notification.objects.filter(kind__in=core.REMINDER_KINDS).count() == 0
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.PAUSED


# --- one capped email per person per day, digest, emails, unsubscribe ---------------------------

def test_one_reminder_email_a_day_lists_the_days_items_and_session_soon_is_apart(
        scoped_organization, london_org, member_user, mailoutbox,
        django_capture_on_commit_callbacks):
    world = build(london_org, member_user, utc(2026, 2, 1, 9))
    held = session(world, utc(2026, 2, 20, 14), status=SessionStatus.HAPPENED,
                   logged_at=utc(2026, 2, 20, 15))
    with time_machine.travel(utc(2026, 2, 20, 15), tick=False):
        for text in ("Try Copilot on the Q3 deck", "Read the AI policy"):
            ActionItemFactory(pair=world.pair, session=held, owner=world.mentor, text=text,
                              due_date=dt.date(2026, 3, 2))
        CommitmentFactory(pair=world.pair, owner=world.mentor, due_date=dt.date(2026, 3, 2))
    session(world, utc(2026, 3, 3, 12))

    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.ACTION_ITEM_DUE, core.COMMITMENT_DUE, core.SESSION_SOON],
                              utc(2026, 3, 2, 8, 45), utc(2026, 3, 2, 12, 15))

    maya = [m for m in mailoutbox if m.to == [MAYA]]
    assert sorted(m.subject.split(" · ")[0] for m in maya) == [
        "An action item is due today", "Tomorrow: your mentoring session with Edward Vance"]
    digest = next(m for m in maya if m.subject.startswith("An action item"))
    assert "Try Copilot on the Q3 deck" in digest.body
    assert "Read the AI policy" in digest.body
    # both items are in the inbox; the commitment waits for tomorrow (one email a day)
    assert Notification.objects.filter(recipient=member_user, kind="action_item_due").count() == 2
    assert not Notification.objects.filter(recipient=member_user, kind="commitment_due").exists()
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.COMMITMENT_DUE], utc(2026, 3, 3, 6),
                              utc(2026, 3, 3, 9, 15))
    # the next day, as soon as Maya's quiet hours end
    assert recipients(core.COMMITMENT_DUE) == [("maya", utc(2026, 3, 3, 8))]


def test_reminder_email_parts_program_link_and_one_click_unsubscribe(
        scoped_organization, london_org, member_user, mailoutbox, client,
        django_capture_on_commit_callbacks):
    world = build(london_org, member_user, utc(2026, 2, 1, 9))
    program = world.pair.cohort.program
    program.name = "Leaders & Juniors: \"Tech\" <Pilot>"
    program.save()
    session(world, utc(2026, 2, 10, 14))
    with django_capture_on_commit_callbacks(execute=True), \
            time_machine.travel(utc(2026, 2, 9, 14), tick=False):
        reminders_scan(kind=core.SESSION_SOON)

    message = next(m for m in mailoutbox if m.to == [MAYA])
    assert 'Leaders & Juniors: "Tech" <Pilot>' in message.body  # plain characters
    assert "&amp;" not in message.body
    assert "&quot;" not in message.body
    assert "**" not in message.body
    html = message.alternatives[0][0]
    assert "Leaders &amp; Juniors: &quot;Tech&quot; &lt;Pilot&gt;" in html
    assert "Tuesday 10 February at 14:00 (GMT)" in message.body  # Maya's own zone
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = "".join(parsed["List-Unsubscribe"].split()).strip("<>")
    token = unsubscribe_token(user_id=member_user.pk, kind=core.SESSION_SOON)
    assert url.endswith(reverse("unsubscribe", kwargs={"token": token}))
    assert url in message.body
    assert url in html
    assert parsed["Message-ID"].startswith("<session_soon.")

    # GET only confirms; a POST without a CSRF token or a session turns the kind off
    path = reverse("unsubscribe", kwargs={"token": token})
    assert client.get(path).status_code == 200
    assert not NotificationPreference.objects.filter(user=member_user).exists()
    csrf_client = type(client)(enforce_csrf_checks=True)
    assert csrf_client.post(path).status_code == 200
    assert NotificationPreference.objects.get(
        user=member_user, kind=core.SESSION_SOON).channel == NotificationChannel.OFF
    assert csrf_client.post(path[:-3] + "xx/").status_code == 404


def test_turned_off_kind_records_nothing_and_in_app_sends_no_email(
        scoped_organization, london_org, member_user, mailoutbox,
        django_capture_on_commit_callbacks):
    world = build(london_org, member_user, utc(2026, 2, 1, 9))
    NotificationPreference.objects.create(user=member_user, kind=core.SESSION_SOON,
                                          channel=NotificationChannel.OFF)
    NotificationPreference.objects.create(user=world.mentee_user, kind=core.SESSION_SOON,
                                          channel=NotificationChannel.IN_APP)
    session(world, utc(2026, 2, 10, 14))
    with django_capture_on_commit_callbacks(execute=True), \
            time_machine.travel(utc(2026, 2, 9, 14), tick=False):
        reminders_scan(kind=core.SESSION_SOON)
    assert [(e, s) for e, s in Notification.objects.values_list("recipient__email", "status")
            ] == [(world.mentee_user.email, "sent")]
    assert mail.outbox == []


# --- a scan's queries do not grow with the pairs ----------------------------------------------

def _load_queries(kinds) -> int:
    with CaptureQueriesContext(connection) as queries:
        pair_facts_load(kinds=kinds, now=utc(2026, 3, 1))
    return len(queries)


def test_loading_facts_takes_the_same_queries_for_1_and_12_pairs(scoped_organization, london_org,
                                                                 member_user, admin_user):
    build(london_org, member_user, utc(2026, 1, 5, 9))
    kinds = list(core.RULES)
    one = _load_queries(kinds)
    for _ in range(11):
        world = make_pair(london_org)
        session(world, utc(2026, 2, 10, 14))
    assert _load_queries(kinds) == one


def test_a_second_scan_right_after_records_nothing(scoped_organization, london_org, member_user):
    world = build(london_org, member_user, utc(2026, 2, 1, 9))
    session(world, utc(2026, 2, 10, 14))
    with time_machine.travel(utc(2026, 2, 9, 15), tick=False):
        first = reminders_scan(kind=core.SESSION_SOON)
        second = reminders_scan(kind=core.SESSION_SOON)
    assert (first.recorded, second.recorded, second.due) == (2, 0, 2)


def test_admin_of_the_org_is_the_pair_at_risk_recipient_not_other_orgs(
        scoped_organization, london_org, member_user, admin_user, other_admin_user):
    build(london_org, member_user, utc(2026, 1, 5, 9), cadence_days=7)
    with time_machine.travel(utc(2026, 1, 19, 12), tick=False):
        reminders_scan(kind=core.PAIR_AT_RISK)
    assert [e for e, _, _ in rows(core.PAIR_AT_RISK)] == ["hr@acme.example"]
    assert Membership.objects.get(user=admin_user).role == Role.ADMIN


# --- check-ins (sessions.checkins opens them; the scan decides when) ---------------------------

def test_check_in_at_the_cadence_and_one_reminder_three_days_later_if_unanswered(
        scoped_organization, london_org, member_user, django_capture_on_commit_callbacks):
    from sessions.models import CheckIn, CheckInStatus

    world = build(london_org, member_user, utc(2026, 1, 5, 9))
    session(world, utc(2026, 1, 12, 14), status=SessionStatus.HAPPENED,
            logged_at=utc(2026, 1, 12, 16), logged_by=world.mentor)
    opens = utc(2026, 2, 9, 14)  # first session + 28 days
    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.CHECK_IN_DUE], opens - STEP, opens + STEP)
    assert recipients(core.CHECK_IN_DUE) == [("edward", opens), ("maya", opens)]
    assert CheckIn.objects.filter(pair=world.pair, period=1).count() == 2
    assert sorted(m.extra_headers["List-Unsubscribe-Post"] for m in mail.outbox) == [
        "List-Unsubscribe=One-Click"] * 2
    # Maya answers; Edward does not
    CheckIn.objects.filter(participant=world.mentor).update(
        status=CheckInStatus.ANSWERED, answered_at=opens + dt.timedelta(days=1), score=4)

    with django_capture_on_commit_callbacks(execute=True):
        scan_every_15_minutes([core.CHECK_IN_DUE], opens + dt.timedelta(days=3) - STEP,
                              opens + dt.timedelta(days=3, hours=1))
        scan_every_15_minutes([core.CHECK_IN_DUE], opens + dt.timedelta(days=6),
                              opens + dt.timedelta(days=6, minutes=30))

    assert recipients(core.CHECK_IN_DUE) == [
        ("edward", opens), ("edward", opens + dt.timedelta(days=3)), ("maya", opens)]
    assert CheckIn.objects.filter(pair=world.pair).count() == 2
