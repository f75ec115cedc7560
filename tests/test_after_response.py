"""Work deferred until the response has gone out (core/after_response.py)."""

from __future__ import annotations

import threading

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection

from core import after_response


def test_outside_a_request_the_work_runs_at_once():
    ran = []

    after_response.run_after_response(lambda: ran.append("now"))

    assert ran == ["now"]


@pytest.mark.django_db
def test_in_a_request_the_work_waits_for_the_end_of_the_request():
    ran = []
    request_started.send(sender=None, environ={})
    try:
        after_response.run_after_response(lambda: ran.append("later"))
        assert ran == []
        assert after_response.in_request()
    finally:
        request_finished.send(sender=None)

    # a test's transaction is still open, so it ran in this thread, at request_finished
    assert ran == ["later"]
    assert not after_response.in_request()


@pytest.fixture
def served_like_production(monkeypatch):
    """As with a database file or PostgreSQL: the test database in memory would otherwise
    keep the work on the request thread (see the next test)."""
    monkeypatch.setattr(after_response, "runs_on_the_request_thread", lambda: False)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_only_an_in_memory_database_keeps_the_work_on_the_request_thread():
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    threads = []
    request_started.send(sender=None, environ={})
    after_response.run_after_response(lambda: threads.append(threading.current_thread().name))
    request_finished.send(sender=None)
    after_response.wait_for_after_response_work(timeout=10)

    assert threads == [threading.current_thread().name if in_memory
                       else "flipside-after-response"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("served_like_production")
def test_after_a_committed_request_the_work_runs_on_the_background_thread():
    threads = []
    request_started.send(sender=None, environ={})
    after_response.run_after_response(lambda: threads.append(threading.current_thread().name))
    request_finished.send(sender=None)

    assert after_response.wait_for_after_response_work(timeout=10)
    assert threads == ["flipside-after-response"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("served_like_production")
def test_a_failing_callback_does_not_stop_the_next_ones():
    ran = []

    def broken():
        raise RuntimeError("boom")

    request_started.send(sender=None, environ={})
    after_response.run_after_response(broken)
    after_response.run_after_response(lambda: ran.append("next"))
    request_finished.send(sender=None)

    assert after_response.wait_for_after_response_work(timeout=10)
    assert ran == ["next"]
