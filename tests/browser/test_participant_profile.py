"""Browser journey: a mentor completes their profile to 100%; HR reads capacity vs demand."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from core.tenancy import organization_scope
from tests.browser.helpers import sign_in
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    ProgramFactory,
    SeniorityLevelFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def journey(organization):
    with organization_scope(organization):
        SeniorityLevelFactory(organization=organization, name="Associate", rank=1)
        SeniorityLevelFactory(organization=organization, name="Director", rank=5)
        ai = TopicFactory(organization=organization, name="AI tools")
        TopicFactory(organization=organization, name="Strategy")
        program = ProgramFactory(organization=organization, name="Flip the Script")
        cohort = CohortFactory(program=program, organization=organization, name="Pilot",
                               status="enrolling")
        mentor_user = UserFactory(email="mia@acme.example", full_name="Mia Mentor")
        membership = MembershipFactory(organization=organization, user=mentor_user,
                                       role=Role.MEMBER)
        ParticipantFactory(cohort=cohort, membership=membership, role="mentor",
                           profile__job_title="", profile__department="",
                           profile__time_zone="", profile__languages=[])
        for name in ("Leo Lead", "Lia Lead"):
            mentee = ParticipantFactory(cohort=cohort, role="mentee",
                                        membership__user__full_name=name)
            ParticipantTopicFactory(participant=mentee, topic=ai, interest="learn")
        admin = MembershipFactory(organization=organization, role=Role.ADMIN,
                                  user=UserFactory(email="hr@acme.example")).user
    return {"cohort": cohort, "mentor": mentor_user, "admin": admin}



def test_mentor_completes_profile_and_hr_sees_capacity_vs_demand(journey, live_server,
                                                                 page: Page):
    sign_in(page, live_server.url, "mia@acme.example")
    page.get_by_role("link", name="My programs").click()
    expect(page.get_by_role("heading", name="My programs")).to_be_visible()
    expect(page.locator("#my-participations")).to_contain_text("Profile 0% complete")
    page.get_by_role("link", name=re.compile("Complete my profile")).click()

    expect(page.locator("#completeness-percent")).to_have_text(re.compile(r"^\d+%$"))
    page.get_by_label("Job title").fill("Social media analyst")
    page.get_by_label("Department").fill("Marketing")
    page.get_by_label("Seniority level").select_option(label="Associate")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Languages you can mentor in").fill("English, Spanish")
    page.get_by_label("How many mentees can you take?").select_option("2")
    page.get_by_label("Learning goals").fill("Understand how strategy is made.")
    page.get_by_label("Day of window 1").select_option(label="Tuesday")
    page.get_by_label("From (window 1)").fill("09:00")
    page.get_by_label("Until (window 1)").fill("10:30")
    page.get_by_label("Find a topic").fill("ai")
    expect(page.get_by_label("Can teach Strategy")).to_be_hidden()
    page.get_by_label("Can teach AI tools").select_option("3")
    page.get_by_label("Find a topic").fill("")
    page.get_by_label("Want to learn Strategy").select_option("2")
    page.get_by_role("button", name="Save my profile").click()

    expect(page.get_by_role("alert").filter(has_text="Profile saved")).to_contain_text(
        "100% complete")
    expect(page.locator("#completeness-percent")).to_have_text("100%")
    expect(page.get_by_label("Day of window 1")).to_have_value("1")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "hr@acme.example")
    cohort = journey["cohort"]
    page.goto(f"{live_server.url}/o/acme/programs/cohorts/{cohort.pk}/roster/")

    summary = page.locator("#capacity-vs-demand")
    expect(summary).to_contain_text("2 / 2")
    expect(summary).to_contain_text("Capacity exactly matches demand.")
    expect(page.locator("#topic-balance-table")).to_contain_text("AI tools")
    expect(page.locator("#topic-chart")).to_be_visible()

    page.get_by_label("Role").select_option("mentor")
    expect(page.locator("#roster-count")).to_have_text("1 person shown")
    expect(page.locator("#roster-table")).to_contain_text("Mia Mentor")
    assert "role=mentor" in page.url
