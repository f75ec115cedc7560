"""The sessions app's pair activity source for HR pair health (``matching/activity.py`` has
the contract; ``sessions.apps`` registers it).

Counts and dates only, three queries for any number of pairs: it never reads a summary, an
agenda, a note, a goal's or commitment's text, nor a rating.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet

from matching.activity import PairActivity
from sessions.models import (
    Commitment,
    CommitmentOutcome,
    Goal,
    GoalStatus,
    MentoringSession,
    SessionStatus,
)

OPEN_OUTCOMES = (CommitmentOutcome.PENDING, CommitmentOutcome.NOT_YET)


def pair_activity_of_sessions(pairs: QuerySet) -> Mapping[int, PairActivity]:
    """``{pair_id: PairActivity}`` for the pairs of ``pairs`` that have any activity.

    - ``sessions_held``: sessions logged as happened; ``last_session``: the day, in the
      organization's time zone, on which the last of them started;
    - ``goals``: goals that are not dropped; ``goals_with_progress``: those achieved or with a
      progress update above 0 %;
    - ``open_commitments``: commitments not answered yet or answered "not yet".
    """
    found: dict[int, dict] = {}
    sessions = (MentoringSession.objects.filter(pair__in=pairs, status=SessionStatus.HAPPENED)
                .values("pair_id", "organization__time_zone")
                .annotate(held=Count("pk"), last=Max("starts_at")).order_by())
    for row in sessions:
        day = row["last"].astimezone(ZoneInfo(row["organization__time_zone"] or "UTC")).date()
        found.setdefault(row["pair_id"], {}).update(sessions_held=row["held"], last_session=day)
    goals = (Goal.objects.filter(pair__in=pairs).exclude(status=GoalStatus.DROPPED)
             .values("pair_id").annotate(
                 goals=Count("pk", distinct=True),
                 progressed=Count("pk", distinct=True, filter=Q(status=GoalStatus.ACHIEVED)
                                  | Q(updates__percent__gt=0))).order_by())
    for row in goals:
        found.setdefault(row["pair_id"], {}).update(goals=row["goals"],
                                                     goals_with_progress=row["progressed"])
    commitments = (Commitment.objects.filter(pair__in=pairs, outcome__in=OPEN_OUTCOMES)
                   .values("pair_id").annotate(n=Count("pk")).order_by())
    for row in commitments:
        found.setdefault(row["pair_id"], {}).update(open_commitments=row["n"])
    return {pk: PairActivity(**values) for pk, values in found.items()}
