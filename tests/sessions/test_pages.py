"""The workspace's web pages: what the page shows each of the two people, the phase's
prompts, scheduling from the suggestions (and a refused slot, with its message next to the
field), the start-page panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import ParticipantTopic
from sessions import selectors, services
from sessions.models import MentoringSession
from sessions.phases import cohort_phase
from tests.factories.programs import DirectedPromptFactory, ResourceFactory, TopicFactory
from tests.factories.sessions import ActionItemFactory, CommitmentFactory
from tests.sessions.conftest import make_pair

pytestmark = pytest.mark.django_db


def _url(name, organization, world, **kwargs) -> str:
    return reverse(f"sessions:{name}", kwargs={"org_slug": organization.slug,
                                               "pair_pk": world.pair.pk, **kwargs})


@pytest.mark.parametrize(("day", "phase"), [
    (-10, "kickoff"), (0, "kickoff"), (13, "kickoff"), (14, "early"), (71, "early"),
    (72, "mid"), (143, "mid"), (144, "closing"), (400, "closing")])
def test_cohort_phase_from_its_dates(day, phase):
    start = dt.date(2027, 1, 1)

    assert cohort_phase(start=start, end=start + dt.timedelta(days=180),
                        today=start + dt.timedelta(days=day)) == phase


def test_workspace_shows_the_partners_public_part_in_my_zone(world, mentor_client,
                                                             organization):
    response = mentor_client.get(_url("workspace", organization, world))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Edward Vance" in page
    assert "CFO" in page
    assert world.mentee_user.email not in page
    # New York 09:00-12:00 shown in London time, zone named
    card = response.context["space"].partner_card
    assert card.time_zone == "America/New_York"
    assert all(label.endswith(("14:00–17:00", "13:00–16:00")) for label in card.availability)
    assert "your time, Europe/London" in page


def test_prompts_of_the_current_phase_and_shared_topics(world, mentor_client, organization,
                                                        scoped_organization):
    program = world.pair.cohort.program
    shared = TopicFactory(organization=scoped_organization)
    other = TopicFactory(organization=scoped_organization)
    ParticipantTopic.objects.create(organization=scoped_organization, participant=world.mentor,
                                    topic=shared, interest="teach")
    ParticipantTopic.objects.create(organization=scoped_organization, participant=world.mentee,
                                    topic=shared, interest="learn")
    phase = cohort_phase(start=world.pair.cohort.start_date, end=world.pair.cohort.end_date,
                         today=timezone.localdate())
    DirectedPromptFactory(program=program, phase=phase, text="Now, for everyone")
    DirectedPromptFactory(program=program, phase=phase, text="Now, on our topic", topic=shared)
    DirectedPromptFactory(program=program, phase=phase, text="Now, another topic", topic=other)
    DirectedPromptFactory(program=program, phase="closing" if phase != "closing" else "early",
                          text="Another phase")
    ResourceFactory(program=program, title="For mentors", audience="mentor")
    ResourceFactory(program=program, title="For mentees", audience="mentee")

    space = mentor_client.get(_url("workspace", organization, world)).context["space"]

    assert [p.text for p in space.prompts] == ["Now, for everyone", "Now, on our topic"]
    assert space.shared_topics == [shared]
    assert [r.title for r in space.resources] == ["For mentors"]


def test_schedule_from_the_suggestions_on_the_page(world, mentee_client, organization, sent):
    page = mentee_client.get(_url("session_schedule", organization, world))
    option = page.context["slot_options"][0]

    with sent() as emails:
        response = mentee_client.post(_url("session_schedule", organization, world), {
            "slot": option.value, "duration_minutes": 45, "format": "video",
            "meeting_url": "https://meet.example/z"})

    session = MentoringSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("session_detail", organization, world,
                                        session_pk=session.pk)
    assert session.starts_at == option.start
    assert len(emails) == 2


def test_a_slot_taken_meanwhile_is_refused_next_to_the_field(world, mentee_client,
                                                             organization, scoped_organization):
    option = selectors.slot_options(pair=world.pair, membership=world.mentee.membership)[0]
    other = make_pair(scoped_organization, mentee_membership=world.mentee.membership)
    services.session_schedule(pair=other.pair, actor=other.mentee, starts_at=option.start,
                              duration_minutes=45)

    response = mentee_client.post(_url("session_schedule", organization, world), {
        "slot": option.value, "duration_minutes": 45, "format": "video"})

    assert response.status_code == 400
    assert response.context["form"].errors["slot"] == [
        "That time is no longer free for both of you: one of you booked another session then "
        "or changed their availability. Pick another of the suggested times."]
    assert not MentoringSession.objects.filter(pair=world.pair).exists()


def test_another_time_is_read_in_my_own_zone(world, mentee_client, organization):
    day = timezone.localdate() + dt.timedelta(days=10)

    mentee_client.post(_url("session_schedule", organization, world), {
        "slot": "other", "starts_at": f"{day.isoformat()}T19:30", "duration_minutes": 30,
        "format": "phone", "location": "+1 212 555 0100"})

    session = MentoringSession.objects.get()
    from zoneinfo import ZoneInfo

    local = session.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.date(), local.hour, local.minute) == (day, 19, 30)


def test_start_page_shows_the_next_session_and_what_is_due(world, mentor_client,
                                                           organization):
    session = services.session_schedule(
        pair=world.pair, actor=world.mentee, duration_minutes=45,
        starts_at=selectors.slot_options(pair=world.pair,
                                         membership=world.mentee.membership)[0].start)
    ActionItemFactory(session=session, owner=world.mentor, text="Send the prompt list",
                      due_date=timezone.localdate() + dt.timedelta(days=2))
    CommitmentFactory(pair=world.pair, due_date=timezone.localdate(), text="Mentee's own")

    page = mentor_client.get(reverse("org_home", kwargs={"org_slug": organization.slug}))

    html = page.content.decode()
    assert "Next session" in html
    assert selectors.local_label(session.starts_at, 45, "Europe/London") in html
    assert "Send the prompt list" in html
    assert "Mentee's own" not in html  # the mentee's commitment is due for them, not here
