"""Sign-up is by invitation only, unless an organization opened it for its own email domains
(then the person joins as a member once they confirm the address). The sign-in page does not
advertise open registration; the closed sign-up page says where accounts come from."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Membership, Organization, Role, User, split_domains
from core.tenancy import organization_scope
from tests.factories.accounts import InvitationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"
CLOSED = ("Flipside accounts are created by your organization: ask your HR team for an "
          "invitation, or use the link in your welcome email.")


def _sign_up(client, email, **extra):
    return client.post(reverse("account_signup"), {
        "email": email, "password1": PASSWORD, "password2": PASSWORD, **extra})


def _members(organization) -> list[tuple[str, str]]:
    with organization_scope(organization):
        return sorted(Membership.objects.values_list("user__email", "role"))


# --- closed by default ----------------------------------------------------------------------

def test_sign_up_is_closed_by_default_and_says_where_accounts_come_from(client, organization,
                                                                          db_snapshot):
    before = db_snapshot()

    page = client.get(reverse("account_signup"))
    attempt = _sign_up(client, "stray@acme.example")

    body = page.content.decode()
    assert CLOSED in body
    assert f'action="{reverse("login_link_request")}"' in body
    assert 'name="email"' in body
    assert CLOSED in attempt.content.decode()
    assert db_snapshot() == before
    assert not User.objects.filter(email="stray@acme.example").exists()


def test_the_sign_in_page_does_not_invite_strangers_to_sign_up(client, db):
    body = client.get(reverse("account_login")).content.decode()

    assert reverse("account_signup") not in body
    assert "sign up" not in body.lower()
    assert "Flipside accounts are created by your organization" in body


# --- by invitation --------------------------------------------------------------------------

def test_an_invitation_link_opens_sign_up_for_the_invited_address_only(client, organization):
    invitation = InvitationFactory(organization=organization, email="new.person@acme.example")
    client.get(reverse("invitation_accept", kwargs={"token": invitation.token}))

    assert 'name="password1"' in client.get(reverse("account_signup")).content.decode()
    other = _sign_up(client, "someone.else@acme.example")
    assert other.status_code == 200
    assert CLOSED in other.content.decode()
    assert not User.objects.filter(email="someone.else@acme.example").exists()

    invited = _sign_up(client, "New.Person@acme.example")
    assert invited.status_code == 302
    assert User.objects.filter(email="new.person@acme.example").exists()


def test_a_withdrawn_invitation_no_longer_opens_sign_up(client, organization):
    from django.utils import timezone

    invitation = InvitationFactory(organization=organization, email="late@acme.example")
    client.get(reverse("invitation_accept", kwargs={"token": invitation.token}))
    invitation.revoked_at = timezone.now()
    invitation.save()

    assert CLOSED in client.get(reverse("account_signup")).content.decode()
    _sign_up(client, "late@acme.example")
    assert not User.objects.filter(email="late@acme.example").exists()


# --- by domain ------------------------------------------------------------------------------

def test_a_self_sign_up_domain_admits_its_addresses_who_join_after_confirming(
        client, organization, other_organization, mailoutbox):
    organization.self_signup_domains = "acme-corp.example"
    organization.save()

    refused = _sign_up(client, "someone@elsewhere.example")
    assert CLOSED in refused.content.decode()
    assert not User.objects.filter(email="someone@elsewhere.example").exists()

    response = _sign_up(client, "Dana@ACME-corp.example")
    assert response.status_code == 302
    assert User.objects.filter(email="dana@acme-corp.example").exists()
    assert _members(organization) == []  # not before the address is confirmed
    (message,) = mailoutbox
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)

    client.post(confirm)

    assert _members(organization) == [("dana@acme-corp.example", Role.MEMBER)]
    assert _members(other_organization) == []


def test_domains_are_normalised_and_public_or_malformed_ones_refused():
    assert split_domains(" Acme.com, @acme.co.uk\n acme.com;;") == ["acme.com", "acme.co.uk"]
    organization = OrganizationFactory()
    organization.self_signup_domains = "Acme.com\n@Acme.co.uk"
    organization.full_clean()
    assert organization.self_signup_domains == "acme.com\nacme.co.uk"


def _save_domains(client, organization, value):
    return client.post(reverse("self_signup_domains", kwargs={"org_slug": organization.slug}),
                       {"self_signup_domains": value})


def test_the_admin_opens_and_closes_self_sign_up_on_the_settings_page(admin_client,
                                                                      organization):
    settings_page = admin_client.get(reverse("org_settings", kwargs={"org_slug": "acme"}))
    assert "Self-sign-up email domains" in settings_page.content.decode()

    opened = _save_domains(admin_client, organization, "ACME.example, acme-retail.example")

    assert opened.status_code == 302
    organization.refresh_from_db()
    assert organization.self_signup_domains == "acme.example\nacme-retail.example"
    page = admin_client.get(opened.url).content.decode()
    assert "Self-sign-up is open for acme.example, acme-retail.example." in page

    closed = _save_domains(admin_client, organization, "")
    assert closed.status_code == 302
    organization.refresh_from_db()
    assert organization.self_signup_domains == ""


@pytest.mark.parametrize(("value", "message"), [
    ("gmail.com", "“gmail.com” is a public email service: anyone can get an address there."),
    ("not a domain!", "“a” is not a domain name (write e.g. acme.com)."),
    ("acme..example", "“acme..example” is not a domain name (write e.g. acme.com)."),
])
def test_bad_domains_are_refused_with_a_reason_and_change_nothing(
        admin_client, organization, db_snapshot, value, message):
    before = db_snapshot()

    response = _save_domains(admin_client, organization, value)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert db_snapshot() == before


def test_a_domain_of_another_organization_is_refused_without_naming_it(
        admin_client, organization, other_organization, db_snapshot):
    other_organization.self_signup_domains = "globex.example"
    other_organization.save()
    before = db_snapshot()

    response = _save_domains(admin_client, organization, "globex.example")

    body = response.content.decode()
    assert response.status_code == 400
    assert "“globex.example” cannot be used" in body
    assert "Globex" not in body
    assert db_snapshot() == before


def test_members_cannot_change_the_sign_up_domains(member_client, organization, db_snapshot):
    before = db_snapshot()

    response = _save_domains(member_client, organization, "acme.example")

    assert response.status_code in (403, 404)
    assert db_snapshot() == before
    assert Organization.objects.get(pk=organization.pk).self_signup_domains == ""


def test_signing_up_with_an_existing_accounts_address_emails_it_a_sign_in_link(
        client, organization, other_admin_user, mailoutbox, django_capture_on_commit_callbacks):
    """The invited owner of an account elsewhere (often without a password) tries to create
    one: they get a sign-in link back to the invitation, not "an account already exists"."""
    from accounts.login_links import login_link_read

    invitation = InvitationFactory(organization=organization, email="hr@globex.example")
    path = reverse("invitation_accept", kwargs={"token": invitation.token})
    client.get(path)

    with django_capture_on_commit_callbacks(execute=True):
        response = _sign_up(client, "hr@globex.example", next=path)

    assert response.status_code == 302
    assert User.objects.filter(email="hr@globex.example").count() == 1
    (message,) = mailoutbox
    assert message.to == ["hr@globex.example"]
    token = re.search(r"/l/([^/\s]+)/", message.body).group(1)
    claim = login_link_read(token)
    assert (claim.user_id, claim.target) == (other_admin_user.pk, path)
    assert client.post(f"/l/{token}/").url == path
