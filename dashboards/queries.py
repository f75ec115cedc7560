"""The rows a dashboard slice covers, shared by every panel (reads only; tenant-scoped like
every query: call inside the organization's scope).

Each function returns a QuerySet for the panels to aggregate in the database; none loads
rows. Cohorts "in scope" are those of the chosen program/cohort whose dates overlap the
range (see dashboards/scope.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from accounts.models import Organization
from dashboards.scope import DashboardScope
from matching import health
from matching.activity import NO_ACTIVITY, PairActivity, pair_activity
from matching.health import Health
from matching.models import Pair
from programs.models import Cohort, CohortStatus, Participant
from sessions.models import MentoringSession


def scoped_cohorts(scope: DashboardScope) -> QuerySet[Cohort]:
    cohorts = Cohort.objects.exclude(status=CohortStatus.DRAFT).filter(
        start_date__lte=scope.date_to, end_date__gte=scope.date_from)
    if scope.cohort_id is not None:
        cohorts = cohorts.filter(pk=scope.cohort_id)
    elif scope.program_id is not None:
        cohorts = cohorts.filter(program_id=scope.program_id)
    return cohorts


def scoped_participants(scope: DashboardScope) -> QuerySet[Participant]:
    return Participant.objects.filter(cohort__in=scoped_cohorts(scope))


def scoped_pairs(scope: DashboardScope) -> QuerySet[Pair]:
    """Every pair of the cohorts in scope, whatever its status (ended pairs count too)."""
    return Pair.objects.filter(cohort__in=scoped_cohorts(scope))


def range_bounds(scope: DashboardScope, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The range as aware datetimes: from the first day's midnight to the day after the last,
    in the organization's zone (``zone``)."""
    start = datetime.combine(scope.date_from, time.min, tzinfo=zone)
    end = datetime.combine(scope.date_to + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def scoped_sessions(scope: DashboardScope, zone: ZoneInfo) -> QuerySet[MentoringSession]:
    """Sessions of the pairs in scope that start within the range (any status)."""
    start, end = range_bounds(scope, zone)
    return MentoringSession.objects.filter(pair__in=scoped_pairs(scope),
                                           starts_at__gte=start, starts_at__lt=end)


@dataclass(frozen=True)
class ScopedPairHealth:
    """One pair of the scope with its health today (matching/health.py's rule, the same one
    HR's pair health list applies): counts and dates only, no name, no text."""

    pair_id: int
    cohort_id: int
    status: str  # the pair's lifecycle state: active / paused / ended
    health: Health
    activity: PairActivity


def scoped_pair_health(scope: DashboardScope, zone: ZoneInfo) -> list[ScopedPairHealth]:
    """Every pair in scope (ended ones too) with its health on ``scope.today``, ordered by
    pair id: one query for the pairs with their cohorts' dates and cadence, plus the pair
    activity source's own (a constant number), whatever the number of pairs or cohorts."""
    pairs = scoped_pairs(scope)
    activity = pair_activity(pairs)
    rows = []
    for values in pairs.order_by("pk").values(
            "pk", "cohort_id", "status", "created_at", "paused_days", "paused_at", "resumed_at",
            "extended_until", "ended_at", "cohort__start_date", "cohort__end_date",
            "cohort__cadence_days"):
        counts = activity.get(values["pk"], NO_ACTIVITY)
        facts = health.PairFacts(
            status=values["status"],
            started=max(values["cohort__start_date"], _local_day(values["created_at"], zone)),
            runs_until=values["extended_until"] or values["cohort__end_date"],
            cadence_days=values["cohort__cadence_days"], sessions_held=counts.sessions_held,
            last_session=counts.last_session, paused_days=values["paused_days"],
            ended_on=_local_day(values["ended_at"], zone),
            paused_since=_local_day(values["paused_at"], zone),
            resumed_on=_local_day(values["resumed_at"], zone))
        rows.append(ScopedPairHealth(
            pair_id=values["pk"], cohort_id=values["cohort_id"], status=values["status"],
            health=health.assess(facts, scope.today), activity=counts))
    return rows


def _local_day(moment: datetime | None, zone: ZoneInfo):
    return moment.astimezone(zone).date() if moment else None


def organization_zone(scope: DashboardScope) -> ZoneInfo:
    """The organization's time zone (one query)."""
    name = (Organization.objects.filter(pk=scope.organization_id)
            .values_list("time_zone", flat=True).first())
    return ZoneInfo(name or "UTC")
