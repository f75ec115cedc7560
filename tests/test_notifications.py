"""The notification outbox: idempotent enqueue and send, failures, preferences, the in-app
inbox, the drain, a race between two senders, and a dead or frozen broker."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from config.celery import app as celery_app
from core.models import Notification, NotificationChannel, NotificationPreference
from core.notifications import (
    DRAIN_GRACE,
    MAX_ATTEMPTS,
    DeliveryError,
    notification_enqueue,
    notification_send,
    notifications_mark_read,
)
from core.tasks import drain_notification_outbox
from tests.conftest import postgres_available
from tests.factories.accounts import (
    MembershipFactory,
    NotificationFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STATUS = Notification.Status


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("mail server went away")


class SlowBackend(LocmemBackend):
    """Delivers to mail.outbox after a pause, so that two senders overlap."""

    def send_messages(self, messages):
        time.sleep(0.5)
        return super().send_messages(messages)


def _enqueue(user, key="invitation:1", organization=None):
    return notification_enqueue(
        organization=organization, recipient=user, email=user.email, kind="invitation",
        key=key, template="accounts/email/invitation", link="/invitations/abc/",
        context={"organization": "Acme Retail", "inviter": "Harriet", "role": "Member",
                 "expires_at": timezone.now() + timedelta(days=14)},
    )


def _backdate(notification, by=DRAIN_GRACE + timedelta(seconds=1)):
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - by)


# --- idempotency -----------------------------------------------------------------------------

def test_same_key_enqueued_twice_is_one_row_and_one_email(member_user, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(member_user)
        second = _enqueue(member_user)

    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["maya@acme.example"]
    assert mailoutbox[0].subject == "Harriet invited you to Acme Retail on Flipside"
    first.refresh_from_db()
    assert (first.status, first.attempts, first.send_email) == (STATUS.SENT, 1, True)
    assert first.sent_at is not None


def test_send_twice_sends_one_email(member_user, mailoutbox):
    notification = _enqueue(member_user)  # no commit yet: nothing dispatched

    outcomes = [notification_send(notification_id=notification.pk) for _ in range(2)]

    assert outcomes == ["sent", "skipped"]
    assert len(mailoutbox) == 1


def test_failed_delivery_stays_pending_and_a_later_send_delivers_once(
        member_user, mailoutbox, settings, django_capture_on_commit_callbacks):
    # given a mail server that is down
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification = _enqueue(member_user)

    # then the row waits for another try
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (STATUS.PENDING, 1)
    assert notification.last_error == "SMTPServerDisconnected: mail server went away"
    assert mailoutbox == []

    # when the mail server is back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outcomes = [notification_send(notification_id=notification.pk) for _ in range(2)]

    # then it is sent once
    assert outcomes == ["sent", "skipped"]
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (STATUS.SENT, 2)


def test_delivery_gives_up_after_max_attempts(member_user, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    notification = _enqueue(member_user)

    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(DeliveryError):
            notification_send(notification_id=notification.pk)

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (STATUS.FAILED, MAX_ATTEMPTS)
    assert notification_send(notification_id=notification.pk) == "skipped"


# --- preferences -----------------------------------------------------------------------------

def test_preference_off_records_and_sends_nothing(member_user, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=member_user, kind="invitation",
                                          channel=NotificationChannel.OFF)

    with django_capture_on_commit_callbacks(execute=True):
        result = _enqueue(member_user)

    assert result is None
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_preference_in_app_records_but_does_not_email(member_user, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=member_user, kind="invitation",
                                          channel=NotificationChannel.IN_APP)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = _enqueue(member_user)

    assert (notification.status, notification.send_email) == (STATUS.SENT, False)
    assert callbacks == []
    assert mailoutbox == []


def test_preferences_page_turns_a_kind_off(client, member_user, admin_client, organization,
                                           mailoutbox, django_capture_on_commit_callbacks):
    """Off on the settings page: a later invitation of that person sends nothing."""
    other_org_admin = UserFactory(email="hr@initech.example")
    initech = OrganizationFactory(name="Initech", slug="initech")
    MembershipFactory(organization=initech, user=other_org_admin, role=Role.ADMIN)
    client.force_login(member_user)
    page = client.get(reverse("notification_preferences"))
    choices = dict.fromkeys(page.context["form"].fields, NotificationChannel.EMAIL)

    response = client.post(reverse("notification_preferences"), {**choices, "invitation": "off"})

    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=member_user, kind="invitation").channel == "off"
    client.force_login(other_org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(reverse("member_invite", kwargs={"org_slug": "initech"}),
                              {"email": member_user.email, "role": Role.MEMBER})
    assert invited.status_code == 302
    assert mailoutbox == []
    assert Notification.objects.count() == 0


def test_preferences_page_rejects_unknown_channels(client, member_user):
    client.force_login(member_user)

    response = client.post(reverse("notification_preferences"), {"invitation": "pigeon"})

    assert response.status_code == 400
    assert response.context["form"].errors["invitation"] == [
        "Select a valid choice. pigeon is not one of the available choices."]
    assert NotificationPreference.objects.count() == 0


# --- in-app inbox ----------------------------------------------------------------------------

def test_mark_read(client, member_user):
    mine = [NotificationFactory(recipient=member_user) for _ in range(2)]
    theirs = NotificationFactory(recipient=UserFactory())
    client.force_login(member_user)

    page = client.get(reverse("notification_list"))
    assert [n.pk for n in page.context["notifications"]] == [mine[1].pk, mine[0].pk]
    assert page.context["nav_unread_count"] == 2

    assert notifications_mark_read(user=member_user, notification_ids=[mine[0].pk]) == 1
    response = client.post(reverse("notification_list"))

    assert response.status_code == 302
    assert Notification.objects.filter(recipient=member_user, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("notification_list")).context["nav_unread_count"] == 0


# --- the outbox drain ------------------------------------------------------------------------

def test_drain_sends_only_pending_rows_older_than_the_grace_period(member_user, mailoutbox):
    stuck = _enqueue(member_user, key="stuck")
    fresh = _enqueue(member_user, key="fresh")  # its own hand-over may still be under way
    done = _enqueue(member_user, key="done")
    gave_up = _enqueue(member_user, key="gave-up")
    for notification in (stuck, done, gave_up):
        _backdate(notification)
    Notification.objects.filter(pk=done.pk).update(status=STATUS.SENT)
    Notification.objects.filter(pk=gave_up.pk).update(attempts=MAX_ATTEMPTS)

    handed = drain_notification_outbox()

    assert handed == 1
    assert [m.to for m in mailoutbox] == [["maya@acme.example"]]
    assert {n.key: n.status for n in Notification.objects.all()} == {
        "stuck": STATUS.SENT, "fresh": STATUS.PENDING, "done": STATUS.SENT,
        "gave-up": STATUS.PENDING}
    assert drain_notification_outbox() == 0
    assert len(mailoutbox) == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.attempts, stuck.sent_at is not None) == (1, True)
    assert (fresh.attempts, fresh.sent_at) == (0, None)


def test_drain_is_scheduled_by_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["drain-notification-outbox"]

    assert entry["task"] == "core.tasks.drain_notification_outbox"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 60


# --- two senders at once (PostgreSQL row locks) ----------------------------------------------

@pytest.mark.services
@pytest.mark.skipif(not postgres_available(), reason="SELECT … FOR UPDATE SKIP LOCKED needs "
                                                     "PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_notification_send_one_email(member_user, mailoutbox,
                                                                 settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.SlowBackend"
    notification = NotificationFactory(recipient=member_user)  # committed, not dispatched
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send():
        try:
            barrier.wait(timeout=5)
            outcomes.append(notification_send(notification_id=notification.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (STATUS.SENT, 1)


# --- a dead or frozen broker -----------------------------------------------------------------

@contextmanager
def _broker_at(url: str):
    """Publish for real (not eagerly) to ``url`` for the duration of the block.

    The app's connection and producer pools are bound to the broker URL when first used, so
    they are set aside for the block and the block's own pool is closed afterwards.
    """
    amqp = celery_app.amqp
    saved_conf = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    saved_pools = (celery_app._pool, amqp._producer_pool)
    celery_app._pool, amqp._producer_pool = None, None
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool, amqp._producer_pool = saved_pools
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved_conf


@contextmanager
def _unreachable_broker(kind: str):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if kind == "closed":
        listener.close()  # nothing listens on the port: connections are refused at once
    else:
        listener.listen(16)  # connections are accepted by the kernel, never answered
    try:
        with _broker_at(f"redis://127.0.0.1:{port}/0"):
            yield
    finally:
        listener.close()


@pytest.mark.parametrize("kind", ["closed", "frozen"])
def test_invite_answers_fast_with_the_broker_down_and_the_drain_sends_later(
        kind, admin_client, organization, mailoutbox, django_capture_on_commit_callbacks):
    invite_url = reverse("member_invite", kwargs={"org_slug": organization.slug})

    # when the admin invites someone while the broker is unreachable
    with _unreachable_broker(kind):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(invite_url, {"email": "new@acme.example",
                                                      "role": Role.MEMBER})
        elapsed = time.monotonic() - started

    # then the page answers at once and the email waits in the outbox
    assert response.status_code == 302
    assert elapsed < 3, f"the request waited {elapsed:.1f}s for the broker"
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == (STATUS.PENDING, 0)
    assert mailoutbox == []

    # when the broker is back (eager here) and the beat drain runs after the grace period
    _backdate(notification)
    assert drain_notification_outbox() == 1

    # then the email goes out once
    assert [m.to for m in mailoutbox] == [["new@acme.example"]]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (STATUS.SENT, 1)


def test_after_one_failed_publish_later_requests_do_not_wait_on_a_frozen_broker(
        admin_client, organization, mailoutbox, django_capture_on_commit_callbacks):
    invite_url = reverse("member_invite", kwargs={"org_slug": organization.slug})
    timings = []
    with _unreachable_broker("frozen"):
        for email in ("first@acme.example", "second@acme.example", "third@acme.example"):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                response = admin_client.post(invite_url, {"email": email, "role": Role.MEMBER})
            timings.append(time.monotonic() - started)
            assert response.status_code == 302

    # the first request paid the broker timeout; the circuit breaker spares the others
    assert timings[0] < 3
    assert max(timings[1:]) < 1, timings  # a publish to the frozen broker waits 2 s
    assert Notification.objects.filter(status=STATUS.PENDING).count() == 3
    assert mailoutbox == []


# --- bulk rendering ----------------------------------------------------------------------------

WELCOME_CONTEXT = {
    "site_url": "https://flipside.example", "organization": "Acme & Sons",
    "program_name": "Digital <skills>", "purpose": "Why we do it", "guidelines": "**Meet**",
    "confidentiality_statement": "", "cohort_name": "Pilot", "start_date": None,
    "end_date": None, "cadence_days": 14, "role": "Mentor (junior)", "is_mentor": True,
}


@pytest.mark.parametrize("name", ["Ana López", "Zoë O'Brien & <Co>", "", "Tom  Double"])
def test_bulk_rendering_gives_exactly_what_rendering_one_by_one_gives(name):
    from core.notifications import _BulkRenderer, _render

    renderer = _BulkRenderer("programs/email/welcome", personal_keys=("name", "link"))
    people = [("First Person", "/o/acme/p/1/"), (name, "/o/acme/p/2/?a=1&b=2")]

    for person, link in people:
        context = {**WELCOME_CONTEXT, "name": person, "link": link}
        assert renderer.render(context) == _render("programs/email/welcome", context)


def test_bulk_rendering_falls_back_when_the_template_transforms_a_personal_value():
    from django.template import engines

    from core.notifications import _BulkRenderer

    renderer = _BulkRenderer("programs/email/welcome", personal_keys=("name", "link"))
    engine = engines["django"]
    renderer.templates = tuple(engine.from_string(source) for source in (
        "Hi {{ name|upper }}", "Hello {{ name|lower }}", "<p>{{ name|title }}</p>"))

    first = renderer.render({"name": "ana", "link": "/a/"})
    second = renderer.render({"name": "bo", "link": "/b/"})

    assert first == ("Hi ANA", "Hello ana", "<p>Ana</p>")
    assert second == ("Hi BO", "Hello bo", "<p>Bo</p>")
