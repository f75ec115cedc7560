"""Fixtures for participant, enrollment and roster tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from config.celery import app as celery_app
from core.models import Notification
from tests.factories.programs import CohortFactory, ProgramFactory


@pytest.fixture
def eager_celery():
    """Run tasks in-process even when REDIS_URL is set, so emails land in ``mail.outbox``."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def program(scoped_organization):
    return ProgramFactory(organization=scoped_organization, name="Reverse Mentoring 2027",
                          purpose="Leaders learn digital habits from junior colleagues.",
                          guidelines="Meet **every two weeks**.")


@pytest.fixture
def cohort(program):
    return CohortFactory(program=program, organization=program.organization, name="Pilot",
                         status="enrolling", default_mentor_capacity=1,
                         start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))


@pytest.fixture
def outbox(eager_celery, django_capture_on_commit_callbacks):
    """Emails sent by the code run inside ``with outbox() as sent:`` (after commit)."""
    from contextlib import contextmanager

    @contextmanager
    def capture():
        sent: list = []
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            yield sent
        sent.extend(mail.outbox[before:])

    return capture


def notifications(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("pk"))
