"""Browser journeys of the surveys, in real headless Chromium against the live server:

- a participant answers the built-in midpoint survey on a phone-sized window: saves a draft,
  comes back to it, previews who will see what, submits and gets a receipt to download;
- an HR admin reads a closed survey's results: charts with their tables, the department
  breakdown with its small groups combined, a mentees' question too small to show.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from core.tenancy import organization_scope
from feedback import services
from feedback.models import PendingAnswer, QuestionKind, Response, SurveyDraft, organization_today
from tests.browser.helpers import sign_in
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _question(page: Page, text: str):
    return page.locator("fieldset.survey-question", has_text=text)


def _pick(page: Page, question: str, label: str) -> None:
    _question(page, question).locator("label", has_text=re.compile(rf"^{re.escape(label)}$")) \
        .click()


def test_a_participant_answers_the_midpoint_on_a_phone(page: Page, live_server, organization,
                                                      member_user):
    with organization_scope(organization):
        cohort = CohortFactory(program=ProgramFactory(organization=organization),
                               name="Spring pilot")
        place = ParticipantFactory(cohort=cohort, role="mentor",
                                   membership=Membership.objects.get(user=member_user))
        today = organization_today(organization)
        survey = services.survey_create(cohort=cohort, actor=None, template="midpoint",
                                        opens_on=today, closes_on=today + dt.timedelta(days=7))
        services.survey_publish(survey=survey, actor=None)
    base = live_server.url
    page.set_viewport_size(PHONE)

    sign_in(page, base, member_user.email)
    page.goto(f"{base}/o/{organization.slug}/")
    page.get_by_role("link", name="Midpoint check").click()
    expect(page.get_by_role("heading", name="Midpoint check")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Anonymous.")
    _pick(page, "I can speak candidly with my partner", "4")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")

    page.reload()  # the draft is filled in again
    expect(page.get_by_text("Your draft of")).to_be_visible()
    _pick(page, "Our sessions are a good use of my time.", "5")
    _question(page, "What gets in the way").get_by_label("Finding time").check()
    _question(page, "What have you learned so far?").get_by_role("textbox").fill(
        "How the board weighs a decision.")
    page.get_by_role("button", name="Preview what you send").click()
    expect(page.get_by_text("This question needs an answer.")).to_be_visible()  # NPS
    _pick(page, "How likely are you to recommend", "9")
    page.get_by_role("button", name="Preview what you send").click()

    expect(page.get_by_role("heading", name="Check what you send, and who will see it")) \
        .to_be_visible()
    expect(page.get_by_text("How the board weighs a decision.")).to_be_visible()
    expect(page.get_by_text("among the answers of at least 10 people").first).to_be_visible()
    with organization_scope(organization):
        assert not Response.objects.exists()
    page.get_by_role("button", name="Submit my answers").click()

    expect(page.get_by_role("heading", name="Your receipt")).to_be_visible()
    expect(page.get_by_role("button", name="Download receipt")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download receipt").click()
    assert download.value.suggested_filename.startswith("receipt-")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    with organization_scope(organization):
        assert Response.objects.get().participant == place
        assert sorted(PendingAnswer.objects.values_list("number", flat=True),
                      key=lambda n: -1 if n is None else n) == [None, None, 4, 5, 9]
        assert not SurveyDraft.objects.exists()

    page.goto(f"{base}/o/{organization.slug}/surveys/mine/")
    expect(page.get_by_text(re.compile("Answered on"))).to_be_visible()


def test_an_admin_reads_results_with_a_breakdown_suppressed(page: Page, live_server,
                                                           organization, admin_user):
    with organization_scope(organization):
        cohort = CohortFactory(program=ProgramFactory(organization=organization))
        survey = SurveyFactory(cohort=cohort, title="Midpoint check")
        QuestionFactory(survey=survey, kind=QuestionKind.SCALE, text="Sessions are useful")
        QuestionFactory(survey=survey, kind=QuestionKind.SCALE, audience="mentee",
                        text="My mentor changes how I think", required=False)
        for department, count, role in (("Sales", 6, "mentor"), ("Finance", 4, "mentor"),
                                        ("Legal", 3, "mentee")):
            for n in range(count):
                place = ParticipantFactory(cohort=cohort, role=role,
                                           profile__department=department)
                answers = [services.AnswerInput(question_id=q.pk, value=(n % 5) + 1)
                           for q in services.selectors.questions_for_respondent(
                               survey=survey, participant=place)]
                services.response_submit(survey=survey, participant=place, answers=answers)
        services.survey_close(survey=survey)
    base = live_server.url

    sign_in(page, base, admin_user.email)
    page.goto(f"{base}/o/{organization.slug}/surveys/")
    page.get_by_role("link", name="Results").click()
    expect(page.get_by_role("heading", name="Results: Midpoint check")).to_be_visible()
    expect(page.locator("#responded-count")).to_have_text("13")
    sessions = page.locator("section.results-question", has_text="Sessions are useful")
    expect(sessions.locator("canvas")).to_be_visible()
    assert sessions.locator("canvas").evaluate("(c) => c.width") > 0  # Chart.js drew it
    expect(sessions.get_by_role("table")).to_contain_text("13")
    mentor_view = page.locator("section.results-question",
                               has_text="My mentor changes how I think")
    expect(mentor_view).to_contain_text("Not shown: fewer than 5 answers")

    page.get_by_label("Break down by").select_option("department")
    page.get_by_role("button", name="Apply").click()

    table = page.locator("section.results-question", has_text="Sessions are useful") \
        .get_by_role("table")
    expect(table.get_by_role("rowheader", name="Sales")).to_be_visible()
    expect(table).to_contain_text("Other (small groups combined)")
    expect(table).not_to_contain_text("Finance")
    expect(table).not_to_contain_text("Legal")
