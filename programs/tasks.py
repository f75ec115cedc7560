"""Celery tasks for programs: take ids, re-load in the tenant scope, call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from core.broker import publish_task
from core.tenancy import organization_scope, scopes_disabled
from programs.imports.services import import_batches_delete_expired
from programs.models import Cohort
from programs.services.participants import cohort_remind_incomplete_profiles

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def remind_incomplete_profiles(cohort_id: int) -> int:
    """Queue "complete your profile" reminders for one cohort.

    Safe to run twice (a retry, a duplicate delivery, a second click): each reminder's
    notification key is per participant per ISO week, so nobody is reminded twice a week.
    """
    with scopes_disabled():  # the cohort id names the tenant; its scope is opened below
        cohort = Cohort.objects.select_related("organization").filter(pk=cohort_id).first()
    if cohort is None:
        logger.info("Cohort %s is gone: no reminders", cohort_id)
        return 0
    with organization_scope(cohort.organization):
        return cohort_remind_incomplete_profiles(cohort=cohort)


def remind_incomplete_profiles_enqueue(*, cohort: Cohort) -> None:
    """Hand the reminder job to Celery after commit without ever blocking on the broker: if
    the broker cannot take it, the (idempotent) job runs in-process instead."""
    def publish() -> None:
        if not publish_task(remind_incomplete_profiles, (cohort.pk,),
                            what=f"reminders of cohort {cohort.pk} (run in-process instead)"):
            remind_incomplete_profiles.run(cohort.pk)  # only DB rows: cheap to do here

    transaction.on_commit(publish)


@shared_task(ignore_result=True)
def delete_expired_import_batches() -> int:
    """Beat: delete import batches older than a day (every organization's; see
    :func:`programs.imports.services.import_batches_delete_expired`). Idempotent."""
    return import_batches_delete_expired()
