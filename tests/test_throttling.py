"""API throttles: per API token (or session user) per minute and per hour, per client address
for requests without credentials; a refusal is 429 with Retry-After, and the counters live
in the shared (database) cache in production."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from accounts import services
from accounts.throttles import parse_rate
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
SCHEMA = "/api/schema/"


@pytest.fixture
def rates(settings):
    """Set small throttle rates; DRF reloads its settings on the change. The clock stands
    still in the middle of an hour and a minute: the windows are fixed, and a test's requests
    must never straddle a window's end (on a busy machine they did, and a request expected to
    be refused landed in a fresh window)."""

    def set_rates(**overrides):
        current = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **django_settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **overrides},
        }

    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 30, 30, tzinfo=dt.UTC), tick=False):
        yield set_rates


def _bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _token(email: str) -> str:
    return services.api_token_create(user=UserFactory(email=email), name="script").key


def test_defaults_are_configured_and_applied_to_every_api_view():
    from rest_framework.views import APIView

    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "user": "2000/hour", "user_burst": "120/min", "anon": "60/min"}
    assert [cls.__name__ for cls in APIView.throttle_classes] == [
        "ClientRateThrottle", "ClientBurstRateThrottle", "AnonymousIPRateThrottle"]


def test_a_token_over_its_burst_rate_gets_429_with_retry_after(client, rates):
    rates(user_burst="3/min")
    key, other_key = _token("script@acme.example"), _token("other@acme.example")

    allowed = [client.get(ME, **_bearer(key)).status_code for _ in range(3)]
    refused = client.get(ME, **_bearer(key))

    assert allowed == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled.")
    # another token has its own bucket
    assert client.get(ME, **_bearer(other_key)).status_code == 200


def test_two_tokens_of_one_person_count_separately(client, rates):
    rates(user_burst="2/min")
    user = UserFactory(email="two.scripts@acme.example")
    first = services.api_token_create(user=user, name="HRIS").key
    second = services.api_token_create(user=user, name="BI").key

    for _ in range(2):
        client.get(ME, **_bearer(first))

    assert client.get(ME, **_bearer(first)).status_code == 429
    assert client.get(ME, **_bearer(second)).status_code == 200


def test_the_hourly_rate_holds_when_the_burst_rate_allows(client, rates):
    rates(user="4/hour", user_burst="100/min")
    key = _token("steady@acme.example")

    statuses = [client.get(ME, **_bearer(key)).status_code for _ in range(5)]
    refused = client.get(ME, **_bearer(key))

    assert statuses == [200, 200, 200, 200, 429]
    assert 1 <= int(refused["Retry-After"]) <= 3600


def test_session_users_are_throttled_per_user(client, rates):
    rates(user_burst="2/min")
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    for _ in range(2):
        client.get(ME)

    assert client.get(ME).status_code == 429
    client.force_login(second)
    assert client.get(ME).status_code == 200


def test_requests_without_credentials_are_throttled_per_address(client, rates):
    rates(anon="2/min")

    from_one = [client.get(SCHEMA, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]
    from_another = client.get(SCHEMA, REMOTE_ADDR="198.51.100.8")

    assert from_one == [200, 200, 429]
    assert from_another.status_code == 200


def test_behind_a_trusted_proxy_each_client_address_has_its_own_bucket(client, rates, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    rates(anon="2/min")
    proxy = "10.0.0.2"

    def get(forwarded_for):
        return client.get(SCHEMA, REMOTE_ADDR=proxy,
                          HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    assert [get("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert get("203.0.113.2") == 200
    # a forged left-hand entry does not buy a fresh bucket: the proxy's entry counts
    assert get("192.0.2.99, 203.0.113.1") == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, rates):
    rates(anon="1/min")

    first = client.get(SCHEMA, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1")
    forged = client.get(SCHEMA, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert (first.status_code, forged.status_code) == (200, 429)


def test_counters_live_in_the_database_cache_shared_by_workers(client, rates, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "flipside_cache"}}
    call_command("createcachetable", verbosity=0)
    rates(user_burst="2/min")
    key = _token("shared@acme.example")

    for _ in range(2):
        client.get(ME, **_bearer(key))
    refused = client.get(ME, **_bearer(key))

    assert refused.status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM flipside_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle:user_burst:token-" in cache_key for cache_key in keys)


@pytest.mark.parametrize(("rate", "expected"), [
    ("2000/hour", (2000, 3600)), ("120/min", (120, 60)), ("5/s", (5, 1)), ("10/day", (10, 86400)),
])
def test_rates_are_parsed_like_drf(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["lots", "10/fortnight", "ten/min", "10/"])
def test_a_malformed_rate_names_the_expected_form(rate):
    with pytest.raises(ImproperlyConfigured, match=re.escape("'<requests>/<s|min|hour|day>'")):
        parse_rate(rate)


# --- where the counters live: the throttle cache (Redis in production), else the default ---

@pytest.fixture
def breaker(monkeypatch):
    """A closed breaker for each test (it is per process)."""
    import accounts.throttles

    monkeypatch.setattr(accounts.throttles, "_throttle_cache_down_until", 0.0)
    return accounts.throttles


def test_production_counts_in_redis_and_keeps_the_database_cache_as_default():
    from tests.test_production import _production_env, _production_values

    caches = _production_values(_production_env(REDIS_URL="redis://broker.invalid:6379/3"),
                                "CACHES")["CACHES"]

    assert caches["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert caches["throttle"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["throttle"]["LOCATION"] == "redis://broker.invalid:6379/3"
    # a frozen Redis costs a request a fraction of a second, never the worker's timeout
    assert caches["throttle"]["OPTIONS"]["socket_timeout"] <= 0.5
    assert caches["throttle"]["OPTIONS"]["socket_connect_timeout"] <= 0.5


def test_with_a_throttle_cache_the_counters_live_there_and_cost_no_query(
        client, rates, settings, breaker):
    from django.core.cache import caches
    from django.test.utils import CaptureQueriesContext

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "flipside_cache"},
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": "throttle-test"},
    }
    call_command("createcachetable", verbosity=0)
    caches["throttle"].clear()
    rates(user_burst="2/min")
    key = _token("fast@acme.example")

    with CaptureQueriesContext(connection) as queries:
        statuses = [client.get(ME, **_bearer(key)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert not [q for q in queries.captured_queries if "flipside_cache" in q["sql"]]
    assert any("throttle:user_burst:token-" in made for made in caches["throttle"]._cache)


def test_when_redis_is_down_the_api_answers_and_counts_in_the_default_cache(
        client, rates, settings, breaker, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "throttle-fallback-test"},
        # nothing listens on port 1: every call fails at once
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": "redis://127.0.0.1:1/0",
                     "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}},
    }
    rates(user_burst="2/min")
    key = _token("outage@acme.example")

    statuses = [client.get(ME, **_bearer(key)).status_code for _ in range(3)]

    # still limited: the default cache counted every request
    assert statuses == [200, 200, 429]
    assert breaker._throttle_cache_down_until > 0
    assert sum("throttle cache failed" in r.getMessage() for r in caplog.records) == 1


def test_after_the_breaker_period_the_throttle_cache_is_tried_again(
        rates, settings, breaker, monkeypatch):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "breaker-default"},
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": "breaker-throttle"},
    }
    clock = [1000.0]
    monkeypatch.setattr(breaker.time, "monotonic", lambda: clock[0])
    breaker._throttle_cache_down_until = clock[0] + breaker.BREAKER_SECONDS

    assert breaker.count_request("k", timeout=60) == 1
    assert caches["default"].get("k") == 1
    assert caches["throttle"].get("k") is None
    clock[0] += breaker.BREAKER_SECONDS
    assert breaker.count_request("k", timeout=60) == 1
    assert caches["throttle"].get("k") == 1
