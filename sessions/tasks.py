"""Celery tasks of the workspace: take ids, re-load in the tenant scope, call a service.

The commitment check-in is a beat scan that enqueues one small task per commitment; each
task asks once (the outbox key ``commitment_check_in:<id>:<due date>`` and ``asked_at``,
claimed under a row lock, make a repeated scan, a retried task or a duplicate delivery a
no-op). A later feature builds every other reminder on the same pattern.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from core.broker import publish_task
from core.tenancy import organization_scope, scopes_disabled
from sessions import selectors, services
from sessions.models import Commitment

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def ask_commitment_outcome(commitment_id: int) -> bool:
    """Ask the owner of one due commitment whether it happened (idempotent)."""
    with scopes_disabled():  # the id is all we have; the scope comes from the row
        commitment = Commitment.objects.select_related("organization").filter(
            pk=commitment_id).first()
    if commitment is None:
        return False
    with organization_scope(commitment.organization):
        return services.commitment_ask(commitment_id=commitment_id)


def commitments_due_enqueue(*, today=None) -> int:
    """Find every organization's due commitments and hand each to its own task after
    commit; returns how many were found. A task the broker cannot take runs in-process."""
    today = today or timezone.localdate()
    found: list[int] = []
    with scopes_disabled():  # one scan over the tenants; each is then read in its own scope
        organizations = list(Organization.objects.all())
    for organization in organizations:
        with organization_scope(organization):
            found.extend(selectors.commitments_due_for_check_in(today=today))

    def publish() -> None:
        for commitment_id in found:
            if not publish_task(ask_commitment_outcome, (commitment_id,),
                                what=f"check-in of commitment {commitment_id}"):
                ask_commitment_outcome.run(commitment_id)

    transaction.on_commit(publish)
    return len(found)


@shared_task(ignore_result=True)
def scan_due_commitments() -> int:
    """Beat: ask about every commitment that has fallen due."""
    return commitments_due_enqueue()
