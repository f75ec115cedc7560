"""Celery tasks for the notification outbox."""

from __future__ import annotations

from celery import shared_task

from core.notifications import (
    DeliveryError,
    notification_dispatch,
    notification_send,
    notifications_due_for_drain,
)


@shared_task(bind=True, acks_late=True, max_retries=4, ignore_result=True)
def send_notification(self, notification_id: int) -> str:
    """Send one notification; failed deliveries retry with exponential backoff."""
    try:
        return notification_send(notification_id=notification_id)
    except DeliveryError as exc:
        if self.request.is_eager:
            return "failed"  # the outbox drain retries it later
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(ignore_result=True)
def drain_notification_outbox() -> int:
    """Beat: hand every stuck pending notification to a worker, one small task each."""
    due = notifications_due_for_drain()
    for notification_id in due:
        notification_dispatch(notification_id=notification_id)
    return len(due)


@shared_task(ignore_result=True)
def ping() -> str:
    """Health probe used by tests and /healthz to prove a worker consumes tasks."""
    return "pong"
