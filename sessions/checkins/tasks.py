"""Celery tasks of the fit check: a beat scan that hands one small task per person to ask,
each taking ids, re-loading the pair in its tenant scope and calling the service.

Exactly once: :func:`sessions.checkins.services.fit_check_open` returns the existing row for
a person already asked (a unique constraint settles two racing tasks) and its email's outbox
key (``fit_check:<pair>:<user>:fit:1``) is claimed once, so a scan that runs twice, a retried
task or a duplicate delivery asks once. Check-ins themselves are opened by the reminder scan
(``sessions/reminders.py``), which calls the same services.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from accounts.models import Organization
from core.broker import publish_task
from core.tenancy import organization_scope, scopes_disabled
from matching.models import Pair
from sessions.checkins import selectors, services


@shared_task(acks_late=True, ignore_result=True)
def ask_fit_check(pair_id: int, participant_id: int) -> bool:
    """Ask one person of one pair "Is this pairing working for you?" (idempotent)."""
    with scopes_disabled():  # the ids are all we have; the scope comes from the row
        pair = Pair.objects.select_related(
            "cohort__organization", "cohort__program", "mentor__membership__user",
            "mentee__membership__user").filter(pk=pair_id).first()
    if pair is None or participant_id not in (pair.mentor_id, pair.mentee_id):
        return False
    person = pair.mentor if participant_id == pair.mentor_id else pair.mentee
    with organization_scope(pair.cohort.organization):
        services.fit_check_open(pair=pair, participant=person)
    return True


def fit_checks_due_enqueue(*, now=None) -> int:
    """Find every organization's due fit checks and hand each to its own task after commit
    (run in-process when the broker cannot take it). Returns how many were found."""
    with scopes_disabled():  # one scan over the tenants; each is then read in its own scope
        organizations = list(Organization.objects.all())
    found = []
    for organization in organizations:
        with organization_scope(organization):
            found.extend(selectors.fit_checks_due(organization=organization, now=now))

    def publish() -> None:
        for due in found:
            args = (due.pair_id, due.participant_id)
            if not publish_task(ask_fit_check, args, what=f"fit check {args}"):
                ask_fit_check.run(*args)

    transaction.on_commit(publish)
    return len(found)


@shared_task(ignore_result=True)
def scan_fit_checks() -> int:
    """Beat: ask each person of every pair whose first session ended 48 hours ago."""
    return fit_checks_due_enqueue()
