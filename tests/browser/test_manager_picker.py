"""Browser: "Your manager" is chosen by typing part of a name and using the keyboard only;
the suggestions show names and titles (no emails) and the profile saves the picked person."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import organization_scope
from programs.models import Profile
from tests.browser.helpers import sign_in
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ProfileFactory,
    ProgramFactory,
    SeniorityLevelFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(organization):
    with organization_scope(organization):
        SeniorityLevelFactory(organization=organization, name="Associate", rank=1)
        cohort = CohortFactory(program=ProgramFactory(organization=organization),
                               organization=organization, status="enrolling")
        mentor = MembershipFactory(organization=organization, role=Role.MEMBER, user=UserFactory(
            email="mia@acme.example", full_name="Mia Mentor"))
        participant = ParticipantFactory(cohort=cohort, membership=mentor, role="mentor")
        people = {}
        for name, title in (("Łukasz Nowak", "Head of IT"), ("Lukas Meyer", "Analyst"),
                            ("Luisa Costa", "Designer")):
            membership = MembershipFactory(organization=organization, user=UserFactory(
                full_name=name, email=f"{name.split()[1].lower()}@acme.example"))
            ProfileFactory(membership=membership, organization=organization, job_title=title)
            people[name] = membership
    return {"participant": participant, "people": people}


def test_manager_is_picked_with_the_keyboard(office, live_server, page: Page):
    participant = office["participant"]
    sign_in(page, live_server.url, "mia@acme.example")
    page.goto(f"{live_server.url}/o/acme/programs/participants/{participant.pk}/profile/")

    field = page.get_by_role("combobox", name="Your manager")
    field.focus()
    page.keyboard.type("luk")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(2)
    expect(listbox).to_contain_text("Head of IT")
    expect(listbox).not_to_contain_text("@acme.example")
    expect(field).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#manager-status")).to_contain_text("2 matches")

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # the second suggestion: names sort Łukasz among the Ls
    expect(field).to_have_attribute("aria-activedescendant",
                                    f"manager-option-{office['people']['Łukasz Nowak'].pk}")
    page.keyboard.press("Enter")
    expect(field).to_have_value("Łukasz Nowak")
    expect(listbox).to_be_hidden()

    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("combobox", name="Your manager")).to_have_value("Łukasz Nowak")
    with organization_scope(participant.organization):
        assert Profile.objects.get(pk=participant.profile_id).manager == \
            office["people"]["Łukasz Nowak"]
