"""Weekly availability windows (pure): validation and display.

A window is ``{"weekday": 0..6, "start": "HH:MM", "end": "HH:MM"}`` in the participant's own
time zone (Monday is 0). Validation returns every problem with the row it belongs to, so a
form can show each message next to its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_CHOICES = list(enumerate(WEEKDAYS))
MIN_MINUTES = 15
MAX_WINDOWS = 21


@dataclass(frozen=True)
class AvailabilityProblem:
    row: int | None  # 0-based index of the window, or None for the whole list
    message: str


def _parse_time(value) -> time | None:
    if isinstance(value, time):
        return value
    try:
        hours, minutes = str(value).split(":")[:2]
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        return None


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def availability_problems(windows: list[dict]) -> list[AvailabilityProblem]:
    """Every reason ``windows`` is not a valid weekly availability (empty list: valid)."""
    problems: list[AvailabilityProblem] = []
    if len(windows) > MAX_WINDOWS:
        problems.append(AvailabilityProblem(
            None, f"List at most {MAX_WINDOWS} weekly windows (you listed {len(windows)})."))
    parsed: list[tuple[int, int, int, int]] = []  # weekday, start, end, row
    for row, window in enumerate(windows):
        weekday = window.get("weekday")
        start, end = _parse_time(window.get("start")), _parse_time(window.get("end"))
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            problems.append(AvailabilityProblem(row, "Choose a day of the week."))
            continue
        if start is None or end is None:
            problems.append(AvailabilityProblem(
                row, "Give both a start and an end time, e.g. 09:00 and 10:30."))
            continue
        if _minutes(end) <= _minutes(start):
            problems.append(AvailabilityProblem(
                row, f"The end ({end:%H:%M}) must be after the start ({start:%H:%M}) on the "
                     "same day; split a window that crosses midnight into two."))
            continue
        if _minutes(end) - _minutes(start) < MIN_MINUTES:
            problems.append(AvailabilityProblem(
                row, f"A window must last at least {MIN_MINUTES} minutes."))
            continue
        parsed.append((weekday, _minutes(start), _minutes(end), row))
    parsed.sort()
    latest_end: dict[int, int] = {}
    for weekday, start_minute, end_minute, row in parsed:
        if start_minute < latest_end.get(weekday, -1):
            problems.append(AvailabilityProblem(
                row, f"This window overlaps another {WEEKDAYS[weekday]} window; merge them "
                     "into one."))
        latest_end[weekday] = max(latest_end.get(weekday, -1), end_minute)
    return problems


def availability_normalise(windows: list[dict]) -> list[dict]:
    """Windows sorted by day and start, times as ``HH:MM`` strings (assumes they are valid)."""
    result = []
    for window in windows:
        start, end = _parse_time(window["start"]), _parse_time(window["end"])
        result.append({"weekday": int(window["weekday"]), "start": f"{start:%H:%M}",
                       "end": f"{end:%H:%M}"})
    return sorted(result, key=lambda w: (w["weekday"], w["start"]))


def availability_label(window: dict) -> str:
    """``"Tuesday 09:00–10:30"``."""
    weekday = window.get("weekday")
    day = WEEKDAYS[weekday] if isinstance(weekday, int) and 0 <= weekday <= 6 else "?"
    return f"{day} {window.get('start', '?')}–{window.get('end', '?')}"
