"""Browser journey: HR runs matching for a cohort, watches the run finish, locks one pair,
rejects another, re-runs, publishes; then both people of a pair find each other on My pairs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core.tenancy import organization_scope
from matching.models import MatchingRun, Pair, Proposal
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import violations
from tests.factories.matching import matching_ready_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _proposal(organization, pk: int) -> tuple[str, str, str, str]:
    """(mentor name, mentee name, mentor email, mentee email) of a proposal."""
    with organization_scope(organization):
        p = Proposal.objects.select_related("mentor__membership__user",
                                            "mentee__membership__user").get(pk=pk)
        return (p.mentor.membership.user.full_name, p.mentee.membership.user.full_name,
                p.mentor.membership.user.email, p.mentee.membership.user.email)


def test_admin_matches_reviews_reruns_and_publishes_then_a_pair_meets(
        organization, admin_user, live_server, page: Page):
    with organization_scope(organization):
        cohort = matching_ready_cohort(organization).cohort

    # HR opens the cohort in the matching phase and starts a run
    sign_in(page, live_server.url, admin_user.email)
    page.get_by_role("link", name="Matching", exact=True).click()
    page.get_by_role("link", name=re.compile("Spring pilot")).click()
    expect(page.get_by_role("heading", name="Matching · Spring pilot")).to_be_visible()
    page.get_by_role("button", name="Start a matching run").click()

    # the progress bar reaches 100% and the review appears
    expect(page.get_by_role("heading", name="Run 1 · Spring pilot")).to_be_visible()
    expect(page.locator("#run-progress")).to_contain_text("100%")
    expect(page.locator("#matched-count")).to_have_text("6/6")
    rows = page.locator("#proposals tbody tr")
    expect(rows).to_have_count(6)

    # lock the first pair, reject the second
    locked_pk = int(rows.nth(0).get_attribute("data-proposal"))
    rejected_pk = int(rows.nth(1).get_attribute("data-proposal"))
    locked = _proposal(organization, locked_pk)
    rejected = _proposal(organization, rejected_pk)
    page.get_by_role("button", name=f"Lock pair {locked_pk}").click()
    expect(page.get_by_text("Pair locked. Re-run to rebuild around it.")).to_be_visible()
    page.get_by_role("button", name=f"Reject pair {rejected_pk}").click()
    expect(page.locator(f'tr[data-proposal="{rejected_pk}"]')).to_contain_text("rejected")
    expect(page.locator(f'tr[data-proposal="{locked_pk}"]')).to_contain_text("locked")

    # re-run around the decisions
    page.get_by_role("button", name="Re-run around decisions").click()
    expect(page.get_by_role("heading", name="Run 2 · Spring pilot")).to_be_visible()
    expect(page.locator("#run-progress")).to_contain_text("100%")
    table = page.locator("#proposals")
    expect(table.locator("tbody tr")).to_have_count(6)
    locked_row = table.locator("tbody tr").filter(has_text=locked[1])
    expect(locked_row).to_contain_text(locked[0])
    expect(locked_row).to_contain_text("locked")
    rejected_row = table.locator("tbody tr").filter(has_text=rejected[1])
    expect(rejected_row).not_to_contain_text(rejected[0])

    # publish: a confirmation step says how many emails will go out before anything is sent
    page.get_by_role("link", name="Publish pairs…").click()
    expect(page.get_by_role("heading", name="Publish run 2 · Spring pilot?")).to_be_visible()
    expect(page.locator("#publish-emails")).to_contain_text(
        "12 introduction emails will go out, to the 12 people of 6 pairs.")
    expect(page.get_by_text("All 12 enrolled profiles are complete.")).to_be_visible()
    page.get_by_role("button", name="Publish and send 12 emails").click()
    # not ticked: refused, nothing sent
    expect(page.get_by_text("Confirm on this page to publish: nothing was sent.")).to_be_visible()
    with organization_scope(organization):
        assert not Pair.objects.filter(cohort=cohort).exists()
    page.get_by_label("Yes, publish these pairs and send the introductions").check()
    page.get_by_role("button", name="Publish and send 12 emails").click()
    expect(page.get_by_text(
        "Published 6 pairs; the cohort is active and introduction emails are on their way to "
        "the people paired.")).to_be_visible()
    expect(page.get_by_role("heading", name="Active pairs (6)")).to_be_visible()
    with organization_scope(organization):
        run = MatchingRun.objects.get(cohort=cohort, number=2)
        assert run.published_at is not None
        assert Pair.objects.filter(cohort=cohort, run=run).count() == 6

    # both people of the locked pair sign in and find each other on My pairs
    mentor_name, mentee_name, mentor_email, mentee_email = locked
    for email, partner, badge in ((mentor_email, mentee_name, "your mentee"),
                                  (mentee_email, mentor_name, "your mentor")):
        sign_in(page, live_server.url, email)
        page.get_by_role("link", name="My pairs").click()
        expect(page.get_by_role("heading", name="My pairs")).to_be_visible()
        cards = page.locator("article.card")
        expect(cards).to_have_count(1)
        expect(cards.first.locator("h2")).to_contain_text(partner)
        expect(cards.first).to_contain_text(badge)
        # why, in plain words; the admin's lock stays on the admin's review
        why = cards.first.get_by_role("region", name="Why you were paired")
        expect(why).to_be_visible()
        expect(why).to_contain_text("You are both free on Monday 09:00–11:00 (your time, "
                                    "Europe/London).")
        expect(why).to_contain_text(
            f"{partner} can help you with" if badge == "your mentor" else "You can help")
        expect(cards.first).not_to_contain_text("Locked by an admin")
        expect(cards.first).not_to_contain_text("weekly overlap")
        expect(cards.first.locator(".partner-availability")).to_contain_text(
            "Monday 09:00–11:00")
        assert violations(page) == []
