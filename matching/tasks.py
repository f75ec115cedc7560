"""Celery tasks for matching runs."""

from __future__ import annotations

from celery import shared_task
from django_scopes import scopes_disabled

from core.tenancy import organization_scope
from matching.models import MatchingRun
from matching.services.runs import run_execute, runs_recover_stalled


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
    """Beat: hand runs whose worker died (or never got them) to a worker again."""
    return len(runs_recover_stalled())


@shared_task(ignore_result=True)
def pairs_lifecycle_daily() -> int:
    """Beat (daily, safe to repeat): resume paused pairs whose return date has come and close
    extended pairs whose extension is over, one organization scope at a time."""
    from accounts.models import Organization
    from matching.pair_lifecycle import pairs_close_expired_extensions, pairs_resume_due

    changed = 0
    for organization in Organization.objects.order_by("pk"):
        with organization_scope(organization):
            changed += len(pairs_resume_due(organization=organization))
            changed += len(pairs_close_expired_extensions(organization=organization))
    return changed
