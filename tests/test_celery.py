"""Celery: the app's configuration, eager mode, and a real worker consuming from Redis."""

from __future__ import annotations

from datetime import timedelta

import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping for the worker check
import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app as flipside_app
from core.models import Notification
from core.notifications import notification_dispatch, notification_enqueue
from core.tasks import ping
from tests.conftest import redis_available

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]

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
    assert {"core.tasks.send_notification", "core.tasks.drain_notification_outbox",
            "core.tasks.ping"} <= set(flipside_app.tasks)


def test_eager_mode_runs_the_task_in_process():
    result = ping.delay()

    assert result.get(timeout=1) == "pong"
    assert result.successful()


# --- a real worker on Redis ------------------------------------------------------------------



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
    assert finished_tasks(1) == [("core.tasks.send_notification", "sent")]
    assert notification_dispatch(notification_id=notification.pk) is True

    # then the worker sent it once and skipped the duplicate
    assert finished_tasks(2) == [("core.tasks.send_notification", "sent"),
                                 ("core.tasks.send_notification", "skipped")]
    assert [m.to for m in mailoutbox] == [["maya@acme.example"]]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)


@pytest.mark.services
@pytest.mark.skipif(not redis_available(), reason="needs a Redis broker (set REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_worker_runs_our_ping_task_from_redis(celery_app, celery_worker, finished_tasks):
    result = ping.delay()

    assert finished_tasks(1) == [("core.tasks.ping", "pong")]
    assert result.id
