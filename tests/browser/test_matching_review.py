"""Browser: HR finds people for a manual pair by typing (htmx picker, never a list of the whole
cohort), keeps the choices when a pair is refused, and filters the review with the filters in
the URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core.tenancy import organization_scope
from matching.models import DecisionKind, PairDecision
from matching.services.runs import run_start
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import violations
from tests.factories.matching import matching_ready_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_types_to_find_both_people_of_a_manual_pair_and_keeps_them_when_refused(
        organization, admin_user, live_server, page: Page):
    with organization_scope(organization):
        built = matching_ready_cohort(organization)
        rule_breaker = built.mentors[3]  # Mentor 4 moves to Finance, the leaders' department
        rule_breaker.profile.department = "Finance"
        rule_breaker.profile.save()
        cohort = built.cohort

    sign_in(page, live_server.url, admin_user.email)
    page.goto(f"{live_server.url}/o/acme/matching/cohorts/{cohort.pk}/")
    form = page.locator("#manual-pair-form")
    expect(form.get_by_role("radio")).to_have_count(0)  # nobody listed before typing

    # type part of a name: at most 20 matches appear, with title and department
    form.get_by_label("Find a mentor").fill("mentor 4")
    mentor = form.get_by_role("radio", name=re.compile(r"Mentor 4 · Graduate Analyst · Finance"))
    expect(mentor).to_be_visible()
    expect(form.locator("#manual-mentor-options").get_by_role("radio")).to_have_count(1)
    mentor.check()
    form.get_by_label("Find a mentee").fill("Leader 1")
    mentee = form.get_by_role("radio", name=re.compile("Leader 1 · Director · Finance"))
    mentee.check()
    # the live score says which rule it breaks
    expect(form.locator("#manual-assessment")).to_contain_text(
        "Breaks a rule: same department (Finance).")

    # locking without a reason is refused; both people are still chosen
    form.get_by_role("button", name="Lock this pair").click()
    expect(page.get_by_text("Your choices are kept.")).to_be_visible()
    form = page.locator("#manual-pair-form")
    expect(form.get_by_text("Give an override reason to lock it anyway.")).to_be_visible()
    expect(form.get_by_role("radio", name=re.compile("Mentor 4"))).to_be_checked()
    expect(form.get_by_role("radio", name=re.compile("Leader 1"))).to_be_checked()
    with organization_scope(organization):
        assert not PairDecision.objects.exists()
    assert violations(page) == []  # the refused form with its errors is accessible too

    # with a reason it is locked, and HR is back on the cohort's matching page
    form.get_by_label("Override reason").fill("They asked for each other")
    form.get_by_role("button", name="Lock this pair").click()
    expect(page.get_by_text("Manual pair locked: every run keeps it.")).to_be_visible()
    expect(page.get_by_role("heading", name="Matching · Spring pilot")).to_be_visible()
    with organization_scope(organization):
        decision = PairDecision.objects.get()
        assert (decision.mentor_id, decision.mentee_id, decision.kind) == (
            rule_breaker.pk, built.mentees[0].pk, DecisionKind.LOCK)


def test_hr_filters_the_review_and_the_filter_stays_in_the_address(
        organization, admin_user, live_server, page: Page, django_capture_on_commit_callbacks):
    with organization_scope(organization):
        cohort = matching_ready_cohort(organization).cohort
        with django_capture_on_commit_callbacks(execute=True):
            run = run_start(cohort=cohort, actor=admin_user)

    sign_in(page, live_server.url, admin_user.email)
    page.goto(f"{live_server.url}/o/acme/matching/runs/{run.pk}/")
    rows = page.locator("#proposals tbody tr")
    expect(rows).to_have_count(6)

    page.get_by_label("Find a person").fill("Leader 3")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Leader 3")
    expect(page).to_have_url(re.compile(r"[?&]q=Leader(\+|%20)3"))
    expect(page.locator("#review-count")).to_have_text("Pairs 1–1 of 1 matching the filters")

    page.reload()  # the filter lives in the URL
    expect(page.get_by_label("Find a person")).to_have_value("Leader 3")
    expect(page.locator("#proposals tbody tr")).to_have_count(1)

    # the review with its pairs, cards, readiness and a searched picker passes axe
    page.get_by_label("Find a mentor").fill("Mentor")
    expect(page.locator("#manual-mentor-options").get_by_role("radio")).to_have_count(6)
    assert violations(page) == []
