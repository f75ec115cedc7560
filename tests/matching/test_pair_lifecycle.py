"""The pair's lifecycle: every transition allowed and forbidden (with who may make it, and
nothing changed by a refused one), pauses and their return date, requests to end and HR's
answer, ending and what it withdraws, extensions and cohort completion, withdrawal of a
participant, re-pairing with the live assessment, nudges at most once a week, and the
append-only history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from core.models import Notification, NotificationChannel
from matching import pair_lifecycle as lifecycle
from matching.models import (
    Pair,
    PairEndReason,
    PairEvent,
    PairEventActor,
    PairEventKind,
    PairStatus,
)
from matching.signals import pair_ended
from programs.models import CohortStatus, ParticipantRole, ParticipantStatus
from programs.services import cohort_transition
from programs.services.participants import participant_update
from tests.factories.accounts import MembershipFactory, NotificationPreferenceFactory
from tests.factories.matching import (
    PairEventFactory,
    PairFactory,
    live_cohort,
    matching_participant,
)
from tests.factories.programs import CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    cohort: object
    pair: Pair
    mentor: object  # the pair's people (Participants)
    mentee: object
    spare_mentor: object  # people of the cohort without a pair
    spare_mentee: object
    admin: object  # users
    executive: object

    @property
    def today(self) -> dt.date:
        return lifecycle.organization_today(self.cohort.organization)


@pytest.fixture
def world(scoped_organization, admin_user, executive_user):
    built = live_cohort(scoped_organization, mentors=2, mentees=2)
    pair = PairFactory(cohort=built.cohort, mentor=built.mentors[0], mentee=built.mentees[0])
    return World(cohort=built.cohort, pair=pair, mentor=built.mentors[0],
                 mentee=built.mentees[0], spare_mentor=built.mentors[1],
                 spare_mentee=built.mentees[1], admin=admin_user, executive=executive_user)


def _user(world: World, who: str):
    return {"mentor": world.mentor.membership.user, "mentee": world.mentee.membership.user,
            "admin": world.admin, "executive": world.executive,
            "other participant": world.spare_mentee.membership.user}[who]


def _put_in_state(world: World, state: str) -> None:
    pair = world.pair
    if state == "paused":
        lifecycle.pair_pause(pair=pair, actor=_user(world, "mentee"),
                             until=world.today + dt.timedelta(days=14))
    elif state == "end requested":
        lifecycle.pair_request_end(pair=pair, actor=_user(world, "mentee"),
                                   reason=PairEndReason.NOT_A_GOOD_FIT)
    elif state == "ended":
        lifecycle.pair_end(pair=pair, actor=world.admin, reason=PairEndReason.GOALS_COMPLETED)


ACTIONS = {
    "pause": lambda w, u: lifecycle.pair_pause(pair=w.pair, actor=u,
                                               until=w.today + dt.timedelta(days=10)),
    "pause as HR": lambda w, u: lifecycle.pair_pause(
        pair=w.pair, actor=u, until=w.today + dt.timedelta(days=10), as_admin=True),
    "resume": lambda w, u: lifecycle.pair_resume(pair=w.pair, actor=u),
    "resume as HR": lambda w, u: lifecycle.pair_resume(pair=w.pair, actor=u, as_admin=True),
    "ask to end": lambda w, u: lifecycle.pair_request_end(
        pair=w.pair, actor=u, reason=PairEndReason.NO_LONGER_AVAILABLE),
    "withdraw request": lambda w, u: lifecycle.pair_withdraw_end_request(pair=w.pair, actor=u),
    "confirm end": lambda w, u: lifecycle.pair_confirm_end(pair=w.pair, actor=u),
    "decline end": lambda w, u: lifecycle.pair_decline_end_request(
        pair=w.pair, actor=u, note="Give it another month"),
    "end": lambda w, u: lifecycle.pair_end(pair=w.pair, actor=u,
                                           reason=PairEndReason.GOALS_COMPLETED),
    "extend": lambda w, u: lifecycle.pair_extend(
        pair=w.pair, actor=u, until=w.cohort.end_date + dt.timedelta(days=30)),
    "nudge": lambda w, u: lifecycle.pair_nudge(pair=w.pair, actor=u),
    "re-pair": lambda w, u: lifecycle.pair_repair(pair=w.pair, actor=u,
                                                  new_mentor=w.spare_mentor),
}
#: Who may try each action at all (anyone else is refused with PermissionDenied).
MAY = {
    "pause": {"mentor", "mentee"}, "resume": {"mentor", "mentee"},
    "ask to end": {"mentor", "mentee"}, "withdraw request": {"mentee"},
    "pause as HR": {"admin"}, "resume as HR": {"admin"}, "confirm end": {"admin"},
    "decline end": {"admin"}, "end": {"admin"}, "extend": {"admin"}, "nudge": {"admin"},
    "re-pair": {"admin"},
}
#: What is allowed in each state (by those who may).
ALLOWED = {
    "active": {"pause", "pause as HR", "ask to end", "end", "extend", "nudge", "re-pair"},
    "paused": {"resume", "resume as HR", "ask to end", "end", "extend", "re-pair"},
    "end requested": {"pause", "pause as HR", "withdraw request", "confirm end",
                      "decline end", "end", "extend", "nudge", "re-pair"},
    "ended": set(),
}
STATES = list(ALLOWED)
#: Who else tries each action (refused with PermissionDenied): for HR's actions a person of the
#: pair and an executive; for the people's actions an HR admin outside the pair and another
#: participant of the cohort.
WRONG = {action: ({"mentee", "executive"} if MAY[action] == {"admin"}
                  else {"admin", "other participant"}) for action in ACTIONS}
WRONG["withdraw request"] = {"mentor", "admin"}  # only the one who asked (the mentee)


def _cases():
    for state in STATES:
        for action in ACTIONS:
            for actor in sorted(MAY[action] | WRONG[action]):
                if actor in MAY[action]:
                    outcome = "allowed" if action in ALLOWED[state] else "refused"
                elif (action, actor) == ("withdraw request", "mentor"):
                    # the partner: refused without a request, forbidden with the mentee's one
                    outcome = "forbidden" if state == "end requested" else "refused"
                else:
                    outcome = "forbidden"
                yield pytest.param(state, action, actor, outcome,
                                   id=f"{state}-{action}-by {actor}-{outcome}")


@pytest.mark.parametrize(("state", "action", "actor", "outcome"), list(_cases()))
def test_every_transition_with_who_may_make_it(world, state, action, actor, outcome,
                                               db_snapshot):
    _put_in_state(world, state)
    world.pair.refresh_from_db()
    events = PairEvent.objects.filter(pair=world.pair).count()
    before = db_snapshot()

    if outcome == "allowed":
        ACTIONS[action](world, _user(world, actor))

        event = PairEvent.objects.filter(pair=world.pair).order_by("-id").first()
        assert PairEvent.objects.filter(pair=world.pair).count() == events + 1
        assert event.actor == _user(world, actor)
        assert event.actor_role == (PairEventActor.ADMIN if actor == "admin" else actor)
        return
    expected = {"refused": ValidationError, "forbidden": PermissionDenied}[outcome]
    with pytest.raises(expected):
        ACTIONS[action](world, _user(world, actor))
    assert db_snapshot() == before


def test_the_matrix_covers_every_service_and_allows_something_in_every_live_state():
    services = {name for name in dir(lifecycle) if name.startswith("pair_")
                and callable(getattr(lifecycle, name))}
    assert services == {"pair_pause", "pair_resume", "pair_request_end",
                        "pair_withdraw_end_request", "pair_confirm_end",
                        "pair_decline_end_request", "pair_end", "pair_extend", "pair_nudge",
                        "pair_repair", "pair_close_inactive"}
    assert all(ALLOWED[state] for state in ("active", "paused", "end requested"))


# The system's one transition (no person acts): the reminder scan closes a pair that stayed
# inactive after its warning. Only an active pair nobody touched since closes; in every other
# state the call changes nothing.
@pytest.mark.parametrize("state", STATES)
def test_closing_an_inactive_pair_happens_only_to_an_untouched_active_pair(world, state,
                                                                          db_snapshot):
    warned_at = timezone.now() - dt.timedelta(days=8)
    _put_in_state(world, state)
    world.pair.refresh_from_db()
    before = db_snapshot()

    closed = lifecycle.pair_close_inactive(pair=world.pair, last_activity=warned_at)

    # in "end requested" the mentee's request came after the warning: someone acted
    assert closed is (state == "active")
    pair = Pair.objects.get(pk=world.pair.pk)
    if closed:
        assert (pair.status, pair.end_reason) == (PairStatus.ENDED, PairEndReason.INACTIVE)
        event = pair.events.order_by("-id").first()
        assert (event.actor, event.actor_role) == (None, PairEventActor.SYSTEM)
    else:
        assert db_snapshot() == before


# --- pause and resume ------------------------------------------------------------------------

def test_a_pause_keeps_the_return_date_tells_the_partner_and_ends_on_that_day(
        world, mailoutbox, django_capture_on_commit_callbacks):
    until = world.today + dt.timedelta(days=21)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.pair_pause(pair=world.pair, actor=_user(world, "mentee"), until=until,
                             note="Quarter-end close")

    pair = Pair.objects.get(pk=world.pair.pk)
    assert (pair.status, pair.paused_until, pair.is_active) == (PairStatus.PAUSED, until, True)
    event = pair.events.get()
    assert (event.kind, event.actor_role, event.paused_until, event.note) == (
        PairEventKind.PAUSED, PairEventActor.MENTEE, until, "Quarter-end close")
    # the partner (only) is told, with the return date
    assert [m.to for m in mailoutbox] == [[world.mentor.membership.user.email]]
    assert until.strftime("%d %B %Y") in mailoutbox[0].body

    # when the return date comes, the daily task resumes it and counts the days paused
    with time_machine.travel(dt.datetime.combine(until, dt.time(9)), tick=False):
        assert lifecycle.pairs_resume_due(organization=world.cohort.organization) == [pair.pk]
        assert lifecycle.pairs_resume_due(organization=world.cohort.organization) == []
    pair.refresh_from_db()
    assert (pair.status, pair.paused_until, pair.paused_days) == (PairStatus.ACTIVE, None, 21)
    resumed = pair.events.order_by("id").last()
    assert (resumed.kind, resumed.actor, resumed.actor_role) == (
        PairEventKind.RESUMED, None, PairEventActor.SYSTEM)


@pytest.mark.parametrize(("days", "message"), [
    (0, "after today"), (-3, "after today"), (181, "at most 180 days"),
])
def test_a_pause_needs_a_return_date_ahead(world, days, message, db_snapshot):
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_pause(pair=world.pair, actor=_user(world, "mentor"),
                             until=world.today + dt.timedelta(days=days))

    assert message in " ".join(error.value.message_dict["until"])
    assert db_snapshot() == before


def test_a_pause_cannot_outlast_the_pair(world, db_snapshot):
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_pause(pair=world.pair, actor=_user(world, "mentor"),
                             until=world.cohort.end_date + dt.timedelta(days=1))

    assert "on or before the pair's last day" in error.value.message_dict["until"][0]
    assert db_snapshot() == before


def test_a_long_note_is_refused(world, db_snapshot):
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_pause(pair=world.pair, actor=_user(world, "mentor"),
                             until=world.today + dt.timedelta(days=3), note="x" * 1001)

    assert "under 1,000 characters" in error.value.message_dict["note"][0]
    assert db_snapshot() == before


# --- asking to end and HR's answer ----------------------------------------------------------

def test_asking_to_end_waits_for_hr_who_confirms_with_the_reason_given(world, mailoutbox):
    lifecycle.pair_request_end(pair=world.pair, actor=_user(world, "mentee"),
                               reason=PairEndReason.NOT_A_GOOD_FIT, note="We never clicked")

    pair = Pair.objects.get(pk=world.pair.pk)
    assert (pair.status, pair.end_requested_by, pair.end_request_reason) == (
        PairStatus.ACTIVE, world.mentee, PairEndReason.NOT_A_GOOD_FIT)
    assert mailoutbox == []  # the partner is not told the reason (nor anything yet)

    lifecycle.pair_confirm_end(pair=pair, actor=world.admin)

    pair.refresh_from_db()
    assert (pair.status, pair.end_reason, pair.ended_by, pair.has_end_request) == (
        PairStatus.ENDED, PairEndReason.NOT_A_GOOD_FIT, world.admin, False)
    kinds = list(pair.events.values_list("kind", "actor_role", "reason"))
    assert kinds == [
        (PairEventKind.END_REQUESTED, PairEventActor.MENTEE, PairEndReason.NOT_A_GOOD_FIT),
        (PairEventKind.ENDED, PairEventActor.ADMIN, PairEndReason.NOT_A_GOOD_FIT)]
    assert pair.events.get(kind=PairEventKind.ENDED).data == {"requested_by": world.mentee.pk}


def test_other_as_a_reason_needs_a_note(world, db_snapshot):
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_request_end(pair=world.pair, actor=_user(world, "mentor"),
                                   reason=PairEndReason.OTHER, note="  ")

    assert error.value.message_dict["note"] == ["Say why you want to end the pair in a few "
                                                "words."]
    assert db_snapshot() == before


@pytest.mark.parametrize("reason", ["cohort_completed", "re_paired", "participant_withdrawn",
                                    "", "bored"])
def test_reasons_the_lifecycle_records_itself_cannot_be_chosen(world, reason, db_snapshot):
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_end(pair=world.pair, actor=world.admin, reason=reason)

    assert error.value.message_dict["reason"][0].startswith("Choose why the pair ends: goals "
                                                            "completed")
    assert db_snapshot() == before


def test_hr_declining_a_request_tells_the_person_who_asked(world, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    lifecycle.pair_request_end(pair=world.pair, actor=_user(world, "mentor"),
                               reason=PairEndReason.NO_LONGER_AVAILABLE)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.pair_decline_end_request(pair=world.pair, actor=world.admin,
                                           note="Your manager agreed to free Friday mornings")

    pair = Pair.objects.get(pk=world.pair.pk)
    assert (pair.status, pair.has_end_request) == (PairStatus.ACTIVE, False)
    assert [m.to for m in mailoutbox] == [[world.mentor.membership.user.email]]
    assert "free Friday mornings" in mailoutbox[0].body


# --- ending withdraws what is pending ------------------------------------------------------

def test_ending_withdraws_the_pairs_pending_emails_and_tells_the_apps_above(world):
    other = PairFactory(cohort=world.cohort, mentor=world.spare_mentor,
                        mentee=world.spare_mentee)
    organization = world.cohort.organization
    pending = [Notification.objects.create(
        organization=organization, recipient=world.admin, email="x@acme.example",
        kind="pair_introduction", key=f"pair_introduction:{pair.pk}:{person.pk}",
        subject="Meet", body_text="Hello") for pair, person in
        ((world.pair, world.mentor), (other, other.mentor))]
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    pair_ended.connect(receiver)
    try:
        lifecycle.pair_end(pair=world.pair, actor=world.admin,
                           reason=PairEndReason.LEFT_COMPANY)
    finally:
        pair_ended.disconnect(receiver)

    mine, theirs = (Notification.objects.get(pk=n.pk) for n in pending)
    assert (mine.status, mine.last_error) == (
        Notification.Status.SKIPPED, "Withdrawn: the pair ended (Left the company).")
    assert theirs.status == Notification.Status.PENDING
    assert received == [{"signal": pair_ended, "pair_ids": [world.pair.pk],
                         "reason": PairEndReason.LEFT_COMPANY, "actor": world.admin}]


def test_ending_tells_both_people(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.pair_end(pair=world.pair, actor=world.admin,
                           reason=PairEndReason.GOALS_COMPLETED)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.mentor.membership.user.email, world.mentee.membership.user.email])
    to_mentor = next(m for m in mailoutbox if m.to == [world.mentor.membership.user.email])
    assert (f"Your mentoring pair with {world.mentee.membership.user.display_name} has ended: "
            "goals completed.") in to_mentor.body


# --- cohort completion and extensions --------------------------------------------------------

def test_completing_the_cohort_closes_live_pairs_unless_extended(world):
    paused = world.pair
    lifecycle.pair_pause(pair=paused, actor=world.admin, as_admin=True,
                         until=world.today + dt.timedelta(days=5))
    extended = PairFactory(cohort=world.cohort, mentor=world.spare_mentor,
                           mentee=world.spare_mentee)
    until = world.cohort.end_date + dt.timedelta(days=45)
    lifecycle.pair_extend(pair=extended, actor=world.admin, until=until)

    cohort_transition(cohort=world.cohort, to_status=CohortStatus.COMPLETED, actor=world.admin)

    paused.refresh_from_db()
    extended.refresh_from_db()
    assert (paused.status, paused.end_reason, paused.ended_by) == (
        PairStatus.ENDED, PairEndReason.COHORT_COMPLETED, world.admin)
    assert paused.events.order_by("id").last().kind == PairEventKind.ENDED
    assert (extended.status, extended.extended_until) == (PairStatus.ACTIVE, until)

    # the extended pair ends once its extension is over
    organization = world.cohort.organization
    assert lifecycle.pairs_close_expired_extensions(organization=organization,
                                                    today=until) == []
    assert lifecycle.pairs_close_expired_extensions(
        organization=organization, today=until + dt.timedelta(days=1)) == [extended.pk]
    extended.refresh_from_db()
    assert (extended.status, extended.end_reason) == (PairStatus.ENDED,
                                                       PairEndReason.COHORT_COMPLETED)
    assert extended.events.order_by("id").last().actor_role == PairEventActor.SYSTEM


@pytest.mark.parametrize(("days_after_end", "message"), [
    (0, "goes past the cohort's end"), (-10, "goes past the cohort's end"),
    (366, "at most 365 days"),
])
def test_an_extension_goes_past_the_cohort_end(world, days_after_end, message, db_snapshot):
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_extend(pair=world.pair, actor=world.admin,
                              until=world.cohort.end_date + dt.timedelta(days=days_after_end))

    assert message in error.value.message_dict["until"][0]
    assert db_snapshot() == before


# --- withdrawal ---------------------------------------------------------------------------------

def test_withdrawing_a_participant_ends_their_pairs_and_tells_the_partner(
        world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        participant_update(participant=world.mentee, actor=world.admin,
                           status=ParticipantStatus.WITHDRAWN)

    pair = Pair.objects.get(pk=world.pair.pk)
    assert (pair.status, pair.end_reason, pair.ended_by) == (
        PairStatus.ENDED, PairEndReason.PARTICIPANT_WITHDRAWN, world.admin)
    event = pair.events.get()
    assert (event.kind, event.actor_role, event.reason) == (
        PairEventKind.ENDED, PairEventActor.ADMIN, PairEndReason.PARTICIPANT_WITHDRAWN)
    assert [m.to for m in mailoutbox] == [[world.mentor.membership.user.email]]
    assert "left the program" in mailoutbox[0].body


def test_withdrawing_someone_without_a_pair_changes_no_pair(world):
    participant_update(participant=world.spare_mentee, actor=world.admin,
                       status=ParticipantStatus.WITHDRAWN)

    assert Pair.objects.get(pk=world.pair.pk).status == PairStatus.ACTIVE
    assert not PairEvent.objects.exists()


# --- re-pairing -------------------------------------------------------------------------------

def test_repairing_ends_the_pair_and_pairs_each_person_again(
        world, mailoutbox, django_capture_on_commit_callbacks):
    assessed = lifecycle.repair_assess(pair=world.pair, new_mentor=world.spare_mentor,
                                       new_mentee=world.spare_mentee)
    assert [(m, e) for m, e, _ in assessed] == [(world.spare_mentor, world.mentee),
                                                (world.mentor, world.spare_mentee)]
    assert all(a.broken_rules == [] and 0 < a.score <= 1 for _, _, a in assessed)

    with django_capture_on_commit_callbacks(execute=True):
        created = lifecycle.pair_repair(pair=world.pair, actor=world.admin,
                                        new_mentor=world.spare_mentor,
                                        new_mentee=world.spare_mentee, note="Better fits")

    old = Pair.objects.get(pk=world.pair.pk)
    assert (old.status, old.end_reason) == (PairStatus.ENDED, PairEndReason.RE_PAIRED)
    assert [(p.mentor, p.mentee, p.status, p.repaired_from) for p in created] == [
        (world.spare_mentor, world.mentee, PairStatus.ACTIVE, old),
        (world.mentor, world.spare_mentee, PairStatus.ACTIVE, old)]
    assert [p.score for p in created] == [a.score for _, _, a in assessed]
    ended = old.events.get()
    assert (ended.kind, ended.note, ended.data) == (
        PairEventKind.ENDED, "Better fits", {"new_pairs": [p.pk for p in created]})
    for new in created:
        assert list(new.events.values_list("kind", "data")) == [
            (PairEventKind.STARTED_BY_REPAIR, {"from_pair": old.pk})]
    # both new pairs are introduced: four introduction emails
    assert sorted(m.to[0] for m in mailoutbox if m.subject.startswith("Meet")) == sorted(
        p.membership.user.email for p in (world.mentor, world.mentee, world.spare_mentor,
                                          world.spare_mentee))


def test_repairing_into_a_pair_that_breaks_a_rule_needs_an_override(world, db_snapshot):
    same_department = matching_participant(
        world.cohort, role=ParticipantRole.MENTOR, name="Finance Junior", level=1,
        department="Finance", teaches=[("AI tools", 3)], learns=[("Strategy", 2)])
    assessed = lifecycle.repair_assess(pair=world.pair, new_mentor=same_department,
                                       new_mentee=None)
    broken = assessed[0][2].broken_rules
    assert broken
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_repair(pair=world.pair, actor=world.admin, new_mentor=same_department)

    assert error.value.message_dict["override_reason"] == [
        f"A new pair breaks a rule ({'; '.join(broken)}). Give an override reason to re-pair "
        "anyway."]
    assert db_snapshot() == before

    created = lifecycle.pair_repair(pair=world.pair, actor=world.admin,
                                    new_mentor=same_department,
                                    override_reason="Different teams in Finance")
    assert created[0].override_reason == "Different teams in Finance"


def test_repairing_counts_a_paused_pair_in_the_new_mentors_load(world, db_snapshot):
    busy = PairFactory(cohort=world.cohort, mentor=world.spare_mentor,
                       mentee=world.spare_mentee)
    lifecycle.pair_pause(pair=busy, actor=world.admin, as_admin=True,
                         until=world.today + dt.timedelta(days=7))
    before = db_snapshot()

    with pytest.raises(ValidationError) as error:
        lifecycle.pair_repair(pair=world.pair, actor=world.admin, new_mentor=world.spare_mentor)

    assert "already has 1 mentee(s), their full capacity" in error.value.message_dict[
        "mentor"][0]
    assert db_snapshot() == before


@pytest.mark.parametrize("choice", ["nobody", "same mentor", "same mentee"])
def test_repairing_needs_someone_new(world, choice, db_snapshot):
    people = {"nobody": {}, "same mentor": {"new_mentor": world.mentor},
              "same mentee": {"new_mentee": world.mentee}}[choice]
    before = db_snapshot()

    with pytest.raises(ValidationError):
        lifecycle.pair_repair(pair=world.pair, actor=world.admin, **people)

    assert db_snapshot() == before


def test_repairing_with_someone_of_another_cohort_is_refused(world, db_snapshot):
    elsewhere = ParticipantFactory(
        cohort=CohortFactory(program=world.cohort.program, status=CohortStatus.ACTIVE),
        role=ParticipantRole.MENTOR)
    before = db_snapshot()

    with pytest.raises(ValidationError, match="participants of this cohort"):
        lifecycle.pair_repair(pair=world.pair, actor=world.admin, new_mentor=elsewhere)

    assert db_snapshot() == before


# --- nudges -------------------------------------------------------------------------------------

def test_a_pair_is_nudged_at_most_once_a_week(world, mailoutbox,
                                              django_capture_on_commit_callbacks, db_snapshot):
    monday = world.today - dt.timedelta(days=world.today.weekday())
    with time_machine.travel(dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(10)),
                             tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.pair_nudge(pair=world.pair, actor=world.admin)
        assert sorted(m.to[0] for m in mailoutbox) == sorted(
            [world.mentor.membership.user.email, world.mentee.membership.user.email])
        week = lifecycle.iso_week(monday)
        assert set(Notification.objects.filter(kind="pair_nudge").values_list("key", flat=True)
                   ) == {f"pair_nudge:{world.pair.pk}:{week}:{p.pk}"
                         for p in (world.mentor, world.mentee)}
        before = db_snapshot()

        with pytest.raises(ValidationError, match="already nudged this week"):
            lifecycle.pair_nudge(pair=world.pair, actor=world.admin)
        assert db_snapshot() == before

    with time_machine.travel(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(10)),
                             tick=False), django_capture_on_commit_callbacks(execute=True):
        lifecycle.pair_nudge(pair=world.pair, actor=world.admin)
    assert len(mailoutbox) == 4
    assert world.pair.events.filter(kind=PairEventKind.NUDGED).count() == 2


def test_a_nudge_respects_a_person_who_turned_nudges_off(world, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    NotificationPreferenceFactory(user=world.mentee.membership.user, kind="pair_nudge",
                                  channel=NotificationChannel.OFF)

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.pair_nudge(pair=world.pair, actor=world.admin)

    assert [m.to for m in mailoutbox] == [[world.mentor.membership.user.email]]
    assert world.pair.events.get().kind == PairEventKind.NUDGED


def test_an_admin_of_another_role_or_organization_cannot_act(world, other_organization):
    stranger = MembershipFactory(organization=other_organization, role=Role.ADMIN).user

    with pytest.raises(PermissionDenied):
        lifecycle.pair_nudge(pair=world.pair, actor=stranger)


# --- the history is append-only ---------------------------------------------------------------

def test_the_history_is_never_changed_or_deleted(world):
    event = PairEventFactory(pair=world.pair, actor=world.admin)

    event.note = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        PairEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(PermissionError):
        PairEvent.objects.filter(pk=event.pk).delete()
    assert PairEvent.objects.get(pk=event.pk).note == ""
    assert str(event) == f"nudged of pair {world.pair.pk}"


def test_the_hourly_beat_task_resumes_due_pauses_in_every_organization(world, settings):
    from matching.tasks import pairs_lifecycle_daily

    until = world.today + dt.timedelta(days=3)
    lifecycle.pair_pause(pair=world.pair, actor=world.admin, as_admin=True, until=until)
    assert settings.CELERY_BEAT_SCHEDULE["pairs-lifecycle-daily"]["task"] == \
        "matching.tasks.pairs_lifecycle_daily"

    with time_machine.travel(dt.datetime.combine(until, dt.time(12)), tick=False):
        assert pairs_lifecycle_daily() == 1
        assert pairs_lifecycle_daily() == 0

    assert Pair.objects.get(pk=world.pair.pk).status == PairStatus.ACTIVE
