"""Benchmark of the slot finder (sessions/slots.py): two people with 20 weekly windows each,
in different time zones (one with a fractional offset), over 4 weeks, with a few booked
sessions in the way; also across a DST change. Pure Python, no database.

    .venv/bin/python bench/workspace.py            # 200 runs per case
    .venv/bin/python bench/workspace.py --runs 1000

Prints the median and 95th percentile of one ``find_slots`` call (the target is under 50 ms)
and of ``is_free`` (the re-check when a suggested slot is submitted). Not asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sessions.slots import Person, find_slots, is_free


def _windows(rng: random.Random, count: int) -> tuple[tuple[int, int, int], ...]:
    """``count`` non-overlapping weekly windows of 30 min to 2 h, three or so per weekday."""
    windows: list[tuple[int, int, int]] = []
    while len(windows) < count:
        day = rng.randrange(7)
        start = rng.randrange(6 * 4, 20 * 4) * 15
        end = min(start + rng.choice([30, 45, 60, 90, 120]), 1440)
        if all(d != day or end <= s or start >= e for d, s, e in windows):
            windows.append((day, start, end))
    return tuple(sorted(windows))


def _time(call, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(19)
    cases = {
        "London × Kolkata, 4 weeks": (datetime(2027, 6, 7, 8, 3, tzinfo=UTC),
                                      "Europe/London", "Asia/Kolkata"),
        "New York × Adelaide, 4 weeks over a DST change": (
            datetime(2027, 3, 1, 8, 3, tzinfo=UTC), "America/New_York", "Australia/Adelaide"),
        "London × New York, 4 weeks over both spring changes": (
            datetime(2027, 3, 10, 8, 3, tzinfo=UTC), "Europe/London", "America/New_York"),
    }
    print(f"find_slots / is_free: two people, 20 windows each, {args.runs} runs per case")
    for name, (start, first_tz, second_tz) in cases.items():
        people = [Person(_windows(rng, 20), first_tz), Person(_windows(rng, 20), second_tz)]
        until = start + timedelta(weeks=4)
        busy = [(start + timedelta(days=d, hours=10), start + timedelta(days=d, hours=11))
                for d in (1, 5, 9, 16)]
        found = find_slots(people, earliest=start, until=until, minutes=45, busy=busy)
        median, p95 = _time(lambda p=people, u=until, b=busy, s=start: find_slots(
            p, earliest=s, until=u, minutes=45, busy=b), args.runs)
        check = found[0] if found else start
        free_median, free_p95 = _time(lambda p=people, c=check, b=busy: is_free(
            p, start=c, minutes=45, busy=b), args.runs)
        print(f"  {name}: {len(found)} slots; find_slots median {median:.2f} ms, "
              f"p95 {p95:.2f} ms; is_free median {free_median:.3f} ms, p95 {free_p95:.3f} ms")


if __name__ == "__main__":
    main()
