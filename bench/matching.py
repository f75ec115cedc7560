"""Benchmark of the matching engine against a greedy baseline on synthetic cohorts.

    .venv/bin/python bench/matching.py                  # 500, 1000, 2000, 5000 mentees
    .venv/bin/python bench/matching.py --sizes 500 1000 --capacities 1
    .venv/bin/python bench/matching.py --no-spread      # without "spread the load"

Each case runs in a fresh subprocess so the peak RSS is that case's own. Mentors = mentees.
Timing never fails the run: the numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.engine import Mentee, Mentor, Problem, Rules, Weights, solve
from matching.scoring import SCALE, build_context, score_matrix
from matching.solver import greedy_matching

DEPARTMENTS = [
    "Engineering", "Sales", "Marketing", "Finance", "HR", "Legal",
    "Operations", "Product", "Design", "Support", "Data", "Security",
]  # fmt: skip
LANGUAGES = [("English", 0.92), ("German", 0.22), ("French", 0.15), ("Spanish", 0.15),
             ("Hindi", 0.06), ("Japanese", 0.05), ("Portuguese", 0.06)]  # fmt: skip
TIMEZONES = [
    ("Europe/London", 0.2), ("Europe/Berlin", 0.25), ("America/New_York", 0.2),
    ("America/Los_Angeles", 0.1), ("Asia/Kolkata", 0.1), ("Asia/Tokyo", 0.05),
    ("Australia/Sydney", 0.05), ("America/Sao_Paulo", 0.05),
]  # fmt: skip
JUNIOR_TOPICS = [f"tech-{k}" for k in range(25)]
SENIOR_TOPICS = [f"lead-{k}" for k in range(15)]


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _languages(rng: random.Random) -> frozenset[str]:
    spoken = {lang for lang, p in LANGUAGES if rng.random() < p}
    return frozenset(spoken or {"English"})


def _availability(rng: random.Random) -> tuple[tuple[int, int, int], ...]:
    windows = []
    for _ in range(rng.randint(2, 5)):
        start = rng.randrange(8 * 60, 17 * 60, 30)
        windows.append((rng.randrange(5), start, start + rng.choice([30, 60, 60, 90, 120])))
    return tuple(windows)


def _topics(rng: random.Random, pool: list[str], low: int, high: int) -> dict[str, int]:
    return {t: rng.randint(1, 3) for t in rng.sample(pool, rng.randint(low, high))}


def synthetic_problem(n: int, capacity: int, seed: int = 7, *, spread: bool = True) -> Problem:
    """A realistic cohort: n senior mentees, n junior mentors, an org chart above them."""
    rng = random.Random(seed * 1_000_003 + n * 10 + capacity)
    executives = [f"exec-{k}" for k in range(max(3, n // 50))]
    org = dict.fromkeys(executives)
    mentees, mentors = [], []
    for k in range(n):
        boss = rng.choice(
            executives if k < n // 5 else [m.id for m in mentees[: n // 5]] or executives
        )
        mentees.append(
            Mentee(
                id=f"e{k:05d}", name=f"Leader {k}", level=rng.randint(5, 9),
                department=rng.choice(DEPARTMENTS), manager_id=boss,
                languages=_languages(rng), teaches=_topics(rng, SENIOR_TOPICS, 1, 3),
                learns=_topics(rng, JUNIOR_TOPICS, 1, 4), availability=_availability(rng),
                timezone=_pick(rng, TIMEZONES),
            )
        )  # fmt: skip
    for k in range(n):
        mentors.append(
            Mentor(
                id=f"r{k:05d}", name=f"Junior {k}", level=rng.randint(1, 4),
                department=rng.choice(DEPARTMENTS), manager_id=rng.choice(mentees).id,
                languages=_languages(rng), teaches=_topics(rng, JUNIOR_TOPICS, 2, 5),
                learns=_topics(rng, SENIOR_TOPICS, 1, 3), availability=_availability(rng),
                timezone=_pick(rng, TIMEZONES), capacity=capacity,
            )
        )  # fmt: skip
    for mentee in rng.sample(mentees, n // 20):
        mentee.requested = frozenset({rng.choice(mentors).id})
    for mentor in rng.sample(mentors, n // 50):
        mentor.excluded = frozenset({rng.choice(mentees).id})
    rules = Rules(min_seniority_gap=2, allow_same_department=False, manager_chain_depth=2,
                  spread_load=spread)
    return Problem(mentors, mentees, rules, Weights(), org_managers=org)


def run_case(n: int, capacity: int, spread: bool = True) -> dict[str, Any]:
    problem = synthetic_problem(n, capacity, spread=spread)
    result = solve(problem)
    timings = result.stats["timings"]
    ctx = build_context(problem)
    points = score_matrix(ctx)
    started = perf_counter()
    mate = greedy_matching(points, ctx.capacity)
    greedy_time = perf_counter() - started
    chosen = np.flatnonzero(mate >= 0)
    optimum_matched = {ctx.mentee_index[p.mentee_id] for p in result.pairs}
    return {
        "n": n,
        "capacity": capacity,
        "feasible": result.stats["feasible_pairs"],
        "score_s": timings["scoring_s"],
        "solve_s": timings["solving_s"],
        "total_s": timings["total_s"],
        "rounds": result.stats["certification_rounds"],
        "certified": result.stats["certified"],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "score": result.stats["total_score"],
        "matched": result.stats["matched"],
        "used": result.stats["mentors_used"],
        "greedy_s": greedy_time,
        "greedy_score": int(points[mate[chosen], chosen].astype(np.int64).sum()) / SCALE,
        "greedy_matched": len(chosen),
        "greedy_missed": len(optimum_matched - set(chosen.tolist())),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    header = (
        f"{'mentees':>7} {'cap':>3} {'feasible':>10} {'score_s':>7} {'solve_s':>7} "
        f"{'total_s':>7} {'rnd':>3} {'cert':>4} {'peakMB':>7} {'opt_score':>10} {'opt_n':>6} "
        f"{'used':>6} "
        f"{'grd_s':>6} {'grd_score':>10} {'grd_n':>6} {'ratio':>6} {'grd_miss':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        ratio = r["greedy_score"] / r["score"] if r["score"] else 1.0
        lines.append(
            f"{r['n']:>7} {r['capacity']:>3} {r['feasible']:>10} {r['score_s']:>7.2f} "
            f"{r['solve_s']:>7.2f} {r['total_s']:>7.2f} {r['rounds']:>3} "
            f"{'yes' if r['certified'] else 'no':>4} {r['peak_mb']:>7.0f} {r['score']:>10.3f} "
            f"{r['matched']:>6} {r['used']:>6} {r['greedy_s']:>6.2f} {r['greedy_score']:>10.3f} "
            f"{r['greedy_matched']:>6} {ratio:>6.4f} {r['greedy_missed']:>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--capacities", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-spread", action="store_true",
                        help='solve without "spread the load" (rules.spread_load = false)')
    parser.add_argument("--case", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(*args.case, spread=not args.no_spread)))
        return 0
    rows = []
    for n in args.sizes:
        for capacity in args.capacities:
            out = subprocess.run(  # noqa: S603 - runs this very script
                [sys.executable, __file__, "--case", str(n), str(capacity),
                 *(["--no-spread"] if args.no_spread else [])],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"done {n} x cap {capacity}", file=sys.stderr)
    print(f"spread the load: {'off' if args.no_spread else 'on'}")
    print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
