"""Activity sources for tests of pair health (see matching/activity.py for the contract):
a fixed one, one over the sessions app's models, and a context manager that registers a
source for a block and puts back what was registered before."""

from __future__ import annotations

from contextlib import contextmanager

from matching import activity
from matching.activity import PairActivity


@contextmanager
def activity_source(source):
    """Register ``source`` for the block, then put back whatever was registered before."""
    previous = activity.register_pair_activity_source(source)
    try:
        yield
    finally:
        if previous is None:
            activity.unregister_pair_activity_source()
        else:
            activity.register_pair_activity_source(previous)


def fixed_activity(by_pair: dict[int, PairActivity]):
    def source(pairs):
        wanted = set(pairs.values_list("pk", flat=True))
        return {pk: value for pk, value in by_pair.items() if pk in wanted}

    return source


def sessions_activity(pairs):
    """A source over the sessions app's models, following the contract (three queries for any
    number of pairs, counts and dates only). The sessions app registers its own; tests use
    that one when it exists (:func:`registered_or_sessions_activity`)."""
    from django.db.models import Count, Max, Q

    from sessions.models import Commitment, Goal, MentoringSession, SessionStatus

    found: dict[int, dict] = {}
    for row in MentoringSession.objects.filter(pair__in=pairs, status=SessionStatus.HAPPENED) \
            .values("pair_id").annotate(held=Count("pk"), last=Max("starts_at")):
        found.setdefault(row["pair_id"], {}).update(
            sessions_held=row["held"], last_session=row["last"].date())
    for row in Goal.objects.filter(pair__in=pairs).values("pair_id").annotate(
            goals=Count("pk", distinct=True),
            progressed=Count("pk", distinct=True, filter=Q(updates__percent__gt=0))):
        found.setdefault(row["pair_id"], {}).update(goals=row["goals"],
                                                     goals_with_progress=row["progressed"])
    for row in Commitment.objects.filter(pair__in=pairs, outcome__in=["pending", "not_yet"]) \
            .values("pair_id").annotate(n=Count("pk")):
        found.setdefault(row["pair_id"], {}).update(open_commitments=row["n"])
    return {pk: PairActivity(**values) for pk, values in found.items()}


def registered_or_sessions_activity():
    """The source the sessions app registered, else :func:`sessions_activity`."""
    return activity._source[0] if activity._source else sessions_activity
