"""Pair health, the rule (pure: no Django, plain values in and out).

A pair is expected to meet once per cohort cadence (``cadence_days``) from the day it
started (the later of the cohort's start and the pair's creation) until the day it is
expected to stop (the cohort's end, or its extension), not counting days it spent paused.

- **ended** / **paused**: the pair's own state, whatever its sessions.
- **at risk**: two or more expected sessions behind, or no session for more than two
  cadences (counted from the last session held, or from the start when none was held yet,
  or from the end of the last pause when that is later).
- **slipping**: one expected session behind, or no session for more than one cadence.
- **on track**: everything else (a new pair has one whole cadence before anything is due).

Only counts and dates go in; no text of a session, goal, note or rating ever does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ON_TRACK, SLIPPING, AT_RISK, PAUSED, ENDED = "on_track", "slipping", "at_risk", "paused", "ended"

LABELS = {ON_TRACK: "On track", SLIPPING: "Slipping", AT_RISK: "At risk", PAUSED: "Paused",
          ENDED: "Ended"}
CHOICES = list(LABELS.items())
#: Most urgent first: the default order of the pair health list.
URGENCY = {AT_RISK: 0, SLIPPING: 1, ON_TRACK: 2, PAUSED: 3, ENDED: 4}


@dataclass(frozen=True)
class PairFacts:
    """What the rule needs of one pair."""

    status: str  # the pair's lifecycle state: "active", "paused" or "ended"
    started: date  # the later of the cohort's start and the pair's creation
    runs_until: date  # the cohort's end date, or the pair's extension
    cadence_days: int
    sessions_held: int = 0
    last_session: date | None = None
    paused_days: int = 0  # days spent paused in earlier pauses
    ended_on: date | None = None
    paused_since: date | None = None  # the current pause began (status "paused")
    resumed_on: date | None = None  # the last pause ended


@dataclass(frozen=True)
class Health:
    status: str
    expected: int  # sessions expected by today
    held: int
    days_since_last: int | None  # since the last session held, or the start; None if ended
    reasons: list[str] = field(default_factory=list)  # plain words, counts and days only

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def behind(self) -> int:
        return max(0, self.expected - self.held)


def expected_sessions(facts: PairFacts, today: date) -> int:
    """Sessions the pair should have held by ``today`` (by the end of a finished pair)."""
    if facts.cadence_days < 1:
        raise ValueError("cadence_days must be at least 1")
    until = min(today, facts.runs_until)
    if facts.ended_on is not None:
        until = min(until, facts.ended_on)
    if facts.paused_since is not None:
        until = min(until, facts.paused_since)
    meeting_days = (until - facts.started).days - facts.paused_days
    return max(0, meeting_days // facts.cadence_days)


def assess(facts: PairFacts, today: date) -> Health:
    """The health of one pair on ``today``."""
    expected = expected_sessions(facts, today)
    held = facts.sessions_held
    if facts.status == "ended":
        return Health(ENDED, expected, held, None)
    since = facts.last_session or facts.started
    days_since = max(0, (today - since).days)
    if facts.status == "paused":
        return Health(PAUSED, expected, held, days_since)
    # a pause is no time without a meeting: after one, the quiet time restarts
    restarted = max(since, facts.resumed_on) if facts.resumed_on else since
    quiet = max(0, (today - restarted).days)
    behind = expected - held
    cadence = facts.cadence_days
    reasons = []
    if behind >= 1:
        reasons.append(f"{held} of {expected} expected sessions held")
    if quiet > cadence:
        reasons.append(f"no session for {days_since} days" if facts.last_session
                       else f"no session yet after {days_since} days")
    if behind >= 2 or quiet > 2 * cadence:
        return Health(AT_RISK, expected, held, days_since, reasons)
    if behind >= 1 or quiet > cadence:
        return Health(SLIPPING, expected, held, days_since, reasons)
    return Health(ON_TRACK, expected, held, days_since)
