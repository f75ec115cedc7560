"""Fixtures for tests with a real Celery worker on the real Redis broker (celery.contrib.pytest's
``celery_worker`` runs it in a thread of this process). Loaded by tests/conftest.py."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

#: A queue of this run only, so that messages other runs left in Redis are not consumed here.
TEST_QUEUE = f"flipside-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session", autouse=True)
def _forget_the_private_queue():
    """Remove the private queue's bookkeeping keys from Redis once the run is done."""
    yield
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"*{TEST_QUEUE}*"):
            client.delete(key)
        client.close()


@pytest.fixture(scope="session")
def celery_config():
    """The plugin's test app, configured like ours but on the real Redis and a private queue."""
    return {
        "broker_url": settings.REDIS_URL,
        "result_backend": settings.REDIS_URL,
        "task_default_queue": TEST_QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "broker_transport_options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    }


@pytest.fixture
def celery_app(celery_app):
    """Make the test app current: shared tasks publish through it."""
    celery_app.set_current()
    return celery_app


@pytest.fixture
def finished_tasks():
    """``finished_tasks(n)`` waits until the worker finished ``n`` of the project's tasks and
    returns them as (task name, return value). Only tasks a worker took from the broker count
    (not eager runs in the test thread, nor the plugin's start-up ping). The worker thread
    closes its database connections after each task, so nothing holds the test database open
    when it is flushed or dropped."""
    finished: list[tuple[str, object]] = []
    changed = threading.Condition()

    def record(sender=None, retval=None, **kwargs):
        if threading.current_thread() is threading.main_thread() or \
                sender.name.startswith("celery."):
            return
        connections.close_all()
        with changed:
            finished.append((sender.name, retval))
            changed.notify_all()

    def wait_for(count: int, timeout: float = 30) -> list[tuple[str, object]]:
        with changed:
            changed.wait_for(lambda: len(finished) >= count, timeout=timeout)
            return list(finished)

    task_postrun.connect(record, weak=False)
    yield wait_for
    task_postrun.disconnect(record)
