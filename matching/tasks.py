"""Celery tasks for matching runs."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import organization_scope
from matching.models import MatchingRun, RunStatus
from matching.services import run_dispatch, run_execute


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_matching_run(run_id: int) -> str:
    """Load the run, open its tenant scope and compute it (idempotent; see run_execute)."""
    with scopes_disabled():  # the run id is all we have; the scope comes from the row
        run = MatchingRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None:
        return "missing"
    with organization_scope(run.organization):
        return run_execute(run_id=run_id)


@shared_task(ignore_result=True)
def dispatch_stalled_runs() -> int:
    """Beat: re-dispatch runs still queued a minute after creation (the broker was down)."""
    cutoff = timezone.now() - timedelta(minutes=1)
    with scopes_disabled():  # a scan across tenants that only collects ids
        run_ids = list(MatchingRun.objects.filter(status=RunStatus.QUEUED, created_at__lte=cutoff)
                       .values_list("pk", flat=True)[:100])
    for run_id in run_ids:
        run_dispatch(run_id=run_id)
    return len(run_ids)
