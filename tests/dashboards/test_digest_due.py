"""The weekly digest's due rule (dashboards/digest_due.py, pure): Monday 08:00 in each
recipient's own zone, across daylight saving changes, gaps and folds, and quiet hours; checked
on hand-picked weeks and, with Hypothesis, against a brute force that walks the clock minute
by minute (UTC to local only: the direction that has one answer)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboards.digest_due import (
    MONDAY,
    digest_due,
    digest_weeks,
    first_instant_at_or_after,
    in_quiet,
    opens_at,
    week_key,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- hand-picked weeks -----------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "monday", "opens"), [
    # Berlin: CET (+1) until Sunday 29 March 2026, CEST (+2) after; back on 25 October
    ("Europe/Berlin", date(2026, 3, 23), utc(2026, 3, 23, 7, 0)),
    ("Europe/Berlin", date(2026, 3, 30), utc(2026, 3, 30, 6, 0)),
    ("Europe/Berlin", date(2026, 10, 19), utc(2026, 10, 19, 6, 0)),
    ("Europe/Berlin", date(2026, 10, 26), utc(2026, 10, 26, 7, 0)),
    # New York: EST (-5) until Sunday 8 March 2026, EDT (-4) until Sunday 1 November
    ("America/New_York", date(2026, 3, 2), utc(2026, 3, 2, 13, 0)),
    ("America/New_York", date(2026, 3, 9), utc(2026, 3, 9, 12, 0)),
    ("America/New_York", date(2026, 11, 2), utc(2026, 11, 2, 13, 0)),
    # Kolkata: +05:30 all year, so Monday 08:00 is 02:30 UTC every week
    ("Asia/Kolkata", date(2026, 3, 30), utc(2026, 3, 30, 2, 30)),
    # Auckland: NZDT (+13) until Sunday 5 April 2026, NZST (+12) until Sunday 27 September;
    # its Monday 08:00 is Sunday evening in UTC
    ("Pacific/Auckland", date(2026, 3, 30), utc(2026, 3, 29, 19, 0)),
    ("Pacific/Auckland", date(2026, 4, 6), utc(2026, 4, 5, 20, 0)),
    ("Pacific/Auckland", date(2026, 9, 28), utc(2026, 9, 27, 19, 0)),
])
def test_monday_eight_o_clock_local_across_the_changes(zone, monday, opens):
    assert opens_at(monday, time_zone=zone) == opens
    assert digest_due(opens - timedelta(minutes=1), time_zone=zone) is None
    due = digest_due(opens, time_zone=zone)
    assert due is not None
    assert (due.send_day, due.opens_at) == (monday, opens)
    assert due.week == week_key(monday)


def test_the_week_is_the_recipients_local_monday_not_the_utc_day():
    # Sunday 29 March 2026, 19:00 UTC: Monday 08:00 in Auckland (week 14), Sunday in Berlin
    now = utc(2026, 3, 29, 19, 0)
    assert digest_due(now, time_zone="Pacific/Auckland").week == "2026-W14"
    assert digest_due(now, time_zone="Europe/Berlin") is None
    # ISO weeks at the turn of the year: Monday 29 December 2025 opens week 1 of 2026
    assert digest_due(utc(2025, 12, 29, 7, 0), time_zone="Europe/Berlin").week == "2026-W01"
    assert digest_due(utc(2027, 1, 4, 8, 0), time_zone="Europe/London").week == "2027-W01"


def test_due_the_rest_of_monday_but_never_tuesday():
    zone = "America/New_York"  # Monday 9 March 2026, 08:00 EDT = 12:00 UTC
    assert digest_due(utc(2026, 3, 9, 12, 0), time_zone=zone).week == "2026-W11"
    assert digest_due(utc(2026, 3, 10, 3, 59), time_zone=zone).week == "2026-W11"  # 23:59
    assert digest_due(utc(2026, 3, 10, 4, 0), time_zone=zone) is None  # Tuesday 00:00
    assert digest_due(utc(2026, 3, 8, 12, 0), time_zone=zone) is None  # Sunday 08:00


def test_a_send_time_the_clock_skips_opens_at_the_end_of_the_gap():
    # Istanbul, Monday 31 March 2014: 03:00 (+02) jumped to 04:00 (+03); 03:30 never happened
    assert first_instant_at_or_after(date(2014, 3, 31), time(3, 30),
                                     ZoneInfo("Europe/Istanbul")) == utc(2014, 3, 31, 1, 0)
    assert opens_at(date(2014, 3, 31), time_zone="Europe/Istanbul",
                    send_at=time(3, 30)) == utc(2014, 3, 31, 1, 0)
    # Berlin's Sunday gap, for a Sunday digest at 02:30: opens at 03:00 CEST
    due = digest_due(utc(2026, 3, 29, 1, 0), time_zone="Europe/Berlin", send_at=time(2, 30),
                     weekday=6)
    assert due is not None
    assert due.opens_at == utc(2026, 3, 29, 1, 0)
    assert digest_due(utc(2026, 3, 29, 0, 59), time_zone="Europe/Berlin",
                      send_at=time(2, 30), weekday=6) is None


def test_a_send_time_that_happens_twice_opens_at_the_first():
    # Tehran, Monday 21 September 2015: 24:00 (+04:30) went back to 23:00 (+03:30)
    assert opens_at(date(2015, 9, 21), time_zone="Asia/Tehran",
                    send_at=time(23, 45)) == utc(2015, 9, 21, 19, 15)
    # Vostok, Monday 18 December 2023: 02:00 (+07) went back to 00:00 (+05)
    first = opens_at(date(2023, 12, 18), time_zone="Antarctica/Vostok", send_at=time(1, 0))
    assert first == utc(2023, 12, 17, 18, 0)
    # the second 01:00 is still the same day and the same week: due, same key, same opening
    again = digest_due(utc(2023, 12, 17, 20, 0), time_zone="Antarctica/Vostok",
                       send_at=time(1, 0))
    assert (again.opens_at, again.week) == (first, "2023-W51")


def test_quiet_hours_postpone_the_digest_or_skip_a_week_they_cover():
    zone = "Europe/Berlin"  # Monday 23 March 2026 (+01)
    # the default quiet hours (20:00 to 08:00) end exactly at the send time: on time
    assert opens_at(date(2026, 3, 23), time_zone=zone, quiet_start=time(20, 0),
                    quiet_end=time(8, 0)) == utc(2026, 3, 23, 7, 0)
    # quiet until 09:30: it waits for their end
    assert opens_at(date(2026, 3, 23), time_zone=zone, quiet_start=time(22, 0),
                    quiet_end=time(9, 30)) == utc(2026, 3, 23, 8, 30)
    # quiet from 07:00 to midnight: nothing of Monday is left
    assert opens_at(date(2026, 3, 23), time_zone=zone, quiet_start=time(7, 0),
                    quiet_end=time(0, 0)) is None
    # a scan inside the evening's quiet hours sends nothing
    assert digest_due(utc(2026, 3, 23, 20, 0), time_zone=zone, quiet_start=time(20, 0),
                      quiet_end=time(8, 0)) is None
    assert in_quiet(time(7, 59), time(20, 0), time(8, 0))
    assert not in_quiet(time(8, 0), time(20, 0), time(8, 0))


def test_this_week_and_last_week_are_the_two_weeks_before_the_monday():
    (this_from, this_to), (last_from, last_to) = digest_weeks(date(2026, 3, 30))
    assert (this_from, this_to) == (date(2026, 3, 23), date(2026, 3, 29))  # Mon to Sun
    assert (last_from, last_to) == (date(2026, 3, 16), date(2026, 3, 22))


# --- property: the rule against a minute-by-minute brute force --------------------------------

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland",
         "Europe/Istanbul", "Asia/Tehran", "Antarctica/Vostok", "Australia/Lord_Howe",
         "Pacific/Chatham", "America/Sao_Paulo", "Asia/Jerusalem", "UTC")
YEARS = (2000, 2036)


@cache
def transitions(name: str) -> tuple[datetime, ...]:
    """Every change of offset of ``name`` in YEARS, to the minute (day steps, then bisect)."""
    tz, found = ZoneInfo(name), []
    day = utc(YEARS[0], 1, 1)
    while day.year < YEARS[1]:
        following = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = 0, 24 * 60  # minutes into the day: low has the old offset, high not
            while high - low > 1:
                middle = (low + high) // 2
                moment = day + timedelta(minutes=middle)
                if moment.astimezone(tz).utcoffset() == day.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(day + timedelta(minutes=high))
        day = following
    return tuple(found)


def brute_force(now: datetime, *, time_zone: str, send_at: time, weekday: int,
                quiet_start: time | None, quiet_end: time | None):
    """Due at ``now``: it is the send weekday locally, not quiet now, and some minute of this
    local day up to now read ``send_at`` or later outside quiet hours (the first such minute
    is when it opened)."""
    tz = ZoneInfo(time_zone)

    def quiet(moment: time) -> bool:
        if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
            return False
        if quiet_start < quiet_end:
            return quiet_start <= moment < quiet_end
        return moment >= quiet_start or moment < quiet_end

    local = now.astimezone(tz)
    if local.weekday() != weekday or quiet(local.time()):
        return None
    moment = now - timedelta(hours=30)
    while moment <= now:
        wall = moment.astimezone(tz)
        if wall.date() == local.date() and wall.time() >= send_at and not quiet(wall.time()):
            year, week, _ = local.date().isocalendar()
            return f"{year}-W{week:02d}", moment
        moment += timedelta(minutes=1)
    return None


quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
any_minute = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@st.composite
def situations(draw):
    name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(name)
    changes = transitions(name)
    if changes and draw(st.booleans()):  # near a change of offset, where it goes wrong
        anchor = draw(st.sampled_from(changes))
        around = anchor.astimezone(tz)
        weekday = draw(st.sampled_from([MONDAY, around.weekday()]))
        send_at = draw(st.one_of(
            st.just(time(8, 0)), any_minute,
            st.integers(-120, 120).map(lambda m: (around + timedelta(minutes=m)).time()
                                       .replace(second=0, microsecond=0))))
    else:
        naive = st.datetimes(datetime(YEARS[0], 1, 2), datetime(YEARS[1] - 1, 12, 30))  # noqa: DTZ001
        anchor = draw(naive).replace(second=0, microsecond=0, tzinfo=UTC)
        weekday = MONDAY
        send_at = draw(st.one_of(st.just(time(8, 0)), any_minute))
    now = anchor + timedelta(minutes=draw(st.integers(-30 * 60, 30 * 60)))
    quiet = draw(st.one_of(st.just((None, None)), st.just((time(20, 0), time(8, 0))),
                           st.tuples(quarter_hours, quarter_hours)))
    return name, now.replace(second=0, microsecond=0), send_at, weekday, quiet


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
@example(("Europe/Istanbul", utc(2014, 3, 31, 1, 0), time(3, 30), MONDAY, (None, None)))
@example(("Asia/Tehran", utc(2015, 9, 21, 20, 5), time(23, 45), MONDAY, (None, None)))
@example(("Antarctica/Vostok", utc(2023, 12, 17, 18, 30), time(1, 0), MONDAY,
          (time(0, 30), time(0, 45))))
@example(("Europe/Berlin", utc(2026, 3, 29, 1, 30), time(2, 15), 6, (time(2, 45), time(3, 15))))
def test_the_rule_agrees_with_the_brute_force(situation):
    name, now, send_at, weekday, (quiet_start, quiet_end) = situation
    expected = brute_force(now, time_zone=name, send_at=send_at, weekday=weekday,
                           quiet_start=quiet_start, quiet_end=quiet_end)
    due = digest_due(now, time_zone=name, send_at=send_at, weekday=weekday,
                     quiet_start=quiet_start, quiet_end=quiet_end)
    if expected is None:
        assert due is None
    else:
        assert due is not None
        assert (due.week, due.opens_at) == expected
