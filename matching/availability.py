"""A person's weekly availability windows as minutes of the UTC week (no Django).

Windows are local wall-clock times in the person's zone, converted on the problem's reference
week (a Monday).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from matching.problem import Person, Problem

MINUTES_PER_WEEK = 7 * 1440


@lru_cache(maxsize=4096)
def _utc_start(tz: str, reference: datetime, weekday: int, minute: int) -> int:
    """Minute of the reference week (UTC, may be out of range) of a local weekday/minute."""
    local = (reference + timedelta(days=weekday, minutes=minute)).replace(tzinfo=ZoneInfo(tz))
    return int((local.astimezone(UTC) - reference.replace(tzinfo=UTC)).total_seconds() // 60)


def utc_intervals(person: Person, reference_monday: datetime) -> list[tuple[int, int]]:
    """The person's weekly windows as merged [start, end) minutes of the UTC week."""
    pieces = []
    for weekday, start, end in person.availability:
        begin = _utc_start(person.timezone, reference_monday, weekday, start)
        begin_wrapped = begin % MINUTES_PER_WEEK
        stop = begin_wrapped + (end - start)
        pieces.append((begin_wrapped, min(stop, MINUTES_PER_WEEK)))
        if stop > MINUTES_PER_WEEK:
            pieces.append((0, stop - MINUTES_PER_WEEK))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def reference_datetime(problem: Problem) -> datetime:
    ref = problem.rules.reference_week
    return datetime(ref.year, ref.month, ref.day)  # noqa: DTZ001 - naive local wall time on purpose
