"""Browser journeys of the dashboards, in real headless Chromium against the live server:

- an executive signs in, opens the dashboard from the navigation, filters a date range with
  the keyboard, reads a chart and the table behind it, exports a panel's CSV, opens the
  printable report (one A4 page, no navigation or filters); they cannot open HR analytics,
  a pair or a survey's answer form;
- an HR admin's HR analytics with the real sections and their operational lists: axe-clean
  on a desktop and on a phone.

The executive journey runs on the test-only sections of tests/dashboards/test_views.py (the
live server runs in this process, so the monkeypatched registry is the one it serves)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from core.tenancy import organization_scope
from dashboards import selectors
from sessions.checkins.selectors import organization_today
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import PHONE, violations
from tests.dashboards.test_views import PROBE, PROBE_HR, named_pairs
from tests.factories.feedback import SurveyFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_a_phone(page: Page) -> int:
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    return width


def focus_by_tabbing(page: Page, element_id: str, *, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") \
                == element_id:
            return
    pytest.fail(f"#{element_id} cannot be reached with the Tab key")


def test_an_executive_reads_filters_exports_and_prints_the_dashboard(
        page: Page, live_server, organization, executive_user, monkeypatch, tmp_path):
    monkeypatch.setattr(selectors, "SECTIONS", (PROBE, PROBE_HR))
    today = organization_today(organization)
    with organization_scope(organization):
        cohort = CohortFactory(program=ProgramFactory(organization=organization,
                                                      name="Leaders"),
                               name="Leaders autumn", status="active",
                               start_date=today - dt.timedelta(days=60),
                               end_date=today + dt.timedelta(days=120))
        pair = PairFactory(cohort=cohort)
        survey = SurveyFactory(cohort=cohort)
    base = live_server.url
    slug = organization.slug

    sign_in(page, base, executive_user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    assert violations(page) == []
    assert fits_a_phone(page) <= PHONE["width"]

    # filter a date range from the keyboard
    focus_by_tabbing(page, "id_date_from")
    page.keyboard.type(f"{(today - dt.timedelta(days=30)):%m%d%Y}")
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"date_from=\d{4}-\d{2}-\d{2}"))
    start = today - dt.timedelta(days=30)
    expect(page.locator("#dash-scope")).to_have_text(
        f"All programs · {start.day} {start:%b %Y} to {today.day} {today:%b %Y}")

    # a chart and its table
    chart = page.get_by_role("img", name=re.compile("Chart of “Every kind of cell”"))
    expect(chart).to_be_visible()
    assert page.evaluate("() => Chart.getChart(document.getElementById('chart-probe_cells'))"
                         " !== undefined")
    table = page.get_by_role("table", name="Every kind of cell: the figures behind the chart")
    expect(table).to_contain_text("12,345")
    expect(table).to_contain_text("fewer than 5")
    expect(page.get_by_role("table", name=re.compile("Pairs per cohort"))).to_contain_text(
        "Leaders autumn")

    # a panel's CSV
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV of “Every kind of cell”").click()
    saved = tmp_path / "panel.csv"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8-sig").splitlines()[0] == \
        "Group,Sessions (sessions),On track (%),NPS (NPS)"

    # the printable report: one A4 page, no navigation, no filters, the tables kept
    page.get_by_role("link", name="Printable report").click()
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    assert violations(page) == []
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    expect(page.get_by_role("table", name=re.compile("Every kind of cell"))).to_be_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="screen")

    # nothing that names someone
    for address in (f"/o/{slug}/dashboard/hr/", f"/o/{slug}/pairs/{pair.pk}/",
                    f"/o/{slug}/surveys/{survey.pk}/answer/",
                    f"/o/{slug}/dashboard/panels/probe_people.csv"):
        response = page.goto(base + address)
        assert response.status == 403, address


def test_hr_analytics_with_the_real_sections_is_accessible(page: Page, live_server,
                                                           organization, admin_user):
    today = organization_today(organization)
    with organization_scope(organization):
        cohort = CohortFactory(program=ProgramFactory(organization=organization, name="Real"),
                               name="Real cohort", status="active",
                               start_date=today - dt.timedelta(days=60),
                               end_date=today + dt.timedelta(days=120))
        named_pairs(organization, cohort, 6)
    base = live_server.url

    sign_in(page, base, admin_user.email)
    page.goto(f"{base}/o/{organization.slug}/dashboard/hr/")
    expect(page.get_by_role("heading", name="HR analytics", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What needs HR today")).to_be_visible()

    assert violations(page) == []
    assert fits_a_phone(page) <= PHONE["width"]
    # A canvas still sized for a wider window (Chart.js follows a narrower one only when its
    # resize observer fires) must not push the page wider than the phone's screen.
    page.set_viewport_size(PHONE)
    assert page.locator(".dash-chart canvas").count() > 0
    page.evaluate("""() => document.querySelectorAll('.dash-chart canvas')
                          .forEach((canvas) => { canvas.style.width = '900px'; })""")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/o/{organization.slug}/dashboard/hr/print/")
    assert violations(page) == []
