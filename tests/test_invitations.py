"""Invitations: from the settings page to a membership, and every way a link can go stale."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from core.tenancy import organization_scope, scopes_disabled
from tests.factories.accounts import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def _link_in(message) -> str:
    """The accept link in an invitation email (text and HTML parts carry the same one)."""
    links = re.findall(r"https?://\S+/invitations/[\w-]+/", message.body)
    assert len(links) == 1, message.body
    html = message.alternatives[0][0]
    assert f'href="{links[0]}"' in html
    return links[0]


def _invite(client, organization, email, role, capture):
    with capture(execute=True):
        return client.post(reverse("member_invite", kwargs={"org_slug": organization.slug}),
                           {"email": email, "role": role})


def _accept_url(invitation: Invitation) -> str:
    return reverse("invitation_accept", kwargs={"token": invitation.token})


def _memberships(organization):
    with organization_scope(organization):
        return sorted((m.user.email, m.role) for m in Membership.objects.select_related("user"))


def _signed_in(client) -> str | None:
    return client.session.get("_auth_user_id")


def _join(client, path, name="New Person", password=NEW_PASSWORD, **extra):
    return client.post(path, {"full_name": name, "new_password1": password,
                              "new_password2": password, **extra})


def test_new_person_is_invited_and_joins_with_one_form(client, admin_user, organization,
                                                      mailoutbox, db_snapshot,
                                                      django_capture_on_commit_callbacks):
    settings_url = reverse("org_settings", kwargs={"org_slug": organization.slug})
    client.force_login(admin_user)

    # when the admin invites someone from the settings page
    response = _invite(client, organization, "New.Person@Acme.example", Role.EXECUTIVE,
                       django_capture_on_commit_callbacks)

    # then the page confirms it and lists the pending invitation
    assert response.status_code == 302
    assert response.url == settings_url
    page = client.get(settings_url)
    assert "Invitation sent to new.person@acme.example." in page.content.decode()
    assert [(i.email, i.role) for i in page.context["invitations"]] == [
        ("new.person@acme.example", Role.EXECUTIVE)]
    # and one email carries the link
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@acme.example"]
    assert message.subject == f"{admin_user.display_name} invited you to Acme Retail on Flipside"
    link = _link_in(message)
    with organization_scope(organization):
        invitation = Invitation.objects.get()
    assert link == f"{settings.FLIPSIDE_SITE_URL}{_accept_url(invitation)}"
    path = urlsplit(link).path

    # when the invitee opens it signed out, one form asks for their name and a password
    client.logout()
    before = db_snapshot()
    landing = client.get(path)
    assert landing.status_code == 200
    assert db_snapshot() == before  # opening the link changes nothing
    assert _signed_in(client) is None
    body = landing.content.decode()
    assert set(landing.context["form"].fields) == {"full_name", "new_password1",
                                                   "new_password2"}
    assert "Join Acme Retail</button>" in body

    # when they fill it in
    joined = _join(client, path)

    # then they have an account with that verified address, are a member with the invited
    # role, signed in, at the organization's home (the invitation names no page of its own)
    assert joined.status_code == 302
    assert joined.url == reverse("org_home", kwargs={"org_slug": organization.slug})
    user = User.objects.get(email="new.person@acme.example")
    assert (user.full_name, user.check_password(NEW_PASSWORD)) == ("New Person", True)
    assert EmailAddress.objects.get(user=user).verified is True
    assert _signed_in(client) == str(user.pk)
    assert _memberships(organization) == [
        ("hr@acme.example", Role.ADMIN), ("new.person@acme.example", Role.EXECUTIVE)]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    assert client.get(joined.url).status_code == 200


def test_the_join_form_refuses_a_weak_or_mistyped_password(client, organization, db_snapshot):
    path = _accept_url(InvitationFactory(organization=organization, email="new@acme.example"))
    before = db_snapshot()

    weak = _join(client, path, password="password")
    mistyped = _join(client, path, new_password2="something-else-entirely-42")
    nameless = _join(client, path, name="  ")

    assert weak.status_code == mistyped.status_code == nameless.status_code == 400
    assert "This password is too common." in weak.context["form"].errors["new_password2"]
    assert "new_password2" in mistyped.context["form"].errors
    assert "full_name" in nameless.context["form"].errors
    assert db_snapshot() == before
    assert _signed_in(client) is None


def test_the_invitation_page_needs_a_csrf_token(organization, db_snapshot):
    from django.test import Client

    invitation = InvitationFactory(organization=organization, email="new@acme.example")
    visitor = Client(enforce_csrf_checks=True)
    before = db_snapshot()

    response = _join(visitor, _accept_url(invitation))

    assert response.status_code == 403
    assert db_snapshot() == before


def test_an_existing_account_continues_in_one_click(client, organization, other_organization,
                                                    other_admin_user, db_snapshot):
    """Someone with an account in another organization: the link signs them in (it proves
    the mailbox) and accepts; the page says nothing about the other organization."""
    invitation = InvitationFactory(organization=organization, email="hr@globex.example")
    path = _accept_url(invitation)
    before = db_snapshot()

    page = client.get(path)

    assert db_snapshot() == before
    assert _signed_in(client) is None
    body = page.content.decode()
    first = other_admin_user.display_name.split()[0]
    assert f"Continue as {first}</button>" in body
    assert f'href="{reverse("account_login")}?next={quote(path, safe="")}"' in body
    assert other_organization.name not in body
    assert f"/o/{other_organization.slug}/" not in body
    assert "form" not in page.context

    accepted = client.post(path)

    assert accepted.status_code == 302
    assert accepted.url == reverse("org_home", kwargs={"org_slug": "acme"})
    assert _signed_in(client) == str(other_admin_user.pk)
    assert _memberships(organization) == [("hr@globex.example", Role.MEMBER)]

    # the link is single use: another browser gets "already used" and is not signed in
    from django.test import Client

    stranger = Client()
    again = stranger.post(path)
    assert again.status_code == 410
    assert again.context["status"] == "used"
    assert _signed_in(stranger) is None
    assert 'action="/l/"' in again.content.decode()  # a sign-in link by email instead
    # … while the person who accepted it, still signed in, is simply taken in
    assert client.get(path).url == reverse("org_home", kwargs={"org_slug": "acme"})


def test_two_factor_accounts_stop_at_the_code_step_before_accepting(client, organization,
                                                                    other_admin_user):
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

    secret = "JBSWY3DPEHPK3PXP"
    TOTP.activate(other_admin_user, secret)
    invitation = InvitationFactory(organization=organization, email="hr@globex.example")
    path = _accept_url(invitation)

    response = client.post(path)

    assert response.url == reverse("mfa_authenticate")
    assert _signed_in(client) is None
    assert _memberships(organization) == []
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post(reverse("mfa_authenticate"), {"code": code})
    assert done.url == path  # back at the invitation, signed in: one click to accept
    assert "Accept invitation" in client.get(path).content.decode()
    assert client.post(path).url == reverse("org_home", kwargs={"org_slug": "acme"})
    assert _memberships(organization) == [("hr@globex.example", Role.MEMBER)]


def test_an_inactive_account_cannot_continue(client, organization, other_admin_user,
                                             db_snapshot):
    other_admin_user.is_active = False
    other_admin_user.save(update_fields=["is_active"])
    path = _accept_url(InvitationFactory(organization=organization,
                                         email="hr@globex.example"))
    before = db_snapshot()

    page = client.get(path)
    response = client.post(path)

    assert "Continue as" not in page.content.decode()
    assert response.status_code == 403
    assert "is deactivated" in response.content.decode()
    assert _signed_in(client) is None
    assert db_snapshot() == before


def test_an_expired_invitation_sends_a_fresh_one(client, organization, mailoutbox, settings,
                                                 django_capture_on_commit_callbacks):
    settings.FLIPSIDE_RATE_LIMITS = {"login_link_request": "10/m/ip,1/10m/key"}
    invitation = InvitationFactory(organization=organization, email="late@acme.example",
                                   expires_at=timezone.now() - timedelta(days=1))
    old_path = _accept_url(invitation)
    page = client.get(old_path)
    assert page.status_code == 410
    assert page.context["status"] == "expired"
    assert "Email me a fresh link</button>" in page.content.decode()
    fresh_url = reverse("invitation_fresh", kwargs={"token": invitation.token})

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(fresh_url)

    assert sent.status_code == 200
    (message,) = mailoutbox
    assert message.to == ["late@acme.example"]
    invitation.refresh_from_db()
    new_path = _accept_url(invitation)
    assert new_path != old_path
    assert f"{settings.FLIPSIDE_SITE_URL}{new_path}" in message.body
    assert invitation.expires_at > timezone.now()
    assert client.get(old_path).status_code == 410
    assert _join(client, new_path).status_code == 302
    assert ("late@acme.example", Role.MEMBER) in _memberships(organization)
    # rate limited per address, as sign-in links are (and sharing their budget)
    client.logout()
    again = client.post(reverse("invitation_fresh", kwargs={"token": invitation.token}))
    assert again.status_code == 429
    assert len(mailoutbox) == 1


def test_a_withdrawn_invitation_answers_the_same_and_sends_nothing(
        client, organization, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(organization=organization, email="gone@acme.example",
                                   revoked_at=timezone.now())
    page = client.get(_accept_url(invitation))
    assert page.context["status"] == "revoked"

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("invitation_fresh", kwargs={"token": invitation.token}))
        unknown = client.post(reverse("invitation_fresh", kwargs={"token": "no-such-token"}))

    assert sent.status_code == unknown.status_code == 200
    for response in (sent, unknown):
        assert response.templates[0].name == "accounts/invitation_sent.html"
        assert response.context["limited"] is False
    assert mailoutbox == []


def test_a_replaced_invitation_resends_the_newest_link(client, organization, admin_user,
                                                       mailoutbox,
                                                       django_capture_on_commit_callbacks):
    with organization_scope(organization):
        first = services.invitation_create(organization=organization,
                                           email="two@acme.example", role=Role.MEMBER,
                                           invited_by=admin_user)
        newest = services.invitation_create(organization=organization,
                                            email="two@acme.example", role=Role.MEMBER,
                                            invited_by=admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_fresh", kwargs={"token": first.token}))

    (message,) = [m for m in mailoutbox if "fresh link" in m.body]
    assert _accept_url(newest) in message.body


def test_existing_user_signs_in_through_the_link_and_joins(client, organization, other_admin_user):
    invitation = InvitationFactory(organization=organization, email="hr@globex.example",
                                   role=Role.MEMBER)
    path = _accept_url(invitation)

    login = client.post(reverse("account_login"), {
        "login": "hr@globex.example", "password": "correct-horse-battery-staple", "next": path})
    assert login.status_code == 302
    assert login.url == path
    accepted = client.post(path)

    assert accepted.url == reverse("org_home", kwargs={"org_slug": "acme"})
    assert _memberships(organization) == [("hr@globex.example", Role.MEMBER)]


def test_inviting_an_existing_member_is_refused(admin_client, organization, member_user,
                                                mailoutbox, db_snapshot,
                                                django_capture_on_commit_callbacks):
    before = db_snapshot()

    response = _invite(admin_client, organization, "MAYA@acme.example", Role.ADMIN,
                       django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert response.context["invite_form"].errors == {
        "email": ["maya@acme.example is already a member of Acme Retail."]}
    assert db_snapshot() == before
    assert mailoutbox == []


def test_invalid_email_is_refused(admin_client, organization, db_snapshot,
                                  django_capture_on_commit_callbacks):
    before = db_snapshot()

    response = _invite(admin_client, organization, "not-an-email", Role.MEMBER,
                       django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert response.context["invite_form"].errors == {"email": ["Enter a valid email address."]}
    assert db_snapshot() == before


def _refused(client, path, organization, expected_message):
    before = _memberships(organization)
    page = client.get(path)
    accept = client.post(path)

    for response in (page, accept):
        assert response.status_code == 410
        assert response.context["error"] == expected_message
        assert expected_message in response.content.decode()
    assert _memberships(organization) == before


def test_expired_link(client, organization):
    expires = timezone.now() - timedelta(minutes=1)
    invitation = InvitationFactory(organization=organization, email="late@acme.example",
                                   expires_at=expires)
    client.force_login(UserFactory(email="late@acme.example"))

    _refused(client, _accept_url(invitation), organization,
             f"This invitation expired on {expires:%d %B %Y}. Ask your administrator at "
             f"Acme Retail to invite you again.")


def test_link_used_twice(client, organization):
    first = UserFactory(email="twice@acme.example")
    invitation = InvitationFactory(organization=organization, email=first.email)
    services.invitation_accept(token=invitation.token, user=first)
    client.force_login(UserFactory(email="someone.else@acme.example"))

    _refused(client, _accept_url(invitation), organization,
             "This invitation has already been used. Sign in to reach Acme Retail.")


def test_link_replaced_by_a_newer_invitation(admin_client, client, organization, mailoutbox,
                                             django_capture_on_commit_callbacks):
    _invite(admin_client, organization, "again@acme.example", Role.MEMBER,
            django_capture_on_commit_callbacks)
    _invite(admin_client, organization, "again@acme.example", Role.MEMBER,
            django_capture_on_commit_callbacks)
    first_link, second_link = (urlsplit(_link_in(m)).path for m in mailoutbox)
    client.force_login(UserFactory(email="again@acme.example"))

    _refused(client, first_link, organization,
             "This invitation was withdrawn or replaced by a newer one. Use the link in your "
             "most recent invitation email.")
    assert client.post(second_link).status_code == 302
    assert ("again@acme.example", Role.MEMBER) in _memberships(organization)


def test_link_withdrawn_by_the_admin(admin_client, client, organization):
    invitation = InvitationFactory(organization=organization, email="gone@acme.example")
    revoke = admin_client.post(reverse("invitation_revoke", kwargs={
        "org_slug": organization.slug, "invitation_pk": invitation.pk}))
    assert revoke.status_code == 302
    client.force_login(UserFactory(email="gone@acme.example"))

    _refused(client, _accept_url(invitation), organization,
             "This invitation was withdrawn or replaced by a newer one. Use the link in your "
             "most recent invitation email.")


def test_unknown_link(client, organization):
    client.force_login(UserFactory(email="curious@acme.example"))

    _refused(client, reverse("invitation_accept", kwargs={"token": "no-such-token"}),
             organization, "This invitation link is not valid. Check that you copied the whole "
                           "link, or ask your administrator for a new one.")


def test_signed_in_with_another_email(client, organization):
    invitation = InvitationFactory(organization=organization, email="right@acme.example")
    client.force_login(UserFactory(email="wrong@acme.example"))
    path = _accept_url(invitation)

    page = client.get(path)
    accept = client.post(path)

    assert page.status_code == 200
    assert ("This invitation was sent to right@acme.example, but you are signed in as "
            "wrong@acme.example. Sign out, then open this link again.") in page.content.decode()
    assert f'action="{reverse("account_logout")}"' in page.content.decode()
    assert "Accept invitation" not in page.content.decode()
    assert accept.status_code == 410
    assert accept.context["error"] == (
        "This invitation was sent to right@acme.example, but you are signed in as "
        "wrong@acme.example. Sign out and sign in (or sign up) with right@acme.example.")
    assert _memberships(organization) == []
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_twice_is_idempotent(organization):
    user = UserFactory(email="twice@acme.example")
    invitation = InvitationFactory(organization=organization, email="Twice@Acme.example",
                                   role=Role.EXECUTIVE)

    first = services.invitation_accept(token=invitation.token, user=user)
    second = services.invitation_accept(token=invitation.token, user=user)

    assert first.pk == second.pk
    assert (second.role, second.organization) == (Role.EXECUTIVE, organization)
    assert _memberships(organization) == [("twice@acme.example", Role.EXECUTIVE)]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_accepting_keeps_an_existing_membership(organization, member_user):
    invitation = InvitationFactory(organization=organization, email=member_user.email,
                                   role=Role.ADMIN)

    membership = services.invitation_accept(token=invitation.token, user=member_user)

    assert membership.role == Role.MEMBER
    assert _memberships(organization) == [("maya@acme.example", Role.MEMBER)]


def test_accept_after_removal_does_not_rejoin(organization, admin_user):
    user = UserFactory(email="removed@acme.example")
    invitation = InvitationFactory(organization=organization, email=user.email)
    membership = services.invitation_accept(token=invitation.token, user=user)
    with organization_scope(organization):
        services.membership_remove(membership=membership)

    with pytest.raises(services.InvitationError, match="already been used"):
        services.invitation_accept(token=invitation.token, user=user)

    assert _memberships(organization) == [("hr@acme.example", Role.ADMIN)]


def test_invitation_stays_in_its_organization_even_unscoped(organization, other_organization,
                                                           admin_user, other_admin_user):
    """The already-a-member check and the replacement of pending invitations look at the
    inviting organization only, even where scopes are disabled (commands, the admin)."""
    other_pending = InvitationFactory(organization=other_organization, email="both@x.example")

    with scopes_disabled():
        services.invitation_create(organization=organization, email="both@x.example",
                                   role=Role.MEMBER, invited_by=admin_user)
        services.invitation_create(organization=organization, email=other_admin_user.email,
                                   role=Role.MEMBER, invited_by=admin_user)

    other_pending.refresh_from_db()
    assert other_pending.revoked_at is None
    with organization_scope(organization):
        assert sorted(Invitation.objects.values_list("email", flat=True)) == [
            "both@x.example", "hr@globex.example"]
