"""The phase of a cohort on a given day (pure: no Django), for its directed prompts."""

from __future__ import annotations

from datetime import date, timedelta

KICKOFF_DAYS = 14
KICKOFF, EARLY, MID, CLOSING = "kickoff", "early", "mid", "closing"


def cohort_phase(*, start: date, end: date, today: date) -> str:
    """``kickoff`` until two weeks after the start (and before it), then ``early`` up to 40%
    of the cohort's length, ``mid`` up to 80 %, ``closing`` after (and once it has ended).
    A cohort shorter than ten weeks keeps its kick-off to the first fifth."""
    total = max((end - start).days, 1)
    kickoff = min(timedelta(days=KICKOFF_DAYS), timedelta(days=total / 5))
    if today < start + kickoff:
        return KICKOFF
    elapsed = (today - start).days
    if elapsed < total * 0.4:
        return EARLY
    if elapsed < total * 0.8:
        return MID
    return CLOSING
