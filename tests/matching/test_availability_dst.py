"""Availability across daylight-saving changes (issue 14, §3). Pure: no database.

The rule (docs/matching.md, "Time zones and daylight saving"): the reference week is the real
UTC week from its Monday 00:00 UTC; a person is free at a UTC minute when their wall clock then
shows a time inside one of their windows [start, end). A skipped hour (clocks forward) covers
nothing; a repeated hour (clocks back) counts once, at its first occurrence (zoneinfo fold=0).

Hand-worked examples give minutes of the UTC week as utc(day, hour, minute) with the offsets
of each zone written out; the property tests compare the engine with a minute-by-minute count
using zoneinfo directly, for every pair of zones and weeks that contain each transition.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import combinations_with_replacement, pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.availability import MINUTES_PER_WEEK, utc_intervals
from matching.engine import Mentee, Mentor, Problem, Rules, Weights, score_pair, solve
from matching.friendly import Side, availability_in, local_windows, why_paired
from matching.scoring import Cells, build_context, overlap_minutes

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

US_SPRING = date(2025, 3, 3)  # Sunday 9 March: New York 02:00 EST -> 03:00 EDT (07:00 UTC)
US_FALL = date(2025, 10, 27)  # Sunday 2 November: New York 02:00 EDT -> 01:00 EST (06:00 UTC)
EU_SPRING = date(2025, 3, 24)  # Sunday 30 March, 01:00 UTC: Berlin 02 -> 03, London 01 -> 02
EU_FALL = date(2025, 10, 20)  # Sunday 26 October, 01:00 UTC: Berlin 03 -> 02, London 02 -> 01
SOUTH_FALL = date(2025, 3, 31)  # Sunday 6 April: Sydney 03:00 AEDT -> 02:00 AEST (Sat 16:00 UTC)
SOUTH_SPRING = date(2025, 9, 29)  # Sunday 5 October: Sydney 02:00 AEST -> 03:00 AEDT
CHATHAM_SPRING = date(2025, 9, 22)  # Sunday 28 September: Chatham 02:45 -> 03:45
QUIET = date(2025, 1, 6)  # no change anywhere (the default reference week)
WEEKS = [
    US_SPRING,
    US_FALL,
    EU_SPRING,
    EU_FALL,
    SOUTH_FALL,
    SOUTH_SPRING,
    CHATHAM_SPRING,
    QUIET,
]
ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",  # +5:45
    "Pacific/Chatham",  # +12:45 / +13:45, changes at 02:45 / 03:45 local
    "America/St_Johns",  # -3:30 / -2:30
    "Australia/Lord_Howe",  # a half-hour change: +10:30 / +11
]


def utc(day: int, hour: int, minute: int = 0) -> int:
    """Minute of the reference week of a UTC time on `day` (0 = the reference Monday)."""
    return day * 1440 + hour * 60 + minute


def monday(week: date) -> datetime:
    return datetime(week.year, week.month, week.day)  # noqa: DTZ001 - naive, as the engine


def intervals(zone: str, week: date, *windows: tuple[int, int, int]) -> list[tuple[int, int]]:
    return utc_intervals(Mentor(id="p", availability=windows, timezone=zone), monday(week))


def scored_overlap(
    week: date,
    mentor: tuple[str, tuple[tuple[int, int, int], ...]],
    mentee: tuple[str, tuple[tuple[int, int, int], ...]],
) -> int:
    """The overlap minutes the scoring matrix uses for one mentor and one mentee."""
    problem = Problem(
        mentors=[Mentor(id="r", timezone=mentor[0], availability=mentor[1])],
        mentees=[Mentee(id="e", timezone=mentee[0], availability=mentee[1])],
        rules=Rules(reference_week=week),
    )
    ctx = build_context(problem)
    return int(overlap_minutes(ctx, Cells(np.array([0]), np.array([0])))[0])


def minutes(pieces: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in pieces)


# --- the brute force: every UTC minute of the week through zoneinfo ------------------------------


@cache
def wall_clock(zone: str, week: date) -> tuple[np.ndarray, np.ndarray]:
    """For each UTC minute 0..MINUTES_PER_WEEK of the week (one past the end included): the
    local minute of the week its wall clock shows (weekday * 1440 + time of day) and whether
    that is the time's first occurrence (fold 0)."""
    tz = ZoneInfo(zone)
    start = datetime(week.year, week.month, week.day, tzinfo=UTC)
    labels = np.empty(MINUTES_PER_WEEK + 1, dtype=np.int64)
    first = np.empty(MINUTES_PER_WEEK + 1, dtype=bool)
    for minute in range(MINUTES_PER_WEEK + 1):
        local = (start + timedelta(minutes=minute)).astimezone(tz)
        labels[minute] = local.weekday() * 1440 + local.hour * 60 + local.minute
        first[minute] = local.fold == 0
    return labels, first


def local_mask(windows: tuple[tuple[int, int, int], ...]) -> np.ndarray:
    mask = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    for day, start, end in windows:
        mask[day * 1440 + start : day * 1440 + end] = True
    return mask


def brute_free(zone: str, week: date, windows: tuple[tuple[int, int, int], ...]) -> np.ndarray:
    """UTC minutes of the week when the wall clock in `zone` is in a window (first times)."""
    labels, first = wall_clock(zone, week)
    return local_mask(windows)[labels[:-1]] & first[:-1]


def utc_mask(pieces: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    for start, end in pieces:
        mask[start:end] = True
    return mask


# --- (a) hand-worked examples --------------------------------------------------------------------


def test_new_york_spring_forward_skips_the_missing_hour():
    # Sunday 9 March (day 6): EST (UTC-5) until 07:00 UTC, then EDT (UTC-4).
    # 01:00 EST = 06:00 UTC; 02:00 EST would be 07:00 UTC, which the clock shows as 03:00 EDT;
    # 04:00 EDT = 08:00 UTC. So 01:00-04:00 is two real hours, 06:00-08:00 UTC.
    assert intervals("America/New_York", US_SPRING, (SUN, 60, 240)) == [(utc(SUN, 6), utc(SUN, 8))]
    # 02:00-03:00 never shows on the clock that night: nothing.
    assert intervals("America/New_York", US_SPRING, (SUN, 120, 180)) == []
    # 02:30-03:30: only 03:00-03:30 EDT exists = 07:00-07:30 UTC.
    assert intervals("America/New_York", US_SPRING, (SUN, 150, 210)) == [
        (utc(SUN, 7), utc(SUN, 7, 30))
    ]
    # Saturday is still EST: 09:00-10:00 = 14:00-15:00 UTC.
    assert intervals("America/New_York", US_SPRING, (SAT, 540, 600)) == [
        (utc(SAT, 14), utc(SAT, 15))
    ]


def test_new_york_fall_back_counts_the_repeated_hour_once():
    # Sunday 2 November: EDT (UTC-4) until 06:00 UTC, then EST (UTC-5). The wall clock shows
    # 01:00-02:00 twice: 05:00-06:00 UTC (EDT, first) and 06:00-07:00 UTC (EST, repeated).
    assert intervals("America/New_York", US_FALL, (SUN, 60, 120)) == [(utc(SUN, 5), utc(SUN, 6))]
    # 00:00-03:00: 00:00-02:00 EDT = 04:00-06:00 UTC, the repeated 01:00-02:00 EST skipped,
    # then 02:00-03:00 EST = 07:00-08:00 UTC. Three hours, as on the clock.
    pieces = intervals("America/New_York", US_FALL, (SUN, 0, 180))
    assert pieces == [(utc(SUN, 4), utc(SUN, 6)), (utc(SUN, 7), utc(SUN, 8))]
    assert minutes(pieces) == 180
    # 01:30-02:30: 01:30-02:00 EDT = 05:30-06:00 UTC and 02:00-02:30 EST = 07:00-07:30 UTC.
    assert intervals("America/New_York", US_FALL, (SUN, 90, 150)) == [
        (utc(SUN, 5, 30), utc(SUN, 6)),
        (utc(SUN, 7), utc(SUN, 7, 30)),
    ]


def test_new_york_and_london_across_the_us_changes():
    # London is on GMT (UTC+0) on 9 March and on 2 November.
    # Spring: New York Sunday 01:00-04:00 = 06:00-08:00 UTC; London Sunday 06:00-09:00 UTC.
    # Shared: 06:00-08:00 = 120 minutes (converting the start and adding 3 h gave 180).
    assert (
        scored_overlap(US_SPRING, ("America/New_York", ((SUN, 60, 240),)),
                       ("Europe/London", ((SUN, 360, 540),)))
        == 120
    )  # fmt: skip
    # Fall: New York Sunday 00:00-03:00 = 04:00-06:00 and 07:00-08:00 UTC.
    # London 06:00-07:00 UTC is New York's repeated 01:00-02:00 EST: 0 minutes.
    # London 07:00-08:00 UTC is New York's 02:00-03:00 EST: 60 minutes.
    york = ("America/New_York", ((SUN, 0, 180),))
    assert scored_overlap(US_FALL, york, ("Europe/London", ((SUN, 360, 420),))) == 0
    assert scored_overlap(US_FALL, york, ("Europe/London", ((SUN, 420, 480),))) == 60


def test_berlin_and_london_spring_forward():
    # Sunday 30 March, 01:00 UTC: Berlin CET (UTC+1) -> CEST (UTC+2), 02:00 -> 03:00;
    # London GMT -> BST (UTC+1), 01:00 -> 02:00.
    # Berlin 01:00-04:00: 01:00 CET = 00:00 UTC up to 01:00 UTC (= 03:00 CEST), then to
    # 04:00 CEST = 02:00 UTC: 00:00-02:00 UTC, 120 minutes.
    assert intervals("Europe/Berlin", EU_SPRING, (SUN, 60, 240)) == [(utc(SUN, 0), utc(SUN, 2))]
    # London 00:30-02:30: 00:30 GMT = 00:30 UTC up to 01:00 UTC (= 02:00 BST), then to
    # 02:30 BST = 01:30 UTC: 00:30-01:30 UTC, 60 minutes.
    assert intervals("Europe/London", EU_SPRING, (SUN, 30, 150)) == [
        (utc(SUN, 0, 30), utc(SUN, 1, 30))
    ]
    # Together: 00:30-01:30 UTC, 60 minutes.
    assert (
        scored_overlap(EU_SPRING, ("Europe/Berlin", ((SUN, 60, 240),)),
                       ("Europe/London", ((SUN, 30, 150),)))
        == 60
    )  # fmt: skip


def test_berlin_and_london_fall_back():
    # Sunday 26 October, 01:00 UTC: Berlin CEST -> CET, 03:00 -> 02:00 (02:00-03:00 shows at
    # 00:00-01:00 UTC, then again at 01:00-02:00 UTC); London BST -> GMT, 02:00 -> 01:00
    # (01:00-02:00 shows at 00:00-01:00 UTC, then again at 01:00-02:00 UTC).
    assert intervals("Europe/Berlin", EU_FALL, (SUN, 120, 180)) == [(utc(SUN, 0), utc(SUN, 1))]
    assert intervals("Europe/London", EU_FALL, (SUN, 60, 120)) == [(utc(SUN, 0), utc(SUN, 1))]
    # Berlin 01:00-04:00: 01:00-03:00 CEST = Saturday 23:00 - Sunday 01:00 UTC, the repeated
    # 02:00-03:00 CET skipped, 03:00-04:00 CET = 02:00-03:00 UTC: 180 minutes.
    assert intervals("Europe/Berlin", EU_FALL, (SUN, 60, 240)) == [
        (utc(SAT, 23), utc(SUN, 1)),
        (utc(SUN, 2), utc(SUN, 3)),
    ]
    # London 01:00-03:00: 01:00-02:00 BST = 00:00-01:00 UTC, repeated 01:00-02:00 GMT skipped,
    # 02:00-03:00 GMT = 02:00-03:00 UTC. Shared with Berlin 01:00-04:00: 120 minutes.
    assert (
        scored_overlap(EU_FALL, ("Europe/Berlin", ((SUN, 60, 240),)),
                       ("Europe/London", ((SUN, 60, 180),)))
        == 120
    )  # fmt: skip
    # The repeated hours of both, 60 minutes, not 120.
    assert (
        scored_overlap(EU_FALL, ("Europe/Berlin", ((SUN, 120, 180),)),
                       ("Europe/London", ((SUN, 60, 120),)))
        == 60
    )  # fmt: skip


def test_sydney_fall_back_with_new_york_on_summer_time():
    # Sunday 6 April: Sydney AEDT (UTC+11) -> AEST (UTC+10) at Saturday 16:00 UTC, 03:00 -> 02:00.
    # Sydney Sunday 01:00-04:00: 01:00-03:00 AEDT = Saturday 14:00-16:00 UTC; the repeated
    # 02:00-03:00 AEST (16:00-17:00 UTC) skipped; 03:00-04:00 AEST = 17:00-18:00 UTC.
    sydney = ("Australia/Sydney", ((SUN, 60, 240),))
    assert intervals("Australia/Sydney", SOUTH_FALL, (SUN, 60, 240)) == [
        (utc(SAT, 14), utc(SAT, 16)),
        (utc(SAT, 17), utc(SAT, 18)),
    ]
    # New York has been on EDT (UTC-4) since 9 March: Saturday 10:00-13:00 = 14:00-17:00 UTC.
    # Shared: 14:00-16:00 UTC = 120 minutes (adding 3 h to the start gave 180).
    york = ("America/New_York", ((SAT, 600, 780),))
    assert scored_overlap(SOUTH_FALL, sydney, york) == 120


def test_sydney_spring_forward_and_odd_offsets():
    # Sunday 5 October: Sydney AEST (UTC+10) -> AEDT (UTC+11) at Saturday 16:00 UTC, 02 -> 03.
    # 01:00-04:00: 01:00 AEST = Saturday 15:00 UTC to 04:00 AEDT = Saturday 17:00 UTC.
    assert intervals("Australia/Sydney", SOUTH_SPRING, (SUN, 60, 240)) == [
        (utc(SAT, 15), utc(SAT, 17))
    ]
    # Chatham, Sunday 28 September: 02:45 +12:45 -> 03:45 +13:45 (Saturday 14:00 UTC).
    # 02:00-04:00: 02:00-02:45 = Saturday 13:15-14:00 UTC, 03:45-04:00 = 14:00-14:15 UTC.
    assert intervals("Pacific/Chatham", CHATHAM_SPRING, (SUN, 120, 240)) == [
        (utc(SAT, 13, 15), utc(SAT, 14, 15))
    ]
    # Lord Howe, Sunday 6 April: 02:00 +11 -> 01:30 +10:30 (Saturday 15:00 UTC), so
    # 01:30-02:00 repeats. 01:00-03:00: 01:00-02:00 +11 = 14:00-15:00 UTC, the repeated half
    # hour (15:00-15:30 UTC) skipped, 02:00-03:00 +10:30 = 15:30-16:30 UTC. 120 minutes.
    assert intervals("Australia/Lord_Howe", SOUTH_FALL, (SUN, 60, 180)) == [
        (utc(SAT, 14), utc(SAT, 15)),
        (utc(SAT, 15, 30), utc(SAT, 16, 30)),
    ]


def test_the_utc_week_meets_an_hour_at_its_edge_twice_or_never_when_clocks_change():
    # The week of 3 March starts at Sunday 2 March 19:00 EST and ends at Sunday 9 March 20:00
    # EDT in New York: Sunday 19:00-21:00 is met on 2 March (00:00-02:00 UTC Monday) and on
    # 9 March from 19:00 EDT (23:00 UTC) until the week ends: 180 minutes in that real week.
    assert intervals("America/New_York", US_SPRING, (SUN, 1140, 1260)) == [
        (0, 120),
        (utc(SUN, 23), MINUTES_PER_WEEK),
    ]
    # The week of 27 October runs from Sunday 26 October 20:00 EDT to Sunday 2 November
    # 19:00 EST: Sunday 19:00-20:00 never shows on a New York clock during it.
    assert intervals("America/New_York", US_FALL, (SUN, 1140, 1200)) == []
    # The same windows on a week without a change are met once.
    assert minutes(intervals("America/New_York", QUIET, (SUN, 1140, 1260))) == 120
    assert minutes(intervals("America/New_York", QUIET, (SUN, 1140, 1200))) == 60


# --- (b) the engine against a minute-by-minute count with zoneinfo -------------------------------

# Windows around the early-morning changes of every zone (and the edges of the week) so that
# each pair meets them: Friday to Monday, several cuts through the night.
PROBE_A = (
    (FRI, 1200, 1440),
    (SAT, 0, 100),
    (SAT, 700, 1100),
    (SUN, 30, 150),
    (SUN, 165, 230),
    (SUN, 600, 1300),
    (MON, 0, 200),
)
PROBE_B = (
    (SAT, 90, 600),
    (SAT, 1000, 1440),
    (SUN, 0, 75),
    (SUN, 100, 200),
    (SUN, 220, 1000),
    (SUN, 1100, 1440),
    (MON, 300, 900),
)


@pytest.mark.parametrize("week", WEEKS, ids=str)
def test_every_zone_and_every_pair_of_zones_matches_the_minute_by_minute_count(week):
    for zone in ZONES:
        for probe in (PROBE_A, PROBE_B):
            assert np.array_equal(
                utc_mask(intervals(zone, week, *probe)), brute_free(zone, week, probe)
            ), (zone, probe)
    for zone_a, zone_b in combinations_with_replacement(ZONES, 2):
        expected = int(
            (brute_free(zone_a, week, PROBE_A) & brute_free(zone_b, week, PROBE_B)).sum()
        )
        assert scored_overlap(week, (zone_a, PROBE_A), (zone_b, PROBE_B)) == expected, (
            zone_a,
            zone_b,
        )


# Starts near the changes (00:00-04:00 local) half of the time, anywhere the other half.
_minute = st.one_of(st.integers(0, 1439), st.integers(0, 240))
_day = st.one_of(st.sampled_from([SAT, SUN, MON]), st.integers(0, 6))


@st.composite
def windows(draw: st.DrawFn) -> tuple[tuple[int, int, int], ...]:
    result = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(_minute)
        end = draw(st.one_of(st.integers(start + 1, 1440), st.integers(start + 1, start + 240)))
        result.append((draw(_day), start, min(end, 1440)))
    return tuple(result)


DST_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@DST_SETTINGS
@given(
    week=st.sampled_from(WEEKS),
    zone_a=st.sampled_from(ZONES),
    zone_b=st.sampled_from(ZONES),
    windows_a=windows(),
    windows_b=windows(),
)
def test_overlap_equals_the_minute_by_minute_count(week, zone_a, zone_b, windows_a, windows_b):
    free_a, free_b = brute_free(zone_a, week, windows_a), brute_free(zone_b, week, windows_b)
    for zone, wins, free in ((zone_a, windows_a, free_a), (zone_b, windows_b, free_b)):
        pieces = intervals(zone, week, *wins)
        # Sorted, disjoint, not touching, inside the week.
        assert all(0 <= s < e <= MINUTES_PER_WEEK for s, e in pieces)
        assert all(e1 < s2 for (_, e1), (s2, _) in pairwise(pieces))
        assert np.array_equal(utc_mask(pieces), free)
    expected = int((free_a & free_b).sum())
    assert scored_overlap(week, (zone_a, windows_a), (zone_b, windows_b)) == expected


# --- friendly.py: UTC minutes shown back on a wall clock -----------------------------------------


def test_free_time_across_spring_forward_is_shown_without_the_missing_hour():
    # 06:00-08:00 UTC on 9 March is 01:00 EST to 04:00 EDT: two real hours, shown as
    # 01:00-04:00 (starting at 01:00 and adding 2 h showed 01:00-03:00).
    assert local_windows([(utc(SUN, 6), utc(SUN, 8))], "America/New_York", US_SPRING) == [
        (SUN, 60, 240)
    ]
    # The hour before the jump ends when the clock shows 03:00 (02:00 never shows).
    assert local_windows([(utc(SUN, 6), utc(SUN, 7))], "America/New_York", US_SPRING) == [
        (SUN, 60, 180)
    ]
    assert local_windows([(utc(SUN, 7), utc(SUN, 8))], "America/New_York", US_SPRING) == [
        (SUN, 180, 240)
    ]
    # A person's own windows come back as they gave them.
    york = Side(name="Sam", availability=((SUN, 60, 240),), timezone="America/New_York")
    assert availability_in(york, "America/New_York", US_SPRING) == ["Sunday 01:00–04:00"]
    assert availability_in(york, "UTC", US_SPRING) == ["Sunday 06:00–08:00"]


def test_free_time_across_fall_back_shows_the_repeated_hour_once():
    # 05:00-07:00 UTC on 2 November is 01:00-02:00 EDT and again 01:00-02:00 EST.
    assert local_windows([(utc(SUN, 5), utc(SUN, 7))], "America/New_York", US_FALL) == [
        (SUN, 60, 120)
    ]
    # 05:30-06:10 UTC is 01:30-02:00 EDT then 01:00-01:10 EST: two pieces of the clock.
    assert local_windows([(utc(SUN, 5, 30), utc(SUN, 6, 10))], "America/New_York", US_FALL) == [
        (SUN, 60, 70),
        (SUN, 90, 120),
    ]
    york = Side(name="Sam", availability=((SUN, 0, 180),), timezone="America/New_York")
    assert availability_in(york, "America/New_York", US_FALL) == ["Sunday 00:00–03:00"]
    assert availability_in(york, "Europe/London", US_FALL) == [
        "Sunday 04:00–06:00",
        "Sunday 07:00–08:00",
    ]


def test_why_paired_shows_the_dst_correct_common_time_and_counts_real_hours():
    # Sam (New York) Sunday 00:00-03:00 = 04:00-06:00 and 07:00-08:00 UTC on 2 November; Lou
    # (London, GMT) Sunday 06:00-09:00: both free 07:00-08:00 UTC = 02:00-03:00 EST.
    sam = Side(name="Sam", availability=((SUN, 0, 180),), timezone="America/New_York")
    lou = Side(name="Lou", availability=((SUN, 360, 540),), timezone="Europe/London")
    assert why_paired(me=sam, partner=lou, timezone="America/New_York", reference=US_FALL) == [
        "You are both free on Sunday 02:00–03:00 (your time, America/New_York)."
    ]
    assert why_paired(me=lou, partner=sam, timezone="Europe/London", reference=US_FALL) == [
        "You are both free on Sunday 07:00–08:00 (your time, Europe/London)."
    ]
    # The total is the real time, as the engine counts it: on 9 March, 01:00-04:00 in New York
    # (shown as one window across the skipped hour) is 2 h; with three more hours that
    # Sunday, 5 h, not the 6 h the shown windows add up to.
    day = ((SUN, 600, 660), (SUN, 720, 780), (SUN, 840, 900))
    ana = Side(name="Ana", availability=((SUN, 60, 240), *day), timezone="America/New_York")
    bo = Side(name="Bo", availability=((SUN, 0, 300), *day), timezone="America/New_York")
    assert why_paired(me=ana, partner=bo, timezone="America/New_York", reference=US_SPRING) == [
        "You are both free on Sunday 01:00–04:00, Sunday 10:00–11:00, Sunday 12:00–13:00 "
        "and 1 more (5 h a week in all) (your time, America/New_York)."
    ]


_utc_starts = st.one_of(st.integers(0, MINUTES_PER_WEEK - 1), st.integers(7900, 9300))


@DST_SETTINGS
@given(
    week=st.sampled_from(WEEKS),
    zone=st.sampled_from(ZONES),
    raw=st.lists(st.tuples(_utc_starts, st.integers(1, 300)), max_size=4),
)
def test_shown_windows_are_the_wall_clock_of_the_free_minutes(week, zone, raw):
    pieces = sorted((s, min(s + n, MINUTES_PER_WEEK)) for s, n in raw)
    free = utc_mask(pieces)
    shown = local_windows(pieces, zone, week)
    shown_mask = local_mask(tuple(shown))
    labels, _ = wall_clock(zone, week)
    wanted = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    wanted[labels[:-1][free]] = True
    # Every free minute is shown at the time the clock in `zone` shows then ...
    assert not (wanted & ~shown_mask).any()
    # ... and anything else shown is a time the clock skips during that week.
    met = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    met[labels] = True
    assert not (shown_mask & ~wanted & met).any()
    # No window starts at a time that does not exist, nor ends at one (24:00 aside).
    for day, start, end in shown:
        assert wanted[day * 1440 + start]
        assert end == 1440 or met[day * 1440 + end]


# --- (c) end to end: the engine's result ---------------------------------------------------------

AVAILABILITY_ONLY = Weights(
    topic_coverage=0, reverse_coverage=0, availability=1, department_diversity=0, pairing_request=0
)


def test_solve_pairs_and_explains_by_the_dst_correct_overlap():
    # Mentor in New York, Sunday 00:00-03:00 on the week of 2 November = 04:00-06:00 and
    # 07:00-08:00 UTC. Mentee "repeat" (London, GMT) is free 06:00-07:00 UTC, New York's
    # repeated 01:00-02:00 EST: 0 minutes. Mentee "after" is free 06:30-08:00 UTC: 07:00-08:00,
    # 60 minutes. (Adding 3 h to 04:00 UTC gave 04:00-07:00: 60 and 30 minutes.)
    problem = Problem(
        mentors=[Mentor(id="r", timezone="America/New_York", availability=((SUN, 0, 180),))],
        mentees=[
            Mentee(id="repeat", level=5, timezone="Europe/London", availability=((SUN, 360, 420),)),
            Mentee(id="after", level=5, timezone="Europe/London", availability=((SUN, 390, 480),)),
        ],
        rules=Rules(reference_week=US_FALL, language_must_match=False),
        weights=AVAILABILITY_ONLY,
    )
    result = solve(problem)

    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [("r", "after")]
    pair = result.pairs[0]
    assert pair.components["availability"] == round(60 / 180, 4)
    assert "Availability: 1 h weekly overlap (full marks at 3 h)" in pair.explanation
    assert pair.score == round(60 / 180, 3)
    assert score_pair(problem, "r", "repeat")[1]["availability"] == 0.0


def test_solve_over_spring_forward_counts_two_real_hours():
    # New York Sunday 01:00-04:00 on 9 March = 06:00-08:00 UTC; London Sunday 06:00-09:00 GMT.
    problem = Problem(
        mentors=[Mentor(id="r", timezone="America/New_York", availability=((SUN, 60, 240),))],
        mentees=[
            Mentee(id="e", level=5, timezone="Europe/London", availability=((SUN, 360, 540),))
        ],
        rules=Rules(reference_week=US_SPRING, language_must_match=False),
    )
    pair = solve(problem).pairs[0]

    assert pair.components["availability"] == round(120 / 180, 4)
    assert "Availability: 2 h weekly overlap (full marks at 3 h)" in pair.explanation
