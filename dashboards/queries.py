"""The rows a dashboard slice covers, shared by every panel (reads only; tenant-scoped like
every query: call inside the organization's scope).

Each function returns a QuerySet for the panels to aggregate in the database; none loads
rows. Cohorts "in scope" are those of the chosen program/cohort whose dates overlap the
range (see dashboards/scope.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from dashboards.scope import DashboardScope
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
