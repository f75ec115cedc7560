"""The workspace's rules, through its services: who may do what, slots still free, logging,
action items, private notes, goals and commitments; a refused write changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matching.models import PairStatus
from programs.models import CohortStatus
from sessions import selectors, services
from sessions.models import (
    ActionItem,
    ChangeKind,
    Commitment,
    CommitmentOutcome,
    GoalStatus,
    MentoringSession,
    PrivateNote,
    SessionChange,
    SessionRating,
    SessionStatus,
)
from tests.factories.matching import PairFactory
from tests.factories.programs import TopicFactory
from tests.factories.sessions import GoalFactory, MentoringSessionFactory
from tests.sessions.conftest import make_pair

pytestmark = pytest.mark.django_db


def _messages(error) -> str:
    return " ".join(error.value.messages)


def _slot(world):
    return selectors.slot_options(pair=world.pair, membership=world.mentee.membership)[0].start


# --- scheduling ------------------------------------------------------------------------------

def test_suggested_slots_fall_in_both_availabilities_in_each_zone(world):
    options = selectors.slot_options(pair=world.pair, membership=world.mentor.membership)

    assert len(options) == 5
    for option in options:
        london = option.start.astimezone(ZoneInfo("Europe/London"))
        new_york = option.start.astimezone(ZoneInfo("America/New_York"))
        end = option.start + dt.timedelta(minutes=45)
        assert london.weekday() < 5
        assert london.hour >= 14
        assert end.astimezone(ZoneInfo("Europe/London")) <= london.replace(hour=17, minute=0)
        assert new_york.weekday() < 5
        assert new_york.hour >= 9
        assert end.astimezone(ZoneInfo("America/New_York")) <= new_york.replace(hour=12,
                                                                                 minute=0)
        assert option.mine.endswith("Europe/London")
        assert option.partners.endswith("America/New_York")
        assert option.start > timezone.now()


def test_a_slot_taken_since_it_was_offered_is_refused_with_a_clear_message(world,
                                                                           scoped_organization):
    start = _slot(world)
    # the mentor books another session with someone else at that very time
    other = make_pair(scoped_organization, mentor_membership=world.mentor.membership)
    services.session_schedule(pair=other.pair, actor=other.mentor, starts_at=start,
                              duration_minutes=45)

    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=start,
                                  duration_minutes=45, suggested=True)

    assert "no longer free for both of you" in _messages(error)
    assert not MentoringSession.objects.filter(pair=world.pair).exists()
    assert start not in [o.start for o in selectors.slot_options(
        pair=world.pair, membership=world.mentee.membership)]


def test_a_suggested_slot_outside_availability_is_refused(world):
    start = _slot(world) + dt.timedelta(hours=6)  # evening in London, afternoon in New York

    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=start,
                                  duration_minutes=45, suggested=True)

    assert "no longer free" in _messages(error)


def test_another_time_may_be_outside_availability_but_not_overlap_a_booked_session(world):
    evening = _slot(world) + dt.timedelta(hours=6)
    services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=evening,
                              duration_minutes=45)

    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=world.mentor,
                                  starts_at=evening + dt.timedelta(minutes=30),
                                  duration_minutes=30)

    assert "overlaps another session" in _messages(error)
    assert MentoringSession.objects.filter(pair=world.pair).count() == 1


def test_a_time_in_the_past_is_logged_not_scheduled(world):
    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=world.mentee,
                                  starts_at=timezone.now() - dt.timedelta(hours=1),
                                  duration_minutes=45)

    assert error.value.message_dict["starts_at"] == [
        "Choose a time in the future. To record a meeting that already took place, log it "
        "instead."]


@pytest.mark.parametrize("link", ["http://meet.example/x", "javascript:alert(1)"])
def test_meeting_links_must_be_https(world, link):
    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=_slot(world),
                                  duration_minutes=45, meeting_url=link)

    assert "meeting_url" in error.value.message_dict
    assert not MentoringSession.objects.exists()


@pytest.mark.parametrize("minutes", [10, 241])
def test_session_length_is_bounded(world, minutes):
    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=_slot(world),
                                  duration_minutes=minutes)

    assert "duration_minutes" in error.value.message_dict


def test_someone_outside_the_pair_cannot_schedule(world, scoped_organization):
    stranger = make_pair(scoped_organization).mentor

    with pytest.raises(ValidationError) as error:
        services.session_schedule(pair=world.pair, actor=stranger, starts_at=_slot(world),
                                  duration_minutes=45)

    assert _messages(error) == "Only the two people of a pair can do this."


@pytest.mark.parametrize("change", ["ended", "cohort_completed"])
def test_only_an_active_pair_can_be_changed(world, change):
    session = MentoringSessionFactory(pair=world.pair)
    if change == "ended":
        world.pair.status = PairStatus.ENDED
        world.pair.save()
    else:
        world.pair.cohort.status = CohortStatus.COMPLETED
        world.pair.cohort.save()
    attempts = [
        lambda: services.session_schedule(pair=world.pair, actor=world.mentee,
                                          starts_at=session.starts_at + dt.timedelta(days=1),
                                          duration_minutes=45),
        lambda: services.session_cancel(session=session, actor=world.mentee),
        lambda: services.private_note_save(author=world.mentee, pair=world.pair, text="x"),
        lambda: services.goal_create(pair=world.pair, owner=world.mentee, title="x"),
    ]

    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert "no longer active" in _messages(error)
    assert MentoringSession.objects.get(pk=session.pk).status == SessionStatus.SCHEDULED
    assert not PrivateNote.objects.exists()


def test_reschedule_and_details_are_recorded_in_the_history(world):
    start = _slot(world)
    session = services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=start,
                                        duration_minutes=45, suggested=True)

    services.session_reschedule(session=session, actor=world.mentor,
                                starts_at=start + dt.timedelta(days=1), duration_minutes=45)
    services.session_update_details(session=MentoringSession.objects.get(pk=session.pk),
                                    actor=world.mentor, format="in_person",
                                    location="Room 4.12", agenda="New agenda")

    history = list(SessionChange.objects.filter(session=session).order_by("at", "id")
                   .values_list("kind", "actor_id"))
    assert history == [(ChangeKind.SCHEDULED, world.mentee.pk),
                       (ChangeKind.RESCHEDULED, world.mentor.pk),
                       (ChangeKind.DETAILS, world.mentor.pk)]
    details = SessionChange.objects.get(session=session, kind=ChangeKind.DETAILS).changes
    assert {"field": "location", "old": "", "new": "Room 4.12"} in details
    assert {"field": "agenda", "old": "", "new": "changed"} in details  # text not copied
    assert MentoringSession.objects.get(pk=session.pk).sequence == 2


def test_rescheduling_to_the_same_time_changes_nothing(world):
    session = services.session_schedule(pair=world.pair, actor=world.mentee,
                                        starts_at=_slot(world), duration_minutes=45)

    services.session_reschedule(session=session, actor=world.mentee,
                                starts_at=session.starts_at, duration_minutes=45)

    assert MentoringSession.objects.get(pk=session.pk).sequence == 0
    assert SessionChange.objects.filter(session=session).count() == 1


def test_a_cancelled_session_cannot_be_cancelled_or_rescheduled_again(world):
    session = services.session_schedule(pair=world.pair, actor=world.mentee,
                                        starts_at=_slot(world), duration_minutes=45)
    services.session_cancel(session=session, actor=world.mentor, reason="Sick")
    cancelled = MentoringSession.objects.get(pk=session.pk)

    assert (cancelled.status, cancelled.cancelled_by_id, cancelled.cancel_reason) == (
        SessionStatus.CANCELLED, world.mentor.pk, "Sick")
    with pytest.raises(ValidationError) as error:
        services.session_cancel(session=cancelled, actor=world.mentee)
    assert _messages(error) == ("Only a scheduled session can be cancelled; this one is "
                                "cancelled.")
    with pytest.raises(ValidationError) as error:
        services.session_reschedule(session=cancelled, actor=world.mentee,
                                    starts_at=cancelled.starts_at + dt.timedelta(days=1),
                                    duration_minutes=45)
    assert _messages(error) == ("Only a scheduled session can be rescheduled; this one is "
                                "cancelled.")
    assert MentoringSession.objects.get(pk=session.pk).sequence == 1


# --- logging ---------------------------------------------------------------------------------

def test_either_person_logs_a_session_and_each_rates_it_privately(world, scoped_organization):
    session = MentoringSessionFactory(pair=world.pair, starts_at=timezone.now()
                                      - dt.timedelta(days=1))
    ai, data = TopicFactory(organization=scoped_organization,
                            name="AI"), TopicFactory(organization=scoped_organization)

    services.session_log(session=session, actor=world.mentor, status=SessionStatus.HAPPENED,
                         actual_minutes=50, topics=[ai, data], summary="We tried Copilot.",
                         rating=5)
    services.session_rate(session=MentoringSession.objects.get(pk=session.pk),
                          participant=world.mentee, value=3)

    logged = MentoringSession.objects.get(pk=session.pk)
    assert (logged.status, logged.actual_minutes, logged.summary, logged.logged_by_id) == (
        SessionStatus.HAPPENED, 50, "We tried Copilot.", world.mentor.pk)
    assert set(logged.topics.all()) == {ai, data}
    assert selectors.my_ratings(participant=world.mentor, sessions=[logged]) == {logged.pk: 5}
    assert selectors.my_ratings(participant=world.mentee, sessions=[logged]) == {logged.pk: 3}


def test_a_session_ahead_cannot_be_logged_as_happened(world):
    session = MentoringSessionFactory(pair=world.pair)

    with pytest.raises(ValidationError) as error:
        services.session_log(session=session, actor=world.mentor,
                             status=SessionStatus.HAPPENED, actual_minutes=30)

    assert "has not started yet" in _messages(error)
    assert MentoringSession.objects.get(pk=session.pk).logged_at is None


def test_a_session_never_scheduled_is_logged_after_the_fact(world, sent):
    when = timezone.now() - dt.timedelta(days=3)

    with sent() as emails:
        session = services.session_log_unscheduled(
            pair=world.pair, actor=world.mentee, starts_at=when, duration_minutes=30,
            status=SessionStatus.CANCELLED, cancelled_by=world.mentor)

    assert emails == []
    assert (session.was_scheduled, session.status, session.cancelled_by_id) == (
        False, SessionStatus.CANCELLED, world.mentor.pk)
    with pytest.raises(ValidationError):
        services.session_log_unscheduled(pair=world.pair, actor=world.mentee,
                                         starts_at=timezone.now() + dt.timedelta(days=1),
                                         duration_minutes=30)


def test_a_cancelled_or_no_show_session_cannot_be_rated(world):
    session = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentee, starts_at=timezone.now() - dt.timedelta(days=1),
        duration_minutes=30, status=SessionStatus.NO_SHOW)

    with pytest.raises(ValidationError) as error:
        services.session_rate(session=session, participant=world.mentee, value=4)

    assert "rating" in error.value.message_dict
    assert not SessionRating.objects.exists()


def test_topics_of_another_organization_are_refused(world, other_organization):
    from core.tenancy import organization_scope

    with organization_scope(other_organization):
        foreign = TopicFactory(organization=other_organization)
    session = MentoringSessionFactory(pair=world.pair, starts_at=timezone.now()
                                      - dt.timedelta(days=1))

    with pytest.raises(ValidationError) as error:
        services.session_log(session=session, actor=world.mentor,
                             status=SessionStatus.HAPPENED, topics=[foreign])

    assert "topics" in error.value.message_dict


def test_action_items_belong_to_one_of_the_pair_and_can_be_ticked_off(world, scoped_organization):
    session = MentoringSessionFactory(pair=world.pair, held=True)
    item = services.action_item_add(session=session, actor=world.mentor,
                                    text="Send the prompt list", owner=world.mentee)

    services.action_item_update(item=item, actor=world.mentee, text=item.text,
                                owner=world.mentee, due_date=None, done=True)

    assert ActionItem.objects.get(pk=item.pk).is_done
    with pytest.raises(ValidationError) as error:
        services.action_item_add(session=session, actor=world.mentor, text="x",
                                 owner=make_pair(scoped_organization).mentor)
    assert "owner" in error.value.message_dict
    assert [c.kind for c in SessionChange.objects.filter(session=session).order_by("id")] == [
        ChangeKind.ACTION_ADDED, ChangeKind.ACTION_CHANGED]


# --- private notes ---------------------------------------------------------------------------

def test_private_notes_are_the_authors_own_and_empty_text_deletes(world):
    session = MentoringSessionFactory(pair=world.pair, held=True)

    services.private_note_save(author=world.mentee, pair=world.pair, text="On the pair")
    services.private_note_save(author=world.mentee, pair=world.pair, session=session,
                               text="On the session")
    services.private_note_save(author=world.mentor, pair=world.pair, session=session,
                               text="The mentor's own")
    services.private_note_save(author=world.mentee, pair=world.pair, session=session,
                               text="On the session, edited")

    assert selectors.my_pair_note(author=world.mentee, pair=world.pair).text == "On the pair"
    assert selectors.my_session_note(author=world.mentee, session=session).text == \
        "On the session, edited"
    assert selectors.my_session_note(author=world.mentor, session=session).text == \
        "The mentor's own"
    assert selectors.my_pair_note(author=world.mentor, pair=world.pair) is None
    assert PrivateNote.objects.count() == 3
    services.private_note_save(author=world.mentee, pair=world.pair, text="  ")
    assert selectors.my_pair_note(author=world.mentee, pair=world.pair) is None


def test_a_note_on_a_session_of_another_pair_is_refused(world, scoped_organization):
    elsewhere = MentoringSessionFactory(pair=PairFactory(cohort=world.pair.cohort))

    with pytest.raises(ValidationError):
        services.private_note_save(author=world.mentee, pair=world.pair, session=elsewhere,
                                   text="x")

    assert not PrivateNote.objects.exists()


# --- goals -----------------------------------------------------------------------------------

def test_both_own_goals_linked_to_objectives_and_topics(world, scoped_organization):
    topic = TopicFactory(organization=scoped_organization)

    mine = services.goal_create(pair=world.pair, owner=world.mentor,
                                title="Understand how budgets are decided",
                                objectives=["Juniors understand strategy"], topics=[topic])
    theirs = services.goal_create(pair=world.pair, owner=world.mentee,
                                  title="Use an AI assistant for board preparation")

    assert mine.objectives == ["Juniors understand strategy"]
    assert list(mine.topics.all()) == [topic]
    assert [g.pk for g in selectors.goals_of_pair(pair=world.pair)] == [mine.pk, theirs.pk]
    with pytest.raises(ValidationError) as error:
        services.goal_create(pair=world.pair, owner=world.mentor, title="x",
                             objectives=["An objective of another program"])
    assert "objectives" in error.value.message_dict


def test_the_owner_reports_progress_and_the_partner_comments(world):
    goal = GoalFactory(pair=world.pair, owner=world.mentee)

    services.goal_add_update(goal=goal, author=world.mentee, percent=40, comment="Halfway")
    services.goal_add_update(goal=goal, author=world.mentor, comment="Try the summariser")
    with pytest.raises(ValidationError) as error:
        services.goal_add_update(goal=goal, author=world.mentor, percent=90)

    assert error.value.message_dict["percent"] == [
        "Only the goal's owner reports its progress; you can leave a comment."]
    goal = selectors.goal_of_pair(pair=world.pair, goal_pk=goal.pk)
    assert selectors.goal_progress(goal) == 40
    assert goal.status == GoalStatus.IN_PROGRESS
    assert [(u.author_id, u.percent) for u in goal.updates.all()] == [
        (world.mentee.pk, 40), (world.mentor.pk, None)]


def test_only_the_owner_changes_a_goal(world):
    goal = GoalFactory(pair=world.pair, owner=world.mentee)

    with pytest.raises(ValidationError) as error:
        services.goal_update(goal=goal, actor=world.mentor, title="Hijacked")

    assert _messages(error) == "Only the person who owns this goal can change it."
    goal.refresh_from_db()
    assert goal.title == "Use an AI assistant for board preparation"


# --- commitments -----------------------------------------------------------------------------

def test_the_mentee_commits_and_answers_when_it_falls_due(world):
    session = MentoringSessionFactory(pair=world.pair, held=True)
    due = timezone.localdate() + dt.timedelta(days=7)

    commitment = services.commitment_create(
        pair=world.pair, owner=world.mentee, session=session, due_date=due,
        text="Try an AI assistant for my weekly report", shared_with_partner=False)
    services.commitment_record_outcome(commitment=commitment, actor=world.mentee,
                                       outcome=CommitmentOutcome.NOT_YET, note="Busy week",
                                       new_due_date=due + dt.timedelta(days=7))

    commitment.refresh_from_db()
    assert (commitment.outcome, commitment.outcome_note, commitment.due_date) == (
        CommitmentOutcome.NOT_YET, "Busy week", due + dt.timedelta(days=7))
    # not shared: the partner does not see it
    assert list(selectors.commitments_visible_to(pair=world.pair, participant=world.mentor)) \
        == []


def test_commitments_are_the_mentees_and_not_in_the_past(world):
    with pytest.raises(ValidationError) as error:
        services.commitment_create(pair=world.pair, owner=world.mentor, text="x",
                                   due_date=timezone.localdate())
    assert "mentee" in _messages(error)
    with pytest.raises(ValidationError) as error:
        services.commitment_create(pair=world.pair, owner=world.mentee, text="x",
                                   due_date=timezone.localdate() - dt.timedelta(days=3))
    assert "due_date" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_only_the_owner_answers_for_a_commitment(world):
    commitment = services.commitment_create(pair=world.pair, owner=world.mentee, text="x",
                                            due_date=timezone.localdate(),
                                            shared_with_partner=True)

    with pytest.raises(ValidationError):
        services.commitment_record_outcome(commitment=commitment, actor=world.mentor,
                                           outcome=CommitmentOutcome.DONE)

    commitment.refresh_from_db()
    assert commitment.outcome == CommitmentOutcome.PENDING
