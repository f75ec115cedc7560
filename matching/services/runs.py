"""Writes for matching runs: start, compute (the Celery job), cancel, retry, recover."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Membership, User
from core.broker import publish_task
from core.tenancy import scopes_disabled
from matching import selectors
from matching.engine import MatchResult, ProblemError, ProblemIssue, solve
from matching.models import MatchingRun, Proposal, RunStage, RunStatus
from matching.problem import problem_to_dict
from programs.models import Cohort, CohortStatus

STAGE_PROGRESS = {RunStage.LOADING: (0, 10), RunStage.SCORING: (10, 45),
                  RunStage.SOLVING: (45, 90), RunStage.SAVING: (90, 99)}


class RunOutcome(StrEnum):
    """What :func:`run_execute` did with a run (the Celery task's result)."""

    SUCCEEDED = RunStatus.SUCCEEDED.value
    FAILED = RunStatus.FAILED.value
    CANCELLED = RunStatus.CANCELLED.value
    SKIPPED = "skipped"  # already finished or cancelled before the worker claimed it


class RunCancelled(Exception):
    """The admin cancelled the run while it was computing."""


def require_matching_phase(cohort: Cohort) -> None:
    """Refuse (ValidationError) unless the cohort is in the matching phase."""
    if cohort.status != CohortStatus.MATCHING:
        raise ValidationError(
            f"Matching runs need the cohort in the matching phase; it is {cohort.status}.")


@transaction.atomic
def run_start(*, cohort: Cohort, actor: User | None) -> MatchingRun:
    """Queue a matching run for the cohort; the worker picks it up after commit."""
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    require_matching_phase(locked)
    in_flight = MatchingRun.objects.filter(
        cohort=locked, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    if in_flight is not None:
        return in_flight
    number = (MatchingRun.objects.filter(cohort=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    run = MatchingRun.objects.create(organization=locked.organization, cohort=locked,
                                     number=number, started_by=actor)
    transaction.on_commit(lambda: run_dispatch(run_id=run.pk))
    return run


def run_dispatch(*, run_id: int) -> bool:
    """Hand a run to Celery without blocking on a dead broker; a beat task re-dispatches
    runs that stay queued."""
    from matching.tasks import execute_matching_run

    return publish_task(execute_matching_run, (run_id,),
                        what=f"matching run {run_id} (the beat re-dispatches it)")


def _set_stage(run: MatchingRun, stage: str, fraction: float = 0.0) -> None:
    """Store progress (own short transaction, so the polling page sees it at once) and stop
    if the run was cancelled meanwhile."""
    low, high = STAGE_PROGRESS.get(stage, (100, 100))
    progress = int(low + (high - low) * max(0.0, min(1.0, fraction)))
    updated = MatchingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        stage=stage, progress=progress, heartbeat_at=timezone.now())
    if not updated:
        raise RunCancelled
    run.stage, run.progress = stage, progress


def _claim(run_id: int) -> MatchingRun | None:
    with transaction.atomic():
        run = MatchingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (RunStatus.SUCCEEDED, RunStatus.CANCELLED):
            return None
        run.status, run.stage, run.progress = RunStatus.RUNNING, RunStage.LOADING, 0
        run.attempts += 1
        run.started_at = run.heartbeat_at = timezone.now()
        run.error = ""
        run.save(update_fields=["status", "stage", "progress", "attempts", "started_at",
                                "heartbeat_at", "error"])
        return run


def _topic_coverage(result: MatchResult, cohort_problem) -> float | None:
    mentors = {m.id: m for m in cohort_problem.problem.mentors}
    mentees = {m.id: m for m in cohort_problem.problem.mentees}
    wanted = covered = 0
    for pair in result.pairs:
        learns = mentees[pair.mentee_id].learns
        wanted += len(learns)
        covered += len(set(learns) & set(mentors[pair.mentor_id].teaches))
    return round(covered / wanted, 4) if wanted else None


def _save_result(run: MatchingRun, cohort_problem, result: MatchResult) -> None:
    """Replace the run's proposals and record its figures in one transaction, so a retried
    or re-delivered run never leaves half-written or duplicated proposals."""
    people = cohort_problem.participants
    with transaction.atomic():
        locked_run = MatchingRun.objects.select_for_update().get(pk=run.pk)
        if locked_run.status != RunStatus.RUNNING:
            raise RunCancelled
        Proposal.objects.filter(run=locked_run).delete()
        Proposal.objects.bulk_create([
            Proposal(organization_id=run.organization_id, run=locked_run,
                     mentor=people[p.mentor_id], mentee=people[p.mentee_id], score=p.score,
                     components=p.components, explanation=p.explanation, locked=p.locked)
            for p in result.pairs
        ], batch_size=1000)
        scores = [p.score for p in result.pairs]
        locked_run.matched_count = len(result.pairs)
        locked_run.total_score = round(sum(scores), 4)
        locked_run.min_score = round(min(scores), 4) if scores else None
        locked_run.topic_coverage = _topic_coverage(result, cohort_problem)
        locked_run.unmatched = [
            {"participant_id": people[u.mentee_id].pk, "name": people[u.mentee_id]
             .membership.user.display_name, "reason": u.reason}
            for u in result.unmatched
        ]
        locked_run.spare_capacity = {str(people[k].pk): v
                                     for k, v in result.spare_capacity.items() if v > 0}
        locked_run.stats = {k: v for k, v in result.stats.items()
                            if isinstance(v, int | float | str | bool | dict)}
        locked_run.status, locked_run.stage, locked_run.progress = (
            RunStatus.SUCCEEDED, RunStage.DONE, 100)
        locked_run.finished_at = timezone.now()
        locked_run.save()


def run_execute(*, run_id: int) -> RunOutcome:
    """Compute a run: load → score → solve → save, storing progress on the row.

    Idempotent: a finished or cancelled run is skipped; a run re-delivered after a worker
    died starts clean, because proposals are only written, all at once, at the end.
    """
    run = _claim(run_id)
    if run is None:
        return RunOutcome.SKIPPED
    try:
        cohort_problem = selectors.cohort_problem(cohort=run.cohort)
        problem = cohort_problem.problem
        MatchingRun.objects.filter(pk=run.pk).update(
            snapshot=problem_to_dict(problem), mentee_count=len(problem.mentees),
            mentor_count=len(problem.mentors))

        def progress(stage: str, fraction: float) -> None:
            _set_stage(run, stage, fraction)

        _set_stage(run, RunStage.SCORING)
        result = solve(problem, progress=progress)
        _set_stage(run, RunStage.SAVING)
        _save_result(run, cohort_problem, result)
    except RunCancelled:
        return RunOutcome.CANCELLED
    except ProblemError as error:
        _fail(run, "The cohort's data cannot be matched: "
              + "; ".join(problem_issues_described(issues=error.issues)))
        return RunOutcome.FAILED
    except Exception as error:
        _fail(run, f"Unexpected error: {type(error).__name__}. Retry the run; if it fails "
                   "again, contact support.")
        raise
    return RunOutcome.SUCCEEDED


def problem_issues_described(*, issues: list[ProblemIssue]) -> list[str]:
    """The engine's problems as sentences for HR admins: the engine names people by id
    (membership ids here); each id becomes "Name (#id)", in one query, and a manager chain
    reads "A → B → A". An id that is no membership of the organization stays as the engine
    shows it."""
    ids = {int(i) for issue in issues for i in issue.ids if i.isdigit()}
    names = {str(m.pk): f"{m.user.display_name} (#{m.pk})" for m in
             Membership.objects.filter(pk__in=ids).select_related("user")} if ids else {}
    if not names:
        return [issue.message for issue in issues]
    return [issue.describe(lambda i, issue=issue: names.get(i) or issue.engine_name(i),
                           arrow=" → ")
            for issue in issues]


def _fail(run: MatchingRun, message: str) -> None:
    MatchingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now())


def run_cancel(*, run: MatchingRun) -> MatchingRun:
    updated = MatchingRun.objects.filter(
        pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise ValidationError("Only a queued or running run can be cancelled.")
    run.refresh_from_db()
    return run


STALL_AFTER = timedelta(minutes=5)


def runs_recover_stalled(*, now=None) -> list[int]:
    """Re-queue runs whose worker died: queued for over a minute (the hand-over to the broker
    failed) or running without a sign of life for ``STALL_AFTER`` (the worker was killed).
    Re-running is safe: a run's proposals are written all at once when it finishes.

    Scans every tenant, but only collects ids; each run is computed in its own scope.
    """
    now = now or timezone.now()
    with scopes_disabled():
        queued = MatchingRun.objects.filter(status=RunStatus.QUEUED,
                                            created_at__lte=now - timedelta(minutes=1))
        stalled = MatchingRun.objects.filter(status=RunStatus.RUNNING,
                                             heartbeat_at__lte=now - STALL_AFTER)
        stalled_ids = list(stalled.values_list("pk", flat=True)[:100])
        MatchingRun.objects.filter(pk__in=stalled_ids, status=RunStatus.RUNNING).update(
            status=RunStatus.QUEUED, stage=RunStage.QUEUED, progress=0)
        run_ids = sorted({*queued.values_list("pk", flat=True)[:100], *stalled_ids})
    for run_id in run_ids:
        run_dispatch(run_id=run_id)
    return run_ids


@transaction.atomic
def run_retry(*, run: MatchingRun) -> MatchingRun:
    """Re-queue a failed run, or one whose worker died (still marked running)."""
    if run.status not in (RunStatus.FAILED, RunStatus.RUNNING):
        raise ValidationError("Only a failed or stalled run can be retried.")
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED,
                                                 stage=RunStage.QUEUED, progress=0)
    transaction.on_commit(lambda: run_dispatch(run_id=run.pk))
    run.refresh_from_db()
    return run
