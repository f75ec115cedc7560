"""Browser: a mentor opens "My programs", follows the link to their program and reads its
guidelines, the conversation prompts phase by phase (kick-off first, closing last) and the
resources meant for mentors (not those for mentees)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from core.tenancy import organization_scope
from tests.browser.helpers import sign_in
from tests.factories.programs import (
    CohortFactory,
    DirectedPromptFactory,
    ParticipantFactory,
    ProgramFactory,
    ResourceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participant_reads_their_programs_guidelines_prompts_and_resources(
        organization, member_user, live_server, page: Page):
    with organization_scope(organization):
        program = ProgramFactory(organization=organization, name="Leaders go digital",
                                 guidelines="Meet **every two weeks** and keep notes.")
        cohort = CohortFactory(program=program, organization=organization, name="Autumn",
                               status="active")
        ParticipantFactory(cohort=cohort, role="mentor",
                           membership=Membership.objects.get(user=member_user))
        for phase, text in (("closing", "What will you keep doing?"),
                            ("mid", "What surprised you so far?"),
                            ("kickoff", "What do you hope to learn?"),
                            ("early", "Which tool did you try this week?")):
            DirectedPromptFactory(program=program, phase=phase, text=text)
        ResourceFactory(program=program, title="Mentor handbook", audience="mentor",
                        body="How to run a **first session**.")
        ResourceFactory(program=program, title="Mentee primer", audience="mentee")

    sign_in(page, live_server.url, member_user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My programs").click()
    card = page.get_by_role("article", name="Leaders go digital")
    card.get_by_role("link", name="Guidelines, prompts and resources of Leaders go digital") \
        .click()

    expect(page.get_by_role("heading", name="Leaders go digital", level=1)).to_be_visible()
    guidelines = page.get_by_role("region", name="Guidelines")
    expect(guidelines).to_contain_text("Meet every two weeks and keep notes.")
    expect(guidelines.locator("strong")).to_have_text("every two weeks")
    prompts = page.get_by_role("region", name="Conversation prompts")
    expect(prompts.get_by_role("heading", level=3)).to_have_text(
        ["Kick-off", "Early", "Mid-program", "Closing"])
    expect(prompts.get_by_role("listitem")).to_have_text([
        "What do you hope to learn?", "Which tool did you try this week?",
        "What surprised you so far?", "What will you keep doing?"])
    resources = page.get_by_role("complementary", name="Resources for mentors")
    expect(resources.get_by_role("article")).to_have_count(1)
    expect(resources.get_by_role("article", name="Mentor handbook")).to_contain_text(
        "How to run a first session.")
    expect(page.locator("main")).not_to_contain_text("Mentee primer")
