"""Browser: Acme's HR admin imports a file with an address that has a Flipside account at
Globex (signed up without a name) and a brand-new address. The preview, the result and the
roster read the same for both (two "Invited — not yet signed in" rows with the same cells and
no link), show nothing of Globex, and the invitation emails are counted as they go out (the
result page polls). Neither address gets an account, a membership or a place until the person
accepts; Globex's account is not renamed or touched."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Membership, User
from core.tenancy import organization_scope
from programs.models import CohortInvitation, Participant
from programs.services import organization_defaults_ensure
from tests.browser.helpers import sign_in
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GLOBEX_ADDRESS = "ana@globex.example"
NEW_ADDRESS = "carla@new.example"


def people_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["email", "name", "role", "title", "languages"])
    writer.writerow([GLOBEX_ADDRESS, "Renamed By Acme", "mentor", "Analyst", "English"])
    writer.writerow([NEW_ADDRESS, "Carla Nova", "mentor", "Analyst", "English"])
    return buffer.getvalue().encode("utf-8")


def test_preview_and_result_show_nothing_of_another_tenant(
        organization, admin_user, other_organization, live_server, page: Page):
    nameless = MembershipFactory(organization=other_organization,
                                 user=UserFactory(email=GLOBEX_ADDRESS, full_name="")).user
    MembershipFactory(organization=other_organization,
                      user=UserFactory(email="bruno@globex.example", full_name="Bruno Souza"))
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        cohort = CohortFactory(program=ProgramFactory(organization=organization,
                                                      name="Reverse Mentoring 2027"),
                               organization=organization, name="Pilot", status="enrolling")
    mail.outbox = []

    sign_in(page, live_server.url, admin_user.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/programs/cohorts/{cohort.pk}/import/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "pilot.csv", "mimeType": "text/csv", "buffer": people_csv()})
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Import preview: pilot.csv")).to_be_visible()

    # the two people read the same: new to Acme, an invitation each; nothing about Globex
    expect(page.locator("#sum-new")).to_have_text("2")
    expect(page.locator("#sum-enrolled")).to_have_text("0")
    rows = page.get_by_role("table", name="What importing does for each person in the file")
    what = "new to Acme Retail: gets an invitation email to join the cohort"
    expect(rows.get_by_role("row", name=re.compile(GLOBEX_ADDRESS))
           .get_by_role("cell").last).to_have_text(what)
    expect(rows.get_by_role("row", name=re.compile(NEW_ADDRESS))
           .get_by_role("cell").last).to_have_text(what)
    expect(page.get_by_role("heading", name=re.compile("Worth knowing"))).to_have_count(0)
    body = page.locator("main")
    for secret in ("Globex", "Bruno Souza", "already has an account"):
        expect(body).not_to_contain_text(secret)

    page.get_by_role("button", name="Import 2 people").click()
    expect(page.get_by_role("alert").filter(has_text="Imported 2 people")).to_have_text(
        "Imported 2 people: 2 invited, 0 enrolled, 0 updated, 0 unchanged.")
    # the emails go out after the answer; the page polls until both are counted
    expect(page.locator("#email-progress-text")).to_have_text(
        "2 of 2 emails sent.", timeout=20_000)
    expect(page.locator("main")).not_to_contain_text("Globex")

    # the roster: two rows alike, the same status, cells and (no) link; counted together
    page.get_by_role("link", name="Back to the cohort").click()
    expect(page.locator("#stat-invited")).to_have_text("2")
    page.get_by_role("link", name="Roster: everyone, profiles, capacity vs demand").click()
    expect(page.locator("#stat-invited")).to_have_text("2")
    expect(page.locator("#stat-mentors")).to_have_text("0")
    table = page.get_by_role("table", name=re.compile("^People of Pilot"))
    globex_row = table.get_by_role("row", name=re.compile("Renamed By Acme"))
    new_row = table.get_by_role("row", name=re.compile("Carla Nova"))
    expect(globex_row.get_by_role("cell")).to_have_text(
        [GLOBEX_ADDRESS, "Mentor", "Invited — not yet signed in", "—", "—", "22%",
         re.compile(r"\d+ \w+ \d{4}"), "1", ""])
    cells = [text.replace(GLOBEX_ADDRESS, "ADDRESS")
             for text in globex_row.get_by_role("cell").all_inner_texts()]
    assert cells == [text.replace(NEW_ADDRESS, "ADDRESS")
                     for text in new_row.get_by_role("cell").all_inner_texts()]
    expect(globex_row.get_by_role("link")).to_have_count(0)
    expect(new_row.get_by_role("link")).to_have_count(0)
    page.get_by_label("Status").select_option(label="Invited — not yet signed in")
    expect(page.locator("#roster-count")).to_have_text("2 people shown")
    expect(page).to_have_url(re.compile(r"status=invited"))
    expect(page.locator("main")).not_to_contain_text("Globex")

    # Globex's account is untouched; neither address is a member or a participant yet
    nameless.refresh_from_db()
    assert nameless.full_name == ""
    with scopes_disabled():  # reading both tenants on purpose, to prove what changed where
        assert list(Membership.objects.filter(user=nameless)
                    .values_list("organization__slug", flat=True)) == ["globex"]
        assert not Participant.objects.filter(membership__user=nameless).exists()
        assert Invitation.objects.get(email=GLOBEX_ADDRESS).organization_id == \
            organization.pk
    with organization_scope(organization):
        assert not Participant.objects.exists()
        assert CohortInvitation.objects.count() == 2
    assert not User.objects.filter(email=NEW_ADDRESS).exists()
    invitation = next(m for m in mail.outbox if m.to == [GLOBEX_ADDRESS])
    assert "If you already have a Flipside account with this email address" in invitation.body
    assert "Reverse Mentoring 2027" in invitation.body
    assert invitation.body.replace(GLOBEX_ADDRESS, "A").split("/invitations/")[0] == \
        next(m for m in mail.outbox if m.to == [NEW_ADDRESS]).body.replace(
            NEW_ADDRESS, "A").split("/invitations/")[0].replace("Carla Nova", "Renamed By Acme")
