"""A matching run through the real Redis broker and a real Celery worker (in a thread of this
process), including a duplicate delivery that the worker must skip.

The worker fixtures are shared (tests/worker_fixtures.py): the plugin's test app on the real
Redis with a private queue, made current so shared tasks publish through it.
"""

from __future__ import annotations

import re
import time

import pytest

import matching.tasks  # noqa: F401  registers the task with the test app when it finalizes
from core.tenancy import organization_scope
from matching.engine import Weights
from matching.models import MatchingRun, Proposal, RunStage, RunStatus
from matching.services import runs as run_services
from tests.conftest import redis_available
from tests.factories.matching import matching_ready_cohort, ready_cohort_pair_score

TASK = "matching.tasks.execute_matching_run"

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not redis_available(), reason="needs a Redis broker (set REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]




def _wait_until_finished(run_id: int, organization, timeout: float = 30) -> tuple[
        MatchingRun, list[int]]:
    """Poll the run like the page does; return it and the distinct progress values seen."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    with organization_scope(organization):
        while True:
            run = MatchingRun.objects.get(pk=run_id)
            if not seen or seen[-1] != run.progress:
                seen.append(run.progress)
            if run.is_finished or time.monotonic() > deadline:
                return run, seen
            time.sleep(0.05)


def test_a_run_is_computed_by_a_real_worker_and_a_duplicate_delivery_is_skipped(
        celery_app, celery_worker, finished_tasks, organization, admin_user):
    # given a matching-ready cohort, committed
    with organization_scope(organization):
        matching_cohort = matching_ready_cohort(organization)

        # when the admin starts a run (committed at once: the task goes to Redis)
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)

    # then a worker took it from the broker and finished it
    assert finished_tasks(1, timeout=30) == [(TASK, "succeeded")]
    run, progress_seen = _wait_until_finished(run.pk, organization)
    assert (run.status, run.stage, run.progress, run.attempts, run.error) == (
        RunStatus.SUCCEEDED, RunStage.DONE, 100, 1, "")
    assert progress_seen[-1] == 100
    assert (run.mentee_count, run.matched_count, run.total_score) == (
        6, 6, round(6 * ready_cohort_pair_score(Weights()), 4))
    with organization_scope(organization):
        first = sorted(Proposal.objects.filter(run=run).values_list("pk", flat=True))
    assert len(first) == 6

    # when the broker delivers the same task again
    assert run_services.run_dispatch(run_id=run.pk) is True

    # then the worker skips it and the proposals are untouched
    assert finished_tasks(2, timeout=30) == [(TASK, "succeeded"), (TASK, "skipped")]
    with organization_scope(organization):
        assert sorted(Proposal.objects.filter(run=run).values_list("pk", flat=True)) == first
        assert MatchingRun.objects.get(pk=run.pk).attempts == 1


def test_a_run_with_broken_data_fails_on_the_worker_with_a_readable_error(
        celery_app, celery_worker, finished_tasks, organization, admin_user):
    with organization_scope(organization):
        matching_cohort = matching_ready_cohort(organization)
        first, second = matching_cohort.mentors[0].profile, matching_cohort.mentors[1].profile
        first.manager, second.manager = second.membership, first.membership
        first.save()
        second.save()
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)

    assert finished_tasks(1, timeout=30) == [(TASK, "failed")]
    run, _ = _wait_until_finished(run.pk, organization)
    assert run.status == RunStatus.FAILED
    # the cycle is reported from whichever of the two comes first by id
    assert re.fullmatch(
        r"The cohort's data cannot be matched: cyclic manager chain: "
        r"(Mentor [12]) \(#\d+\) → Mentor [12] \(#\d+\) → \1 \(#\d+\)\.?", run.error
    ), run.error
