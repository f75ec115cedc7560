"""When a weekly digest is due: pure functions (no Django) from ``now``, a recipient's zone,
send time and quiet hours to "due, for this week" or "not now".

The rule, in the recipient's own zone (wall-clock times, so it follows them across daylight
saving changes; nothing adds hours to a local time):

- The digest of a week goes out on that week's Monday (``weekday``, 0 = Monday), from the
  first instant of the local Monday whose wall-clock time is at or after ``send_at`` (08:00)
  and outside the recipient's quiet hours (:func:`opens_at`). When ``send_at`` does not exist
  that Monday (a spring-forward gap) it opens at the end of the gap; when it happens twice (a
  fall-back fold) it opens at the first. Quiet hours that cover ``send_at`` postpone it to
  their end; quiet hours that last the rest of the Monday skip the week.
- It stays due for the rest of the local Monday, except while the recipient is in quiet hours
  (a late or retried beat still sends it on Monday; it never arrives on Tuesday).
- The week is named by the ISO week of that local Monday (:func:`week_key`, ``2026-W49``):
  the outbox key ``weekly_digest:<organization>:<user>:<week>`` makes it one per recipient
  per week, however many beats, tasks and workers see it due.

Quiet hours follow ``sessions/due.py``: ``[start, end)`` in the recipient's wall clock,
overnight when ``start > end``, none when either is ``None`` or they are equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MONDAY = 0
SEND_AT = time(8, 0)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


@dataclass(frozen=True)
class DigestDue:
    week: str  # ISO week of the local send day: "2026-W49"
    send_day: date  # the recipient's local Monday
    opens_at: datetime  # UTC


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def in_quiet(local: time, start: time | None, end: time | None) -> bool:
    """Whether the wall-clock time ``local`` is inside quiet hours ``[start, end)``."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def first_instant_at_or_after(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) whose wall clock in ``tz`` reads ``day at`` or later: ``at``
    itself (its first occurrence when it happens twice), or the end of the gap when the clock
    jumps over it."""
    wanted = datetime.combine(day, at)
    first = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)  # fold=0: first occurrence
    if _wall(first, tz) == wanted:
        return first
    # a gap: fold=0 read ``at`` with the offset before the jump (past the transition),
    # fold=1 with the one after (before it); the transition lies between: bisect to the
    # second (every transition of the tz database falls on a whole second)
    low = int(datetime.combine(day, at, tzinfo=tz).replace(fold=1).timestamp())
    high = int(first.timestamp())
    low, high = min(low, high), max(low, high)
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), tz) >= wanted:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)

def opens_at(day: date, *, time_zone: str, send_at: time = SEND_AT,
             quiet_start: time | None = None, quiet_end: time | None = None) -> datetime | None:
    """When the digest of ``day`` (the recipient's local send day) may first go out, in UTC,
    or ``None`` when no instant of that day is both at/after ``send_at`` and outside quiet
    hours."""
    tz = zone(time_zone)
    at = send_at
    for _ in range(4):  # at most: quiet end, a gap, a second quiet period
        if in_quiet(at, quiet_start, quiet_end):
            if quiet_end <= at:  # quiet until past midnight: nothing left of this day
                return None
            at = quiet_end
        moment = first_instant_at_or_after(day, at, tz)
        local = _wall(moment, tz)
        if local.date() != day:
            return None
        if not in_quiet(local.time(), quiet_start, quiet_end):
            return moment
        at = local.time()  # the gap ended inside quiet hours: wait for their end
    return None


def digest_due(now: datetime, *, time_zone: str, send_at: time = SEND_AT,
               weekday: int = MONDAY, quiet_start: time | None = None,
               quiet_end: time | None = None) -> DigestDue | None:
    """The digest due at ``now`` (an aware instant) for a recipient in ``time_zone``, or
    ``None``."""
    local = now.astimezone(zone(time_zone))
    day = local.date()
    if local.weekday() != weekday or in_quiet(local.time(), quiet_start, quiet_end):
        return None
    start = opens_at(day, time_zone=time_zone, send_at=send_at, quiet_start=quiet_start,
                     quiet_end=quiet_end)
    if start is None or start > now:
        return None
    return DigestDue(week=week_key(day), send_day=day, opens_at=start)


def digest_weeks(send_day: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The two ranges a digest compares (inclusive dates): "this week" is the seven days
    before the send day (the Monday to Sunday just finished), "last week" the seven before
    those."""
    this_to = send_day - timedelta(days=1)
    this_from = send_day - timedelta(days=7)
    return (this_from, this_to), (this_from - timedelta(days=7), this_from - timedelta(days=1))
