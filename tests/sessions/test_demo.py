"""seed_demo gives active pairs months of history: sessions (some cancelled or missed),
goals with updates, commitments (some slipping), one pair that stopped meeting, one ended."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from core.tenancy import organization_scope
from matching.models import Pair, PairStatus
from sessions.models import Commitment, CommitmentOutcome, GoalUpdate, MentoringSession

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_months_of_pair_history(client):
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(slug="acme")

    with organization_scope(acme):
        pairs = Pair.objects.filter(cohort__name="Autumn cohort")
        sessions = MentoringSession.objects.filter(pair__in=pairs)
        assert pairs.filter(status=PairStatus.ACTIVE).count() == 3
        assert pairs.filter(status=PairStatus.ENDED).count() == 1
        assert sessions.filter(status="happened").count() >= 12
        assert {"cancelled", "no_show", "scheduled"} <= set(
            sessions.values_list("status", flat=True))
        first = sessions.order_by("starts_at").first().starts_at
        assert (timezone.now() - first).days > 90
        assert GoalUpdate.objects.filter(goal__pair__in=pairs).count() >= 8
        outcomes = set(Commitment.objects.filter(pair__in=pairs).values_list("outcome",
                                                                             flat=True))
        assert {CommitmentOutcome.DONE, CommitmentOutcome.PENDING} <= outcomes
        maya_pair = pairs.get(mentor__membership__user__email="maya@acme.example")

    client.login(email="maya@acme.example", password="flipside-demo")
    page = client.get(f"/o/acme/pairs/{maya_pair.pk}/")
    assert page.status_code == 200
    assert "Grace Whitfield" in page.content.decode()
