"""Celery tasks of the surveys: take ids, re-load in the tenant scope, call a service.

The beat scan :func:`scan_surveys` follows the reminders pattern (feedback/due.py): for every
organization it lists the invitations and reminders that are due and not yet queued, and
enqueues one small task per message (:func:`send_survey_message`) and one per survey whose
closing day has passed (:func:`close_survey`). Each task is idempotent: the outbox key
``<kind>:<survey>:<participant>`` is claimed in the database, and a closed survey is closed
once (its row lock and ``closed_at``). A task the broker cannot take runs in-process.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import shared_task
from django.db import transaction

from accounts.models import Organization
from core.broker import publish_task
from core.tenancy import organization_scope, scopes_disabled
from feedback import selectors, services
from feedback.models import Survey

logger = logging.getLogger(__name__)


def _survey(survey_id: int) -> Survey | None:
    with scopes_disabled():  # the id is all we have; the scope comes from the row
        return Survey.objects.select_related("organization").filter(pk=survey_id).first()


@shared_task(acks_late=True, ignore_result=True)
def send_survey_message(survey_id: int, participant_id: int, kind: str) -> bool:
    """Invite one person to an open survey, or remind them once (idempotent)."""
    survey = _survey(survey_id)
    if survey is None:
        return False
    with organization_scope(survey.organization):
        return services.survey_notify(survey_id=survey_id, participant_id=participant_id,
                                      kind=kind)


@shared_task(acks_late=True, ignore_result=True)
def close_survey(survey_id: int) -> bool:
    """Close a survey whose closing day has passed and release its pending answers."""
    survey = _survey(survey_id)
    if survey is None:
        return False
    with organization_scope(survey.organization):
        services.survey_close(survey=survey)
    return True


def _enqueue_each(task, calls: Sequence[tuple], what: str) -> None:
    """After commit, one task per call; a call the broker cannot take runs here."""
    def publish() -> None:
        for args in calls:
            if not publish_task(task, args, what=f"{what} {args}"):
                task.run(*args)

    transaction.on_commit(publish)


def survey_notifications_enqueue_for(*, organization_id: int) -> int:
    """The scan of one organization: queue a task per due message and per survey to close.
    Returns how many tasks were queued."""
    with scopes_disabled():  # the id is all we have; the scope comes from the row
        organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    with organization_scope(organization):
        messages = selectors.survey_notifications_due(organization=organization)
        closing = selectors.surveys_due_to_close()
    _enqueue_each(send_survey_message, messages, "survey message")
    _enqueue_each(close_survey, [(pk,) for pk in closing], "closing of survey")
    return len(messages) + len(closing)


@shared_task(ignore_result=True)
def scan_surveys() -> int:
    """Beat: queue every due survey invitation and reminder, and close surveys whose closing
    day has passed, one small task each."""
    with scopes_disabled():  # one scan over the tenants; each is then read in its own scope
        organization_ids = list(Organization.objects.values_list("pk", flat=True))
    return sum(survey_notifications_enqueue_for(organization_id=pk) for pk in organization_ids)
