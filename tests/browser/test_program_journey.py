"""Browser journey: an HR admin creates a program from a template and a cohort, imports a CSV
with two bad rows, reads the problems by row and column, imports the fixed file of 30 people,
sees the 30 invited on the roster; once they have accepted, reads capacity vs demand; then an
imported participant signs in and completes their profile to 100%.

Only the organization and its HR admin are made with factories; topics and the seniority
ladder come from the app itself (creating a program seeds them), everything else is done in
real headless Chromium against the live server."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Membership, User
from accounts.services import invitation_accept
from core.tenancy import organization_scope
from programs.models import Cohort, CohortInvitation, Participant, Program
from tests.browser.helpers import sign_in
from tests.factories.accounts import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["email", "name", "role", "title", "department", "level", "time zone", "languages",
          "teach topics", "learn topics"]
FIRST = ["Ava", "Ben", "Cleo", "Dev", "Ema", "Finn", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lena",
         "Milo", "Nia", "Omar", "Pia", "Quin", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wren",
         "Xena", "Yuri", "Zoe", "Abel", "Bea", "Cyrus", "Dina"]
MENTORS, MENTEES = 12, 18
DEPARTMENTS = ["Marketing", "Finance", "Operations"]
BAD_EMAIL = "tom.baker.acme.example"
BAD_EMAIL_AT = 7  # data row index: spreadsheet row 9 (the header is row 1)
BAD_TOPIC_AT = 25  # spreadsheet row 27 in the file with both bad rows



def people() -> list[list[str]]:
    """30 good rows: 12 junior mentors (L1/L2) who teach AI and data, 18 senior mentees
    (L6–L8) who want AI tools, and some want Cybersecurity habits, which no mentor teaches."""
    rows = []
    for i in range(MENTORS):
        teach = "AI tools:3" + (";Data literacy:2" if i % 3 == 0 else "") \
            + (";Generative AI prompting:2" if i % 3 == 1 else "")
        rows.append([f"{FIRST[i].lower()}.mentor@acme.example", f"{FIRST[i]} Mentor", "mentor",
                     "Data analyst", DEPARTMENTS[i % 3], f"L{1 + i % 2}", "Europe/London",
                     "en;es", teach, "Strategy:2"])
    for i in range(MENTEES):
        name = FIRST[MENTORS + i]
        learn = "AI tools:3" + (";Cybersecurity habits:2" if i % 3 == 0 else "") \
            + (";Data literacy:1" if i % 3 == 1 else "")
        rows.append([f"{name.lower()}.lead@acme.example", f"{name} Lead", "mentee", "Director",
                     DEPARTMENTS[(i + 1) % 3], f"L{6 + i % 3}", "Europe/Berlin", "en;de",
                     "Strategy:3", learn])
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def with_two_bad_rows(good: list[list[str]]) -> list[list[str]]:
    rows = list(good)
    rows.insert(BAD_EMAIL_AT, [BAD_EMAIL, "Tom Baker", "mentor", "Designer", "Marketing",
                               "L1", "Europe/London", "en", "AI tools:2", ""])
    rows.insert(BAD_TOPIC_AT, ["ruth.lead@acme.example", "Ruth Lead", "mentee", "Director",
                               "Finance", "L7", "Europe/London", "en", "Strategy:3",
                               "AI tools:3;Blockchain"])
    return rows



def upload(page: Page, filename: str, content: bytes) -> None:
    page.get_by_label("CSV file").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name=f"Import preview: {filename}")).to_be_visible()


def test_admin_sets_up_a_program_imports_people_and_a_participant_completes_their_profile(
        organization, admin_user, live_server, page: Page):
    base = live_server.url
    good = people()
    bad = with_two_bad_rows(good)
    assert (len(bad), len(good)) == (32, 30)

    # HR creates a program from the "Digital & AI skills for leaders" template
    sign_in(page, base, admin_user.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Programs", exact=True).click()
    expect(page.get_by_role("heading", name="Programs", exact=True)).to_be_visible()
    page.get_by_role("link", name="New program").click()
    page.get_by_label("Program name").fill("Leaders go digital")
    page.get_by_role("radio", name="Digital & AI skills for leaders").check()
    page.get_by_role("button", name="Create program").click()
    expect(page.get_by_role("alert").filter(has_text="created")).to_have_text(
        "Program “Leaders go digital” created. Review it, then add a cohort.")
    expect(page.get_by_role("heading", name="Leaders go digital", level=1)).to_be_visible()
    objectives = page.get_by_role("region", name="Objectives")
    expect(objectives.get_by_role("listitem")).to_have_count(4)
    expect(objectives).to_contain_text("Pairs meet at least 6 times over the cohort")
    with organization_scope(organization):
        program = Program.objects.get()
        assert program.template_key == "digital-ai"

    # … and a cohort, through the form
    page.get_by_role("link", name="New cohort").click()
    expect(page.get_by_role("heading", name="New cohort")).to_be_visible()
    page.get_by_role("textbox", name="Name", exact=True).fill("Autumn 2026")
    page.get_by_label("Start date").fill("2026-09-01")
    page.get_by_label("End date").fill("2027-02-26")
    page.get_by_label("Enrollment opens").fill("2026-07-01")
    page.get_by_label("Enrollment closes").fill("2026-08-15")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("alert").filter(has_text="created")).to_have_text(
        "Cohort “Autumn 2026” created as a draft.")
    expect(page.get_by_role("heading", name="Autumn 2026", level=1)).to_be_visible()
    expect(page.get_by_text("1 Sep 2026 – 26 Feb 2027 · meets every 14 days for 45 min")) \
        .to_be_visible()
    with organization_scope(organization):
        cohort = Cohort.objects.get(program=program)

    # imports a file with two bad rows: both problems shown by row and column, nobody imported
    page.get_by_role("link", name="Import participants from CSV").click()
    expect(page.get_by_role("heading", name="Import participants into Autumn 2026")) \
        .to_be_visible()
    upload(page, "autumn-2026.csv", csv_bytes(bad))
    expect(page.locator("#sum-rows")).to_have_text("32")
    errors = page.get_by_role("alert").filter(has_text="problems to fix")
    expect(errors.get_by_role("heading")).to_have_text(
        "2 problems to fix — nothing will be imported")
    problems = page.get_by_role("table", name="Problems by row and column")
    expect(problems.get_by_role("row")).to_have_count(3)  # the header and two problems
    expect(problems.get_by_role("row").nth(1).get_by_role("cell")).to_have_text([
        "9", "email", BAD_EMAIL, f"“{BAD_EMAIL}” is not a valid email address."])
    expect(problems.get_by_role("row").nth(2).get_by_role("cell")).to_have_text([
        "27", "learn topics", "AI tools:3;Blockchain",
        "Unknown topic “Blockchain”. Add it on the Topics page first, or check the spelling."])
    expect(page.get_by_role("button", name=re.compile(r"^Import \d+"))).to_have_count(0)
    with organization_scope(organization):
        assert not Participant.objects.filter(cohort=cohort).exists()
        assert Membership.objects.filter(organization=organization).count() == 1
    assert list(User.objects.values_list("email", flat=True)) == [admin_user.email]

    # fixes the file (the two bad rows taken out) and imports the 30 people
    page.get_by_role("link", name="Upload a corrected file").click()
    upload(page, "autumn-2026-fixed.csv", csv_bytes(good))
    expect(page.get_by_role("heading", name=re.compile("problems to fix"))).to_have_count(0)
    expect(page.locator("#sum-rows")).to_have_text("30")
    expect(page.locator("#sum-new")).to_have_text("30")
    expect(page.locator("#sum-enrolled")).to_have_text("0")
    expect(page.locator("#import-rows tbody tr")).to_have_count(30)
    page.get_by_role("button", name="Import 30 people").click()
    expect(page.get_by_role("alert").filter(has_text="Imported 30 people")).to_have_text(
        "Imported 30 people: 30 invited, 0 enrolled, 0 updated, 0 unchanged.")
    expect(page.locator("#import-result")).to_contain_text(
        "30 people, 30 invited, 0 enrolled, 0 updated, 0 unchanged.")
    with organization_scope(organization):
        invited = CohortInvitation.objects.filter(cohort=cohort)
        assert invited.count() == 30
        assert invited.filter(role="mentor").count() == MENTORS
        assert not Participant.objects.filter(cohort=cohort).exists()
        assert not invited.filter(
            invitation__email__in=[BAD_EMAIL, "ruth.lead@acme.example"]).exists()

    # the cohort and its roster: 30 invited, nobody enrolled until they accept
    page.get_by_role("link", name="Back to the cohort").click()
    expect(page.locator("#stat-invited")).to_have_text("30")
    expect(page.locator("#stat-mentors")).to_have_text("0")
    page.get_by_role("link", name="Roster: everyone, profiles, capacity vs demand").click()
    expect(page.get_by_role("heading", name="Roster · Autumn 2026")).to_be_visible()
    expect(page.locator("#roster-count")).to_have_text("30 people shown")
    expect(page.locator("#roster-table tbody").get_by_text("Invited — not yet signed in")) \
        .to_have_count(30)

    # they accept their invitations (here through the service, each with an account of
    # their own: tests/browser/test_first_sign_in.py walks one through the pages)
    with organization_scope(organization):
        tokens = list(Invitation.objects.filter(cohort_place__cohort=cohort)
                      .values_list("email", "token"))
    for email, token in tokens:
        invitation_accept(token=token, user=UserFactory(email=email, full_name=""))
    with organization_scope(organization):
        enrolled = Participant.objects.filter(cohort=cohort, status="active")
        assert enrolled.count() == 30
        assert enrolled.filter(role="mentor").count() == MENTORS

    # the roster again: capacity vs demand and the topic nobody can teach
    page.reload()
    expect(page.locator("#stat-mentors")).to_have_text(str(MENTORS))
    expect(page.locator("#stat-mentees")).to_have_text(str(MENTEES))
    expect(page.locator("#stat-invited")).to_have_text("0")
    expect(page.locator("#roster-count")).to_have_text("30 people shown")
    expect(page.locator("#stat-capacity")).to_have_text("12")
    expect(page.locator("#stat-demand")).to_have_text("18")
    expect(page.locator("#capacity-verdict")).to_have_text(
        "6 mentees more than mentor places: recruit mentors or raise capacities.")
    expect(page.locator("#uncovered-summary")).to_have_text(
        "1 wanted topic no mentor can teach.")
    balance = page.get_by_role("table", name="Demand and supply per topic")
    uncovered = balance.get_by_role("row", name=re.compile("Cybersecurity habits"))
    expect(uncovered.get_by_role("rowheader")).to_have_text("Cybersecurity habits no mentor")
    expect(uncovered.get_by_role("cell")).to_have_text(["6", "0"])
    expect(uncovered).to_have_class(re.compile(r"\btable-danger\b"))
    ai_tools = balance.get_by_role("row", name=re.compile("^AI tools"))
    expect(ai_tools.get_by_role("cell")).to_have_text(["18", "12"])
    expect(ai_tools).not_to_have_class(re.compile(r"\btable-danger\b"))
    expect(balance.locator(".badge", has_text="no mentor")).to_have_count(1)

    # an imported mentor signs in
    mentor = User.objects.get(email="ava.mentor@acme.example")
    sign_in(page, base, "ava.mentor@acme.example")
    page.get_by_role("link", name="My programs").click()
    expect(page.get_by_role("heading", name="My programs")).to_be_visible()
    card = page.get_by_role("article", name="Leaders go digital")
    expect(card).to_contain_text("Autumn 2026 · 1 Sep 2026 – 26 Feb 2027")
    expect(card).to_contain_text("Mentor (junior) · Enrolled")
    # the file gave 7 of the 9 answers: learning goals and availability are missing
    expect(card).to_contain_text("Profile 78% complete")
    card.get_by_role("link", name="Complete my profile for Autumn 2026").click()

    expect(page.get_by_role("heading", name="My profile for Autumn 2026")).to_be_visible()
    expect(page.locator("#completeness-percent")).to_have_text("78%")
    # what the file said is already filled in
    expect(page.get_by_label("Job title")).to_have_value("Data analyst")
    expect(page.get_by_label("Department")).to_have_value("Marketing")
    expect(page.get_by_label("Seniority level").locator("option:checked")).to_have_text("L1")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    expect(page.get_by_label("Languages you can mentor in")).to_have_value("English, Spanish")
    expect(page.get_by_label("Can teach AI tools")).to_have_value("3")
    expect(page.get_by_label("Can teach Data literacy")).to_have_value("2")
    expect(page.get_by_label("Want to learn Strategy")).to_have_value("2")
    # the participant completes the rest
    page.get_by_label("Job title").fill("Senior data analyst")
    page.get_by_label("How many mentees can you take?").select_option("2")
    page.get_by_label("Learning goals").fill("Understand how investment decisions are made.")
    page.get_by_label("Day of window 1").select_option(label="Tuesday")
    page.get_by_label("From (window 1)").fill("09:00")
    page.get_by_label("Until (window 1)").fill("10:30")
    page.get_by_label("Find a topic").fill("prompt")
    expect(page.get_by_label("Can teach AI tools")).to_be_hidden()
    page.get_by_label("Can teach Generative AI prompting").select_option("1")
    page.get_by_label("Find a topic").fill("")
    page.get_by_role("button", name="Save my profile").click()

    expect(page.get_by_role("alert").filter(has_text="Profile saved")).to_have_text(
        "Profile saved: 100% complete.")
    expect(page.locator("#completeness-percent")).to_have_text("100%")
    expect(page.get_by_label("Job title")).to_have_value("Senior data analyst")
    expect(page.get_by_label("Day of window 1")).to_have_value("1")
    page.get_by_role("link", name="Back to My programs").click()
    card = page.get_by_role("article", name="Leaders go digital")
    expect(card).to_contain_text("Profile 100% complete")
    expect(card.get_by_role("link", name="Review my profile for Autumn 2026")).to_be_visible()
    with organization_scope(organization):
        place = Participant.objects.get(cohort=cohort, membership__user=mentor)
        assert (place.completeness, place.capacity) == (100, 2)
        assert place.topics.filter(interest="teach").count() == 3
