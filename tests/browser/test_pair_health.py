"""Browser journey: HR opens a cohort's pair health, sees a pair slipping (its sessions held
vs expected, never what it wrote), and re-pairs it: finds a new mentor with the search,
sees the new pair's live score and that it meets every rule, and confirms; the old pair
is ended (re-paired) and the new one introduced."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.tenancy import organization_scope
from matching.models import Pair, PairEndReason, PairStatus
from tests.browser.helpers import sign_in
from tests.factories.matching import PairFactory, live_cohort
from tests.factories.sessions import MentoringSessionFactory
from tests.matching.activity_sources import activity_source, registered_or_sessions_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "SENTINEL-SUMMARY-browser-9d1e"


def _held(pair, days_ago: int) -> None:
    starts = (timezone.now() - dt.timedelta(days=days_ago)).replace(hour=10, minute=0,
                                                                   second=0, microsecond=0)
    MentoringSessionFactory(pair=pair, held=True, starts_at=starts, summary=SUMMARY)


def test_hr_sees_a_slipping_pair_and_repairs_it(organization, admin_user, live_server,
                                                page: Page):
    with organization_scope(organization):
        built = live_cohort(organization, mentors=3, mentees=2, started_days_ago=45)
        cohort = built.cohort
        published = dt.datetime.combine(cohort.start_date - dt.timedelta(days=2), dt.time(9),
                                         tzinfo=dt.UTC)
        on_track = PairFactory(cohort=cohort, mentor=built.mentors[0], mentee=built.mentees[0])
        slipping = PairFactory(cohort=cohort, mentor=built.mentors[1], mentee=built.mentees[1])
        Pair.objects.filter(cohort=cohort).update(created_at=published)
        for days_ago in (40, 26, 3):  # 45 days at a 14-day cadence: 3 expected
            _held(on_track, days_ago)
        for days_ago in (38, 10):
            _held(slipping, days_ago)
        spare = built.mentors[2].membership.user.full_name
        slipping_mentee = built.mentees[1].membership.user.full_name

    with activity_source(registered_or_sessions_activity()):
        # HR opens the cohort's pair health from the matching pages
        sign_in(page, live_server.url, admin_user.email)
        page.get_by_role("link", name="Matching", exact=True).click()
        page.get_by_role("link", name=re.compile("Spring pilot")).click()
        page.get_by_role("link", name="Pair health").click()
        expect(page.get_by_role("heading", name="Pair health · Spring pilot")).to_be_visible()

        # the slipping pair shows as such, with its sessions held of expected, and no summary
        row = page.locator(f'tr[data-pair="{slipping.pk}"]')
        expect(row).to_have_attribute("data-health", "slipping")
        expect(row).to_contain_text("Slipping")
        expect(row).to_contain_text("2 / 3")
        expect(page.locator(f'tr[data-pair="{on_track.pk}"]')).to_contain_text("On track")
        expect(page.locator("body")).not_to_contain_text(SUMMARY)
        # the filter keeps it in the URL
        page.get_by_label("Health", exact=True).select_option("slipping")
        expect(page).to_have_url(re.compile(r"health=slipping"))
        expect(page.locator("#health-table tbody tr")).to_have_count(1)

        # re-pair it: find a new mentor for the mentee, see the live score, confirm
        row = page.locator(f'tr[data-pair="{slipping.pk}"]')
        row.get_by_role("link", name=re.compile("^Re-pair")).click()
        expect(page.get_by_role("heading", name=re.compile("^Re-pair"))).to_be_visible()
        page.get_by_label("Find a new mentor").fill(spare)
        page.get_by_role("radio", name=re.compile(spare)).check()
        assessment = page.locator("#repair-assessment")
        expect(assessment).to_contain_text(f"New pair: {spare} → {slipping_mentee}")
        expect(assessment).to_contain_text("Score")
        expect(assessment).to_contain_text("Meets every matching rule.")
        page.get_by_role("button", name="End this pair and re-pair").click()

        expect(page.get_by_text("Re-paired: 1 new pair created and introduced by email."))\
            .to_be_visible()
        expect(page.locator("#pair-state")).to_contain_text("Re-paired")
        expect(page.get_by_text("Re-paired as:")).to_contain_text(spare)

    with organization_scope(organization):
        slipping.refresh_from_db()
        assert (slipping.status, slipping.end_reason) == (PairStatus.ENDED,
                                                           PairEndReason.RE_PAIRED)
        new = Pair.objects.get(repaired_from=slipping)
        assert (new.mentor_id, new.mentee_id, new.status) == (
            built.mentors[2].pk, built.mentees[1].pk, PairStatus.ACTIVE)
