"""Why two people were paired, told to one of them in plain words (pure: no Django).

The admin's review explains a pair by score component, rule overrides and admin actions
("Locked by an admin", "Breaks rule: …", "0 h weekly overlap"). Participants get this instead:
what each can teach the other, the topics they share, when both are free (in the reader's own
time zone) and the different parts of the business they come from. Nothing here reveals a
private answer of the partner (requests, exclusions, manager, email).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matching.availability import MINUTES_PER_WEEK, offset_segments, utc_intervals
from matching.problem import Window

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_TOPICS = 4
MAX_TIMES = 3
FALLBACK = "Your HR team paired you so that you can learn from each other's experience."


@dataclass(frozen=True)
class Side:
    """One person of a pair as the explanation needs them: topics they can teach
    (topic -> proficiency 1-3) and want to learn (topic -> priority 1-3), weekly windows in
    their own time zone, and their department."""

    name: str
    teaches: dict[str, int] = field(default_factory=dict)
    learns: dict[str, int] = field(default_factory=dict)
    availability: tuple[Window, ...] = ()
    timezone: str = "UTC"
    department: str = ""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _safe_zone_name(name: str) -> str:
    return _zone(name).key


def _listing(items: list[str], more: int = 0) -> str:
    if more:
        return ", ".join(items) + f" and {more} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _topics(wanted: dict[str, int], offered: dict[str, int]) -> list[str]:
    """Topics in both, the reader's priorities first, then by name."""
    common = [t for t in wanted if t in offered]
    return sorted(common, key=lambda t: (-wanted[t], -offered[t], t.casefold()))


def _topic_text(topics: list[str]) -> str:
    shown = topics[:MAX_TOPICS]
    return _listing(shown, len(topics) - len(shown))


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_windows(
    intervals: list[tuple[int, int]], timezone: str, reference_monday: date
) -> list[tuple[int, int, int]]:
    """UTC minute-of-week intervals as (weekday, start, end) wall-clock windows in `timezone`,
    cut at midnight, merged and in week order.

    Each minute is shown at the wall-clock time it has in `timezone` (the offset of that very
    minute, so daylight saving may change within an interval). When clocks go forward the
    skipped hour never appears on the clock: a piece ending at the change ends at the time
    the clock then shows (01:00-03:00 is the one real hour before 03:00 on that night), so no
    shown time is one that does not exist. A repeated hour is shown once.
    """
    monday = datetime(reference_monday.year, reference_monday.month, reference_monday.day)  # noqa: DTZ001
    segments = offset_segments(_zone(timezone).key, monday)
    pieces: list[tuple[int, int]] = []  # minutes of the local week; may run past either end
    for start, end in intervals:
        for k, (seg_start, _, seg_end, offset) in enumerate(segments):
            begin, stop = max(start, seg_start), min(end, seg_end)
            if begin >= stop:
                continue
            local_begin, local_stop = begin + offset, stop + offset
            if stop == seg_end and k + 1 < len(segments) and segments[k + 1][3] > offset:
                # Up to the time shown after the jump, but not into the next day.
                day_end = -(-local_stop // 1440) * 1440
                local_stop = min(stop + segments[k + 1][3], day_end)
            shift = local_begin // MINUTES_PER_WEEK * MINUTES_PER_WEEK
            pieces.append((local_begin - shift, local_stop - shift))
    windows: list[tuple[int, int, int]] = []
    for start, end in pieces:
        while start < end:
            day, minute = divmod(start, 1440)
            stop = min(end, (day + 1) * 1440)
            windows.append((day % 7, minute, stop - day * 1440))
            start = stop
    windows.sort()
    merged: list[tuple[int, int, int]] = []
    for day, start, end in windows:
        if merged and merged[-1][0] == day and start <= merged[-1][2]:
            merged[-1] = (day, merged[-1][1], max(merged[-1][2], end))
        else:
            merged.append((day, start, end))
    return merged


def window_label(window: tuple[int, int, int]) -> str:
    day, start, end = window
    return f"{DAYS[day]} {_clock(start)}–{_clock(end)}"


def _monday(reference: date) -> datetime:
    monday = reference - timedelta(days=reference.weekday())
    return datetime(monday.year, monday.month, monday.day)  # noqa: DTZ001 - naive wall time


def availability_in(person: Side, timezone: str, reference: date) -> list[str]:
    """The person's weekly windows shown in another time zone ("Monday 09:00–11:00")."""
    monday = _monday(reference)
    intervals = utc_intervals(_Timed(person.availability, _safe_zone_name(person.timezone)), monday)
    return [window_label(w) for w in local_windows(intervals, timezone, monday.date())]


@dataclass(frozen=True)
class _Timed:
    availability: tuple[Window, ...]
    timezone: str


def both_free(me: Side, partner: Side, reference: date) -> list[tuple[int, int]]:
    """The UTC minutes of the week of `reference` when both are free (the engine's overlap)."""
    monday = _monday(reference)
    mine = utc_intervals(_Timed(me.availability, _safe_zone_name(me.timezone)), monday)
    theirs = utc_intervals(_Timed(partner.availability, _safe_zone_name(partner.timezone)), monday)
    both: list[tuple[int, int]] = []
    a = b = 0
    while a < len(mine) and b < len(theirs):
        start, end = max(mine[a][0], theirs[b][0]), min(mine[a][1], theirs[b][1])
        if start < end:
            both.append((start, end))
        if mine[a][1] < theirs[b][1]:
            a += 1
        else:
            b += 1
    return both


def common_windows(
    me: Side, partner: Side, timezone: str, reference: date
) -> list[tuple[int, int, int]]:
    """When both are free, as windows in `timezone` on the week of `reference`."""
    return local_windows(both_free(me, partner, reference), timezone, _monday(reference).date())


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".") + " h"


def why_paired(*, me: Side, partner: Side, timezone: str, reference: date) -> list[str]:
    """Friendly reasons, addressed to `me`, why they were paired with `partner`.

    `timezone` is the reader's own (shown in the text), `reference` a date in the week the
    pair starts (time zones are applied as on that week). Never empty.
    """
    lines = []
    they_teach = _topics(me.learns, partner.teaches)
    i_teach = _topics(partner.learns, me.teaches)
    if they_teach:
        lines.append(f"{partner.name} can help you with {_topic_text(they_teach)}.")
    if i_teach:
        lines.append(f"You can help {partner.name} with {_topic_text(i_teach)}.")
    mentioned = set(they_teach) | set(i_teach)
    shared = sorted(
        (set(me.learns) & set(partner.learns)) | (set(me.teaches) & set(partner.teaches)),
        key=str.casefold,
    )
    shared = [t for t in shared if t not in mentioned]
    if shared:
        lines.append(f"You are both interested in {_topic_text(shared)}.")
    both = both_free(me, partner, reference)
    windows = local_windows(both, timezone, _monday(reference).date())
    if windows:
        shown = [window_label(w) for w in windows[:MAX_TIMES]]
        # Real minutes, as the engine counts them: a shown window may span a skipped hour.
        total = sum(end - start for start, end in both)
        more = len(windows) - len(shown)
        text = f"You are both free on {_listing(shown, more)}"
        if more:
            text += f" ({_hours(total)} a week in all)"
        lines.append(f"{text} (your time, {_safe_zone_name(timezone)}).")
    if (
        me.department
        and partner.department
        and me.department.casefold() != partner.department.casefold()
    ):
        lines.append(
            f"You bring views from different parts of the business: "
            f"{me.department} and {partner.department}."
        )
    return lines or [FALLBACK]
