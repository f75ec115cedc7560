"""Benchmark of the matching engine against a dense solver and a greedy baseline.

    .venv/bin/python bench/matching.py                  # 500, 1000, 2000, 5000 mentees
    .venv/bin/python bench/matching.py --sizes 500 1000 --capacities 1
    .venv/bin/python bench/matching.py --no-spread      # without "spread the load"
    .venv/bin/python bench/matching.py --dense --sizes 5000 10000 --repeat 3
    .venv/bin/python bench/matching.py --sparse --sizes 5000 10000 --no-lsa

Cohort profiles (seeded; mentors = mentees):
  default   the realistic cohort of the docs (gap 2, department rule, 8 time zones, 25 + 15
            topics, an org chart): about 81 % of the pairs feasible;
  --dense   the issue-14 cohort: one seniority step, no department rule, 9 time zones, one pool
            of 30 topics, no org chart: about 78 % feasible;
  --sparse  gap 2 on overlapping levels, department rule, fewer shared languages: about 20 %.

Each case runs in a fresh subprocess (`--repeat` times; the table shows medians) so the peak RSS
is that case's own. Beside the engine (`solve()` end to end: scoring / solving split, rounds,
candidate arcs, peak RSS measured before anything else runs), the same run builds the full score
matrix and solves it densely with scipy's linear_sum_assignment (mentor rows replicated by
capacity, the first copy of a mentor earning the spread bonus) and checks that both reach the
same (matched, distinct mentors, total points). Timing never fails the run: the numbers are
reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
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
    rules = Rules(
        min_seniority_gap=2, allow_same_department=False, manager_chain_depth=2, spread_load=spread
    )
    return Problem(mentors, mentees, rules, Weights(), org_managers=org)


DENSE_ZONES = [
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
]  # fmt: skip
DENSE_TOPICS = [f"topic-{k:02d}" for k in range(30)]


def dense_problem(n: int, capacity: int, seed: int = 7, *, spread: bool = True) -> Problem:
    """Issue 14's dense cohort: one seniority step (mentors at levels 1-6, mentees at 4-9), no
    department rule, no reporting lines, 9 time zones, one pool of 30 topics: ~78 % feasible."""
    rng = random.Random(seed * 1_000_003 + n * 10 + capacity + 5)

    def person(cls: type, k: int, levels: tuple[int, int], **extra: Any) -> Any:
        prefix = "r" if cls is Mentor else "e"
        return cls(
            id=f"{prefix}{k:05d}", name=f"{cls.__name__} {k}", level=rng.randint(*levels),
            department=rng.choice(DEPARTMENTS), languages=_languages(rng),
            teaches=_topics(rng, DENSE_TOPICS, 1, 4), learns=_topics(rng, DENSE_TOPICS, 1, 4),
            availability=_availability(rng), timezone=rng.choice(DENSE_ZONES), **extra,
        )  # fmt: skip

    mentees = [person(Mentee, k, (4, 9)) for k in range(n)]
    mentors = [person(Mentor, k, (1, 6), capacity=capacity) for k in range(n)]
    for mentee in rng.sample(mentees, n // 20):
        mentee.requested = frozenset({rng.choice(mentors).id})
    rules = Rules(
        min_seniority_gap=1, allow_same_department=True, manager_chain_depth=0, spread_load=spread
    )
    return Problem(mentors, mentees, rules, Weights())


def sparse_problem(n: int, capacity: int, seed: int = 7, *, spread: bool = True) -> Problem:
    """A sparse cohort: gap 2 on overlapping levels, the department rule, and languages
    that are often not shared (English only for half): ~20 % of the pairs feasible."""
    rng = random.Random(seed * 1_000_003 + n * 10 + capacity + 9)
    spoken = [("English", 0.5), ("German", 0.3), ("French", 0.25), ("Spanish", 0.25),
              ("Hindi", 0.1), ("Japanese", 0.1)]  # fmt: skip

    def person(cls: type, k: int, levels: tuple[int, int], **extra: Any) -> Any:
        prefix = "r" if cls is Mentor else "e"
        languages = frozenset({lang for lang, p in spoken if rng.random() < p} or {"Hindi"})
        return cls(
            id=f"{prefix}{k:05d}", name=f"{cls.__name__} {k}", level=rng.randint(*levels),
            department=rng.choice(DEPARTMENTS[:4]), languages=languages,
            teaches=_topics(rng, DENSE_TOPICS, 1, 4), learns=_topics(rng, DENSE_TOPICS, 1, 4),
            availability=_availability(rng), timezone=_pick(rng, TIMEZONES), **extra,
        )  # fmt: skip

    mentees = [person(Mentee, k, (3, 9)) for k in range(n)]
    mentors = [person(Mentor, k, (1, 7), capacity=capacity) for k in range(n)]
    rules = Rules(
        min_seniority_gap=2, allow_same_department=False, manager_chain_depth=0, spread_load=spread
    )
    return Problem(mentors, mentees, rules, Weights())


PROFILES = {"default": synthetic_problem, "dense": dense_problem, "sparse": sparse_problem}


def lsa_optimum(points: np.ndarray, capacity: np.ndarray, *, spread: bool) -> tuple[int, int, int]:
    """(matched, distinct mentors, total points) of the participation optimum, solved densely:
    linear_sum_assignment on the mentees x capacity-replicated mentors matrix (float64, exact
    below 2^53). A match earns M > any total of bonuses and points; with spread a mentor's first
    copy also earns B > any total of points, so the order is (matched, distinct, points)."""
    from scipy.optimize import linear_sum_assignment  # dev extra: only the bench needs it

    n = points.shape[1]
    owner = np.repeat(np.arange(len(capacity)), capacity)
    first_copy = np.r_[True, owner[1:] != owner[:-1]]
    bonus = float(SCALE * n + 1)
    match = bonus * (n + 1) if spread else bonus
    weights = points.T[:, owner].astype(np.float64)  # mentees x slots: no transposed copy
    feasible = weights >= 0
    weights += match
    if spread:
        weights += np.where(first_copy, bonus, 0.0)[None, :]
    weights[~feasible] = 0.0
    del feasible
    mentee_rows, slot_cols = linear_sum_assignment(weights, maximize=True)
    chosen = points[owner[slot_cols], mentee_rows]
    keep = chosen >= 0
    return (
        int(keep.sum()),
        len(set(owner[slot_cols[keep]].tolist())),
        int(chosen[keep].astype(np.int64).sum()),
    )


def run_case(
    n: int, capacity: int, *, profile: str = "default", spread: bool = True,
    lsa: bool = True, greedy: bool = True,
) -> dict[str, Any]:  # fmt: skip
    problem = PROFILES[profile](n, capacity, spread=spread)
    result = solve(problem)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = result.stats["timings"]
    row: dict[str, Any] = {
        "n": n,
        "capacity": capacity,
        "feasible": result.stats["feasible_pairs"],
        "score_s": timings["scoring_s"],
        "solve_s": timings["solving_s"],
        "total_s": timings["total_s"],
        "rounds": result.stats["certification_rounds"],
        "arcs": result.stats["candidate_arcs"],
        "certified": result.stats["certified"],
        "peak_mb": peak_mb,
        "score": result.stats["total_score"],
        "matched": result.stats["matched"],
        "used": result.stats["mentors_used"],
    }
    if not (lsa or greedy):
        return row
    started = perf_counter()
    ctx = build_context(problem)
    points = score_matrix(ctx)
    matrix_s = perf_counter() - started
    if lsa:
        started = perf_counter()
        matched, distinct, total = lsa_optimum(points, ctx.capacity, spread=spread)
        engine_total = round(result.stats["total_score"] * SCALE)
        same = matched == result.stats["matched"] and total == engine_total
        if spread:
            same = same and distinct == result.stats["mentors_used"]
        row |= {"lsa_matrix_s": matrix_s, "lsa_solve_s": perf_counter() - started,
                "lsa_same": same}  # fmt: skip
    if greedy:
        started = perf_counter()
        mate = greedy_matching(points, ctx.capacity)
        chosen = np.flatnonzero(mate >= 0)
        optimum_matched = {ctx.mentee_index[p.mentee_id] for p in result.pairs}
        row |= {
            "greedy_s": perf_counter() - started,
            "greedy_score": int(points[mate[chosen], chosen].astype(np.int64).sum()) / SCALE,
            "greedy_matched": len(chosen),
            "greedy_missed": len(optimum_matched - set(chosen.tolist())),
        }
    return row


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the timings and memory of repeated runs of one case; the rest of the first
    (it is deterministic), with `same`/`certified` true only if true in every run."""
    row = dict(runs[0])
    for key in ("score_s", "solve_s", "total_s", "peak_mb", "lsa_matrix_s", "lsa_solve_s",
                "greedy_s"):  # fmt: skip
        if key in row:
            row[key] = statistics.median(r[key] for r in runs)
    for key in ("certified", "lsa_same"):
        if key in row:
            row[key] = all(r[key] for r in runs)
    row["runs"] = len(runs)
    return row


def _table(rows: list[dict[str, Any]]) -> str:
    header = (
        f"{'mentees':>7} {'cap':>3} {'feasible':>10} {'score_s':>7} {'solve_s':>7} "
        f"{'total_s':>7} {'rnd':>3} {'arcs':>9} {'cert':>4} {'peakMB':>7} {'opt_score':>10} "
        f"{'opt_n':>6} {'used':>6}"
    )
    if any("lsa_same" in r for r in rows):
        header += f" {'lsa_mat':>7} {'lsa_slv':>7} {'lsa_tot':>7} {'eng/lsa':>7} {'same':>4}"
    if any("greedy_s" in r for r in rows):
        header += f" {'grd_s':>6} {'grd_score':>10} {'grd_n':>6} {'ratio':>6} {'grd_miss':>8}"
    lines = [header, "-" * len(header)]
    for r in rows:
        line = (
            f"{r['n']:>7} {r['capacity']:>3} {r['feasible']:>10} {r['score_s']:>7.2f} "
            f"{r['solve_s']:>7.2f} {r['total_s']:>7.2f} {r['rounds']:>3} {r['arcs']:>9} "
            f"{'yes' if r['certified'] else 'no':>4} {r['peak_mb']:>7.0f} {r['score']:>10.3f} "
            f"{r['matched']:>6} {r['used']:>6}"
        )
        if "lsa_same" in r:
            lsa_total = r["lsa_matrix_s"] + r["lsa_solve_s"]
            line += (
                f" {r['lsa_matrix_s']:>7.2f} {r['lsa_solve_s']:>7.2f} {lsa_total:>7.2f} "
                f"{r['total_s'] / lsa_total:>7.2f} {'yes' if r['lsa_same'] else 'NO':>4}"
            )
        if "greedy_s" in r:
            ratio = r["greedy_score"] / r["score"] if r["score"] else 1.0
            line += (
                f" {r['greedy_s']:>6.2f} {r['greedy_score']:>10.3f} {r['greedy_matched']:>6} "
                f"{ratio:>6.4f} {r['greedy_missed']:>8}"
            )
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--capacities", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--no-spread",
        action="store_true",
        help='solve without "spread the load" (rules.spread_load = false)',
    )
    profile = parser.add_mutually_exclusive_group()
    profile.add_argument(
        "--dense",
        action="store_const",
        const="dense",
        dest="profile",
        help="issue 14's dense cohort (~78 %% of the pairs feasible)",
    )
    profile.add_argument(
        "--sparse",
        action="store_const",
        const="sparse",
        dest="profile",
        help="a sparse cohort (~20 %% of the pairs feasible)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (medians shown)")
    parser.add_argument(
        "--no-lsa",
        action="store_true",
        help="skip the dense scipy linear_sum_assignment of each instance",
    )
    parser.add_argument("--no-greedy", action="store_true", help="skip the greedy baseline")
    parser.add_argument("--case", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = {"profile": args.profile or "default", "spread": not args.no_spread,
               "lsa": not args.no_lsa, "greedy": not args.no_greedy}  # fmt: skip
    if args.case:
        print(json.dumps(run_case(*args.case, **options)))
        return 0
    flags = [*(["--no-spread"] if args.no_spread else []), *(["--no-lsa"] if args.no_lsa else []),
             *(["--no-greedy"] if args.no_greedy else []),
             *([f"--{args.profile}"] if args.profile else [])]  # fmt: skip
    rows = []
    for n in args.sizes:
        for capacity in args.capacities:
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run(  # noqa: S603 - runs this very script
                    [sys.executable, __file__, "--case", str(n), str(capacity), *flags],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"done {n} x cap {capacity}: {runs[-1]['total_s']:.2f} s", file=sys.stderr)
            rows.append(_median(runs))
    print(f"profile: {options['profile']}; spread the load: {'off' if args.no_spread else 'on'}; "
          f"medians of {args.repeat} run(s)")  # fmt: skip
    print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
