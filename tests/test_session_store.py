"""The session engine (accounts/session_store.py): database sessions read through one query
compiled once. Signing in, expiry, signing out and a password change behave as with
Django's database engine, and nothing about a session touches Redis: with Redis unreachable
people still sign in, see their pages, use the API and sign out."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.session_store import SessionStore
from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase-2026"


def _home(organization) -> str:
    return reverse("org_home", kwargs={"org_slug": organization.slug})


def _sign_in(client, user) -> str:
    response = client.post(reverse("account_login"),
                           {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in(client, organization) -> bool:
    response = client.get(_home(organization))
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_the_engine_is_ours():
    assert settings.SESSION_ENGINE == "accounts.session_store"


def test_a_stored_session_reads_back_and_a_missing_one_reads_empty():
    store = SessionStore()
    store["answer"] = 42
    store.create()

    assert SessionStore(store.session_key).load() == {"answer": 42}
    missing = SessionStore("x" * 32)
    assert missing.load() == {}
    assert missing.session_key is None  # a new key is made when something is stored


def test_sign_in_gives_a_page_and_reads_the_session_with_one_query(
        client, member_user, organization):
    key = _sign_in(client, member_user)

    assert _signed_in(client, organization)
    with CaptureQueriesContext(connection) as queries:
        client.get(_home(organization))
    session_reads = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len(session_reads) == 1
    assert Session.objects.filter(session_key=key).exists()


def test_an_expired_session_is_signed_out(client, member_user, organization):
    key = _sign_in(client, member_user)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1))

    assert not _signed_in(client, organization)


def test_signing_out_ends_the_session_for_a_copied_cookie_too(client, member_user,
                                                               organization):
    key = _sign_in(client, member_user)
    copy = Client()
    copy.cookies[settings.SESSION_COOKIE_NAME] = key
    assert _signed_in(copy, organization)

    client.post(reverse("account_logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert not _signed_in(copy, organization)


def test_a_password_change_signs_out_the_other_sessions(member_user, organization):
    here, elsewhere = Client(), Client()
    _sign_in(here, member_user)
    _sign_in(elsewhere, member_user)

    response = here.post(reverse("account_change_password"), {
        "oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert _signed_in(here, organization)
    assert not _signed_in(elsewhere, organization)


def test_with_redis_unreachable_people_sign_in_use_pages_and_the_api_and_sign_out(
        client, member_user, organization, settings):
    # production's caches, with nothing listening where Redis should be (port 1)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "flipside_cache"},
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": "redis://127.0.0.1:1/0",
                     "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}},
    }
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    call_command("createcachetable", verbosity=0)

    key = _sign_in(client, member_user)
    page = client.get(_home(organization))
    api = client.get(reverse("api_organization", kwargs={"org_slug": organization.slug}))
    signed_out = client.post(reverse("account_logout"))

    assert page.status_code == 200
    assert member_user.display_name in page.content.decode()
    assert api.status_code == 200
    assert signed_out.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not _signed_in(client, organization)
