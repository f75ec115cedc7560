"""Browser journey: an HR admin signs in, opens settings and invites someone; a member of
another organization cannot see the first one (404). Real headless Chromium, live server."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Role
from core.tenancy import organization_scope
from tests.browser.helpers import sign_in
from tests.factories.accounts import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(organization, other_organization):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN,
                              user=UserFactory(email="hr@acme.example",
                                               full_name="Harriet Ross")).user
    outsider = MembershipFactory(organization=other_organization, role=Role.MEMBER,
                                 user=UserFactory(email="ana@globex.example",
                                                  full_name="Ana Souza")).user
    return {"admin": admin, "outsider": outsider}



def sign_out(page: Page, display_name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "button", name=display_name, exact=True).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_admin_invites_a_member_and_another_org_sees_404(page: Page, live_server, people,
                                                        organization):
    base = live_server.url

    # the HR admin signs in and lands in their organization
    sign_in(page, base, "hr@acme.example")
    expect(page).to_have_url(f"{base}/o/acme/")
    expect(page.get_by_role("heading", name="Acme Retail")).to_be_visible()

    # opens settings from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(f"{base}/o/acme/settings/")
    expect(page.get_by_role("heading", name="Organization settings")).to_be_visible()

    # invites a new member
    page.get_by_role("textbox", name="Email address", exact=True).fill("new.mentor@acme.example")
    page.get_by_role("combobox", name="Role", exact=True).select_option(label="Member")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Invitation sent to new.mentor@acme.example.")
    expect(page.locator("#pending-invitations")).to_contain_text(
        "new.mentor@acme.example · Member")
    assert [m.to for m in mail.outbox] == [["new.mentor@acme.example"]]
    with organization_scope(organization):
        invitation = Invitation.objects.get()
    assert f"/invitations/{invitation.token}/" in mail.outbox[0].body

    # a member of another organization signs in
    sign_out(page, "Harriet Ross")
    sign_in(page, base, "ana@globex.example", lands_in="Globex Energy")
    expect(page).to_have_url(f"{base}/o/globex/")

    # and the first organization does not exist for them
    response = page.goto(f"{base}/o/acme/settings/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    response = page.goto(f"{base}/o/acme/")
    assert response is not None
    assert response.status == 404
