"""Fixtures for the Django side of matching: a matching-ready cohort and eager Celery."""

from __future__ import annotations

import pytest

from config.celery import app as flipside_app
from tests.factories.matching import matching_ready_cohort


@pytest.fixture(autouse=True)
def _eager_celery():
    """Run tasks in-process (whatever REDIS_URL says), so a run started in a test is computed
    and its emails land in the outbox. Real-worker tests use the plugin's own app instead."""
    previous = flipside_app.conf.task_always_eager
    flipside_app.conf.task_always_eager = True
    yield
    flipside_app.conf.task_always_eager = previous


@pytest.fixture
def matching_cohort(scoped_organization):
    """Acme's "Spring pilot" cohort in the matching phase: 6 mentors and 6 leaders who can all
    be paired, each leader wanting a topic that exactly one or two mentors teach best."""
    return matching_ready_cohort(scoped_organization)


@pytest.fixture
def start_run(admin_user, django_capture_on_commit_callbacks):
    """Start a run as the HR admin and let it compute (eagerly, after commit)."""
    from matching.services.runs import run_start

    def start(cohort):
        with django_capture_on_commit_callbacks(execute=True):
            run = run_start(cohort=cohort, actor=admin_user)
        run.refresh_from_db()
        return run

    return start
