"""seed_demo gives active pairs months of history: sessions (some cancelled or missed),
goals with updates, commitments (some slipping), pairs that stopped meeting, one paused, one
ended with its reason; HR's pair health shows them so, from the sessions data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from core.tenancy import organization_scope
from matching import health
from matching.models import Pair, PairEndReason, PairEventKind, PairStatus
from sessions.demo import PAIRS
from sessions.models import Commitment, CommitmentOutcome, GoalUpdate, MentoringSession

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_months_of_pair_history(client):
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(slug="acme")

    with organization_scope(acme):
        # the five named pairs (dashboards/demo.py adds seventeen more to the cohort)
        named = [f"{mentor}@acme.example" for mentor, _, _ in PAIRS["acme"]]
        pairs = Pair.objects.filter(cohort__name="Autumn cohort",
                                    mentor__membership__user__email__in=named)
        sessions = MentoringSession.objects.filter(pair__in=pairs)
        assert pairs.filter(status=PairStatus.ACTIVE).count() == 3
        ended = pairs.get(status=PairStatus.ENDED)
        assert (ended.end_reason, ended.ended_by.email) == (
            PairEndReason.NO_LONGER_AVAILABLE, "hr@acme.example")
        assert list(ended.events.values_list("kind", "reason")) == [
            (PairEventKind.END_REQUESTED, PairEndReason.NO_LONGER_AVAILABLE),
            (PairEventKind.ENDED, PairEndReason.NO_LONGER_AVAILABLE)]
        paused = pairs.get(status=PairStatus.PAUSED)
        assert paused.paused_until > timezone.localdate()
        assert list(paused.events.values_list("kind", flat=True)) == [PairEventKind.PAUSED]
        assert MentoringSession.objects.filter(pair=paused, status="happened").count() >= 4
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


def test_seed_demo_pair_health_shows_slipping_paused_and_ended_pairs(client):
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(slug="acme")
    with organization_scope(acme):
        cohort = Pair.objects.filter(cohort__name="Autumn cohort").first().cohort

    client.login(email="hr@acme.example", password="flipside-demo")
    page = client.get(f"/o/acme/matching/cohorts/{cohort.pk}/pairs/")

    assert page.status_code == 200
    statuses = {row.health.status for row in page.context["rows"]}
    assert {health.ON_TRACK, health.PAUSED, health.ENDED} <= statuses
    assert statuses & {health.SLIPPING, health.AT_RISK}
    on_track = [row for row in page.context["rows"] if row.health.status == health.ON_TRACK]
    assert all(row.activity.sessions_held >= 6 and row.activity.last_session
               for row in on_track)
    assert all(row.activity.goals == 2 for row in page.context["rows"])


def test_seed_demo_lets_a_newcomer_walk_the_workspace_journey(client):
    """The demo mentee finds five suggested times with her mentor on the schedule page."""
    from io import StringIO

    from django.urls import reverse

    from sessions import selectors

    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(slug="acme")
    with organization_scope(acme):
        pair = Pair.objects.get(cohort__name="Autumn cohort",
                                mentor__membership__user__email="maya@acme.example")
        grace = pair.mentee.membership.user
        assert len(selectors.slot_options(pair=pair, membership=pair.mentee.membership)) == 5

    client.force_login(grace)
    page = client.get(reverse("sessions:session_schedule",
                              kwargs={"org_slug": "acme", "pair_pk": pair.pk}))
    assert page.status_code == 200
    assert len(page.context["slot_options"]) == 5
