"""Repeated failed sign-ins are rate limited (allauth, counters in the cache), per account and
per client address (behind trusted proxies, the client's own), and a lock answers 429."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many attempts in a short time, for this account or from your network."


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

    assert blocked.status_code == 429
    assert TOO_MANY in blocked.content.decode()
    assert blocked.templates[0].name == "429.html"
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_from_one_address_are_limited_across_accounts(client, db):
    for number in range(10):
        response = _sign_in(client, f"guess{number}@acme.example", "wrong password")
        assert TOO_MANY not in response.content.decode()

    response = _sign_in(client, "guess10@acme.example", "wrong password")

    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()


def test_a_correct_sign_in_is_not_counted(client, member_user):
    for _ in range(4):
        _sign_in(client, member_user.email, "wrong password")

    response = _sign_in(client, member_user.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member_user.pk)


def test_limits_use_the_configured_rates(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"


def _limit_per_ip(settings) -> int:
    per_ip = next(rate for rate in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
                  if rate.endswith("/ip"))
    return int(per_ip.split("/")[0])


def test_behind_a_trusted_proxy_failing_clients_do_not_lock_out_another(client, settings,
                                                                         member_user):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    clients = _limit_per_ip(settings) + 1

    # eleven people behind the same TLS proxy each mistype their password once …
    for number in range(clients):
        response = client.post(reverse("account_login"),
                               {"login": f"person{number}@acme.example", "password": "typo"},
                               HTTP_X_FORWARDED_FOR=f"203.0.113.{number + 1}", **proxy)
        assert response.status_code == 200

    # … and a twelfth still signs in
    response = client.post(reverse("account_login"),
                           {"login": member_user.email, "password": TEST_PASSWORD},
                           HTTP_X_FORWARDED_FOR="203.0.113.200", **proxy)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member_user.pk)


def test_behind_a_trusted_proxy_one_client_is_locked_alone(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    limit = _limit_per_ip(settings)

    def fail(address, number):
        return client.post(reverse("account_login"),
                           {"login": f"guess{number}@acme.example", "password": "wrong"},
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address).status_code

    assert [fail("203.0.113.9", n) for n in range(limit)] == [200] * limit
    assert fail("203.0.113.9", limit) == 429
    # a forged left-hand entry is not believed: the proxy appended the real address
    assert fail("192.0.2.1, 203.0.113.9", limit + 1) == 429
    assert fail("203.0.113.10", limit + 2) == 200


def test_without_trusted_proxies_x_forwarded_for_does_not_escape_a_lock(client, settings):
    limit = _limit_per_ip(settings)
    for number in range(limit):
        _sign_in(client, f"guess{number}@acme.example", "wrong")

    response = client.post(reverse("account_login"),
                           {"login": "guess99@acme.example", "password": "wrong"},
                           HTTP_X_FORWARDED_FOR="203.0.113.77")

    assert response.status_code == 429


def test_a_trusted_client_ip_header_names_the_client(client, settings, member_user):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    limit = _limit_per_ip(settings)
    for number in range(limit + 1):
        client.post(reverse("account_login"),
                    {"login": f"guess{number}@acme.example", "password": "wrong"},
                    HTTP_X_REAL_IP="203.0.113.5")

    response = client.post(reverse("account_login"),
                           {"login": member_user.email, "password": TEST_PASSWORD},
                           HTTP_X_REAL_IP="203.0.113.6")

    assert response.status_code == 302


def test_too_many_sign_in_requests_answer_429_with_the_product_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}

    statuses = [_sign_in(client, "someone@acme.example", "wrong").status_code
                for _ in range(3)]
    response = _sign_in(client, "someone@acme.example", "wrong")

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert "<h1>Too many attempts</h1>" in response.content.decode()


def test_proxy_settings_come_from_the_environment_with_safe_defaults(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    assert settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER is None
