"""Pure rules of check-ins and fit checks: plain data in, plain data out, no Django.

- A pair's check-in periods count from the start of its first session that happened: period
  ``n`` begins at ``first + n × cadence`` (as ``sessions/due.py`` counts them). Only the
  latest period that has begun is due (a missed one is not asked later), once per person.
- The fit check is asked once, :data:`FIT_CHECK_DELAY` after the end of the pair's first
  logged session.
- An answer raises an HR alert when it scores 1–2, names "the relationship" as a blocker,
  rates candour 2 or lower, or asks HR to reach out; a fit check's "no" opens a re-match case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

FIT_CHECK_DELAY = timedelta(hours=48)
LOW = 2  # a score or candour of this or less raises an alert

LOW_SCORE = "low_score"
RELATIONSHIP = "relationship"
LOW_CANDOUR = "low_candour"
WANTS_CONTACT = "wants_contact"
NOT_WORKING = "not_working"


def current_period(*, first_session_at: datetime, cadence_days: int, now: datetime) -> int:
    """The latest period that has begun (0: none yet). Counted in whole cadences from the
    first session's start, as ``sessions.due.check_in_period`` counts them."""
    if cadence_days <= 0:
        raise ValueError("cadence_days must be positive")
    if now < first_session_at:
        return 0
    return int((now - first_session_at) / timedelta(days=cadence_days))


def period_begins_at(*, first_session_at: datetime, cadence_days: int, period: int) -> datetime:
    return first_session_at + period * timedelta(days=cadence_days)


@dataclass(frozen=True)
class PairFacts:
    """What the check-in rule needs of one live pair."""

    pair_id: int
    participant_ids: tuple[int, ...]
    first_session_at: datetime | None
    cadence_days: int
    asked: frozenset[tuple[int, int]] = frozenset()  # (participant_id, period) already opened


@dataclass(frozen=True)
class CheckInDue:
    pair_id: int
    participant_id: int
    period: int
    begins_at: datetime


def check_ins_due(pairs: Iterable[PairFacts], *, now: datetime) -> list[CheckInDue]:
    """The check-ins to open at ``now``: for each pair with a first session, each person who
    has not been asked for the current period."""
    due = []
    for facts in pairs:
        if facts.first_session_at is None:
            continue
        period = current_period(first_session_at=facts.first_session_at,
                                cadence_days=facts.cadence_days, now=now)
        if period < 1:
            continue
        begins = period_begins_at(first_session_at=facts.first_session_at,
                                  cadence_days=facts.cadence_days, period=period)
        due.extend(CheckInDue(facts.pair_id, participant_id, period, begins)
                   for participant_id in facts.participant_ids
                   if (participant_id, period) not in facts.asked)
    return due


def fit_check_due_at(first_session_ended_at: datetime) -> datetime:
    return first_session_ended_at + FIT_CHECK_DELAY


def fit_check_is_due(*, first_session_ended_at: datetime | None, now: datetime) -> bool:
    return first_session_ended_at is not None and now >= fit_check_due_at(first_session_ended_at)


def check_in_alert_reasons(*, score: int, blockers: Sequence[str], candour: int,
                           wants_hr_contact: bool) -> list[str]:
    """The reason codes an answer raises, in a fixed order (empty: no alert)."""
    reasons = []
    if score <= LOW:
        reasons.append(LOW_SCORE)
    if RELATIONSHIP in blockers:
        reasons.append(RELATIONSHIP)
    if candour <= LOW:
        reasons.append(LOW_CANDOUR)
    if wants_hr_contact:
        reasons.append(WANTS_CONTACT)
    return reasons


def fit_check_alert_reasons(answer: str) -> list[str]:
    return [NOT_WORKING] if answer == "no" else []
