"""Celery: the app's configuration, eager mode, and a real worker consuming from Redis."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping for the worker check
import pytest
import redis
from celery.signals import task_postrun
from django.conf import settings
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notification_dispatch, notification_enqueue
from accounts.tasks import ping
from config.celery import app as flipside_app
from tests.conftest import redis_available

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]

#: A queue of this run only, so that messages other runs left in Redis are not consumed here.
TEST_QUEUE = f"flipside-test-{uuid.uuid4().hex[:12]}"


def test_app_reads_the_django_settings():
    conf = flipside_app.conf

    assert conf.task_always_eager is True  # tests run tasks eagerly (config/settings/test.py)
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.broker_url == (settings.REDIS_URL or "memory://")
    # a dead or frozen broker fails a publish fast instead of hanging a request
    assert conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert conf.broker_transport_options["socket_timeout"] <= 2
    assert conf.broker_transport_options["max_retries"] == 0


def test_tasks_are_registered():
    assert {"accounts.tasks.send_notification", "accounts.tasks.drain_notification_outbox",
            "accounts.tasks.ping"} <= set(flipside_app.tasks)


def test_eager_mode_runs_the_task_in_process():
    result = ping.delay()

    assert result.get(timeout=1) == "pong"
    assert result.successful()


# --- a real worker on Redis ------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def _forget_the_private_queue():
    """Remove the private queue's bookkeeping keys from Redis once this module is done."""
    yield
    if redis_available():
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
    """Make the test app current: shared tasks (accounts.tasks) publish through it."""
    celery_app.set_current()
    return celery_app


@pytest.fixture
def finished_tasks():
    """Wait for the worker to finish tasks: ``wait_for(n)`` returns the first ``n`` as
    (task name, return value)."""
    finished: list[tuple[str, object]] = []
    changed = threading.Condition()

    def record(sender=None, retval=None, **kwargs):
        # only our tasks, as a worker took them from the broker (not run eagerly in the test,
        # nor the plugin's start-up ping)
        if (sender.request.is_eager or threading.current_thread() is threading.main_thread()
                or not sender.name.startswith("accounts.")):
            return
        with changed:
            finished.append((sender.name, retval))
            changed.notify_all()

    def wait_for(count: int, timeout: float = 15) -> list[tuple[str, object]]:
        with changed:
            changed.wait_for(lambda: len(finished) >= count, timeout=timeout)
            return list(finished)

    task_postrun.connect(record, weak=False)
    yield wait_for
    task_postrun.disconnect(record)


@pytest.mark.services
@pytest.mark.skipif(not redis_available(), reason="needs a Redis broker (set REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_notification_goes_through_redis_and_a_worker_once(celery_app, celery_worker,
                                                           finished_tasks, member_user,
                                                           mailoutbox):
    # when a notification is enqueued outside a transaction (so it is committed and handed
    # to the broker at once)
    notification = notification_enqueue(
        organization=None, recipient=member_user, email=member_user.email, kind="invitation",
        key="invitation:worker", template="accounts/email/invitation", link="/invitations/x/",
        context={"organization": "Acme Retail", "inviter": "Harriet", "role": "Member",
                 "expires_at": timezone.now() + timedelta(days=14)},
    )
    # and the broker delivers it a second time
    assert finished_tasks(1) == [("accounts.tasks.send_notification", "sent")]
    assert notification_dispatch(notification_id=notification.pk) is True

    # then the worker sent it once and skipped the duplicate
    assert finished_tasks(2) == [("accounts.tasks.send_notification", "sent"),
                                 ("accounts.tasks.send_notification", "skipped")]
    assert [m.to for m in mailoutbox] == [["maya@acme.example"]]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)


@pytest.mark.services
@pytest.mark.skipif(not redis_available(), reason="needs a Redis broker (set REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_worker_runs_our_ping_task_from_redis(celery_app, celery_worker, finished_tasks):
    result = ping.delay()

    assert finished_tasks(1) == [("accounts.tasks.ping", "pong")]
    assert result.id
