"""Participants read their program's guidelines, prompts (in phase order) and the resources
for their role; status badges are coloured by status."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Membership
from programs.models import Phase
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    DirectedPromptFactory,
    ParticipantFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db


def guide_url(participant) -> str:
    return reverse("programs:participant_program", kwargs={
        "org_slug": participant.organization.slug, "participant_pk": participant.pk})


@pytest.fixture
def own_place(cohort, member_user):
    return ParticipantFactory(cohort=cohort, role="mentor",
                              membership=Membership.objects.get(user=member_user))


def add_prompts(program):
    # created closing-first, and in an order where the alphabet (closing, early, kickoff,
    # mid) and the insertion order would both be wrong
    for phase, text in (("closing", "What will you keep doing?"),
                        ("mid", "What surprised you so far?"),
                        ("kickoff", "What do you hope to learn?"),
                        ("early", "Which tool did you try this week?")):
        DirectedPromptFactory(program=program, phase=phase, text=text)


def test_participant_reads_guidelines_prompts_in_phase_order_and_resources_for_their_role(
        member_client, own_place, program):
    add_prompts(program)
    ResourceFactory(program=program, title="Mentor handbook", audience="mentor")
    ResourceFactory(program=program, title="Mentee primer", audience="mentee")
    ResourceFactory(program=program, title="Ground rules", audience="both",
                    body="Be **kind**.")

    response = member_client.get(guide_url(own_place))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Meet <strong>every two weeks</strong>." in html  # the guidelines, as Markdown
    headings = re.findall(r'<h3 class="h6 mt-3" id="phase-(\w+)">', html)
    assert headings == ["kickoff", "early", "mid", "closing"]
    assert [phase.value for phase in Phase] == headings
    assert "Mentor handbook" in html
    assert "Ground rules" in html
    assert "Be <strong>kind</strong>." in html
    assert "Mentee primer" not in html


def test_my_programs_links_to_the_program_page(member_client, own_place):
    response = member_client.get(reverse("programs:my_participations",
                                         kwargs={"org_slug": own_place.organization.slug}))

    assert guide_url(own_place) in response.content.decode()


def test_someone_elses_place_is_404_and_an_admin_may_look(client, member_user, admin_user,
                                                         cohort, own_place):
    other = ParticipantFactory(cohort=cohort, role="mentee",
                               membership=MembershipFactory(
                                   organization=cohort.organization,
                                   user=UserFactory(full_name="ليلى حداد")))
    client.force_login(member_user)
    assert client.get(guide_url(other)).status_code == 404
    client.force_login(admin_user)
    as_admin = client.get(guide_url(other))
    assert as_admin.status_code == 200
    assert "<bdi>ليلى حداد</bdi> takes part as mentee" in as_admin.content.decode()


def test_page_takes_the_same_number_of_queries_for_1_and_12_prompts(
        member_client, own_place, program):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(guide_url(own_place)).status_code == 200
        return len(captured)

    DirectedPromptFactory(program=program, phase="kickoff")
    ResourceFactory(program=program)
    few = queries()
    for n in range(11):
        DirectedPromptFactory(program=program, phase=["mid", "early"][n % 2], text=f"P{n}")
        ResourceFactory(program=program, title=f"R{n}")

    assert queries() == few


def test_admin_program_page_lists_prompts_in_phase_order(admin_client, program):
    add_prompts(program)

    response = admin_client.get(reverse("programs:program_detail", kwargs={
        "org_slug": program.organization.slug, "program_pk": program.pk}))

    html = response.content.decode()
    positions = [html.index(text) for text in (
        "What do you hope to learn?", "Which tool did you try this week?",
        "What surprised you so far?", "What will you keep doing?")]
    assert positions == sorted(positions)


def test_cohort_status_badges_are_coloured_by_status(admin_client, program):
    colours = {}
    for status in ("draft", "enrolling", "matching", "active", "completed", "archived"):
        CohortFactory(program=program, organization=program.organization, status=status,
                      name=f"Cohort {status}")

    html = admin_client.get(reverse("programs:program_detail", kwargs={
        "org_slug": program.organization.slug, "program_pk": program.pk})).content.decode()

    for colour, status in re.findall(r'class="badge text-bg-([\w ]+) status-(\w+)"', html):
        colours[status] = colour
    assert set(colours) == {"draft", "enrolling", "matching", "active", "completed",
                            "archived"}
    assert len(set(colours.values())) == 6
    assert colours["active"] == "success"
