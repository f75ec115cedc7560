"""Celery tasks of the weekly digest (dashboards/digest.py): a beat scan and one small task
per due recipient."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

from dashboards.digest import digest_scan, digest_write

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def scan_weekly_digests() -> dict:
    """Beat (``CELERY_BEAT_SCHEDULE["weekly-digests"]``, every 15 minutes): hand each digest
    due now to :func:`send_weekly_digest`."""
    report = digest_scan()
    logger.info("weekly digest scan: %s", report)
    return report.__dict__


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_weekly_digest(organization_id: int, user_id: int, week: str, send_day: str) -> bool:
    """Compute one recipient's digest and write it to the outbox (idempotent: the outbox key
    is per organization, recipient and ISO week; the outbox sends it after commit)."""
    written = digest_write(organization_id=organization_id, user_id=user_id, week=week,
                           send_day=date.fromisoformat(send_day))
    return written is not None
