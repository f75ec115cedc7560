"""Repeated failed sign-ins are rate limited (allauth, counters in the cache)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts. Try again later."


def _sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_failed_sign_ins_of_one_account_are_limited(client, member_user):
    # the first five wrong passwords are just wrong
    for _ in range(5):
        response = _sign_in(client, member_user.email, "wrong password")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
        assert "The email address and/or password you specified are not correct." in (
            response.content.decode())

    # then even the right password is refused for a while
    blocked = _sign_in(client, member_user.email, TEST_PASSWORD)

    assert blocked.status_code == 200
    assert TOO_MANY in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_from_one_address_are_limited_across_accounts(client, db):
    for number in range(10):
        response = _sign_in(client, f"guess{number}@acme.example", "wrong password")
        assert TOO_MANY not in response.content.decode()

    response = _sign_in(client, "guess10@acme.example", "wrong password")

    assert TOO_MANY in response.content.decode()


def test_a_correct_sign_in_is_not_counted(client, member_user):
    for _ in range(4):
        _sign_in(client, member_user.email, "wrong password")

    response = _sign_in(client, member_user.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member_user.pk)


def test_limits_use_the_configured_rates(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"
