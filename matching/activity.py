"""What a pair has done, as counts: the hook through which an app above matching (sessions)
tells pair health about sessions, goals and commitments without matching importing it.

Contract for a source registered with :func:`register_pair_activity_source` (from the
registering app's ``AppConfig.ready``):

- it is called as ``source(pairs)`` with a ``QuerySet[Pair]`` (lazy, inside the open tenant
  scope; use it as a subquery: ``MentoringSession.objects.filter(pair__in=pairs)``);
- it returns a mapping ``{pair_id: PairActivity}`` for the pairs with any activity (the others
  count as no activity), in a number of queries that does not depend on how many pairs;
- it reads counts and dates only: never a summary, note, goal or commitment text, nor a
  person's rating.

There is one source; registering another replaces it (registering the same one again is a
no-op), so a test may register its own and restore the previous one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet


@dataclass(frozen=True)
class PairActivity:
    """Counts of one pair. ``last_session`` is the day (in the organization's time zone) of
    the last session that happened; ``sessions_held`` counts sessions that happened."""

    sessions_held: int = 0
    last_session: date | None = None
    goals: int = 0
    goals_with_progress: int = 0
    open_commitments: int = 0

    @property
    def goal_progress_share(self) -> float | None:
        """Share of the pair's goals with any progress (None without goals)."""
        return self.goals_with_progress / self.goals if self.goals else None


NO_ACTIVITY = PairActivity()

ActivitySource = Callable[[QuerySet], Mapping[int, PairActivity]]
_source: list[ActivitySource] = []


def register_pair_activity_source(source: ActivitySource) -> ActivitySource | None:
    """Make ``source`` the one that pair health reads; returns the one it replaces."""
    previous = _source[0] if _source else None
    _source[:] = [source]
    return previous


def unregister_pair_activity_source() -> None:
    _source.clear()


def pair_activity(pairs: QuerySet) -> dict[int, PairActivity]:
    """``{pair_id: PairActivity}`` for ``pairs`` from the registered source (none: empty)."""
    if not _source:
        return {}
    return dict(_source[0](pairs))


#: Pages about a cohort that apps above matching add to pair health's header, as
#: ``(label, url_name)``; the URL takes ``org_slug`` and ``cohort_pk`` (admins only, like
#: pair health).
_cohort_pages: list[tuple[str, str]] = []


def register_pair_health_page(*, label: str, url_name: str) -> None:
    """Link a page of another app (``sessions:cohort_commitments``) from pair health
    (registering the same URL name again replaces its label)."""
    _cohort_pages[:] = [page for page in _cohort_pages if page[1] != url_name]
    _cohort_pages.append((label, url_name))


def pair_health_pages() -> list[tuple[str, str]]:
    return list(_cohort_pages)
