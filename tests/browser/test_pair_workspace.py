"""Browser journey through the pair's workspace (real Chromium): the mentee finds a time among
the suggested slots and schedules; the mentor logs the session with a summary, a rating and an
action item; the mentee adds a private note, a goal update and a commitment; HR opens pair
health and sees the session (its day, sessions held, goals with progress, open commitments)
but not the summary, the note, the goal's text or the rating."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from core.tenancy import organization_scope
from feedback.models import AttributedAnswer
from sessions.models import (
    ActionItem,
    Commitment,
    GoalUpdate,
    MentoringSession,
    PrivateNote,
    SessionStatus,
)
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import violations
from tests.sessions.conftest import make_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mentee_schedules_mentor_logs_mentee_reflects(organization, member_user, admin_user,
                                                      live_server, page: Page):
    with organization_scope(organization):
        world = make_pair(organization, mentor_membership=Membership.objects.get(
            user=member_user))
    mentee, mentor = world.mentee_user, world.mentor_user
    base = live_server.url

    # the mentee opens the workspace from "My pairs" and finds a time
    sign_in(page, base, mentee.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My pairs").click()
    page.get_by_role("link", name=f"Open your workspace with {mentor.display_name}").click()
    expect(page.get_by_role("heading", name=f"You and {mentor.display_name}")).to_be_visible()
    page.get_by_role("link", name="Find a time and schedule").click()
    assert violations(page) == []
    slots = page.get_by_role("group", name="When").get_by_role("radio")
    expect(slots).to_have_count(6)  # five suggestions and "another time"
    first_slot = slots.first
    label = page.locator(f"label[for='{first_slot.get_attribute('id')}']").inner_text()
    assert "America/New_York" in label  # the mentee's own zone, named
    assert "Europe/London" in label  # and the partner's
    first_slot.check()
    page.get_by_label("Meeting link").fill("https://meet.example/weekly")
    page.get_by_label("Agenda").fill("- Try an assistant on a board paper")
    page.get_by_role("button", name="Schedule and send the invitation").click()
    expect(page.get_by_text("Session scheduled")).to_be_visible()
    expect(page.get_by_role("link", name="Download the calendar file (.ics)")).to_be_visible()
    with organization_scope(organization):
        session = MentoringSession.objects.get(pair=world.pair)
        assert session.meeting_url == "https://meet.example/weekly"
        # a week later: the session took place
        MentoringSession.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - dt.timedelta(days=1))

    # the mentor logs it with a summary and an action item
    sign_in(page, base, mentor.email)
    page.goto(f"{base}/o/{organization.slug}/pairs/{world.pair.pk}/")
    page.get_by_role("region", name="Past sessions").get_by_role("link").first.click()
    page.get_by_role("link", name="Log this session").click()
    page.get_by_role("radio", name="Happened").check()
    page.get_by_label("How long it lasted (minutes)").fill("50")
    page.get_by_label("Shared summary").fill("We prompted an assistant to draft the summary.")
    page.get_by_role("group", name="How valuable was this session for you?") \
        .get_by_role("radio", name="5", exact=True).check()
    page.get_by_role("button", name="Save the log").click()
    expect(page.get_by_text("Session log saved.")).to_be_visible()
    expect(page.get_by_role("region", name="Shared summary")).to_contain_text(
        "We prompted an assistant")
    page.get_by_role("link", name="Add an action item").click()
    page.get_by_label("Action item").fill("Share my prompt library")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("region", name="Action items")).to_contain_text(
        "Share my prompt library")

    # the mentee adds a private note, a goal update and a commitment
    sign_in(page, base, mentee.email)
    page.goto(f"{base}/o/{organization.slug}/pairs/{world.pair.pk}/sessions/{session.pk}/")
    expect(page.get_by_role("region", name="Shared summary")).to_contain_text(
        "We prompted an assistant")
    page.get_by_role("link", name="Add a private note").click()
    page.get_by_label("Your private note").fill("I felt slow with the tool; practise daily.")
    page.get_by_role("button", name="Save my note").click()
    expect(page.get_by_text("Private note saved.")).to_be_visible()
    page.get_by_role("link", name="Record a commitment").click()
    page.get_by_label("What you will do differently").fill(
        "Prepare my weekly report with an assistant")
    page.get_by_label("By when").fill((timezone.localdate() + dt.timedelta(days=14))
                                      .isoformat())
    page.get_by_role("button", name="Save the commitment").click()
    expect(page.get_by_text("Commitment recorded")).to_be_visible()
    page.goto(f"{base}/o/{organization.slug}/pairs/{world.pair.pk}/")
    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("Goal").fill("Use an AI assistant for board preparation")
    page.get_by_role("button", name="Save the goal").click()
    page.get_by_label("Progress (%)").fill("30")
    page.get_by_label("Comment", exact=True).fill("First paper drafted with help")
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("Progress saved.")).to_be_visible()
    expect(page.get_by_role("region", name="Progress and comments")).to_contain_text("30%")
    assert violations(page) == []

    with organization_scope(organization):
        logged = MentoringSession.objects.get(pk=session.pk)
        assert (logged.status, logged.actual_minutes) == (SessionStatus.HAPPENED, 50)
        assert ActionItem.objects.get(session=session).owner_id == world.mentor.pk
        note = PrivateNote.objects.get()
        assert (note.author_id, note.session_id) == (world.mentee.pk, session.pk)
        assert Commitment.objects.get().session_id == session.pk
        assert GoalUpdate.objects.get().percent == 30

    # the partner never sees the note
    sign_in(page, base, mentor.email)
    page.goto(f"{base}/o/{organization.slug}/pairs/{world.pair.pk}/sessions/{session.pk}/note/")
    expect(page.get_by_label("Your private note")).to_have_value("")
    assert "practise daily" not in page.content()

    # HR opens the cohort's pair health: the session is there, what the pair wrote is not
    sign_in(page, base, admin_user.email)
    page.goto(f"{base}/o/{organization.slug}/matching/cohorts/{world.pair.cohort_id}/pairs/")
    row = page.locator(f'tr[data-pair="{world.pair.pk}"]')
    held_on = logged.starts_at.astimezone(ZoneInfo(organization.time_zone or "UTC")).date()
    expect(row).to_contain_text(f"{held_on.day} {held_on:%b %Y}")
    expect(row).to_contain_text("1 / ")
    body = page.locator("body")
    for written in ("We prompted an assistant", "practise daily", "Share my prompt library",
                    "Use an AI assistant for board preparation", "First paper drafted",
                    "Prepare my weekly report"):
        expect(body).not_to_contain_text(written)
    row.get_by_role("link").first.click()
    expect(page.locator("#pair-sessions")).to_contain_text("1 / ")
    for written in ("We prompted an assistant", "practise daily",
                    "Use an AI assistant for board preparation", "Prepare my weekly report"):
        expect(page.locator("body")).not_to_contain_text(written)
    assert "rating" not in page.content().lower()
    # the mentor's rating went to the cohort's after-session survey (HR's aggregates)
    with organization_scope(organization):
        assert list(AttributedAnswer.objects.filter(response__session=session).values_list(
            "number", flat=True)) == [5]
