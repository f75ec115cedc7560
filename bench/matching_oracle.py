"""Independent oracle check of the matching engine (the bar issue 14 set; keep it).

    nice -n 19 .venv/bin/python bench/matching_oracle.py            # default run (5-7 min)
    nice -n 19 .venv/bin/python bench/matching_oracle.py --quick    # cohorts of at most 300
    nice -n 19 .venv/bin/python bench/matching_oracle.py --big      # + three 5,000 x 5,000 runs
    nice -n 19 .venv/bin/python bench/matching_oracle.py --seed 2   # other random draws
    .venv/bin/python bench/matching_oracle.py --case "kind=dense n=500 cap=2 obj=score ..."

Seeded cohorts of 50 to 2,000 a side (and one of 5,000): the three profiles of
bench/matching.py (default, dense, sparse), capacity 1, 2 or mixed 1-3, square or unbalanced,
objectives participation, score and participation + fairness, spread the load on and off, with
locks, rejections, requests, exclusions, reporting lines, overlap targets and DST reference
weeks drawn at random; and adversarial cohorts: all identical profiles, all empty profiles (no
topics, availability, languages or department), half the mentors infeasible for everyone, one
super-popular mentor, scores with only 2-3 distinct values, very few mentors. Each instance is
checked:

  1  rules      every proposed pair passes each hard rule recomputed here from the Problem
                (not through matching.scoring); mentor loads <= capacity, a mentee at most once,
                every lock kept and marked, no rejected pair;
  1b feasible   the engine's feasible cells (score matrix >= 0) are exactly the cells that pass
                the rules recomputed here;
  2  certified  stats.certified is true;
  3  optimum    (matched, distinct mentors if spread, total points) equals a dense scipy
                linear_sum_assignment on the engine's own score matrix, mentors replicated by
                capacity left after locks, locked mentees removed; the order is encoded in the
                weights as in bench/matching.py lsa_optimum (score: points, distinct, matched);
  3c            3 (or 4) again with solve(candidates=2), 8 above 500 a side: a pruned graph so
                small that the certificate loop (violated arcs, per-round cap, merges) does the
                work; a run that ends uncertified (solved on the full graph) is allowed;
  4  fairness   the worst proposed pair equals the largest threshold t whose arcs (>= t) still
                have the unrestricted maximum cardinality (binary search, Hopcroft-Karp on
                capacity-replicated mentors; written here, and checked against scipy's
                maximum_bipartite_matching on small graphs, see max_matching), and the
                pairing equals a linear_sum_assignment of the thresholded matrix;
  5  bytes      result_to_dict JSON is byte-identical across two runs, a shuffled input (lists,
                dict and set orders) and another process with another PYTHONHASHSEED;
  6  report     the result agrees with itself (each mentee once, stats, spare capacity,
                scores = the score matrix, no "objective preferred other pairs" reason);
  7  scores     every reported score, and the score matrix (all cells up to 300 a side, a
                sample above), equals an exact recomputation here (Fractions of the weights,
                availability by a minute-by-minute zoneinfo walk of the reference week).

Prints one table (instances checked / failed per check), a table per cohort kind, and for each
failure the instance spec (seeded: `--case "<spec>"` reruns it alone) and what differs. Exits 1
if any check failed. Nothing here is run by CI.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.matching import (  # noqa: E402
    DENSE_TOPICS,
    LANGUAGES,
    dense_problem,
    sparse_problem,
    synthetic_problem,
)
from matching import solver  # noqa: E402
from matching.engine import (  # noqa: E402
    MatchResult,
    Mentee,
    Mentor,
    Problem,
    Rules,
    Weights,
    problem_from_dict,
    problem_to_dict,
    result_to_dict,
    solve,
)
from matching.scoring import build_context, score_matrix  # noqa: E402

WEEK = 7 * 1440
CHECKS = {
    "1": "rules: pairs pass every hard rule, capacities, locks, rejections",
    "1b": "feasible cells = the rules recomputed independently",
    "2": "stats.certified",
    "3": "optimum = dense linear_sum_assignment",
    "3c": "optimum (3 or 4) again with few candidate arcs",
    "4": "fairness bottleneck = binary search + Hopcroft-Karp, then LSA",
    "5": "bytes identical: rerun, shuffled input, other process",
    "6": "report consistent with itself and the score matrix",
    "7": "scores = exact independent recomputation",
}
ODD_ZONES = [
    "Asia/Kathmandu",  # +5:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -3:30 / -2:30
    "Australia/Lord_Howe",  # a half-hour change
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "Asia/Tehran",  # +3:30
    "America/New_York",
]
EDGE_WINDOWS = [(6, 1320, 1440), (0, 0, 90), (6, 0, 1440), (0, 1439, 1440), (3, 0, 1), (5, 60, 240)]
REFERENCE_WEEKS = [
    date(2025, 1, 6),  # quiet
    date(2025, 9, 22),  # Chatham springs forward (Sunday 28 September)
    date(2025, 9, 29),  # Sydney and Lord Howe spring forward (Sunday 5 October)
    date(2025, 3, 3),  # US spring forward (Sunday 9 March)
    date(2025, 3, 24),  # EU spring forward (Sunday 30 March)
    date(2025, 3, 31),  # Sydney falls back (Sunday 6 April)
    date(2025, 10, 20),  # EU falls back (Sunday 26 October)
    date(2025, 10, 27),  # US falls back (Sunday 2 November)
]
FULL_SCORE_SIDE = 300
STRESS_CANDIDATES = 2
STRESS_CANDIDATES_LARGE = 8
SAMPLE_CELLS = 4000


# ---------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One seeded instance. `cap` 0 means a capacity of 1-3 drawn per mentor."""

    kind: str
    n: int
    cap: int
    obj: str
    spread: bool
    seed: int
    extras: bool = True
    shape: str = "square"

    def spec(self) -> str:
        return (
            f"kind={self.kind} n={self.n} cap={self.cap} obj={self.obj} "
            f"spread={int(self.spread)} seed={self.seed} extras={int(self.extras)} "
            f"shape={self.shape}"
        )

    @classmethod
    def parse(cls, text: str) -> Case:
        kv = dict(token.split("=", 1) for token in text.split())
        return cls(
            kind=kv["kind"],
            n=int(kv["n"]),
            cap=int(kv["cap"]),
            obj=kv["obj"],
            spread=kv["spread"] == "1",
            seed=int(kv["seed"]),
            extras=kv.get("extras", "1") == "1",
            shape=kv.get("shape", "square"),
        )


def build_problem(case: Case) -> Problem:
    rng = random.Random(f"oracle {case.spec()}")
    base_cap = max(case.cap, 1)
    problem = KINDS[case.kind](case, rng, base_cap)
    if case.shape == "few_mentors":
        problem.mentors = _keep(problem.mentors, 0.6, rng)
    elif case.shape == "few_mentees":
        problem.mentees = _keep(problem.mentees, 0.6, rng)
    elif case.shape == "one_mentor":
        problem.mentors = problem.mentors[:1]
    elif case.shape == "one_mentee":
        problem.mentees = problem.mentees[:1]
    elif case.shape == "no_mentors":
        problem.mentors = []
    elif case.shape == "two_each":
        problem.mentors, problem.mentees = problem.mentors[:2], problem.mentees[:2]
    if case.cap == 0:
        for mentor in problem.mentors:
            mentor.capacity = rng.choice([1, 1, 2, 3])
    rules = problem.rules
    rules.objective = "score" if case.obj == "score" else "participation"
    rules.fairness = case.obj == "fairness"
    rules.spread_load = case.spread
    if case.extras:
        _add_extras(problem, rng, chain=case.kind not in ("default", "equal_scores", "identical"))
    return problem


def _keep(people: list[Any], share: float, rng: random.Random) -> list[Any]:
    keep = set(rng.sample(range(len(people)), max(1, round(share * len(people)))))
    return [p for k, p in enumerate(people) if k in keep]


def _profile(case: Case, rng: random.Random, cap: int) -> Problem:
    generator = {"default": synthetic_problem, "dense": dense_problem, "sparse": sparse_problem}
    return generator[case.kind](case.n, cap, seed=case.seed, spread=case.spread)


def _identical(case: Case, rng: random.Random, cap: int) -> Problem:
    mentors = [
        Mentor(
            id=f"r{k:05d}",
            level=1,
            department="Eng",
            languages=frozenset({"English"}),
            teaches={"python": 3, "sql": 2},
            learns={"strategy": 2},
            availability=((0, 540, 660), (2, 600, 720)),
            timezone="Europe/Berlin",
            capacity=cap,
        )
        for k in range(case.n)
    ]
    mentees = [
        Mentee(
            id=f"e{k:05d}",
            level=5,
            department="Sales",
            languages=frozenset({"English"}),
            teaches={"strategy": 3},
            learns={"python": 2, "ml": 1},
            availability=((0, 480, 600), (2, 600, 660)),
            timezone="Europe/London",
        )
        for k in range(case.n)
    ]
    rules = Rules(min_seniority_gap=1, manager_chain_depth=0)
    return Problem(mentors, mentees, rules, Weights())


def _empty(case: Case, rng: random.Random, cap: int) -> Problem:
    mentors = [Mentor(id=f"r{k:05d}", level=1, capacity=cap) for k in range(case.n)]
    mentees = [Mentee(id=f"e{k:05d}", level=3) for k in range(case.n)]
    # Mostly without the language rule; otherwise nobody is feasible at all (only locks pair).
    rules = Rules(
        min_seniority_gap=1, manager_chain_depth=0, language_must_match=rng.random() < 0.25
    )
    return Problem(mentors, mentees, rules, Weights())


def _half_infeasible(case: Case, rng: random.Random, cap: int) -> Problem:
    problem = dense_problem(case.n, cap, seed=case.seed, spread=case.spread)
    for k, mentor in enumerate(rng.sample(problem.mentors, len(problem.mentors) // 2)):
        if k % 2:
            mentor.level = 50  # above every mentee (levels 4-9)
        else:
            mentor.languages = frozenset({"Klingon"})
    return problem


def _popular(case: Case, rng: random.Random, cap: int) -> Problem:
    problem = dense_problem(case.n, cap, seed=case.seed, spread=case.spread)
    star = rng.choice(problem.mentors)
    star.teaches = dict.fromkeys(DENSE_TOPICS, 3)
    star.availability = tuple((day, 0, 1440) for day in range(7))
    star.timezone = "UTC"
    star.languages = frozenset(lang for lang, _ in LANGUAGES)
    star.level = 0
    star.department = "Unique"
    star.capacity = 1 if cap == 1 else 3
    star.requested = frozenset(e.id for e in problem.mentees)
    for mentee in problem.mentees:
        mentee.requested = mentee.requested | {star.id}
    return problem


def _equal_scores(case: Case, rng: random.Random, cap: int) -> Problem:
    problem = synthetic_problem(case.n, cap, seed=case.seed, spread=case.spread)
    problem.weights = rng.choice(
        [Weights(0, 0, 0, 1, 0), Weights(0, 0, 0, 1, 1), Weights(0, 0, 0, 0, 1)]
    )
    problem.rules.allow_same_department = True
    return problem


def _scarce(case: Case, rng: random.Random, cap: int) -> Problem:
    problem = dense_problem(case.n, cap, seed=case.seed, spread=case.spread)
    problem.mentors = problem.mentors[: max(3, case.n // 10)]
    return problem


KINDS: dict[str, Callable[[Case, random.Random, int], Problem]] = {
    "default": _profile,
    "dense": _profile,
    "sparse": _profile,
    "identical": _identical,
    "empty": _empty,
    "half_infeasible": _half_infeasible,
    "popular": _popular,
    "equal_scores": _equal_scores,
    "scarce": _scarce,
}
PROFILE_KINDS = ("default", "dense", "sparse")
ADVERSARIAL_KINDS = ("identical", "empty", "half_infeasible", "popular", "equal_scores", "scarce")


def _add_extras(problem: Problem, rng: random.Random, *, chain: bool) -> None:
    """Requests, exclusions, rejections, locks (some breaking rules), reporting lines, overlap
    target and reference week, drawn from `rng`."""
    mentors, mentees = problem.mentors, problem.mentees
    if not mentors or not mentees:
        return
    mentor_ids = [m.id for m in mentors]
    mentee_ids = [e.id for e in mentees]
    rules = problem.rules
    rules.reference_week = rng.choice(REFERENCE_WEEKS)
    rules.overlap_target_minutes = rng.choice([1, 45, 60, 180, 180, 600, WEEK])
    if rng.random() < 0.2:
        rules.min_seniority_gap = 0
    if rng.random() < 0.3:
        # Odd offsets and their DST changes, windows at the edges of the day and the week.
        for person in rng.sample([*mentors, *mentees], (len(mentors) + len(mentees)) // 8):
            person.timezone = rng.choice(ODD_ZONES)
            person.availability = (*person.availability, *rng.sample(EDGE_WINDOWS, 2))
    if rng.random() < 0.3:
        choices = [0, 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 1 / 3, 1e-3]
        drawn = [rng.choice(choices) for _ in range(5)]
        if not any(drawn):
            drawn[rng.randrange(5)] = 1
        problem.weights = Weights(*drawn)
    for mentee in rng.sample(mentees, len(mentees) // 15):
        mentee.requested = mentee.requested | {rng.choice(mentor_ids), "ghost-r"}
    for mentor in rng.sample(mentors, len(mentors) // 30):
        mentor.requested = mentor.requested | {rng.choice(mentee_ids)}
    for mentee in rng.sample(mentees, len(mentees) // 30):
        mentee.excluded = mentee.excluded | set(rng.sample(mentor_ids, min(3, len(mentor_ids))))
    for mentor in rng.sample(mentors, len(mentors) // 30):
        mentor.excluded = mentor.excluded | {rng.choice(mentee_ids), "ghost-e"}
    rejected = {
        (rng.choice(mentor_ids), rng.choice(mentee_ids)) for _ in range(max(1, len(mentees) // 30))
    }
    if len(mentor_ids) <= 300 and rng.random() < 0.5:
        victim = rng.choice(mentee_ids)
        rejected |= {(r, victim) for r in mentor_ids}
    capacity = {m.id: m.capacity for m in mentors}
    load = dict.fromkeys(mentor_ids, 0)
    locked: list[tuple[str, str]] = []
    taken: set[str] = set()

    def lock(mentor_id: str, mentee_id: str) -> None:
        if mentee_id in taken or load[mentor_id] >= capacity[mentor_id]:
            return
        if (mentor_id, mentee_id) in rejected:
            return
        locked.append((mentor_id, mentee_id))
        taken.add(mentee_id)
        load[mentor_id] += 1

    for _ in range(max(1, len(mentees) // 30)):
        lock(rng.choice(mentor_ids), rng.choice(mentee_ids))
    if rng.random() < 0.5:
        full = rng.choice(mentor_ids)
        for mentee_id in rng.sample(mentee_ids, min(len(mentee_ids), capacity[full])):
            lock(full, mentee_id)
    problem.locked = locked
    problem.rejected = sorted(rejected)
    if chain and rng.random() < 0.6:
        # Mentors report to mentees; some mentees to a boss outside the cohort who reports to
        # another mentor (who reports to nobody): chains of 1-3 levels, no cycle.
        rules.manager_chain_depth = rng.choice([1, 2, 3])
        free = [m for m in mentors if m.manager_id is None]
        rng.shuffle(free)
        half = len(free) // 2
        for mentor in free[: half // 5]:
            mentor.manager_id = rng.choice(mentee_ids)
        tops = free[half:] or free[:1]
        for k, mentee in enumerate(rng.sample(mentees, len(mentees) // 10)):
            if mentee.manager_id is None:
                boss = f"boss-{k}"
                mentee.manager_id = boss
                problem.org_managers[boss] = rng.choice(tops).id if tops else None


def default_cases(seed: int, *, quick: bool, big: bool) -> list[Case]:
    cases: list[Case] = []
    rng = random.Random(f"oracle plan {seed}")
    shapes = ["square", "square", "few_mentors", "few_mentees"]
    tiny = ["one_mentor", "one_mentee", "no_mentors", "two_each"]
    index = 0

    def add(kind: str, n: int, cap: int, obj: str, spread: bool, **extra: Any) -> None:
        nonlocal index
        index += 1
        cases.append(Case(kind, n, cap, obj, spread, seed * 100_000 + index, **extra))

    # Small: the whole grid of profile x capacity x objective x spread.
    for n in (50, 100, 200):
        for kind in PROFILE_KINDS:
            for cap in (1, 2, 0):
                for obj in ("participation", "score", "fairness"):
                    for spread in (True, False):
                        add(
                            kind,
                            n,
                            cap,
                            obj,
                            spread,
                            shape=rng.choice(shapes),
                            extras=rng.random() < 0.85,
                        )
    # Degenerate sizes: one mentor, one mentee, no mentors, two of each.
    for kind in (*PROFILE_KINDS, "identical", "empty"):
        for shape in tiny:
            for obj in ("participation", "score", "fairness"):
                add(kind, 50, rng.choice([1, 2, 0]), obj, rng.random() < 0.5, shape=shape)
    # Adversarial: the grid of capacity x objective x spread at 50 and 300 a side.
    for kind in ADVERSARIAL_KINDS:
        for n in (50, 300):
            for cap in (1, 2):
                for obj in ("participation", "score", "fairness"):
                    for spread in (True, False):
                        add(kind, n, cap, obj, spread, extras=rng.random() < 0.5)
    if quick:
        return cases
    # Medium and large: a sample of the grid.
    for n, count in ((500, 18), (1000, 12), (2000, 6)):
        for k in range(count):
            obj = ("participation", "score", "fairness")[k % 3]
            add(
                PROFILE_KINDS[(k + k // 3) % 3],
                n,
                (1, 2, 0)[(k // 3) % 3],
                obj,
                k % 2 == 0,
                shape=rng.choice(shapes),
            )
    # Ties over the candidate graph's budget (4 K arcs a person): broken by hash.
    for k, kind in enumerate(("identical", "empty", "equal_scores") * 6):
        obj = ("participation", "score", "fairness")[(k // 3) % 3]
        add(kind, 600, (1, 2)[k % 2], obj, k < 9, extras=k % 3 != 0)
    objectives = ("participation", "score", "fairness")
    for k, kind in enumerate(ADVERSARIAL_KINDS):
        add(kind, 2000, (2, 1)[k % 2], objectives[k % 3], k % 4 != 3, extras=k % 2 == 0)
        add(kind, 1000, (1, 2)[k % 2], objectives[(k + 2) % 3], k % 3 != 1, extras=k % 2 == 1)
    add("default", 5000, 1, "participation", True)
    if big:
        add("dense", 5000, 2, "participation", True)
        add("sparse", 5000, 2, "fairness", True)
        add("identical", 5000, 2, "score", True, extras=False)
    return cases


# ---------------------------------------------------------------------------------------------
# Independent model of the problem (rules, scores, availability), without matching.scoring
# ---------------------------------------------------------------------------------------------


_CLOCKS: dict[tuple[str, date], tuple[np.ndarray, np.ndarray]] = {}


def zone_clock(zone_name: str, monday: date) -> tuple[np.ndarray, np.ndarray]:
    """For each UTC minute of the reference week: the minute of the week the zone's wall clock
    shows then (weekday * 1440 + minute of the day) and whether that wall-clock time is shown a
    second time (fold = 1, clocks went back)."""
    key = (zone_name, monday)
    if key not in _CLOCKS:
        zone = ZoneInfo(zone_name)
        start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
        shown = np.empty(WEEK, dtype=np.int64)
        repeated = np.zeros(WEEK, dtype=bool)
        for minute in range(WEEK):
            local = (start + timedelta(minutes=minute)).astimezone(zone)
            shown[minute] = local.weekday() * 1440 + local.hour * 60 + local.minute
            repeated[minute] = local.fold == 1
        _CLOCKS[key] = (shown, repeated)
    return _CLOCKS[key]


def free_minutes(person: Any, monday: date) -> np.ndarray:
    """Bool per UTC minute of the reference week: the person is free then."""
    windows = np.zeros(WEEK, dtype=bool)
    for day, start, end in person.availability:
        windows[day * 1440 + start : day * 1440 + end] = True
    shown, repeated = zone_clock(person.timezone, monday)
    return windows[shown] & ~repeated


def exact_weights(weights: Weights) -> list[int]:
    """The weights as integers in the exact ratios of their decimal forms."""
    names = (
        "topic_coverage",
        "reverse_coverage",
        "availability",
        "department_diversity",
        "pairing_request",
    )
    values = [Fraction(repr(float(getattr(weights, name)))) for name in names]
    common = math.lcm(*(v.denominator for v in values))
    scaled = [int(v * common) for v in values]
    if sum(scaled) <= 1_000_000 * math.gcd(*scaled):
        return scaled
    # The documented fallback: each weight divided by the largest, rounded to millionths.
    largest = max(values)
    return [round(v / largest * 1_000_000) for v in values]


class Model:
    """The problem as arrays indexed like the engine's context (people sorted by id), built
    here from the Problem's fields."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        rules = problem.rules
        self.mentors = sorted(problem.mentors, key=lambda p: p.id)
        self.mentees = sorted(problem.mentees, key=lambda p: p.id)
        self.mentor_at = {p.id: i for i, p in enumerate(self.mentors)}
        self.mentee_at = {p.id: j for j, p in enumerate(self.mentees)}
        m, n = len(self.mentors), len(self.mentees)
        self.capacity = np.array([p.capacity for p in self.mentors], dtype=np.int64)
        mentor_level = np.array([p.level for p in self.mentors], dtype=np.int64)
        mentee_level = np.array([p.level for p in self.mentees], dtype=np.int64)
        self.rules: dict[str, np.ndarray] = {}
        self.rules["seniority"] = (
            mentee_level[None, :] - mentor_level[:, None] >= rules.min_seniority_gap
        )
        if rules.language_must_match:
            shared = np.zeros((m, n), dtype=bool)
            languages = sorted({x for p in (*self.mentors, *self.mentees) for x in p.languages})
            for language in languages:
                a = np.array([language in p.languages for p in self.mentors], dtype=bool)
                b = np.array([language in p.languages for p in self.mentees], dtype=bool)
                shared |= a[:, None] & b[None, :]
            self.rules["language"] = shared
        departments = {
            d: k
            for k, d in enumerate(sorted({p.department for p in (*self.mentors, *self.mentees)}))
        }
        mentor_dept = np.array([departments[p.department] for p in self.mentors], dtype=int)
        mentee_dept = np.array([departments[p.department] for p in self.mentees], dtype=int)
        same = mentor_dept.reshape(m, 1) == mentee_dept.reshape(1, n)
        self.dept_differ = ~same
        if not rules.allow_same_department:
            self.rules["department"] = ~same
        chain = np.ones((m, n), dtype=bool)
        if rules.manager_chain_depth > 0:
            boss = dict(problem.org_managers)
            for person in (*self.mentors, *self.mentees):
                if person.manager_id is not None:
                    boss[person.id] = person.manager_id
            for person, own, other, mentor_side in (
                *((p, self.mentor_at, self.mentee_at, True) for p in self.mentors),
                *((p, self.mentee_at, self.mentor_at, False) for p in self.mentees),
            ):
                above = boss.get(person.id)
                for _ in range(rules.manager_chain_depth):
                    if above is None:
                        break
                    if above in other:
                        i, j = own[person.id], other[above]
                        chain[(i, j) if mentor_side else (j, i)] = False
                    above = boss.get(above)
        self.rules["manager_chain"] = chain
        excluded = np.ones((m, n), dtype=bool)
        for r in self.mentors:
            for e in r.excluded:
                if e in self.mentee_at:
                    excluded[self.mentor_at[r.id], self.mentee_at[e]] = False
        for e in self.mentees:
            for r in e.excluded:
                if r in self.mentor_at:
                    excluded[self.mentor_at[r], self.mentee_at[e.id]] = False
        self.rules["exclusion"] = excluded
        rejected = np.ones((m, n), dtype=bool)
        for r, e in problem.rejected:
            rejected[self.mentor_at[r], self.mentee_at[e]] = False
        self.rules["rejected"] = rejected
        self.feasible = np.logical_and.reduce(list(self.rules.values()))
        self.requested = {(r.id, e) for r in self.mentors for e in r.requested} | {
            (r, e.id) for e in self.mentees for r in e.requested
        }
        topics = sorted(
            {t for p in (*self.mentors, *self.mentees) for t in (*p.teaches, *p.learns)}
        )
        column = {t: k for k, t in enumerate(topics)}

        def matrix(people: list[Any], attr: str) -> np.ndarray:
            out = np.zeros((len(people), len(topics)), dtype=np.int64)
            for row, person in enumerate(people):
                for topic, value in getattr(person, attr).items():
                    out[row, column[topic]] = value
            return out

        self.mentor_teach = matrix(self.mentors, "teaches")
        self.mentor_learn = matrix(self.mentors, "learns")
        self.mentee_teach = matrix(self.mentees, "teaches")
        self.mentee_learn = matrix(self.mentees, "learns")
        week = rules.reference_week
        self.mentor_free = np.array(
            [free_minutes(p, week) for p in self.mentors], dtype=bool
        ).reshape(m, WEEK)
        self.mentee_free = np.array(
            [free_minutes(p, week) for p in self.mentees], dtype=bool
        ).reshape(n, WEEK)
        self.weights = exact_weights(problem.weights)
        self.target = rules.overlap_target_minutes

    def violated(self, i: int, j: int) -> list[str]:
        return [name for name, mask in self.rules.items() if not mask[i, j]]

    def points(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Exact points of the cells (rows[k], cols[k]): floor(1000 T / W + 1/2) with T the
        weighted sum of the components as fractions and W the sum of the integer weights."""
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        topic = (self.mentor_teach[rows] * self.mentee_learn[cols]).sum(axis=1)
        topic_den = 3 * self.mentee_learn[cols].sum(axis=1)
        reverse = (self.mentor_learn[rows] * self.mentee_teach[cols]).sum(axis=1)
        reverse_den = 3 * self.mentor_learn[rows].sum(axis=1)
        overlap = np.zeros(len(rows), dtype=np.int64)
        for start in range(0, len(rows), 512):
            part = slice(start, start + 512)
            overlap[part] = (self.mentor_free[rows[part]] & self.mentee_free[cols[part]]).sum(1)
        differ = self.dept_differ[rows, cols].astype(np.int64)
        request = np.array(
            [
                (self.mentors[i].id, self.mentees[j].id) in self.requested
                for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        return self._points(topic, topic_den, reverse, reverse_den, overlap, differ, request)

    def points_matrix(self) -> np.ndarray:
        """Exact points of every cell (small cohorts: matrix products)."""
        topic = self.mentor_teach @ self.mentee_learn.T
        topic_den = np.broadcast_to(3 * self.mentee_learn.sum(axis=1)[None, :], topic.shape)
        reverse = self.mentor_learn @ self.mentee_teach.T
        reverse_den = np.broadcast_to(3 * self.mentor_learn.sum(axis=1)[:, None], topic.shape)
        overlap = self.mentor_free.astype(np.float32) @ self.mentee_free.T.astype(np.float32)
        request = np.zeros(topic.shape, dtype=np.int64)
        for r, e in self.requested:
            if r in self.mentor_at and e in self.mentee_at:
                request[self.mentor_at[r], self.mentee_at[e]] = 1
        return self._points(
            topic,
            topic_den,
            reverse,
            reverse_den,
            overlap.astype(np.int64),
            self.dept_differ.astype(np.int64),
            request,
        )

    def _points(
        self,
        topic: Any,
        topic_den: Any,
        reverse: Any,
        reverse_den: Any,
        overlap: Any,
        differ: Any,
        request: Any,
    ) -> np.ndarray:
        w1, w2, w3, w4, w5 = (int(w) for w in self.weights)
        total_weight = w1 + w2 + w3 + w4 + w5
        d1 = np.where(topic_den > 0, topic_den, 1)
        n1 = np.where(topic_den > 0, topic, 0)
        d2 = np.where(reverse_den > 0, reverse_den, 1)
        n2 = np.where(reverse_den > 0, reverse, 0)
        d3 = self.target
        n3 = np.minimum(overlap, d3)
        denominator = d1 * d2 * d3
        if 2000 * total_weight * int(np.max(denominator, initial=1)) >= 2**62:
            raise OverflowError("weights or topic counts too large for the int64 oracle")
        numerator = (
            w1 * n1 * d2 * d3
            + w2 * n2 * d1 * d3
            + w3 * n3 * d1 * d2
            + (w4 * differ + w5 * request) * denominator
        )
        return (2000 * numerator + total_weight * denominator) // (2 * total_weight * denominator)


def fraction_points(model: Model, i: int, j: int) -> int:
    """The documented formula with Fractions, for one pair (a cross-check of Model.points)."""
    r, e = model.mentors[i], model.mentees[j]

    def coverage(wanted: dict[str, int], offered: dict[str, int]) -> Fraction:
        if not wanted:
            return Fraction(0)
        return Fraction(
            sum(p * offered.get(t, 0) for t, p in wanted.items()), 3 * sum(wanted.values())
        )

    overlap = int((model.mentor_free[i] & model.mentee_free[j]).sum())
    parts = [
        coverage(e.learns, r.teaches),
        coverage(r.learns, e.teaches),
        Fraction(min(overlap, model.target), model.target),
        Fraction(int(r.department != e.department)),
        Fraction(int((r.id, e.id) in model.requested)),
    ]
    mean = sum(w * c for w, c in zip(model.weights, parts, strict=True)) / sum(model.weights)
    return math.floor(1000 * mean + Fraction(1, 2))


# ---------------------------------------------------------------------------------------------
# Dense oracles
# ---------------------------------------------------------------------------------------------


@dataclass
class FreePart:
    """The problem left after locks, in the engine's index space."""

    points: np.ndarray  # active mentors x free mentees, the engine's own scores
    active: np.ndarray  # global mentor index of each row
    free: np.ndarray  # global mentee index of each column
    owner: np.ndarray  # row of each capacity copy
    first_bonus: np.ndarray  # the copy is a mentor's first and the mentor has no lock
    locked_mentors: set[int]


def free_part(points: np.ndarray, ctx: Any, problem: Problem) -> FreePart:
    locks = {(ctx.mentor_index[a], ctx.mentee_index[b]) for a, b in problem.locked}
    prior = np.bincount([i for i, _ in locks], minlength=len(ctx.mentors)).astype(np.int64)
    remaining = ctx.capacity - prior
    active = np.flatnonzero(remaining > 0)
    locked_mentees = {j for _, j in locks}
    free = np.array([j for j in range(len(ctx.mentees)) if j not in locked_mentees], dtype=int)
    sub = points[np.ix_(active, free)]
    owner = np.repeat(np.arange(len(active)), remaining[active])
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, dtype=bool)
    first &= prior[active[owner]] == 0
    return FreePart(sub, active, free, owner, first, {i for i, _ in locks})


def lsa(part: FreePart, points: np.ndarray, objective: str, spread: bool) -> tuple[int, int, int]:
    """(matched, distinct mentors including locked ones, points) of the optimum of `objective`
    on `points` (a matrix shaped like part.points), by a dense linear_sum_assignment."""
    n = points.shape[1]
    if n == 0 or len(part.owner) == 0:
        return 0, len(part.locked_mentors), 0
    cells = points.T[:, part.owner]
    feasible = cells >= 0
    weights = cells.astype(np.float64)
    bonus = np.where(part.first_bonus, 1.0, 0.0)[None, :]
    if objective == "participation":
        b = float(1000 * n + 1)
        if spread:
            weights += b * (n + 1) + b * bonus
        else:
            weights += b
    else:
        g = float(n + 1)
        weights = weights * (g * (n + 1)) + g * bonus + 1.0 if spread else weights * g + 1.0
    weights[~feasible] = 0.0
    mentee, copy_ = linear_sum_assignment(weights, maximize=True)
    keep = feasible[mentee, copy_]
    used = {int(part.active[part.owner[c]]) for c in copy_[keep].tolist()}
    total = int(cells[mentee[keep], copy_[keep]].astype(np.int64).sum())
    return int(keep.sum()), len(used | part.locked_mentors), total


SCIPY_MATCHING_CELLS = 300 * 600
"""Graphs up to this many cells are matched by scipy as well, and both counts must agree."""


def hopcroft_karp(part: FreePart, threshold: int) -> int:
    """Maximum cardinality of the free part using only arcs with points >= threshold."""
    if part.points.size == 0 or len(part.owner) == 0:
        return 0
    cells = part.points.T[:, part.owner] >= threshold
    graph = csr_matrix(cells.astype(np.int8))
    count = max_matching(graph.indptr.tolist(), graph.indices.tolist(), *graph.shape)
    if cells.size <= SCIPY_MATCHING_CELLS:
        theirs = int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())
        if theirs != count:
            raise AssertionError(f"oracle self-check: Hopcroft-Karp {count}, scipy {theirs}")
    return count


def max_matching(indptr: list[int], indices: list[int], rows: int, columns: int) -> int:
    """Hopcroft-Karp on a CSR graph: the size of a maximum matching of rows to columns.

    Not scipy's maximum_bipartite_matching alone: its depth-first phase does not mark dead
    ends (scipy issue 26147 describes the same), and on the unrestricted graph of a 2,000 a
    side sparse cohort with two unmatchable mentees it took about 100 s where this takes 0.3 s; the
    answers agree (checked on every small graph, see hopcroft_karp)."""
    unset = 1 << 60
    row_mate, column_mate = [-1] * rows, [-1] * columns
    while True:
        free = [u for u in range(rows) if row_mate[u] < 0]
        # Breadth first: layers of rows along alternating paths, up to a free column.
        dist = [unset] * rows
        for u in free:
            dist[u] = 0
        frontier, depth, reached = free, 0, False
        while frontier and not reached:
            following = []
            for v in frontier:
                for w in indices[indptr[v] : indptr[v + 1]]:
                    mate = column_mate[w]
                    if mate < 0:
                        reached = True
                    elif dist[mate] == unset:
                        dist[mate] = depth + 1
                        following.append(mate)
            frontier, depth = following, depth + 1
        if not reached:
            return rows - len(free)
        # Depth first along the layers, each arc tried once a phase, dead ends marked.
        cursor = indptr[:-1]
        for root in free:
            stack, path = [root], []
            while stack:
                v = stack[-1]
                moved = False
                while cursor[v] < indptr[v + 1]:
                    w = indices[cursor[v]]
                    cursor[v] += 1
                    mate = column_mate[w]
                    if mate < 0:
                        path.append(w)
                        for x, y in zip(stack, path, strict=True):
                            row_mate[x], column_mate[y] = y, x
                        stack, moved = [], True
                        break
                    if dist[mate] == dist[v] + 1:
                        path.append(w)
                        stack.append(mate)
                        moved = True
                        break
                if not moved:
                    dist[v] = unset
                    stack.pop()
                    if path:
                        path.pop()


def bottleneck(part: FreePart) -> tuple[int, int | None]:
    """(maximum cardinality, largest threshold keeping it) by binary search."""
    target = hopcroft_karp(part, 0)
    if target == 0:
        return 0, None
    values = np.unique(part.points[part.points >= 0])
    lo, hi = 0, len(values) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if hopcroft_karp(part, int(values[mid])) == target:
            lo = mid
        else:
            hi = mid - 1
    return target, int(values[lo])


# ---------------------------------------------------------------------------------------------
# Checks of one instance
# ---------------------------------------------------------------------------------------------


def digest(result: MatchResult) -> str:
    text = json.dumps(result_to_dict(result), indent=2, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def shuffled(problem: Problem, rng: random.Random) -> Problem:
    """The same problem with every list, dict and set in another order."""

    def mix(items: Any) -> list[Any]:
        items = list(items)
        return rng.sample(items, len(items))

    def person(p: Any) -> Any:
        q = copy.copy(p)
        q.teaches = dict(mix(p.teaches.items()))
        q.learns = dict(mix(p.learns.items()))
        q.languages = frozenset(mix(sorted(p.languages)))
        q.requested = frozenset(mix(sorted(p.requested)))
        q.excluded = frozenset(mix(sorted(p.excluded)))
        q.availability = tuple(mix(p.availability))
        return q

    return Problem(
        mentors=[person(p) for p in mix(problem.mentors)],
        mentees=[person(p) for p in mix(problem.mentees)],
        rules=copy.copy(problem.rules),
        weights=copy.copy(problem.weights),
        locked=mix(problem.locked),
        rejected=mix(problem.rejected),
        org_managers=dict(mix(problem.org_managers.items())),
    )


@dataclass
class Outcome:
    case: Case
    sizes: str = ""
    seconds: float = 0.0
    status: dict[str, str | None] = field(default_factory=dict)  # check -> None ok, else why
    digest: str = ""
    problem_json: str = ""
    rounds: int = 0
    tie_fallback: bool = False
    stress_tie_fallback: bool = False
    stress_rounds: int = 0
    stress_certified: bool = True

    def fail(self, check: str, message: str) -> None:
        if self.status.get(check) is None:  # the first failure of a check is kept
            self.status[check] = message

    def ok(self, check: str) -> None:
        self.status.setdefault(check, None)

    def report(self, check: str, problems: list[str], *, shown: int) -> None:
        """The check passed without problems, else failed naming the first ``shown``."""
        if problems:
            self.fail(check, f"{len(problems)} problems, first: " + "; ".join(problems[:shown]))
        else:
            self.ok(check)


def points_of(pair: Any) -> int:
    return round(pair.score * 1000)


def check_instance(case: Case, *, subprocess_digest: bool, stress: int | None = None) -> Outcome:
    out = Outcome(case)
    started = perf_counter()
    try:
        _check(case, out, subprocess_digest=subprocess_digest, stress=stress)
    except Exception as exc:  # any crash is a failure of every pending check
        message = f"raised {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
        for check in CHECKS:
            if check not in out.status:
                out.fail(check, message)
    out.seconds = perf_counter() - started
    return out


def _check(case: Case, out: Outcome, *, subprocess_digest: bool, stress: int | None) -> None:
    problem = build_problem(case)
    pristine = copy.deepcopy(problem)
    out.sizes = (
        f"{len(problem.mentors)}x{len(problem.mentees)} "
        f"locks={len(problem.locked)} rej={len(problem.rejected)}"
    )
    result = solve(problem)
    model = Model(pristine)
    ctx = build_context(pristine)
    points = score_matrix(ctx)
    rules = pristine.rules
    _check_rules(out, model, pristine, result)
    _check_feasible(out, model, points)
    if result.stats["certified"]:
        out.ok("2")
    else:
        out.fail(
            "2", f"stats.certified is false after {result.stats['certification_rounds']} rounds"
        )
    part = free_part(points, ctx, pristine)
    oracle = Oracle(part, rules.objective, fairness=rules.fairness, spread=rules.spread_load)
    check = "4" if rules.fairness else "3"
    problem_text = oracle.compare(result)
    if problem_text:
        out.fail(check, problem_text)
    else:
        out.ok(check)
    out.rounds = int(result.stats["certification_rounds"])
    out.tie_fallback = ties_broken(part.points, solver.DEFAULT_CANDIDATES)
    # Few candidate arcs: the certificate loop (violated arcs, the per-round cap, merges)
    # has to do the work the default top-40 graph mostly leaves it on small cohorts.
    k = stress or (STRESS_CANDIDATES if len(ctx.mentees) <= 500 else STRESS_CANDIDATES_LARGE)
    out.stress_tie_fallback = ties_broken(part.points, k)
    stressed = solve(copy.deepcopy(pristine), candidates=k)
    out.stress_rounds = int(stressed.stats["certification_rounds"])
    out.stress_certified = bool(stressed.stats["certified"])
    problem_text = oracle.compare(stressed)
    if problem_text:
        out.fail("3c", f"candidates={k}: {problem_text}")
    else:
        out.ok("3c")
    _check_report(out, model, points, pristine, result)
    _check_scores(out, model, points, result)
    first = digest(result)
    out.digest = first
    problems = []
    again = digest(solve(copy.deepcopy(pristine)))
    if again != first:
        problems.append("a second run on the same input gave other bytes")
    mixed = digest(solve(shuffled(pristine, random.Random(f"shuffle {case.spec()}"))))
    if mixed != first:
        problems.append("the shuffled input gave other bytes")
    if problems:
        out.fail("5", "; ".join(problems))
    elif not subprocess_digest:
        out.ok("5")
    else:
        out.problem_json = json.dumps(problem_to_dict(pristine), sort_keys=True)


def _check_rules(out: Outcome, model: Model, problem: Problem, result: MatchResult) -> None:
    locks = {tuple(p) for p in problem.locked}
    rejected = {tuple(p) for p in problem.rejected}
    problems = []
    load: dict[str, int] = {}
    seen: set[str] = set()
    for pair in result.pairs:
        key = (pair.mentor_id, pair.mentee_id)
        if pair.mentor_id not in model.mentor_at or pair.mentee_id not in model.mentee_at:
            problems.append(f"pair {key} names an unknown person")
            continue
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
        if pair.mentee_id in seen:
            problems.append(f"mentee {pair.mentee_id} has two mentors")
        seen.add(pair.mentee_id)
        if key in rejected:
            problems.append(f"rejected pair {key} proposed")
        if key in locks:
            continue
        broken = model.violated(model.mentor_at[pair.mentor_id], model.mentee_at[pair.mentee_id])
        if broken:
            problems.append(f"pair {key} breaks {', '.join(broken)}")
    for mentor in model.mentors:
        if load.get(mentor.id, 0) > mentor.capacity:
            problems.append(
                f"mentor {mentor.id} has {load[mentor.id]} mentees, capacity {mentor.capacity}"
            )
    pairs = {(p.mentor_id, p.mentee_id): p for p in result.pairs}
    for key in sorted(locks):
        if key not in pairs:
            problems.append(f"lock {key} not kept")
        elif not pairs[key].locked:
            problems.append(f"lock {key} kept but not marked locked")
    for key, pair in pairs.items():
        if pair.locked and key not in locks:
            problems.append(f"pair {key} marked locked but is no lock")
    out.report("1", problems, shown=5)


def _check_feasible(out: Outcome, model: Model, points: np.ndarray) -> None:
    engine = points >= 0
    if engine.shape != model.feasible.shape:
        out.fail("1b", f"score matrix shape {engine.shape}, expected {model.feasible.shape}")
        return
    differ = np.argwhere(engine != model.feasible)
    if len(differ) == 0:
        out.ok("1b")
        return
    i, j = (int(x) for x in differ[0])
    out.fail(
        "1b",
        f"{len(differ)} cells differ; first: mentor {model.mentors[i].id} mentee "
        f"{model.mentees[j].id}: engine {'feasible' if engine[i, j] else 'infeasible'}"
        f", rules broken here: {model.violated(i, j) or 'none'}",
    )


class Oracle:
    """The dense optimum of the free part, computed once and compared with any result."""

    def __init__(self, part: FreePart, objective: str, *, fairness: bool, spread: bool) -> None:
        self.part, self.fairness, self.spread = part, fairness, spread
        self.keys = [0, 2] + ([1] if spread else [])
        if fairness:
            self.target, self.threshold = bottleneck(part)
            cut = part.points
            if self.threshold is not None:
                cut = np.where(part.points >= self.threshold, part.points, np.int16(-1))
            self.want = lsa(part, cut, "participation", spread)
        else:
            self.want = lsa(part, part.points, objective, spread)

    def compare(self, result: MatchResult) -> str | None:
        """What differs between `result` and the dense optimum, or None."""
        free_pairs = [p for p in result.pairs if not p.locked]
        engine = (
            len(free_pairs),
            len({p.mentor_id for p in result.pairs}),
            sum(points_of(p) for p in free_pairs),
        )
        compared = ", ".join(("matched", "distinct", "points")[k] for k in self.keys)
        problems = []
        if self.fairness:
            if engine[0] != self.target:
                problems.append(
                    f"engine matched {engine[0]} proposed pairs, maximum "
                    f"cardinality is {self.target} (Hopcroft-Karp)"
                )
            worst = result.stats["min_proposed_score"]
            worst_points = None if worst is None else round(worst * 1000)
            if worst_points != self.threshold:
                problems.append(
                    f"worst proposed pair {worst_points} points, bottleneck {self.threshold}"
                )
        if not all(engine[k] == self.want[k] for k in self.keys):
            where = "above the bottleneck: " if self.fairness else ""
            problems.append(
                f"{where}engine (matched, distinct incl. locked, points of proposed "
                f"pairs) = {engine}, dense LSA = {self.want} (compared: {compared})"
            )
        return "; ".join(problems) or None


def ties_broken(points: np.ndarray, k: int) -> bool:
    """Whether the engine's candidate graph falls back to hash tie-breaking on `points`
    (coverage figure only; uses the solver's internals)."""
    m, n = points.shape
    if m == 0 or n == 0:
        return False
    budget = solver.TIE_BUDGET * k * (m + n)
    return solver._top_k_cells(points, k, tie_break=False, budget=budget) is None


def _check_report(
    out: Outcome, model: Model, points: np.ndarray, problem: Problem, result: MatchResult
) -> None:
    problems = []
    stats = result.stats
    paired = [p.mentee_id for p in result.pairs]
    left = [u.mentee_id for u in result.unmatched]
    if sorted(paired + left) != sorted(model.mentee_at):
        problems.append("pairs + unmatched are not every mentee exactly once")
    load = {m.id: 0 for m in model.mentors}
    for pair in result.pairs:
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
    spare = {m.id: m.capacity - load[m.id] for m in model.mentors}
    if result.spare_capacity != spare:
        problems.append("spare_capacity differs from capacity - load")
    for pair in result.pairs:
        if pair.locked:
            continue
        i, j = model.mentor_at[pair.mentor_id], model.mentee_at[pair.mentee_id]
        if points_of(pair) != int(points[i, j]):
            problems.append(
                f"pair {(pair.mentor_id, pair.mentee_id)} score {points_of(pair)} "
                f"but the score matrix says {int(points[i, j])}"
            )
    expected = {
        "matched": len(result.pairs),
        "locked": sum(p.locked for p in result.pairs),
        "unmatched": len(model.mentees) - len(result.pairs),
        "mentors": len(model.mentors),
        "mentees": len(model.mentees),
        "mentors_used": len({p.mentor_id for p in result.pairs}),
        "feasible_pairs": int(model.feasible.sum()),
        "total_score": sum(points_of(p) for p in result.pairs) / 1000,
        "min_pair_score": min((p.score for p in result.pairs), default=None),
        "min_proposed_score": min((p.score for p in result.pairs if not p.locked), default=None),
        "objective": problem.rules.objective,
        "fairness": problem.rules.fairness,
        "spread_load": problem.rules.spread_load,
    }
    for key, value in expected.items():
        if stats.get(key) != value:
            problems.append(f"stats.{key} = {stats.get(key)!r}, expected {value!r}")
    preferred = [u.mentee_id for u in result.unmatched if "objective preferred" in u.reason]
    if preferred:
        problems.append(
            f"{len(preferred)} unmatched with spare feasible capacity, e.g. {preferred[0]}"
        )
    # An unmatched mentee with a feasible mentor of spare capacity could always be added (one
    # more match, a positive weight under every objective): each feasible mentor must be full.
    # The reason names the count of feasible mentors, or a rule when there are none.
    for item in result.unmatched:
        j = model.mentee_at[item.mentee_id]
        feasible = np.flatnonzero(model.feasible[:, j])
        full = "all feasible mentors at capacity"
        if not model.mentors:
            ok = item.reason == "no mentors in the cohort"
        elif len(feasible) == 0:
            ok = not item.reason.startswith((full, "not matched"))
        else:
            ok = item.reason.startswith(f"{full} ({len(feasible)} feasible")
            spare_mentors = [model.mentors[i].id for i in feasible if spare[model.mentors[i].id]]
            if spare_mentors:
                problems.append(
                    f"unmatched {item.mentee_id} has feasible mentors with spare capacity: "
                    f"{spare_mentors[:3]}"
                )
        if not ok:
            problems.append(
                f"unmatched {item.mentee_id} ({len(feasible)} feasible mentors): "
                f"reason {item.reason!r}"
            )
    out.report("6", problems, shown=4)


def _check_scores(out: Outcome, model: Model, points: np.ndarray, result: MatchResult) -> None:
    problems = []
    if result.pairs:
        rows = np.array([model.mentor_at[p.mentor_id] for p in result.pairs])
        cols = np.array([model.mentee_at[p.mentee_id] for p in result.pairs])
        mine = model.points(rows, cols)
        for k, pair in enumerate(result.pairs):
            if points_of(pair) != int(mine[k]):
                problems.append(
                    f"pair {(pair.mentor_id, pair.mentee_id)} scored "
                    f"{points_of(pair)}, exact {int(mine[k])}"
                )
        for k in range(min(5, len(rows))):
            if int(mine[k]) != fraction_points(model, int(rows[k]), int(cols[k])):
                problems.append("oracle self-check: int64 and Fraction points differ")
    m, n = points.shape
    if max(m, n) <= FULL_SCORE_SIDE:
        mine = np.where(model.feasible, model.points_matrix(), -1)
        cells = np.argwhere(mine != points)
        what = "cells of the full matrix"
    else:
        rng = np.random.default_rng(m * 7919 + n)
        feasible = np.flatnonzero(model.feasible.ravel())
        pick = rng.choice(feasible, size=min(SAMPLE_CELLS, len(feasible)), replace=False)
        rows, cols = pick // n, pick % n
        mine = model.points(rows, cols)
        cells = np.argwhere(mine != points[rows, cols])
        cells = np.column_stack([rows[cells[:, 0]], cols[cells[:, 0]]]) if len(cells) else cells
        mine = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), mine.tolist(), strict=True))
        what = f"of {len(pick)} sampled feasible cells"
    if len(cells):
        i, j = (int(x) for x in cells[0])
        value = mine[i, j]
        problems.append(
            f"{len(cells)} {what} differ; first: mentor {model.mentors[i].id} "
            f"mentee {model.mentees[j].id}: engine {int(points[i, j])}, exact "
            f"{int(value)}"
        )
    out.report("7", problems, shown=3)


# ---------------------------------------------------------------------------------------------
# Another process, another hash seed
# ---------------------------------------------------------------------------------------------


def digests_in_child(outcomes: list[Outcome]) -> None:
    """Solve the problems again in a child process with another PYTHONHASHSEED (from their JSON
    form) and compare the result bytes."""
    pending = [o for o in outcomes if o.problem_json]
    if not pending:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "problems.jsonl"
        path.write_text("".join(o.problem_json + "\n" for o in pending), encoding="utf-8")
        seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
        child = subprocess.run(  # noqa: S603 - this very script
            [sys.executable, __file__, "--digests", str(path)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
    lines = child.stdout.split()
    if child.returncode or len(lines) != len(pending):
        for o in pending:
            o.fail("5", f"child process failed: {child.stderr.strip()[-500:]}")
        return
    for o, line in zip(pending, lines, strict=True):
        if line == o.digest:
            o.ok("5")
        else:
            o.fail("5", f"another process (PYTHONHASHSEED={seed}) gave other bytes")
        o.problem_json = ""


def child_main(path: str) -> int:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        problem = problem_from_dict(json.loads(line), validate=False)
        print(digest(solve(problem)), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def report(outcomes: list[Outcome], elapsed: float) -> int:
    print(f"{'check':<5} {'what':<62} {'checked':>7} {'failed':>6}")
    print("-" * 83)
    failures = 0
    for check, what in CHECKS.items():
        ran = [o for o in outcomes if check in o.status]
        bad = [o for o in ran if o.status[check] is not None]
        failures += len(bad)
        print(f"{check:<5} {what:<62} {len(ran):>7} {len(bad):>6}")
    print()
    print(f"{'kind':<16} {'instances':>9} {'sides':>12} {'engine+oracle s':>15} {'failed':>6}")
    print("-" * 62)
    for kind in KINDS:
        group = [o for o in outcomes if o.case.kind == kind]
        if not group:
            continue
        sides = sorted({o.case.n for o in group})
        bad = sum(any(v is not None for v in o.status.values()) for o in group)
        span = f"{sides[0]}-{sides[-1]}" if len(sides) > 1 else str(sides[0])
        print(
            f"{kind:<16} {len(group):>9} {span:>12} {sum(o.seconds for o in group):>15.1f} {bad:>6}"
        )
    print()
    rounds = sorted({o.rounds for o in outcomes})
    print(
        "coverage: certification rounds (default candidates) "
        + ", ".join(f"{r}: {sum(o.rounds == r for o in outcomes)}" for r in rounds)
        + f"; candidate ties broken by hash on {sum(o.tie_fallback for o in outcomes)}"
        + f"; with few candidates: ties broken on {sum(o.stress_tie_fallback for o in outcomes)}"
        + f", up to {max((o.stress_rounds for o in outcomes), default=0)}"
        + f" rounds, {sum(not o.stress_certified for o in outcomes)} uncertified (solved on"
        + " the full graph, allowed)"
    )
    print(
        f"{len(outcomes)} instances in {elapsed:.0f} s; slowest: "
        + ", ".join(
            f"{o.case.kind} n={o.case.n} cap={o.case.cap} {o.case.obj} {o.seconds:.1f} s"
            for o in sorted(outcomes, key=lambda o: -o.seconds)[:3]
        )
    )
    for o in outcomes:
        for check, message in o.status.items():
            if message is not None:
                print(
                    f'\nFAIL check {check} [{o.sizes}]\n  --case "{o.case.spec()}"\n  '
                    + message.replace("\n", "\n  ")
                )
    print("\nall checks passed" if failures == 0 else f"\n{failures} check failures")
    return 0 if failures == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="base seed of the random draws")
    parser.add_argument("--quick", action="store_true", help="cohorts of at most 300 a side")
    parser.add_argument("--big", action="store_true", help="add a 5,000 x 5,000 instance")
    parser.add_argument("--case", help="run the one instance of this spec")
    parser.add_argument("--stress", type=int, help="candidates of check 3c (default 2 / 8)")
    parser.add_argument("--digests", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per instance")
    args = parser.parse_args(argv)
    if args.digests:
        return child_main(args.digests)
    cases = (
        [Case.parse(args.case)]
        if args.case
        else default_cases(args.seed, quick=args.quick, big=args.big)
    )
    started = perf_counter()
    outcomes = []
    for k, case in enumerate(cases, 1):
        outcome = check_instance(case, subprocess_digest=case.n <= 2000, stress=args.stress)
        outcomes.append(outcome)
        bad = [c for c, v in outcome.status.items() if v is not None]
        if args.verbose or args.case or bad:
            print(
                f"[{k}/{len(cases)}] {case.spec()} [{outcome.sizes}] {outcome.seconds:.1f} s"
                + (f" FAILED {','.join(bad)}" if bad else ""),
                file=sys.stderr,
                flush=True,
            )
        elif k % 25 == 0:
            print(
                f"[{k}/{len(cases)}] {perf_counter() - started:.0f} s", file=sys.stderr, flush=True
            )
    digests_in_child(outcomes)
    return report(outcomes, perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
