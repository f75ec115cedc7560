"""The strict Content-Security-Policy in real Chromium: it is enforced and a violation is
caught (the ``page`` fixture fails every browser test on one); and what moved out of inline
code still works under it: the remove-member confirmation, the runs chart, the bar widths,
Swagger UI."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership, Role
from core.tenancy import organization_scope
from tests.browser.helpers import policy_violations, record_policy_violations, sign_in
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.matching import MatchingRunFactory
from tests.factories.programs import CohortFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_policy_is_enforced_and_a_violation_is_recorded(context, live_server):
    # a page of its own: the shared ``page`` fixture would fail this test for the violations
    page = context.new_page()
    found = record_policy_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")

    ran = page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
        document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: red">x</p>');
        return window.inlineRan === true;
    }""")

    assert ran is False
    assert page.eval_on_selector("#styled", "el => getComputedStyle(el).color") != \
        "rgb(255, 0, 0)"
    violations = policy_violations(page, found)
    assert any("script-src" in v for v in violations), violations
    assert any("style-src" in v for v in violations), violations
    page.close()


def test_removing_a_member_asks_first_and_cancel_keeps_them(page: Page, live_server,
                                                            organization, admin_user):
    MembershipFactory(organization=organization, role=Role.MEMBER,
                      user=UserFactory(email="leo@acme.example", full_name="Leo Park"))
    sign_in(page, live_server.url, admin_user.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/settings/")
    asked: list[str] = []

    # "Cancel": nothing is sent
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Remove Leo Park").click()
    expect(page.get_by_role("button", name="Remove Leo Park")).to_be_visible()
    assert asked == ["Remove Leo Park from Acme Retail?"]
    with organization_scope(organization):
        assert Membership.objects.filter(user__email="leo@acme.example").exists()

    # "OK": removed
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Leo Park").click()
    expect(page.get_by_role("button", name="Remove Leo Park")).to_have_count(0)
    with organization_scope(organization):
        assert not Membership.objects.filter(user__email="leo@acme.example").exists()


def test_runs_chart_draws_from_the_page_data(page: Page, live_server, organization, admin_user):
    with organization_scope(organization):
        cohort = CohortFactory(program__organization=organization, name="Autumn",
                               status="matching")
        MatchingRunFactory(cohort=cohort, number=1, succeeded=True, matched_count=4,
                           mentee_count=6, topic_coverage=0.5)
        MatchingRunFactory(cohort=cohort, number=2, succeeded=True, matched_count=6,
                           mentee_count=6, topic_coverage=None)
    sign_in(page, live_server.url, admin_user.email)

    page.goto(f"{live_server.url}/o/{organization.slug}/matching/cohorts/{cohort.pk}/")

    expect(page.get_by_role("heading", name="Runs compared")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('runs-chart')")
    data = page.evaluate("""() => {
        const chart = Chart.getChart("runs-chart");
        return {labels: chart.data.labels, sets: chart.data.datasets.map(d => d.data)};
    }""")
    assert data == {"labels": ["Run 1", "Run 2"], "sets": [[4, 6], [50, None]]}


def test_bars_are_as_wide_as_their_percentage(page: Page, live_server, organization,
                                              admin_user):
    with organization_scope(organization):
        run = MatchingRunFactory(cohort__program__organization=organization, status="running",
                                 progress=40)
    sign_in(page, live_server.url, admin_user.email)

    page.goto(f"{live_server.url}/o/{organization.slug}/matching/runs/{run.pk}/")

    bar = page.locator("#run-progress .progress-bar")
    expect(bar).to_have_text("40%")
    share = bar.evaluate("el => el.getBoundingClientRect().width"
                         " / el.parentElement.getBoundingClientRect().width")
    assert share == pytest.approx(0.40, abs=0.01)


def test_swagger_ui_renders_under_the_policy(page: Page, live_server, admin_user):
    sign_in(page, live_server.url, admin_user.email)

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .title")).to_contain_text(re.compile("Flipside API"))
    expect(page.locator(".opblock").first).to_be_visible()
