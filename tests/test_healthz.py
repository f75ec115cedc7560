"""/healthz: the database decides the status; the broker is reported, never fatal."""

from __future__ import annotations

import socket

import pytest
from django.db import connection

from tests.conftest import redis_available

pytestmark = pytest.mark.django_db


def test_without_a_broker_tasks_run_eagerly(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@pytest.mark.services
@pytest.mark.skipif(not redis_available(), reason="needs Redis (set REDIS_URL)")
def test_with_redis_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_with_redis_down_the_page_still_answers(client, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"  # nothing listens there

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "down"}


def test_database_down_is_503(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "down", "broker": "eager"}


def test_healthz_needs_no_sign_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_answers_probes_by_ip_over_http_in_production(client, settings):
    """Container health checks and load balancers call http://<ip>:8000/healthz: neither
    ALLOWED_HOSTS nor the HTTPS redirect may turn that into a 400 or a 301."""
    settings.ALLOWED_HOSTS = ["flipside.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""

    probe = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    page = client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000")

    assert probe.status_code == 200
    assert probe.json() == {"status": "ok", "database": "ok", "broker": "eager"}
    assert page.status_code == 400  # everything else still checks the host
