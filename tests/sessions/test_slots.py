"""The slot finder (sessions/slots.py) against a brute-force, minute-by-minute reading of the
same rule: a person is free at a UTC minute when its wall-clock time in their zone is inside
one of their weekly windows. Across fractional-hour zones and the spring and autumn clock
changes of Europe/London and America/New_York."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.slots import (
    Person,
    ceil_to_step,
    common_free,
    find_slots,
    free_intervals,
    is_free,
    parse_windows,
    window_label,
    windows_in_zone,
)

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
         "Asia/Kathmandu", "UTC"]
# Around the clock changes: London 2027-03-28 / 2027-10-31, New York 2027-03-14 / 2027-11-07,
# Adelaide 2027-04-04 / 2027-10-03.
STARTS = [datetime(2027, 3, 12, tzinfo=UTC), datetime(2027, 3, 26, tzinfo=UTC),
          datetime(2027, 10, 29, tzinfo=UTC), datetime(2027, 11, 5, tzinfo=UTC),
          datetime(2027, 4, 2, tzinfo=UTC), datetime(2027, 10, 1, tzinfo=UTC),
          datetime(2027, 6, 7, 5, 13, tzinfo=UTC)]


def _free_minutes(person: Person, start: datetime, minutes: int) -> list[bool]:
    tz = ZoneInfo(person.timezone)
    free = []
    for index in range(minutes):
        local = (start + timedelta(minutes=index)).astimezone(tz)
        minute = local.hour * 60 + local.minute
        free.append(any(day == local.weekday() and first <= minute < last
                        for day, first, last in person.windows))
    return free


def brute_force_slots(people, *, earliest, until, minutes, busy=(), count=5, step=15):
    total = int((until - earliest) / timedelta(minutes=1))
    masks = [_free_minutes(p, earliest, total) for p in people]
    free = [all(mask[i] for mask in masks) for i in range(total)]
    for busy_start, busy_end in busy:
        for i in range(total):
            moment = earliest + timedelta(minutes=i)
            if busy_start <= moment < busy_end:
                free[i] = False
    slots, i = [], 0
    while i < total and len(slots) < count:
        if not free[i]:
            i += 1
            continue
        run_end = i
        while run_end < total and free[run_end]:
            run_end += 1
        first = ceil_to_step(earliest + timedelta(minutes=i), step)
        offset = int((first - earliest) / timedelta(minutes=1))
        if offset + minutes <= run_end:
            slots.append(first)
        i = run_end
    return slots


window = st.tuples(st.integers(0, 6), st.integers(0, 95), st.integers(1, 24)).map(
    lambda t: (t[0], t[1] * 15, min(t[1] * 15 + t[2] * 15, 1440)))
person = st.builds(Person, windows=st.lists(window, max_size=6).map(tuple),
                   timezone=st.sampled_from(ZONES))


@settings(max_examples=60, deadline=None)
@given(first=person, second=person, start=st.sampled_from(STARTS),
       minutes=st.sampled_from([15, 30, 45, 60, 90]),
       busy=st.lists(st.tuples(st.integers(0, 6 * 24 * 4), st.integers(1, 12)), max_size=3))
def test_slots_match_a_minute_by_minute_check(first, second, start, minutes, busy):
    until = start + timedelta(days=6)
    busy_intervals = [(start + timedelta(minutes=15 * q), start + timedelta(minutes=15 * (q + n)))
                      for q, n in busy]

    found = find_slots([first, second], earliest=start, until=until, minutes=minutes,
                       busy=busy_intervals)

    assert found == brute_force_slots([first, second], earliest=start, until=until,
                                      minutes=minutes, busy=busy_intervals)


@settings(max_examples=40, deadline=None)
@given(someone=person, start=st.sampled_from(STARTS))
def test_free_intervals_match_a_minute_by_minute_check(someone, start):
    until = start + timedelta(days=4)
    total = 4 * 24 * 60

    intervals = free_intervals(someone, start, until)

    covered = [any(a <= start + timedelta(minutes=i) < b for a, b in intervals)
               for i in range(total)]
    assert covered == _free_minutes(someone, start, total)


@settings(max_examples=40, deadline=None)
@given(first=person, second=person, start=st.sampled_from(STARTS), minutes=st.sampled_from(
    [15, 45]))
def test_every_suggested_slot_is_free_and_a_slot_off_the_grid_is_checked_exactly(
        first, second, start, minutes):
    until = start + timedelta(days=5)
    for slot in find_slots([first, second], earliest=start, until=until, minutes=minutes):
        assert is_free([first, second], start=slot, minutes=minutes)
        assert not is_free([first, second], start=slot, minutes=minutes,
                           busy=[(slot + timedelta(minutes=minutes - 1),
                                  slot + timedelta(minutes=minutes))])


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_london_spring_forward_keeps_local_hours():
    # Monday 09:00-10:00 in London is 09:00 UTC before 28 March 2027 and 08:00 UTC after
    londoner = Person(((0, 540, 600),), "Europe/London")

    free = free_intervals(londoner, _utc(2027, 3, 22), _utc(2027, 4, 5))

    assert free == [(_utc(2027, 3, 22, 9), _utc(2027, 3, 22, 10)),
                    (_utc(2027, 3, 29, 8), _utc(2027, 3, 29, 9))]


def test_a_window_in_the_skipped_hour_is_free_only_where_it_exists():
    # Sunday 28 March 2027, London: 01:00 GMT jumps to 02:00 BST
    night_owl = Person(((6, 30, 150),), "Europe/London")  # 00:30-02:30 local

    free = free_intervals(night_owl, _utc(2027, 3, 27, 20), _utc(2027, 3, 28, 6))

    # 00:30-01:00 GMT, then 02:00-02:30 BST (01:00-01:30 UTC): one hour of real time
    assert free == [(_utc(2027, 3, 28, 0, 30), _utc(2027, 3, 28, 1, 30))]


def test_a_window_in_the_repeated_hour_is_free_twice():
    # Sunday 7 November 2027, New York: 02:00 EDT goes back to 01:00 EST
    early = Person(((6, 60, 90),), "America/New_York")  # 01:00-01:30 local

    free = free_intervals(early, _utc(2027, 11, 7), _utc(2027, 11, 7, 12))

    assert free == [(_utc(2027, 11, 7, 5), _utc(2027, 11, 7, 5, 30)),
                    (_utc(2027, 11, 7, 6), _utc(2027, 11, 7, 6, 30))]


def test_fractional_hour_zones_meet_on_the_quarter_hour():
    # Kolkata is UTC+05:30; Adelaide UTC+10:30 in (southern) summer
    kolkata = Person(((1, 9 * 60, 12 * 60),), "Asia/Kolkata")  # Tue 03:30-06:30 UTC
    adelaide = Person(((1, 14 * 60, 16 * 60 + 30),), "Australia/Adelaide")  # 03:30-06:00 UTC

    slots = find_slots([kolkata, adelaide], earliest=_utc(2027, 1, 4), until=_utc(2027, 1, 20),
                       minutes=45)

    assert slots == [_utc(2027, 1, 5, 3, 30), _utc(2027, 1, 12, 3, 30),
                     _utc(2027, 1, 19, 3, 30)]


def test_slots_start_on_the_grid_after_the_earliest_moment():
    both = [Person(((0, 540, 720),), "UTC"), Person(((0, 540, 720),), "UTC")]

    slots = find_slots(both, earliest=_utc(2027, 1, 4, 9, 7), until=_utc(2027, 1, 5),
                       minutes=45)

    assert slots == [_utc(2027, 1, 4, 9, 15)]


def test_a_booked_session_splits_the_free_stretch():
    both = [Person(((0, 540, 720),), "UTC"), Person(((0, 540, 720),), "UTC")]
    booked = [(_utc(2027, 1, 4, 9, 30), _utc(2027, 1, 4, 10, 15))]

    slots = find_slots(both, earliest=_utc(2027, 1, 4), until=_utc(2027, 1, 5), minutes=45,
                       busy=booked)

    assert slots == [_utc(2027, 1, 4, 10, 15)]
    assert common_free(both, _utc(2027, 1, 4), _utc(2027, 1, 5), booked) == [
        (_utc(2027, 1, 4, 9), _utc(2027, 1, 4, 9, 30)),
        (_utc(2027, 1, 4, 10, 15), _utc(2027, 1, 4, 12))]


def test_at_most_five_slots_by_default():
    both = [Person(tuple((d, 540, 600) for d in range(7)), "UTC")] * 2

    slots = find_slots(both, earliest=_utc(2027, 1, 4), until=_utc(2027, 2, 1), minutes=30)

    assert slots == [_utc(2027, 1, day, 9) for day in range(4, 9)]


def test_windows_are_shown_in_the_readers_zone_cut_at_midnight():
    # Monday 22:00-23:30 in New York (EST, UTC-5) is Tuesday 03:00-04:30 in London (GMT)
    new_yorker = Person(((0, 22 * 60, 23 * 60 + 30), (2, 0, 60)), "America/New_York")

    shown = windows_in_zone(new_yorker, "Europe/London", date(2027, 1, 13))

    assert shown == [(1, 180, 270), (2, 300, 360)]
    assert [window_label(w) for w in shown] == ["Tuesday 03:00–04:30", "Wednesday 05:00–06:00"]
    # in Kolkata (UTC+05:30) the Monday evening window crosses midnight into Tuesday morning
    assert windows_in_zone(new_yorker, "Asia/Kolkata", date(2027, 1, 13))[:1] == [
        (1, 8 * 60 + 30, 10 * 60)]


@pytest.mark.parametrize(("raw", "expected"), [
    ([{"weekday": 0, "start": "09:00", "end": "10:30"}], ((0, 540, 630),)),
    ([{"weekday": 9, "start": "09:00", "end": "10:00"}, {"weekday": 1}, "junk",
      {"weekday": 2, "start": "11:00", "end": "10:00"}], ()),
    (None, ()),
])
def test_unreadable_windows_are_left_out(raw, expected):
    assert parse_windows(raw) == expected
