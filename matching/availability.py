"""A person's weekly availability windows as minutes of the UTC week (no Django).

The rule (docs/matching.md, "Time zones and daylight saving"): the reference week is the real
UTC week from the reference Monday 00:00 UTC, minute 0 to MINUTES_PER_WEEK. A person is free at
a UTC minute when the wall clock in their zone at that instant (local weekday and time) lies in
one of their windows [start, end). A wall-clock time that occurs twice (clocks going back) counts
at its first occurrence only (zoneinfo's fold=0); a wall-clock time that does not exist (clocks
going forward) is never shown by the clock, so it covers nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from matching.problem import MINUTES_PER_DAY, Person, Problem

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
MARGIN = MINUTES_PER_DAY
"""Segments are computed from a day before the week to a day after it: every offset is below
a day, so any wall-clock minute of the week is reached, and a repeated hour that starts just
before minute 0 (or a transition at the week's end) is seen."""
SAMPLE = 30
"""Offsets are sampled every SAMPLE minutes and each change is located to the minute by
bisection (since 1972 no zone has had two transitions less than six days apart)."""

Segment = tuple[int, int, int, int]
"""(start, counted_from, end, offset): the UTC minutes [start, end) of the reference week have
the local offset `offset` (minutes east of UTC); [start, counted_from) repeat wall-clock times
already shown before the clocks went back, so they count for no window."""


def _offset(zone: ZoneInfo, epoch: int, minute: int) -> int:
    local = datetime.fromtimestamp(epoch + 60 * minute, zone)
    return int(local.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]


@lru_cache(maxsize=4096)
def offset_segments(tz: str, reference: datetime) -> tuple[Segment, ...]:
    """The zone's constant-offset spans from MARGIN minutes before the UTC week of `reference`
    (a naive Monday) to MARGIN minutes after it."""
    zone = ZoneInfo(tz)
    epoch = int(reference.replace(tzinfo=UTC).timestamp())
    first, last = -MARGIN, MINUTES_PER_WEEK + MARGIN

    def offset(minute: int) -> int:
        return _offset(zone, epoch, minute)

    changes: list[tuple[int, int]] = [(first, offset(first))]
    low = first
    while low < last:
        high = min(low + SAMPLE, last)
        current = changes[-1][1]
        if offset(high) == current:
            low = high
            continue
        # The first minute in (low, high] whose offset differs from the current one.
        lo, hi = low, high
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if offset(mid) == current:
                lo = mid
            else:
                hi = mid
        changes.append((hi, offset(hi)))
        low = hi
    segments: list[Segment] = []
    for k, (start, value) in enumerate(changes):
        end = changes[k + 1][0] if k + 1 < len(changes) else last
        counted = start
        if k:
            # Clocks went back by `repeat` minutes: the next `repeat` minutes show again
            # wall-clock times already shown (zoneinfo's fold=1), until the next transition.
            repeat = changes[k - 1][1] - value
            counted = min(start + max(repeat, 0), end)
        segments.append((start, counted, end, value))
    return tuple(segments)


@lru_cache(maxsize=1 << 16)
def window_minutes(
    tz: str, reference: datetime, weekday: int, start: int, end: int
) -> tuple[tuple[int, int], ...]:
    """The [start, end) UTC minutes of the reference week (0..MINUTES_PER_WEEK) when the wall
    clock in `tz` shows `weekday` start..end (first occurrences only), in time order."""
    low = weekday * MINUTES_PER_DAY + start
    high = weekday * MINUTES_PER_DAY + end
    pieces = []
    for _, counted, seg_end, offset in offset_segments(tz, reference):
        counted, seg_end = max(counted, 0), min(seg_end, MINUTES_PER_WEEK)
        if counted >= seg_end:
            continue
        # Local minute of the week = UTC minute + offset, taken modulo the week: the local
        # clock of the week's UTC minutes runs from the Sunday before to the Monday after.
        for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK):
            begin = max(low + shift - offset, counted)
            stop = min(high + shift - offset, seg_end)
            if begin < stop:
                pieces.append((begin, stop))
    return tuple(sorted(pieces))


def utc_intervals(person: Person, reference_monday: datetime) -> list[tuple[int, int]]:
    """The person's weekly windows as merged [start, end) minutes of the UTC week."""
    pieces = []
    for weekday, start, end in person.availability:
        pieces.extend(window_minutes(person.timezone, reference_monday, weekday, start, end))
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
