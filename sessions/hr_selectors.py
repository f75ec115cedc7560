"""Reads for HR about a cohort's commitments (insight → action), per shared/design.md's
privacy table: counts and follow-through rates for every pair; a commitment's text only where
its owner chose to share it with the program (``shared_with_program``). Never an outcome note,
a summary, a note or a rating. A fixed number of queries whatever the number of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from matching.models import Pair
from programs.models import Cohort
from sessions.models import Commitment, CommitmentOutcome


@dataclass(frozen=True)
class FollowThrough:
    """Counts of commitments; rates are shares of those answered (None when none are)."""

    total: int = 0
    done: int = 0
    partly: int = 0
    not_yet: int = 0
    awaiting: int = 0  # due, not answered yet
    not_due: int = 0  # not answered, due date ahead

    @property
    def answered(self) -> int:
        return self.done + self.partly + self.not_yet

    @property
    def done_rate(self) -> float | None:
        return self.done / self.answered if self.answered else None

    @property
    def follow_through_rate(self) -> float | None:
        """Done or partly done, of those answered."""
        return (self.done + self.partly) / self.answered if self.answered else None

    def __add__(self, other: FollowThrough) -> FollowThrough:
        return FollowThrough(*(a + b for a, b in zip(self._values(), other._values(),
                                                     strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (self.total, self.done, self.partly, self.not_yet, self.awaiting, self.not_due)


@dataclass(frozen=True)
class PairCommitments:
    pair: Pair
    counts: FollowThrough


@dataclass(frozen=True)
class SharedCommitment:
    """A commitment its owner shared with the program: the text HR may read."""

    pair_id: int
    owner_name: str
    text: str
    due_date: date
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class CohortCommitments:
    totals: FollowThrough
    pairs: list[PairCommitments]
    shared: list[SharedCommitment]


def _counts(*, today: date) -> dict:
    pending = Q(outcome=CommitmentOutcome.PENDING)
    return {
        "total": Count("pk"),
        "done": Count("pk", filter=Q(outcome=CommitmentOutcome.DONE)),
        "partly": Count("pk", filter=Q(outcome=CommitmentOutcome.PARTLY)),
        "not_yet": Count("pk", filter=Q(outcome=CommitmentOutcome.NOT_YET)),
        "awaiting": Count("pk", filter=pending & Q(due_date__lte=today)),
        "not_due": Count("pk", filter=pending & Q(due_date__gt=today)),
    }


def cohort_commitments_for_hr(*, cohort: Cohort, today: date) -> CohortCommitments:
    """Every pair of ``cohort`` (ended ones too: their history counts) with its commitments'
    counts, the cohort's totals, and the texts shared with the program (three queries)."""
    pairs = list(Pair.objects.filter(cohort=cohort).select_related(
        "mentor__membership__user", "mentee__membership__user").order_by("pk"))
    rows = {row.pop("pair_id"): FollowThrough(**row) for row in
            Commitment.objects.filter(pair__cohort=cohort).values("pair_id")
            .annotate(**_counts(today=today)).order_by()}
    by_pair = [PairCommitments(pair=pair, counts=rows.get(pair.pk, FollowThrough()))
               for pair in pairs]
    totals = FollowThrough()
    for row in by_pair:
        totals += row.counts
    labels = dict(CommitmentOutcome.choices)
    shared = [
        SharedCommitment(pair_id=c.pair_id, owner_name=c.owner.membership.user.display_name,
                         text=c.text, due_date=c.due_date, outcome=c.outcome,
                         outcome_label=labels[c.outcome])
        for c in Commitment.objects.filter(pair__cohort=cohort, shared_with_program=True)
        .select_related("owner__membership__user").defer("outcome_note")
        .order_by("-due_date", "pk")]
    return CohortCommitments(totals=totals, pairs=by_pair, shared=shared)
