"""Finding a time for two people (pure: no Django).

A person's weekly availability is a list of windows ``(weekday, start minute, end minute)`` in
their own time zone (Monday is 0; minutes of the local day, end after start, at most 1440),
the shape of ``programs.availability``. The truth this module implements, and the one the
property tests check minute by minute, is:

    a person is free at the UTC instant *t* when the wall-clock time of *t* in their zone
    falls inside one of their windows.

So a window that lies in the hour skipped when clocks go forward is free only for the part
that exists, and a window in the hour repeated when clocks go back is free twice. Time zones
with fractional offsets (Asia/Kolkata +05:30, Australia/Adelaide +09:30/+10:30) need nothing
special: the work is done on UTC intervals, cut where the zone's offset changes.

:func:`free_intervals` turns windows into UTC intervals over a range; :func:`find_slots` gives
the earliest suitable start in each stretch of time that both people have free (minus busy
intervals such as sessions already booked), on a grid of ``step`` minutes; :func:`is_free`
checks one proposed slot again (it may have been taken since it was offered).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Window = tuple[int, int, int]
"""(weekday 0-6, start minute, end minute) of a weekly window in local wall-clock time."""
Interval = tuple[datetime, datetime]
"""A half-open interval [start, end) of aware UTC datetimes."""

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTE = timedelta(minutes=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How often the zone's UTC offset is probed for a change. Offsets of real zones change at
#: most a few times a year, never twice within an hour.
PROBE = timedelta(hours=1)
DEFAULT_STEP = 15
DEFAULT_COUNT = 5


@dataclass(frozen=True)
class Person:
    """Whose time is looked for: weekly windows in their own zone."""

    windows: tuple[Window, ...]
    timezone: str = "UTC"


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; UTC for an empty or unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _minutes(text: str) -> int:
    hours, minutes = str(text).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def parse_windows(availability: Iterable[dict] | None) -> tuple[Window, ...]:
    """``[{"weekday": 0, "start": "09:00", "end": "10:30"}]`` as windows; unreadable
    entries are left out (they cost a suggestion, never an error)."""
    windows = []
    for window in availability or []:
        try:
            weekday = int(window["weekday"])
            start, end = _minutes(window["start"]), _minutes(window["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= weekday <= 6 and 0 <= start < end <= 1440:
            windows.append((weekday, start, end))
    return tuple(sorted(windows))


def floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def ceil_to_step(moment: datetime, step: int) -> datetime:
    """The first instant at or after ``moment`` on the UTC grid of ``step`` minutes."""
    grid = timedelta(minutes=step)
    return EPOCH + -(-(moment - EPOCH) // grid) * grid


def _offset(tz: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(tz).utcoffset() or timedelta(0)


def offset_segments(tz: ZoneInfo, start: datetime, end: datetime
                    ) -> list[tuple[datetime, datetime, timedelta]]:
    """``[(a, b, offset)]``: consecutive UTC stretches covering [start, end) over which the
    zone's UTC offset stays ``offset``. ``start`` and ``end`` are whole UTC minutes; the
    offset is probed every :data:`PROBE` and a change located to the minute by bisection."""
    segments = []
    begin, current = start, _offset(tz, start)
    low, last = start, end - MINUTE
    while low < last:
        high = min(low + PROBE, last)
        if _offset(tz, high) == current:
            low = high
            continue
        while high - low > MINUTE:  # offset(low) is current, offset(high) is not
            middle = low + ((high - low) // MINUTE // 2) * MINUTE
            if _offset(tz, middle) == current:
                low = middle
            else:
                high = middle
        segments.append((begin, high, current))
        begin, current, low = high, _offset(tz, high), high
    segments.append((begin, end, current))
    return segments


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """Where both merged interval lists are free."""
    result, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(free: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """``free`` (merged) without any instant of ``busy``."""
    blocked = merge(busy)
    result = []
    for start, end in free:
        cursor = start
        for busy_start, busy_end in blocked:
            if busy_end <= cursor or busy_start >= end:
                continue
            if busy_start > cursor:
                result.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def free_intervals(person: Person, start: datetime, end: datetime) -> list[Interval]:
    """Every UTC interval of [start, end) in which ``person`` is free (merged)."""
    start, end = floor_minute(start), floor_minute(end)
    if start >= end or not person.windows:
        return []
    tz = zone(person.timezone)
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, first, last in person.windows:
        by_day.setdefault(weekday, []).append((first, last))
    found: list[Interval] = []
    for seg_start, seg_end, offset in offset_segments(tz, start, end):
        local_start = (seg_start + offset).replace(tzinfo=None)
        local_end = (seg_end + offset).replace(tzinfo=None)
        day = local_start.date()
        while datetime.combine(day, time()) < local_end:
            midnight = datetime.combine(day, time())
            for first, last in by_day.get(day.weekday(), ()):
                low = max(midnight + timedelta(minutes=first), local_start)
                high = min(midnight + timedelta(minutes=last), local_end)
                if low < high:
                    found.append(((low - offset).replace(tzinfo=UTC),
                                  (high - offset).replace(tzinfo=UTC)))
            day += timedelta(days=1)
    return merge(found)


def common_free(people: Sequence[Person], start: datetime, end: datetime,
                busy: Iterable[Interval] = ()) -> list[Interval]:
    """Where everyone in ``people`` is free and nothing in ``busy`` is booked."""
    if not people:
        return []
    free = free_intervals(people[0], start, end)
    for person in people[1:]:
        free = intersect(free, free_intervals(person, start, end))
    return subtract(free, busy)


def find_slots(people: Sequence[Person], *, earliest: datetime, until: datetime, minutes: int,
               busy: Iterable[Interval] = (), count: int = DEFAULT_COUNT,
               step: int = DEFAULT_STEP) -> list[datetime]:
    """The next ``count`` session starts (UTC): in each stretch of time that every person has
    free and nobody has booked, the earliest start on the ``step``-minute UTC grid, at or
    after ``earliest``, whose ``minutes`` fit before the stretch ends and before ``until``."""
    slots: list[datetime] = []
    length = timedelta(minutes=minutes)
    for start, end in common_free(people, earliest, until, busy):
        first = ceil_to_step(max(start, earliest), step)
        if first + length <= end:
            slots.append(first)
            if len(slots) == count:
                break
    return slots


def is_free(people: Sequence[Person], *, start: datetime, minutes: int,
            busy: Iterable[Interval] = ()) -> bool:
    """Whether [start, start + minutes) lies wholly in everyone's free time, clear of
    ``busy``."""
    end = start + timedelta(minutes=minutes)
    free = common_free(people, start, end, busy)
    return free == [(floor_minute(start), floor_minute(end))]


def overlaps(start: datetime, minutes: int, busy: Iterable[Interval]) -> bool:
    end = start + timedelta(minutes=minutes)
    return any(busy_start < end and start < busy_end for busy_start, busy_end in busy)


# --- showing windows in another zone --------------------------------------------------------

def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def window_label(window: Window) -> str:
    """``"Monday 09:00–10:30"``."""
    weekday, start, end = window
    return f"{DAYS[weekday]} {clock(start)}–{clock(end)}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def windows_in_zone(person: Person, timezone: str, week_of: date) -> list[Window]:
    """``person``'s windows as wall-clock windows in ``timezone`` during the week (Monday to
    Sunday in ``timezone``) that contains ``week_of``; cut at local midnight, joined where
    they touch, in week order."""
    tz = zone(timezone)
    monday = monday_of(week_of)
    start = datetime.combine(monday, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=tz).astimezone(UTC)
    pieces: list[Window] = []
    for low, high in free_intervals(person, start, end):
        local_low, local_high = low.astimezone(tz), high.astimezone(tz)
        day = local_low.date()
        while day <= local_high.date():
            first = local_low.hour * 60 + local_low.minute if day == local_low.date() else 0
            last = local_high.hour * 60 + local_high.minute if day == local_high.date() \
                else 1440
            if first < last:
                pieces.append((day.weekday(), first, last))
            day += timedelta(days=1)
    joined: list[list[int]] = []
    for weekday, first, last in sorted(pieces):
        if joined and joined[-1][0] == weekday and first <= joined[-1][2]:
            joined[-1][2] = max(joined[-1][2], last)
        else:
            joined.append([weekday, first, last])
    return [(weekday, first, last) for weekday, first, last in joined]
