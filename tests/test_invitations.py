"""Invitations: from the settings page to a membership, and every way a link can go stale."""

from __future__ import annotations

import re
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


def test_new_person_is_invited_signs_up_and_joins(client, admin_user, organization, mailoutbox,
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

    # when the invitee opens it signed out, they are offered to sign up, coming back after
    client.logout()
    landing = client.get(path)
    assert landing.status_code == 200
    assert f'href="{reverse("account_signup")}?next={quote(path)}"' in landing.content.decode()

    # when they sign up with the invited address and the link as next
    signup = client.post(reverse("account_signup"), {
        "email": "new.person@acme.example", "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD, "next": path,
    })

    # then they are signed in (the link proved the address) and back at the invitation
    assert signup.status_code == 302
    assert signup.url == path
    user = User.objects.get(email="new.person@acme.example")
    assert EmailAddress.objects.get(user=user).verified is True
    assert "Accept invitation" in client.get(path).content.decode()

    # when they accept
    accepted = client.post(path)

    # then they are a member with the invited role, at the organization's home
    assert accepted.status_code == 302
    assert accepted.url == reverse("org_home", kwargs={"org_slug": organization.slug})
    assert _memberships(organization) == [
        ("hr@acme.example", Role.ADMIN), ("new.person@acme.example", Role.EXECUTIVE)]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    assert client.get(accepted.url).status_code == 200


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
