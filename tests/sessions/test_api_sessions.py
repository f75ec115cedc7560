"""The workspace API for the signed-in participant: the same rules and messages as the web
pages, errors with field keys (core/api_errors.py), nothing changed on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import (
    Commitment,
    CommitmentOutcome,
    GoalUpdate,
    MentoringSession,
    PrivateNote,
    SessionStatus,
)
from tests.factories.programs import TopicFactory
from tests.factories.sessions import CommitmentFactory, GoalFactory, MentoringSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client):
    def as_user(user):
        api_client.force_authenticate(user)
        return api_client

    return as_user


def _url(name, organization, world, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": organization.slug, "pair_pk": world.pair.pk,
                                 **kwargs})


def test_schedule_from_a_suggested_slot_then_refuse_it_once_taken(world, api, organization,
                                                                  sent):
    client = api(world.mentee_user)
    slots = client.get(_url("api_pair_slots", organization, world)).json()
    assert len(slots) == 5
    assert slots[0]["mine"].endswith("America/New_York")
    assert slots[0]["partners"].endswith("Europe/London")
    body = {"starts_at": slots[0]["starts_at"], "duration_minutes": 45,
            "from_suggestion": True, "meeting_url": "https://meet.example/1"}

    with sent() as emails:
        created = client.post(_url("api_sessions", organization, world), body, format="json")
    again = client.post(_url("api_sessions", organization, world), body, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "scheduled"
    assert len(emails) == 2
    assert again.status_code == 400
    assert again.json() == {"starts_at": [
        "That time is no longer free for both of you: one of you booked another session then "
        "or changed their availability. Pick another of the suggested times."]}
    assert MentoringSession.objects.count() == 1


def test_reschedule_cancel_and_log_through_the_api(world, api, organization, scoped_organization):
    client = api(world.mentor_user)
    session = MentoringSessionFactory(pair=world.pair)
    url = _url("api_session", organization, world, session_pk=session.pk)

    moved = client.patch(url, {"starts_at": (session.starts_at + dt.timedelta(hours=1))
                               .isoformat(), "agenda": "Bring a board paper"}, format="json")
    cancelled = client.post(_url("api_session_cancellation", organization, world,
                                 session_pk=session.pk), {"reason": "Clash"}, format="json")

    assert moved.status_code == 200, moved.json()
    assert (moved.json()["sequence"], moved.json()["agenda"]) == (2, "Bring a board paper")
    assert cancelled.json() == {"cancelled": True, "cancelled_by": "mentor", "reason": "Clash"}
    past = MentoringSessionFactory(pair=world.pair,
                                   starts_at=timezone.now() - dt.timedelta(days=1))
    topic = TopicFactory(organization=scoped_organization)
    logged = client.post(_url("api_session_log", organization, world, session_pk=past.pk),
                         {"status": "happened", "actual_minutes": 55, "topics": [topic.pk],
                          "summary": "Prompting basics", "rating": 4}, format="json")
    assert logged.status_code == 200, logged.json()
    assert (logged.json()["topics"], logged.json()["my_rating"]) == ([topic.pk], 4)
    refused = client.post(_url("api_session_log", organization, world, session_pk=past.pk),
                          {"status": "happened", "topics": [987654]}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"topics": ["Choose topics of your organization's list."]}


def test_log_a_past_meeting_never_scheduled(world, api, organization):
    client = api(world.mentee_user)

    response = client.post(_url("api_past_sessions", organization, world), {
        "starts_at": (timezone.now() - dt.timedelta(days=2)).isoformat(),
        "duration_minutes": 30, "status": "no_show"}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["was_scheduled"], response.json()["status"]) == (False, "no_show")
    listed = client.get(_url("api_past_sessions", organization, world)).json()["results"]
    assert [s["id"] for s in listed] == [response.json()["id"]]


def test_private_notes_api_returns_only_your_own(world, api, organization):
    session = MentoringSessionFactory(pair=world.pair, held=True)
    note_url = _url("api_session_note", organization, world, session_pk=session.pk)

    written = api(world.mentee_user).put(note_url, {"text": "Mine only"}, format="json")
    partner_view = api(world.mentor_user).get(note_url).json()
    mine = api(world.mentee_user).get(reverse("api_my_notes", kwargs={
        "org_slug": organization.slug})).json()["results"]
    deleted = api(world.mentee_user).delete(note_url)

    assert written.json()["text"] == "Mine only"
    assert partner_view == {"text": "", "updated_at": None}
    assert [(n["session"], n["text"]) for n in mine] == [(session.pk, "Mine only")]
    assert deleted.status_code == 204
    assert not PrivateNote.objects.exists()


def test_goals_and_updates(world, api, organization):
    created = api(world.mentor_user).post(_url("api_goals", organization, world), {
        "title": "Understand budget decisions", "objectives": ["Juniors understand strategy"]},
        format="json")
    goal_pk = created.json()["id"]
    updates = _url("api_goal_updates", organization, world, goal_pk=goal_pk)

    progress = api(world.mentor_user).post(updates, {"percent": 25, "comment": "Read the "
                                                     "budget memo"}, format="json")
    partner = api(world.mentee_user).post(updates, {"percent": 90}, format="json")
    comment = api(world.mentee_user).post(updates, {"comment": "Join the Q3 review"},
                                          format="json")
    hijack = api(world.mentee_user).patch(_url("api_goal", organization, world,
                                               goal_pk=goal_pk), {"title": "x"}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["owner"] == "mentor"
    assert progress.status_code == 201
    assert partner.status_code == 400
    assert partner.json() == {"percent": ["Only the goal's owner reports its progress; you can "
                                          "leave a comment."]}
    assert comment.json()["author"] == "mentee"
    assert hijack.status_code == 400
    goal = api(world.mentee_user).get(_url("api_goal", organization, world,
                                           goal_pk=goal_pk)).json()
    assert (goal["title"], goal["progress"], goal["status"]) == (
        "Understand budget decisions", 25, "in_progress")
    assert GoalUpdate.objects.count() == 2


def test_commitments_own_or_shared_and_their_outcome(world, api, organization):
    client = api(world.mentee_user)
    created = client.post(_url("api_commitments", organization, world), {
        "text": "Add a junior voice to the product review",
        "due_date": timezone.localdate().isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    commitment_pk = created.json()["id"]
    outcome_url = _url("api_commitment_outcome", organization, world,
                       commitment_pk=commitment_pk)

    hidden = api(world.mentor_user).get(outcome_url)
    answered = api(world.mentee_user).post(outcome_url, {"outcome": "partly", "note": "Once"},
                                           format="json")
    mentor_commits = api(world.mentor_user).post(_url("api_commitments", organization, world),
                                                 {"text": "x", "due_date": "2099-01-01"},
                                                 format="json")

    assert hidden.status_code == 404  # not shared with the partner
    assert answered.json()["outcome"] == "partly"
    assert Commitment.objects.get(pk=commitment_pk).outcome == CommitmentOutcome.PARTLY
    assert mentor_commits.status_code == 400
    assert Commitment.objects.count() == 1


def test_a_shared_commitment_is_read_only_for_the_partner(world, api, organization):
    commitment = CommitmentFactory(pair=world.pair, shared_with_partner=True)
    url = _url("api_commitment", organization, world, commitment_pk=commitment.pk)

    seen = api(world.mentor_user).get(url)
    changed = api(world.mentor_user).patch(url, {"text": "Hijacked"}, format="json")

    assert (seen.status_code, seen.json()["mine"]) == (200, False)
    assert changed.status_code == 400
    commitment.refresh_from_db()
    assert commitment.text == "Try an AI assistant for my weekly report"


def test_my_pairs_shows_the_partners_public_part_in_my_zone(world, api, organization):
    pairs = api(world.mentor_user).get(reverse("api_pairs", kwargs={
        "org_slug": organization.slug})).json()["results"]

    [pair] = pairs
    assert (pair["id"], pair["my_role"], pair["time_zone"], pair["writable"]) == (
        world.pair.pk, "mentor", "Europe/London", True)
    partner = pair["partner"]
    assert partner["name"] == "Edward Vance"
    assert partner["time_zone"] == "America/New_York"
    assert "email" not in partner
    # New York 09:00-12:00 is 14:00-17:00 in London in most weeks
    assert partner["availability"][0].startswith("Monday ")


def test_a_goal_of_another_pair_through_this_pair_is_404(world, api, organization,
                                                         scoped_organization):
    from tests.sessions.conftest import make_pair

    elsewhere = GoalFactory(pair=make_pair(scoped_organization,
                                           mentor_membership=world.mentor.membership)
                            .pair)

    response = api(world.mentor_user).get(_url("api_goal", organization, world,
                                               goal_pk=elsewhere.pk))

    assert response.status_code == 404


def test_a_scheduled_session_logged_as_cancelled_is_taken_out_of_calendars(world, api,
                                                                         organization, sent):
    session = MentoringSessionFactory(pair=world.pair)

    with sent() as emails:
        response = api(world.mentee_user).post(
            _url("api_session_log", organization, world, session_pk=session.pk),
            {"status": "cancelled", "cancelled_by": "mentor"}, format="json")

    assert response.json()["status"] == SessionStatus.CANCELLED
    assert response.json()["cancelled_by"] == "mentor"
    assert sorted(e.attachments[0][0] for e in emails) == ["cancelled-session.ics"] * 2
