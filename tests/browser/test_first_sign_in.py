"""Browser journey: members enrolled by a CSV import open their welcome email's link in a
fresh browser and reach their profile signed in — in one password form (an account the
organization set up, with no password yet) or one click (a member with a password). A used
link explains itself and sends a fresh one. Someone the import invited (not a member) opens
the invitation email's link, which is their first sign-in: one form (name, password) for a
new address, one click for an account that exists elsewhere; they land on their cohort
profile, enrolled with what the file said. The pages pass axe."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from core.tenancy import organization_scope
from programs.imports.services import participants_import_csv
from programs.models import Participant
from programs.services import organization_defaults_ensure
from tests.browser.test_accessibility import violations
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"(https?://[^/\s]+)?(/l/[^/\s]+/)")
PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def imported(organization, member_user):
    """A CSV import of two members: noor@acme.example, whose account the organization set up
    without a password, and maya@acme.example, who has one; both get a welcome email."""
    noor = UserFactory(email="noor@acme.example", full_name="")
    noor.set_unusable_password()
    noor.save()
    MembershipFactory(organization=organization, user=noor)
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        cohort = CohortFactory(program=ProgramFactory(organization=organization,
                                                      name="Flip the Script"),
                               organization=organization, name="Pilot")
        csv = (b"email,name,role\nnoor@acme.example,Noor Haddad,mentor\n"
               b"maya@acme.example,Maya Member,mentee\n")
        report = participants_import_csv(cohort=cohort, file=csv, actor=None, dry_run=False)
        assert report.imported, report.errors
        return {p.membership.user.email: p for p in Participant.objects.filter(
            cohort=cohort).select_related("membership__user")}


def _welcome_link(base: str, email: str) -> str:
    message = next(m for m in mail.outbox if m.to == [email])
    assert message.subject == "Welcome to Flip the Script · Pilot"
    return base + LINK.search(message.body).group(2)


def _profile_path(participant) -> str:
    return f"/o/acme/programs/participants/{participant.pk}/profile/"


def test_a_new_person_sets_a_password_once_and_lands_on_their_profile(page: Page, live_server,
                                                                      imported):
    base = live_server.url
    link = _welcome_link(base, "noor@acme.example")

    # the person opens the link in a fresh browser: one form, no sign-in step before it
    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome to Flipside, Noor")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type it again").fill(PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()

    # they are signed in, on their own profile
    expect(page).to_have_url(base + _profile_path(imported["noor@acme.example"]))
    expect(page.get_by_role("heading", name="My profile for Pilot")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Acme Retail")

    # the link was single use: a second browser sees why, and can ask for a fresh one
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    assert violations(page) == []
    before = len(mail.outbox)
    page.get_by_role("button", name="Email me a fresh link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    fresh = mail.outbox[before:]
    assert [m.to for m in fresh] == [["noor@acme.example"]]

    # the fresh link signs them in with one click (they have a password now)
    page.goto(base + LINK.search(fresh[0].body).group(2))
    page.get_by_role("button", name="Continue as Noor").click()
    expect(page).to_have_url(base + _profile_path(imported["noor@acme.example"]))


def test_an_existing_member_continues_in_one_click(page: Page, live_server, imported):
    base = live_server.url
    link = _welcome_link(base, "maya@acme.example")

    page.goto(link)
    assert violations(page) == []
    page.get_by_role("button", name=re.compile(r"^Continue as ")).click()

    expect(page).to_have_url(base + _profile_path(imported["maya@acme.example"]))
    expect(page.get_by_role("heading", name="My profile for Pilot")).to_be_visible()


def test_the_sign_in_and_closed_sign_up_pages_lead_to_a_link_by_email(page: Page, live_server,
                                                                      imported):
    base = live_server.url

    page.goto(f"{base}/accounts/signup/")
    expect(page.get_by_role("heading", name="Accounts are created by your organization")) \
        .to_be_visible()
    assert violations(page) == []
    page.get_by_label("Your work email address").fill("noor@acme.example")
    before = len(mail.outbox)
    page.get_by_role("button", name="Email me a sign-in link").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert violations(page) == []
    assert [m.to for m in mail.outbox[before:]] == [["noor@acme.example"]]

    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("link", name="Sign up")).to_have_count(0)
    assert violations(page) == []
    page.get_by_role("link", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Email me a sign-in link")).to_be_visible()
    assert violations(page) == []


def _import_invited(organization, csv: bytes):
    """A CSV import into Acme's cohort "Pilot" of people who are not Acme members: each gets
    an invitation email whose link is their first sign-in."""
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        cohort = CohortFactory(program=ProgramFactory(organization=organization,
                                                      name="Flip the Script"),
                               organization=organization, name="Pilot")
        report = participants_import_csv(cohort=cohort, file=csv, actor=None, dry_run=False)
        assert report.imported, report.errors
    return cohort


def _invitation_link(base: str, email: str) -> str:
    message = next(m for m in mail.outbox if m.to == [email])
    return base + re.search(r"/invitations/[^/\s]+/", message.body).group(0)


def _place(cohort, email: str) -> Participant:
    with organization_scope(cohort.organization):
        return Participant.objects.select_related("membership__user", "profile").get(
            cohort=cohort, membership__user__email=email)


def test_a_new_person_the_import_invited_joins_with_one_form(page: Page, live_server,
                                                             organization):
    cohort = _import_invited(
        organization, b"email,name,role,title,department,languages\n"
                      b"omar@new.example,Omar Nasser,mentee,Director,Finance,English\n")
    base = live_server.url
    message = next(m for m in mail.outbox if m.to == ["omar@new.example"])
    assert message.body.startswith("Hello Omar Nasser,")

    # a fresh browser opens the invitation: one form, the name the file gave filled in
    page.goto(_invitation_link(base, "omar@new.example"))
    expect(page.get_by_role("heading", name="Join Acme Retail")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Omar Nasser")
    assert violations(page) == []
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type it again").fill(PASSWORD)
    page.get_by_role("button", name="Join Acme Retail").click()

    # signed in, on their profile for the cohort (the welcome email's page)
    place = _place(cohort, "omar@new.example")
    expect(page).to_have_url(base + _profile_path(place))
    expect(page.get_by_role("heading", name="My profile for Pilot")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Acme Retail")
    assert violations(page) == []
    # enrolled with what the file said
    assert (place.role, place.status) == ("mentee", "active")
    assert (place.membership.user.full_name, place.profile.job_title,
            place.profile.department) == ("Omar Nasser", "Director", "Finance")


def test_someone_with_an_account_elsewhere_joins_in_one_click(page: Page, live_server,
                                                              organization, other_admin_user):
    cohort = _import_invited(organization,
                             b"email,name,role\nhr@globex.example,Gina Globex,mentor\n")
    base = live_server.url
    first = other_admin_user.display_name.split()[0]

    page.goto(_invitation_link(base, "hr@globex.example"))
    expect(page.get_by_role("heading", name="Join Acme Retail")).to_be_visible()
    assert violations(page) == []
    page.get_by_role("button", name=f"Continue as {first}").click()

    place = _place(cohort, "hr@globex.example")
    expect(page).to_have_url(base + _profile_path(place))
    expect(page.get_by_role("heading", name="My profile for Pilot")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Acme Retail")
    assert place.membership.user_id == other_admin_user.pk
