"""Receivers for the hooks and signals of lower apps (connected in ``MatchingConfig.ready``)."""

from __future__ import annotations

from programs.models import CohortStatus


def close_pairs_of_completed_cohort(cohort, *, from_status: str, to_status: str,
                                    actor=None, **kwargs) -> None:
    """A cohort completed: its live pairs end with "cohort completed" unless extended (same
    transaction and tenant scope as the status change)."""
    if to_status != CohortStatus.COMPLETED:
        return
    from matching.pair_lifecycle import pairs_close_for_cohort

    pairs_close_for_cohort(cohort=cohort, actor=actor)


def end_pairs_of_withdrawn(sender, *, participant, actor=None, **kwargs) -> None:
    """HR withdrew a participant: their pairs end with the reason recorded."""
    from matching.pair_lifecycle import pairs_end_for_withdrawn

    pairs_end_for_withdrawn(participant=participant, actor=actor)
