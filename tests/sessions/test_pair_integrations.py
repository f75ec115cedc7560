"""How the sessions app plugs into the apps around it, end to end:

- it is the activity source of HR pair health (matching/activity.py): a logged session's date
  and the pair's counts reach the page, never a summary, a note, a goal's text or a rating;
- ``matching.signals.pair_ended`` withdraws what is pending for the pair (invitations,
  check-ins) and takes its sessions still ahead out of both calendars; a paused or ended pair
  gets nothing new;
- ``sessions.signals.session_rated`` (after commit) folds a rating into the cohort's
  after-session survey (feedback/hooks.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.models import Notification
from feedback.models import AttributedAnswer, Response, Survey, SurveyKind
from matching import activity, pair_lifecycle
from matching.models import PairEndReason, PairStatus
from sessions import selectors, services
from sessions.activity import pair_activity_of_sessions
from sessions.models import (
    ChangeKind,
    CommitmentOutcome,
    MentoringSession,
    SessionChange,
    SessionStatus,
)
from sessions.signals import session_rated

pytestmark = pytest.mark.django_db

SECRETS = {"summary": "SECRET-SUMMARY-b71c", "note": "SECRET-NOTE-0d9e",
           "goal": "SECRET-GOAL-5a2f", "goal why": "SECRET-WHY-33aa",
           "update": "SECRET-UPDATE-8c8c", "commitment": "SECRET-COMMIT-e4e4",
           "action": "SECRET-ACTION-1f1f"}


def _first_slot(world):
    return selectors.slot_options(pair=world.pair, membership=world.mentee.membership)[0].start


def _schedule(world):
    return services.session_schedule(pair=world.pair, actor=world.mentee,
                                     starts_at=_first_slot(world), duration_minutes=45,
                                     suggested=True)


def _invitation_rows(session) -> list[Notification]:
    return [n for n in Notification.objects.filter(kind=services.INVITATION_KIND).order_by("pk")
            if n.key.split(":")[1] in {str(i.pk) for i in session.invites.all()}]


# --- the activity source of pair health -------------------------------------------------------

def test_sessions_is_the_registered_activity_source():
    assert activity._source == [pair_activity_of_sessions]


def test_pair_health_shows_a_logged_sessions_date_and_counts_but_nothing_written(
        world, admin_client, django_capture_on_commit_callbacks):
    # Given a session the mentor logs with a summary, a rating and an action item, the
    # mentee's private note, goal with progress and open commitment shared with the program
    held_at = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_log_unscheduled(
            pair=world.pair, actor=world.mentor, starts_at=held_at, duration_minutes=45,
            actual_minutes=50, summary=SECRETS["summary"], rating=2)
    services.action_item_add(session=session, actor=world.mentor, text=SECRETS["action"],
                             owner=world.mentee)
    services.private_note_save(author=world.mentee, pair=world.pair, session=session,
                               text=SECRETS["note"])
    goal = services.goal_create(pair=world.pair, owner=world.mentee, title=SECRETS["goal"],
                                why=SECRETS["goal why"])
    services.goal_create(pair=world.pair, owner=world.mentor, title="Learn budgeting")
    services.goal_add_update(goal=goal, author=world.mentee, percent=40,
                             comment=SECRETS["update"])
    services.commitment_create(pair=world.pair, owner=world.mentee, text=SECRETS["commitment"],
                               due_date=timezone.localdate() + dt.timedelta(days=10),
                               session=session, shared_with_program=True)
    slug, cohort = world.pair.cohort.organization.slug, world.pair.cohort
    urls = [reverse("matching:pair_health", kwargs={"org_slug": slug, "cohort_pk": cohort.pk}),
            reverse("matching:pair_hr", kwargs={"org_slug": slug, "pair_pk": world.pair.pk}),
            reverse("matching:pair_health_csv",
                    kwargs={"org_slug": slug, "cohort_pk": cohort.pk}),
            reverse("api_matching_pair_health", kwargs={"org_slug": slug,
                                                         "cohort_pk": cohort.pk})]

    # When HR opens pair health (page, pair page, export, API)
    responses = [admin_client.get(url) for url in urls]

    # Then the counts came from the sessions data …
    row = next(r for r in responses[0].context["rows"] if r.pair_id == world.pair.pk)
    assert (row.activity.sessions_held, row.activity.last_session, row.activity.goals,
            row.activity.goals_with_progress, row.activity.open_commitments) == (
        1, held_at.astimezone(dt.UTC).date(), 2, 1, 1)
    page = responses[0].content.decode()
    assert f"{held_at:%-d %b %Y}" in page
    assert "1 / " in page
    # … and nothing the pair wrote, nor the rating, is in any of them
    for url, response in zip(urls, responses, strict=True):
        assert response.status_code == 200, url
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content).decode("utf-8-sig")
        assert [name for name, value in SECRETS.items() if value in body] == [], url
        assert "rating" not in body.lower(), url


def test_the_source_counts_only_what_counts(world):
    past = timezone.now() - dt.timedelta(days=20)
    services.session_log_unscheduled(pair=world.pair, actor=world.mentor, starts_at=past,
                                     duration_minutes=45, status=SessionStatus.NO_SHOW)
    services.session_log_unscheduled(pair=world.pair, actor=world.mentor,
                                     starts_at=past - dt.timedelta(days=7),
                                     duration_minutes=45)
    dropped = services.goal_create(pair=world.pair, owner=world.mentee, title="Dropped one")
    dropped.status = "dropped"
    dropped.save()
    commitment = services.commitment_create(
        pair=world.pair, owner=world.mentee, text="Done already",
        due_date=timezone.localdate())
    services.commitment_record_outcome(commitment=commitment, actor=world.mentee,
                                       outcome=CommitmentOutcome.DONE)

    found = pair_activity_of_sessions(type(world.pair).objects.filter(pk=world.pair.pk))

    assert found == {world.pair.pk: activity.PairActivity(
        sessions_held=1, last_session=(past - dt.timedelta(days=7)).astimezone(dt.UTC).date())}


# --- a pair that ends or pauses -----------------------------------------------------------------

def test_ending_a_pair_withdraws_a_pending_invitation_and_cancels_the_session(world,
                                                                              admin_user):
    # Given a scheduled session whose invitations have not been sent yet
    session = _schedule(world)
    assert {n.status for n in _invitation_rows(session)} == {Notification.Status.PENDING}

    # When HR ends the pair
    pair_lifecycle.pair_end(pair=world.pair, actor=admin_user,
                            reason=PairEndReason.NOT_A_GOOD_FIT)

    # Then nobody receives the invitation, and the session will not take place
    rows = _invitation_rows(session)
    assert len(rows) == 2
    assert {(n.status, n.last_error) for n in rows} == {
        (Notification.Status.SKIPPED, "Withdrawn: the pair ended (not a good fit).")}
    session.refresh_from_db()
    assert (session.status, session.cancelled_by, session.cancel_reason) == (
        SessionStatus.CANCELLED, None, "The pair ended (not a good fit).")
    change = SessionChange.objects.filter(session=session).order_by("pk").last()
    assert (change.kind, change.actor) == (ChangeKind.CANCELLED, None)
    # no cancellation is queued for an invitation that never reached a calendar
    assert len(_invitation_rows(session)) == 2


def test_ending_a_pair_sends_the_cancellation_of_an_invitation_already_sent(world, admin_user,
                                                                           sent):
    with sent():
        session = _schedule(world)
    assert {n.status for n in _invitation_rows(session)} == {Notification.Status.SENT}

    with sent() as emails:
        pair_lifecycle.pair_end(pair=world.pair, actor=admin_user,
                                reason=PairEndReason.LEFT_COMPANY)

    cancellations = [e for e in emails if e.attachments]
    assert sorted(e.to[0] for e in cancellations) == sorted(
        [world.mentor_user.email, world.mentee_user.email])
    for email in cancellations:
        assert "has ended" in email.body
        calendar = Calendar.from_ical(email.attachments[0][1])
        [event] = calendar.walk("VEVENT")
        assert str(calendar["method"]) == "CANCEL"
        assert (str(event["uid"]), int(event["sequence"])) == (f"{session.uid}@flipside", 1)
    session.refresh_from_db()
    assert (session.status, session.sequence) == (SessionStatus.CANCELLED, 1)


def test_ending_a_pair_withdraws_a_pending_check_in_and_keeps_the_past(world, admin_user):
    past = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentor, starts_at=timezone.now() - dt.timedelta(days=2),
        duration_minutes=45)
    commitment = services.commitment_create(pair=world.pair, owner=world.mentee,
                                            text="Ask a junior first",
                                            due_date=timezone.localdate())
    assert services.commitment_ask(commitment_id=commitment.pk)
    [check_in] = Notification.objects.filter(kind=services.CHECK_IN_KIND)
    assert check_in.status == Notification.Status.PENDING

    pair_lifecycle.pair_end(pair=world.pair, actor=admin_user,
                            reason=PairEndReason.GOALS_COMPLETED)

    check_in.refresh_from_db()
    assert check_in.status == Notification.Status.SKIPPED
    past.refresh_from_db()
    assert past.status == SessionStatus.HAPPENED  # history stays as it was


def test_ending_one_pair_leaves_another_pairs_invitations_alone(world, admin_user,
                                                                scoped_organization):
    from tests.sessions.conftest import make_pair

    other = make_pair(scoped_organization, cohort=world.pair.cohort)
    theirs = _schedule(other)

    pair_lifecycle.pair_end(pair=world.pair, actor=admin_user,
                            reason=PairEndReason.NOT_A_GOOD_FIT)

    assert {n.status for n in _invitation_rows(theirs)} == {Notification.Status.PENDING}
    theirs.refresh_from_db()
    assert theirs.status == SessionStatus.SCHEDULED


@pytest.mark.parametrize("how", ["paused", "ended"])
def test_a_paused_or_ended_pair_gets_nothing_new(world, admin_user, how):
    commitment = services.commitment_create(pair=world.pair, owner=world.mentee,
                                            text="Ask a junior first",
                                            due_date=timezone.localdate())
    slot = _first_slot(world)
    if how == "paused":
        pair_lifecycle.pair_pause(pair=world.pair, actor=world.mentor_user,
                                  until=timezone.localdate() + dt.timedelta(days=14))
    else:
        pair_lifecycle.pair_end(pair=world.pair, actor=admin_user,
                                reason=PairEndReason.NO_LONGER_AVAILABLE)
    world.pair.refresh_from_db()
    assert world.pair.status == (PairStatus.PAUSED if how == "paused" else PairStatus.ENDED)
    before = Notification.objects.count()

    # the due scan skips it, and a check-in task queued before the change asks nothing
    assert commitment.pk not in selectors.commitments_due_for_check_in(
        today=timezone.localdate())
    assert services.commitment_ask(commitment_id=commitment.pk) is False
    if how == "ended":  # nothing can be planned any more (a paused pair may plan its return)
        with pytest.raises(ValidationError, match="no longer active"):
            services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=slot,
                                      duration_minutes=45, suggested=True)

    assert Notification.objects.count() == before
    assert not MentoringSession.objects.filter(pair=world.pair).exists()
    commitment.refresh_from_db()
    assert commitment.asked_at is None


def test_a_paused_pair_is_asked_about_its_commitment_once_it_resumes(world):
    commitment = services.commitment_create(pair=world.pair, owner=world.mentee,
                                            text="Ask a junior first",
                                            due_date=timezone.localdate())
    pair_lifecycle.pair_pause(pair=world.pair, actor=world.mentor_user,
                              until=timezone.localdate() + dt.timedelta(days=14))
    assert services.commitment_ask(commitment_id=commitment.pk) is False

    pair_lifecycle.pair_resume(pair=world.pair, actor=world.mentee_user)

    assert services.commitment_ask(commitment_id=commitment.pk) is True
    assert Notification.objects.filter(kind=services.CHECK_IN_KIND).count() == 1


# --- a rating folds into the after-session survey ----------------------------------------------

def test_logging_a_rating_records_it_in_the_after_session_survey_after_commit(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        session = services.session_log_unscheduled(
            pair=world.pair, actor=world.mentor,
            starts_at=timezone.now() - dt.timedelta(days=1), duration_minutes=45, rating=4)
        assert not Response.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()

    survey = Survey.objects.get(cohort=world.pair.cohort, kind=SurveyKind.POST_SESSION)
    response = Response.objects.get(survey=survey)
    assert (response.participant, response.session) == (world.mentor, session)
    assert list(AttributedAnswer.objects.filter(response=response)
                .values_list("question__builtin_key", "number")) == [("session_rating", 4)]


def test_rating_again_replaces_the_answer_and_the_same_value_sends_nothing(
        world, mentee_client, django_capture_on_commit_callbacks):
    session = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentor, starts_at=timezone.now() - dt.timedelta(days=1),
        duration_minutes=45)
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["rating"])

    session_rated.connect(receiver)
    try:
        for value in (2, 5, 5):
            with django_capture_on_commit_callbacks(execute=True):
                services.session_rate(session=session, participant=world.mentee, value=value)
    finally:
        session_rated.disconnect(receiver)

    assert received == [2, 5]
    assert list(AttributedAnswer.objects.values_list("number", flat=True)) == [5]
    assert Response.objects.count() == 1


def test_rating_on_the_log_page_reaches_the_survey(world, mentor_client,
                                                   django_capture_on_commit_callbacks):
    session = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentee, starts_at=timezone.now() - dt.timedelta(days=1),
        duration_minutes=45)
    url = reverse("sessions:session_log", kwargs={
        "org_slug": world.pair.cohort.organization.slug, "pair_pk": world.pair.pk,
        "session_pk": session.pk})

    with django_capture_on_commit_callbacks(execute=True):
        response = mentor_client.post(url, {"status": SessionStatus.HAPPENED,
                                            "actual_minutes": "40", "rating": "3",
                                            "summary": ""})

    assert response.status_code == 302, response.content.decode()[:2000]
    response = Response.objects.get(session=session)
    assert response.participant == world.mentor
    assert list(AttributedAnswer.objects.values_list("number", flat=True)) == [3]


def test_a_failing_receiver_does_not_undo_or_break_the_rating(world,
                                                              django_capture_on_commit_callbacks,
                                                              caplog):
    session = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentor, starts_at=timezone.now() - dt.timedelta(days=1),
        duration_minutes=45)

    def broken(sender, **kwargs):
        raise RuntimeError("boom")

    session_rated.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_rate(session=session, participant=world.mentee, value=4)
    finally:
        session_rated.disconnect(broken)

    assert session.ratings.get(participant=world.mentee).value == 4
    assert "session_rated receiver" in caplog.text
    assert AttributedAnswer.objects.get().number == 4  # the real receiver still ran
