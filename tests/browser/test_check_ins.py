"""Browser journey: a participant answers a check-in from the email's one-click link (signed
in on "Continue", straight onto the form, on a phone-sized screen); HR sees the alert it
raised, opens the pair in pair health, and acknowledges the alert. The participant's words,
not shared with HR, never reach HR's pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from core.tenancy import organization_scope
from sessions.checkins import services
from sessions.models import AlertStatus, HRAlert
from tests.browser.helpers import sign_in
from tests.factories.sessions import MentoringSessionFactory
from tests.sessions.conftest import make_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = "SENTINEL-CHECKIN-WORDS-4c2e we never get to my questions"


def test_a_check_in_from_the_email_link_reaches_hr_who_acknowledges_it(
        organization, admin_user, member_user, live_server, page: Page, settings):
    settings.FLIPSIDE_SITE_URL = live_server.url
    with organization_scope(organization):
        world = make_pair(organization, mentor_membership=Membership.objects.get(
            user=member_user))
        MentoringSessionFactory(pair=world.pair, held=True,
                                starts_at=timezone.now() - dt.timedelta(days=29))
        mail.outbox.clear()
        services.check_ins_open_due(organization=organization)
    email = next(m for m in mail.outbox
                 if m.to == [member_user.email] and "30 seconds" in m.subject)
    link = re.search(r"(https?://\S+/l/\S+/)", email.body).group(1)

    # the participant opens the link on a phone, presses Continue, lands on the form
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_role("button", name=re.compile("^Continue as")).click()
    expect(page.get_by_role("heading", name=re.compile("How is it going with"))).to_be_visible()
    page.get_by_role("group", name="How is your mentoring going?").get_by_label("2",
                                                                              exact=True).check()
    page.get_by_role("group", name="Anything in the way?").get_by_label(
        "The relationship").check()
    page.get_by_label("In your own words (optional)").fill(WORDS)
    page.get_by_role("group", name="Who set the agenda last time?").get_by_label(
        "My partner").check()
    page.get_by_role("group", name="Did you feel able to speak candidly?").get_by_label(
        "4", exact=True).check()
    page.get_by_role("group", name="Would you like HR to reach out?").get_by_label(
        "No", exact=True).check()
    page.get_by_role("button", name="Send my check-in").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success")).first).to_contain_text(
        "your check-in is saved")

    # HR sees the alert, opens the pair, acknowledges it
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, admin_user.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/check-ins/cohorts/"
              f"{world.pair.cohort_id}/alerts/")
    row = page.locator("#alert-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Says it is going badly")
    expect(row).to_contain_text("The relationship is in the way")
    expect(page.locator("body")).not_to_contain_text(WORDS)
    row.get_by_role("link").click()
    expect(page.locator("#alert-text")).to_contain_text("Not shared with HR.")
    page.get_by_role("link", name="Open the pair in pair health").click()
    expect(page).to_have_url(re.compile(rf"/matching/pairs/{world.pair.pk}/$"))
    page.go_back()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#alert-status")).to_contain_text("Acknowledged")
    with organization_scope(organization):
        assert HRAlert.objects.get().status == AlertStatus.ACKNOWLEDGED


def test_check_in_pages_meet_wcag_and_fit_a_phone_with_their_forms_shown(
        organization, admin_user, member_user, live_server, page: Page):
    """tests/browser/test_accessibility.py audits every page with its sample objects (where no
    check-in is waiting); here the same audit runs with the forms and alerts on the page."""
    from tests.browser.test_accessibility import check
    from tests.factories.checkins import CheckInFactory, FitCheckFactory, HRAlertFactory

    with organization_scope(organization):
        world = make_pair(organization, mentor_membership=Membership.objects.get(
            user=member_user))
        CheckInFactory(pair=world.pair, participant=world.mentor)
        FitCheckFactory(pair=world.pair, participant=world.mentor)
        alert = HRAlertFactory(pair=world.pair, shared_text="Please call me.",
                               reasons=["low_score", "wants_contact"])
    base, slug = live_server.url, organization.slug
    problems: dict[str, list[str]] = {}

    sign_in(page, base, member_user.email)
    mine = [f"/o/{slug}/pairs/{world.pair.pk}/check-in/",
            f"/o/{slug}/pairs/{world.pair.pk}/fit-check/", f"/o/{slug}/check-ins/",
            f"/o/{slug}/"]
    audited = sum(check(page, base + url, problems) for url in mine)
    expect(page.locator("#home-check-ins")).to_be_visible()
    sign_in(page, base, admin_user.email)
    hr = [f"/o/{slug}/check-ins/cohorts/{world.pair.cohort_id}/alerts/",
          f"/o/{slug}/check-ins/alerts/{alert.pk}/",
          f"/o/{slug}/check-ins/cohorts/{world.pair.cohort_id}/settings/"]
    audited += sum(check(page, base + url, problems) for url in hr)

    assert audited == 7
    assert problems == {}, "\n".join(f"{url}: {'; '.join(found)}"
                                     for url, found in problems.items())
