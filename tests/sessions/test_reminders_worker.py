"""Reminders through the real thing: a beat-style scan in this process, Redis, and a real
``celery -A config worker`` started here as a subprocess on this run's database; its emails
are recorded to files by ``tests/mail_recorder.py``.

- one scan: each due reminder is one outbox row and one email, also when the broker delivers
  the task a second time;
- two scans racing: still one row and one email per reminder;
- the worker SIGKILLed right after the SMTP hand-over, before its commit: the row ends sent,
  once, and the redelivered task hands the email over a second time with the same
  Message-ID: the one at-least-once corner, documented in ``sessions/reminders.py``.

Needs Redis and PostgreSQL (a worker process cannot open the in-memory SQLite test database);
without them these tests skip, and under FLIPSIDE_REQUIRE_SERVICES=1 a skip fails the run.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from kombu import pools as kombu_pools

from accounts.models import Membership
from config.celery import app as celery_app
from core.models import Notification, NotificationChannel, NotificationPreference
from core.notifications import notification_dispatch
from core.tenancy import organization_scope
from sessions import due as core
from sessions.models import MentoringSession
from sessions.reminders import reminders_scan
from tests.conftest import postgres_available, redis_available
from tests.sessions.conftest import make_pair

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not redis_available(), reason="needs a Redis broker (set REDIS_URL)"),
    pytest.mark.skipif(not postgres_available(),
                       reason="a worker process needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def _database_url() -> str:
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


@pytest.fixture
def worker(tmp_path):
    """A real worker (prefork, one child) on a private queue; this process publishes to it."""
    queue = f"flipside-reminders-{uuid.uuid4().hex[:10]}"
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    marker = tmp_path / "kill-after-next-send"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.reminder_worker_settings",
           "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "FLIPSIDE_TEST_QUEUE": queue, "FLIPSIDE_TEST_MAIL_DIR": str(mail_dir),
           "FLIPSIDE_TEST_KILL_MARKER": str(marker)}
    process = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "--without-mingle", "--without-gossip", "--loglevel=info",
         f"--logfile={log}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while "ready." not in (log.read_text() if log.exists() else ""):
        assert process.poll() is None, log.read_text() if log.exists() else "worker exited"
        assert time.monotonic() < deadline, "the worker did not start in 20 s"
        time.sleep(0.2)
    amqp = celery_app.amqp
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager,
             celery_app.conf.task_default_queue, celery_app._pool, amqp._producer_pool)
    celery_app._pool, amqp._producer_pool = None, None
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = settings.REDIS_URL, False
    celery_app.conf.task_default_queue = queue
    try:
        yield Worker(process=process, mail_dir=mail_dir, marker=marker, log=log)
    finally:
        # close this test's broker connections and drop them from kombu's global registry
        # (app.pool comes from it: a closed pool left there would be handed out again)
        kombu_pools.reset()
        (celery_app.conf.broker_url, celery_app.conf.task_always_eager,
         celery_app.conf.task_default_queue, celery_app._pool, amqp._producer_pool) = saved
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Worker:
    def __init__(self, *, process, mail_dir: Path, marker: Path, log: Path) -> None:
        self.process, self.mail_dir, self.marker, self.log = process, mail_dir, marker, log

    def emails(self) -> list[email.message.Message]:
        return [email.message_from_bytes(p.read_bytes()) for p in sorted(
            self.mail_dir.glob("*.eml"))]

    def wait_until(self, condition, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.2)


def _pair_with_session_tomorrow(organization, member_user):
    """Maya and Edward, without quiet hours (the wall clock is real here), with a session
    starting a little less than 24 hours from now: "session soon" is due for both."""
    with organization_scope(organization):
        world = make_pair(organization,
                          mentor_membership=Membership.objects.get(user=member_user))
        for user in (world.mentor_user, world.mentee_user):
            user.quiet_hours_start = user.quiet_hours_end = None
            user.save()
        MentoringSession.objects.create(
            organization=organization, pair=world.pair, duration_minutes=60,
            starts_at=timezone.now() + dt.timedelta(hours=23, minutes=50))
    return world


def _sent_rows():
    return list(Notification.objects.filter(kind=core.SESSION_SOON).order_by("pk")
                .values_list("email", "status", "attempts"))


@contextmanager
def _settled(worker, rows: int, emails: int):
    yield
    worker.wait_until(lambda: len(worker.emails()) >= emails and sum(
        1 for _, status, _ in _sent_rows() if status == "sent") >= rows)
    time.sleep(1.5)  # anything more (a duplicate) would arrive now


def test_scan_to_worker_to_one_email_each_even_when_delivered_twice(organization, member_user,
                                                                    worker):
    world = _pair_with_session_tomorrow(organization, member_user)

    with _settled(worker, rows=2, emails=2):
        report = reminders_scan(kind=core.SESSION_SOON)
    for pk in Notification.objects.values_list("pk", flat=True):  # the broker delivers again
        assert notification_dispatch(notification_id=pk)
    time.sleep(2)

    assert report.recorded == 2
    assert sorted(_sent_rows()) == sorted([(world.mentor_user.email, "sent", 1),
                                           (world.mentee_user.email, "sent", 1)])
    assert sorted(m["To"] for m in worker.emails()) == sorted(
        [world.mentor_user.email, world.mentee_user.email])


def test_two_scans_racing_record_and_send_each_reminder_once(organization, member_user, worker):
    world = _pair_with_session_tomorrow(organization, member_user)
    start = threading.Barrier(2)
    reports = []

    def scan():
        try:
            start.wait()
            reports.append(reminders_scan(kind=core.SESSION_SOON))
        finally:
            connections.close_all()

    with _settled(worker, rows=2, emails=2):
        threads = [threading.Thread(target=scan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert [r.due for r in reports] == [2, 2]  # both scans found both due
    assert sorted(_sent_rows()) == sorted([(world.mentor_user.email, "sent", 1),
                                           (world.mentee_user.email, "sent", 1)])
    assert sorted(m["To"] for m in worker.emails()) == sorted(
        [world.mentor_user.email, world.mentee_user.email])


def test_worker_killed_between_sending_and_commit(organization, member_user, worker):
    world = _pair_with_session_tomorrow(organization, member_user)
    NotificationPreference.objects.create(user=world.mentee_user, kind=core.SESSION_SOON,
                                          channel=NotificationChannel.OFF)
    worker.marker.write_text("kill the child right after its next SMTP hand-over")

    with _settled(worker, rows=1, emails=2):
        reminders_scan(kind=core.SESSION_SOON)

    # the child died after the hand-over: its transaction (attempt, status) was lost, the
    # task was redelivered to a new child, which sent and committed
    assert not worker.marker.exists()
    assert _sent_rows() == [(world.mentor_user.email, "sent", 1)]
    handed_over = worker.emails()
    assert [m["To"] for m in handed_over] == [world.mentor_user.email] * 2
    # the one at-least-once corner: two hand-overs of one outbox row, one Message-ID
    assert len({m["Message-ID"] for m in handed_over}) == 1
    assert Notification.objects.count() == 1
