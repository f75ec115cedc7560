"""The commitment check-in: a beat scan finds due commitments in every organization and hands
each to its own task; each owner is asked once per due date, however often the scan or the
task runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Notification
from core.tenancy import organization_scope
from matching.models import PairStatus
from sessions.models import Commitment, CommitmentOutcome
from sessions.tasks import ask_commitment_outcome, commitments_due_enqueue
from tests.factories.sessions import CommitmentFactory
from tests.sessions.conftest import make_pair

pytestmark = pytest.mark.django_db


def test_due_commitments_are_asked_about_once(world, other_organization, sent):
    today = timezone.localdate()
    due = CommitmentFactory(pair=world.pair, due_date=today, text="Weekly report with AI")
    later = CommitmentFactory(pair=world.pair, due_date=today + dt.timedelta(days=3))
    answered = CommitmentFactory(pair=world.pair, due_date=today - dt.timedelta(days=1),
                                 outcome=CommitmentOutcome.DONE)
    with organization_scope(other_organization):
        elsewhere = make_pair(other_organization)
        foreign = CommitmentFactory(pair=elsewhere.pair, due_date=today)

    with sent() as first:
        found = commitments_due_enqueue(today=today)
    with sent() as second:
        again = commitments_due_enqueue(today=today)
        ask_commitment_outcome(due.pk)  # a duplicate delivery of the task

    assert found == 2
    assert again == 0
    assert sorted(e.to[0] for e in first) == sorted([world.mentee_user.email,
                                                     elsewhere.mentee_user.email])
    assert second == []
    email = next(e for e in first if e.to[0] == world.mentee_user.email)
    assert "Weekly report with AI" in email.body
    assert f"/pairs/{world.pair.pk}/commitments/{due.pk}/" in email.body
    assert Notification.objects.filter(kind="commitment_check_in").count() == 2
    assert Commitment.objects.get(pk=later.pk).asked_at is None
    assert Commitment.objects.get(pk=answered.pk).asked_at is None
    with organization_scope(other_organization):
        assert Commitment.objects.get(pk=foreign.pk).asked_at is not None


def test_not_yet_with_a_new_date_is_asked_again_then(world, sent):
    from sessions import services

    today = timezone.localdate()
    commitment = CommitmentFactory(pair=world.pair, due_date=today)
    with sent():
        commitments_due_enqueue(today=today)
    services.commitment_record_outcome(commitment=Commitment.objects.get(pk=commitment.pk),
                                       actor=world.mentee, outcome=CommitmentOutcome.NOT_YET,
                                       new_due_date=today + dt.timedelta(days=7))

    with sent() as emails:
        assert commitments_due_enqueue(today=today + dt.timedelta(days=7)) == 1

    assert len(emails) == 1
    assert Notification.objects.filter(kind="commitment_check_in").count() == 2


def test_pairs_no_longer_active_are_not_asked(world, sent):
    commitment = CommitmentFactory(pair=world.pair, due_date=timezone.localdate())
    world.pair.status = PairStatus.ENDED
    world.pair.save()

    with sent() as emails:
        commitments_due_enqueue()
        ask_commitment_outcome(commitment.pk)

    assert emails == []
