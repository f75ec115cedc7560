"""Sign-up with email verification, password reset and TOTP two-factor sign-in, through the
real allauth pages (the product's own templates)."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse

from accounts.models import User
from tests.factories.accounts import TEST_PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase-2026"


def _link_in(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_sign_up_needs_the_emailed_confirmation_before_the_person_is_in(client, mailoutbox):
    # sign-up is by invitation only, unless an organization opened it for its domain
    OrganizationFactory(self_signup_domains="example.org")
    response = client.post(reverse("account_signup"), {
        "email": "new.person@example.org", "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD})

    # the account exists but is not signed in until the address is confirmed
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email="new.person@example.org").exists()
    assert "_auth_user_id" not in client.session
    assert len(mailoutbox) == 1
    confirm_path = _link_in(mailoutbox[0].body)

    confirmed = client.post(confirm_path)

    assert confirmed.status_code == 302
    assert client.session["_auth_user_id"] == str(
        User.objects.get(email="new.person@example.org").pk)


def test_password_reset_by_email(client, mailoutbox):
    user = UserFactory(email="forgetful@example.com")

    client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    assert len(mailoutbox) == 1
    reset_page = client.get(_link_in(mailoutbox[0].body), follow=True)
    form_path = reset_page.redirect_chain[-1][0] if reset_page.redirect_chain else None
    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(TEST_PASSWORD)


def test_totp_two_factor_is_activated_and_then_required_at_sign_in(client):
    user = UserFactory(email="careful@example.com")
    login = {"login": "careful@example.com", "password": TEST_PASSWORD}
    client.post(reverse("account_login"), login)

    # when the person activates an authenticator app with a valid code
    # a security change asks for the password again first
    page = client.get(reverse("mfa_activate_totp"))
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    # then the next sign-in stops at the code step …
    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"), login)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    # … a wrong code is refused, the right one lets them in
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
