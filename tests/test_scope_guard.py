"""A server error in an organization view can never leave its tenant scope open for the next
request (issue: the API mixin entered the scope in ``initial()`` and left it in
``finalize_response()``, which DRF skips when an exception escapes).

Proved three ways: in process through the test client, on the guard middleware itself, and
against gunicorn with one worker, where one process serves both tenants in turn.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django_scopes import ScopeError, scope

from accounts.models import Role
from core.tenancy import (
    TenantScopeGuardMiddleware,
    open_scope_description,
    organization_scope,
)
from programs.models import Topic
from tests.factories.accounts import MembershipFactory
from tests.factories.programs import TopicFactory

pytestmark = pytest.mark.django_db

SERVER_ERROR = "/api/v1/o/{slug}/scope-leak/server-error/"
TOPICS = "/api/v1/o/{slug}/scope-leak/topics/"
PROBE = "/scope-leak/probe/"


@pytest.fixture
def leak_urls(settings):
    settings.ROOT_URLCONF = "tests.scope_leak.urls"


@pytest.fixture
def without_guard(settings):
    """Prove the views close their own scope, without the middleware's second line."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("ScopeGuardMiddleware")]


@pytest.fixture
def two_tenants(organization, other_organization):
    TopicFactory(organization=organization, name="Acme-only topic")
    TopicFactory(organization=other_organization, name="Globex-only topic")
    acme_member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    globex_admin = MembershipFactory(organization=other_organization, role=Role.ADMIN).user
    return acme_member, globex_admin


@pytest.mark.usefixtures("leak_urls", "without_guard")
def test_server_error_in_an_org_api_view_leaves_no_scope_for_the_next_request(
        organization, other_organization, two_tenants):
    acme_member, globex_admin = two_tenants
    acme = Client(raise_request_exception=False)
    acme.force_login(acme_member)
    globex = Client()
    globex.force_login(globex_admin)

    for _ in range(5):
        # the test client's handler fails the test if the request leaves a scope open
        assert acme.get(SERVER_ERROR.format(slug=organization.slug)).status_code == 500
    gc.collect()

    topics = globex.get(TOPICS.format(slug=other_organization.slug)).json()
    probe = globex.get(PROBE).json()

    assert topics == {"organization": other_organization.slug, "topics": ["Globex-only topic"]}
    assert probe == {"open_scope": None, "leaked_topics": None}
    assert open_scope_description() is None
    with pytest.raises(ScopeError):
        list(Topic.objects.all())


@pytest.mark.usefixtures("leak_urls", "without_guard")
def test_options_and_head_answer_without_a_server_error_or_a_leak(organization, two_tenants):
    acme_member, _ = two_tenants
    client = Client(raise_request_exception=False)
    client.force_login(acme_member)

    options = client.options(f"/api/v1/o/{organization.slug}/participants/")
    head = client.head(f"/api/v1/o/{organization.slug}/participants/")

    assert options.status_code == 200
    assert head.status_code == 200
    assert client.get(PROBE).json() == {"open_scope": None, "leaked_topics": None}


def test_guard_refuses_a_request_that_starts_inside_a_scope_and_drops_the_scope(
        organization, caplog):
    calls = []
    guard = TenantScopeGuardMiddleware(lambda request: calls.append(request) or HttpResponse())
    request = RequestFactory().get("/o/acme/")

    with organization_scope(organization), caplog.at_level(logging.ERROR):
        response = guard(request)
        scope_after_refusal = open_scope_description()

    assert response.status_code == 503
    assert calls == []
    assert scope_after_refusal is None
    assert "a tenant scope was already open" in caplog.text


def test_guard_drops_a_scope_a_view_left_open(organization, caplog):
    suspended = []

    def view_that_leaks(request):
        left_open = scope(organization=organization)  # the bug the guard is there for
        left_open.__enter__()
        suspended.append(left_open)
        return HttpResponse("ok")

    guard = TenantScopeGuardMiddleware(view_that_leaks)

    with caplog.at_level(logging.ERROR):
        response = guard(RequestFactory().get("/o/acme/"))

    assert response.status_code == 200
    assert open_scope_description() is None
    assert "left a tenant scope open" in caplog.text


def test_guard_serves_a_clean_request_untouched():
    guard = TenantScopeGuardMiddleware(lambda request: HttpResponse("fine"))

    response = guard(RequestFactory().get("/"))

    assert response.status_code == 200
    assert response.content == b"fine"


def test_guard_is_the_first_middleware():
    assert settings.MIDDLEWARE[0] == "core.tenancy.TenantScopeGuardMiddleware"


# --- gunicorn, one worker: one process serves both tenants in turn ----------------------------

SETUP_SCRIPT = """
import json
from accounts.models import Membership, Organization, Role, User
from accounts.services import api_token_create
from core.tenancy import organization_scope
from programs.models import Topic

tokens = {}
for slug, name in (("acme", "Acme"), ("globex", "Globex")):
    organization = Organization.objects.create(name=name, slug=slug, time_zone="UTC")
    user = User.objects.create_user(email=f"someone@{slug}.example")
    with organization_scope(organization):
        Membership.objects.create(organization=organization, user=user, role=Role.ADMIN)
        Topic.objects.create(organization=organization, name=f"{name}-only topic",
                             slug=f"{slug}-only")
    tokens[slug] = api_token_create(user=user, name="leak test").key
print(json.dumps(tokens))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, token: str) -> tuple[int, dict | str]:
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def gunicorn_one_worker(tmp_path):
    """A migrated SQLite file with two organizations, served by one gunicorn worker."""
    env = {**os.environ,
           "DJANGO_SETTINGS_MODULE": "tests.scope_leak.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'leak.sqlite3'}",
           "REDIS_URL": ""}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True,
                   cwd=settings.BASE_DIR, timeout=300)
    made = subprocess.run([*manage, "shell", "-c", SETUP_SCRIPT], env=env, check=True,
                          cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    tokens = json.loads(made.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("wb")  # a file: a full pipe would block the worker
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1",
         "--timeout", "120", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        _get(base + PROBE, tokens["acme"])  # warm up: the worker imports the app lazily
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.django_db(transaction=True)
def test_no_scope_leaks_across_tenants_on_one_gunicorn_worker(gunicorn_one_worker):
    base, tokens = gunicorn_one_worker
    rounds = 5
    seen = []

    for _ in range(rounds):
        for _ in range(5):
            status, _body = _get(base + SERVER_ERROR.format(slug="acme"), tokens["acme"])
            assert status == 500
        seen.append((_get(base + TOPICS.format(slug="globex"), tokens["globex"]),
                     _get(base + PROBE, tokens["globex"])))
        for _ in range(5):
            _get(base + SERVER_ERROR.format(slug="globex"), tokens["globex"])
        seen.append((_get(base + TOPICS.format(slug="acme"), tokens["acme"]),
                     _get(base + PROBE, tokens["acme"])))

    expected_topics = {"acme": ["Acme-only topic"], "globex": ["Globex-only topic"]}
    for index, (topics, probe) in enumerate(seen):
        slug = "globex" if index % 2 == 0 else "acme"
        assert topics == (200, {"organization": slug, "topics": expected_topics[slug]})
        assert probe == (200, {"open_scope": None, "leaked_topics": None})
    assert len(seen) == 2 * rounds
