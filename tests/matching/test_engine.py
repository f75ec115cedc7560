"""Example-based tests of the matching engine (pure Python, no database)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching.engine import (
    Mentee,
    Mentor,
    Problem,
    ProblemError,
    Rules,
    Weights,
    problem_to_dict,
    result_to_dict,
    score_pair,
    solve,
)
from matching.scoring import SCALE, build_context, score_matrix

ROOT = Path(__file__).resolve().parents[2]

MONDAY_9_TO_12 = ((0, 540, 720),)
TOPICS_ONLY = Weights(
    topic_coverage=1, reverse_coverage=0, availability=0, department_diversity=0, pairing_request=0
)


def mentor(pid: str, **kw: object) -> Mentor:
    defaults: dict[str, object] = {
        "level": 1,
        "department": f"dept-{pid}",
        "languages": frozenset({"English"}),
        "availability": MONDAY_9_TO_12,
    }
    return Mentor(id=pid, name=pid.upper(), **{**defaults, **kw})  # type: ignore[arg-type]


def mentee(pid: str, **kw: object) -> Mentee:
    defaults: dict[str, object] = {
        "level": 5,
        "department": f"dept-{pid}",
        "languages": frozenset({"English"}),
        "availability": MONDAY_9_TO_12,
    }
    return Mentee(id=pid, name=pid.upper(), **{**defaults, **kw})  # type: ignore[arg-type]


def pairs_of(result: object) -> set[tuple[str, str]]:
    return {(p.mentor_id, p.mentee_id) for p in result.pairs}  # type: ignore[attr-defined]


def reasons_of(result: object) -> dict[str, str]:
    return {u.mentee_id: u.reason for u in result.unmatched}  # type: ignore[attr-defined]


def dumps(problem: Problem) -> str:
    return json.dumps(result_to_dict(solve(problem)), sort_keys=True, indent=2)


# --------------------------------------------------------------------------------------------
# Scoring and explanations
# --------------------------------------------------------------------------------------------


def test_best_topic_match_wins_and_is_explained():
    problem = Problem(
        mentors=[
            mentor("r1", teaches={"python": 3, "sql": 2}, learns={"negotiation": 2}),
            mentor("r2", teaches={"tiktok": 3}),
        ],
        mentees=[
            mentee("e1", learns={"python": 3, "sql": 1, "rust": 1}, teaches={"negotiation": 3}),
            mentee("e2", learns={"tiktok": 2}),
        ],
    )
    result = solve(problem)
    assert pairs_of(result) == {("r1", "e1"), ("r2", "e2")}
    pair = next(p for p in result.pairs if p.mentor_id == "r1")
    # (3*3 + 1*2 + 1*0) / (3 * 5)
    assert pair.components["topic_coverage"] == pytest.approx(11 / 15, abs=1e-4)
    assert pair.components["reverse_coverage"] == 1.0
    assert pair.components["availability"] == 1.0
    assert pair.components["department_diversity"] == 1.0
    assert pair.components["pairing_request"] == 0.0
    text = "\n".join(pair.explanation)
    assert "covers 2 of 3 wanted topics" in text
    assert "python (priority 3, proficiency 3/3)" in text
    assert "missing: rust" in text
    assert "Reverse mentoring: covers 1 of 1" in text
    assert "3 h weekly overlap" in text
    assert "dept-r1 (mentor) and dept-e1 (mentee) differ" in text
    assert "Pairing request: none" in text
    assert 0 <= pair.score <= 1


def test_time_zones_are_converted_to_utc_on_the_reference_week():
    # Berlin is UTC+1 in January: 10:00-12:00 local is 09:00-11:00 UTC.
    problem = Problem(
        mentors=[mentor("r1", timezone="Europe/Berlin", availability=((0, 600, 720),))],
        mentees=[mentee("e1", timezone="UTC", availability=((0, 540, 600),))],
    )
    _, components, explanation, _ = score_pair(problem, "r1", "e1")
    assert components["availability"] == pytest.approx(60 / 180, abs=1e-4)
    assert "1 h weekly overlap" in explanation[2]
    summer = replace(
        problem, rules=Rules(reference_week=problem.rules.reference_week.replace(month=7, day=7))
    )
    # In July Berlin is UTC+2: 08:00-10:00 UTC, still 60 minutes with 09:00-10:00.
    assert score_pair(summer, "r1", "e1")[1]["availability"] == pytest.approx(60 / 180, abs=1e-4)


def test_windows_wrapping_around_the_week_overlap():
    # Monday 00:00-02:00 in Tokyo (UTC+9) is Sunday 15:00-17:00 UTC.
    problem = Problem(
        mentors=[mentor("r1", timezone="Asia/Tokyo", availability=((0, 0, 120),))],
        mentees=[mentee("e1", timezone="UTC", availability=((6, 900, 990),))],
    )
    assert score_pair(problem, "r1", "e1")[1]["availability"] == pytest.approx(0.5, abs=1e-4)


def test_pairing_request_and_same_department_components():
    problem = Problem(
        mentors=[mentor("r1", department="Sales", requested=frozenset({"e1"}))],
        mentees=[mentee("e1", department="Sales", requested=frozenset({"r1"}))],
    )
    score, components, explanation, broken = score_pair(problem, "r1", "e1")
    assert components["pairing_request"] == 1.0
    assert components["department_diversity"] == 0.0
    assert "Pairing request: requested by both" in explanation
    assert "Departments: both in Sales" in explanation
    assert broken == []
    assert score == pytest.approx((0.15 + 0.2) / 1.0, abs=1e-3)


def test_score_pair_reports_every_broken_rule():
    problem = Problem(
        mentors=[
            mentor(
                "r1",
                level=4,
                department="Sales",
                languages=frozenset({"French"}),
                excluded=frozenset({"e1"}),
            )
        ],
        mentees=[mentee("e1", level=5, department="Sales", manager_id="r1")],
        rules=Rules(min_seniority_gap=2, allow_same_department=False, manager_chain_depth=1),
        rejected=[("r1", "e1")],
    )
    broken = score_pair(problem, "r1", "e1")[3]
    assert broken == [
        "no shared language (mentor: French; mentee: English)",
        "seniority gap is 1 (mentee level 5, mentor level 4); minimum is 2",
        "same department (Sales)",
        "mentor is in the mentee's management chain (within 1 level)",
        "excluded by the mentor",
        "this pair was rejected by an admin",
    ]


def test_score_pair_matches_the_score_in_the_result():
    problem = Problem(
        mentors=[mentor("r1", teaches={"ai": 2}), mentor("r2", teaches={"ai": 3})],
        mentees=[mentee("e1", learns={"ai": 2}, requested=frozenset({"r1"}))],
    )
    result = solve(problem)
    for pair in result.pairs:
        assert score_pair(problem, pair.mentor_id, pair.mentee_id)[:3] == (
            pair.score,
            pair.components,
            pair.explanation,
        )


def test_score_pair_unknown_id():
    with pytest.raises(ProblemError, match="unknown mentee id 'nobody'"):
        score_pair(Problem([mentor("r1")], [mentee("e1")]), "r1", "nobody")


# --------------------------------------------------------------------------------------------
# Hard rules, locks, rejections, capacity
# --------------------------------------------------------------------------------------------


def test_capacity_is_respected_and_spare_capacity_reported():
    problem = Problem(
        mentors=[mentor("r1", capacity=2), mentor("r2", capacity=3)],
        mentees=[mentee(f"e{k}") for k in range(4)],
    )
    result = solve(problem)
    loads = {m: sum(p.mentor_id == m for p in result.pairs) for m in ("r1", "r2")}
    assert loads["r1"] <= 2
    assert loads["r2"] <= 3
    assert result.stats["matched"] == 4
    assert result.spare_capacity == {"r1": 2 - loads["r1"], "r2": 3 - loads["r2"]}


def test_locked_pair_is_kept_even_when_it_breaks_rules_and_uses_capacity():
    problem = Problem(
        mentors=[mentor("r1", level=9, teaches={"x": 3}), mentor("r2")],
        mentees=[mentee("e1"), mentee("e2", learns={"x": 3})],
        locked=[("r1", "e1")],
    )
    result = solve(problem)
    assert pairs_of(result) == {("r1", "e1"), ("r2", "e2")}
    locked = next(p for p in result.pairs if p.locked)
    assert locked.explanation[0] == "Locked by an admin"
    assert locked.explanation[1].startswith("Breaks rule: seniority gap is -4")
    assert result.spare_capacity == {"r1": 0, "r2": 0}
    assert result.stats["locked"] == 1


def test_rejected_pair_is_never_proposed():
    problem = Problem(
        mentors=[mentor("r1", teaches={"x": 3}), mentor("r2")],
        mentees=[mentee("e1", learns={"x": 3})],
        rejected=[("r1", "e1")],
    )
    assert pairs_of(solve(problem)) == {("r2", "e1")}


def test_manager_chain_includes_managers_outside_the_cohort():
    # e1 -> boss (not a participant) -> r1: within 2 levels, so forbidden at depth 2.
    problem = Problem(
        mentors=[mentor("r1"), mentor("r2", level=3)],
        mentees=[mentee("e1", manager_id="boss")],
        rules=Rules(manager_chain_depth=2),
        org_managers={"boss": "r1"},
    )
    assert pairs_of(solve(problem)) == {("r2", "e1")}
    assert score_pair(problem, "r1", "e1")[3] == [
        "mentor is in the mentee's management chain (within 2 levels)"
    ]
    shallow = replace(problem, rules=Rules(manager_chain_depth=1))
    assert score_pair(shallow, "r1", "e1")[3] == []


def test_participation_mode_matches_more_mentees_than_score_mode():
    problem = Problem(
        mentors=[
            mentor("rA", teaches={"t1": 3, "t2": 1}),
            mentor("rB", excluded=frozenset({"eY"})),
        ],
        mentees=[mentee("eX", learns={"t1": 3}), mentee("eY", learns={"t2": 3})],
        weights=TOPICS_ONLY,
    )
    participation = solve(problem)
    assert pairs_of(participation) == {("rA", "eY"), ("rB", "eX")}
    by_score = solve(replace(problem, rules=Rules(objective="score")))
    assert pairs_of(by_score) == {("rA", "eX")}
    assert by_score.stats["total_score"] == 1.0
    assert reasons_of(by_score) == {"eY": "all feasible mentors at capacity (1 feasible: rA)"}


def test_fairness_maximises_the_worst_pair_first():
    problem = Problem(
        mentors=[
            mentor("rA", teaches={"a": 3, "c": 3, "b": 2}),
            mentor("rB", teaches={"a": 1, "c": 3, "b": 1}),
        ],
        mentees=[mentee("eX", learns={"a": 3, "c": 1}), mentee("eY", learns={"b": 1})],
        weights=TOPICS_ONLY,
    )
    plain = solve(problem)
    assert pairs_of(plain) == {("rA", "eX"), ("rB", "eY")}
    assert plain.stats["min_pair_score"] == 0.333
    fair = solve(replace(problem, rules=Rules(fairness=True)))
    assert pairs_of(fair) == {("rA", "eY"), ("rB", "eX")}
    assert fair.stats["min_pair_score"] == 0.5
    assert fair.stats["total_score"] < plain.stats["total_score"]


# --------------------------------------------------------------------------------------------
# Unmatched reasons
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        pytest.param(
            Problem([mentor("r1")], [mentee("e1", languages=frozenset({"German"}))]),
            "no mentor speaks German",
            id="language",
        ),
        pytest.param(
            Problem([mentor("r1")], [mentee("e1", languages=frozenset({"German", "Dutch"}))]),
            "no mentor speaks Dutch or German",
            id="languages",
        ),
        pytest.param(
            Problem([mentor("r1")], [mentee("e1", languages=frozenset())]),
            "the mentee has no languages listed",
            id="no-language",
        ),
        pytest.param(
            Problem([mentor("r1", level=4)], [mentee("e1", level=5)], Rules(min_seniority_gap=2)),
            "no mentor at least 2 levels junior",
            id="seniority",
        ),
        pytest.param(
            Problem(
                [mentor("r1", department="Finance")],
                [mentee("e1", department="Finance")],
                Rules(allow_same_department=False),
            ),
            "no mentor outside the Finance department",
            id="department",
        ),
        pytest.param(
            Problem([mentor("r1")], [mentee("e1", manager_id="r1")]),
            "every mentor is within 1 level of the mentee's reporting line",
            id="manager-chain",
        ),
        pytest.param(
            Problem([mentor("r1", manager_id="e1")], [mentee("e1")], Rules(manager_chain_depth=2)),
            "every mentor is within 2 levels of the mentee's reporting line",
            id="manager-chain-up",
        ),
        pytest.param(
            Problem(
                [mentor("r1", excluded=frozenset({"e1"})), mentor("r2")],
                [mentee("e1", excluded=frozenset({"r2"}))],
            ),
            "every mentor is excluded (by the mentee or by the mentor)",
            id="exclusion",
        ),
        pytest.param(
            Problem([mentor("r1")], [mentee("e1")], rejected=[("r1", "e1")]),
            "every mentor was rejected for this mentee by an admin",
            id="rejected",
        ),
        pytest.param(
            Problem(
                [mentor("r1", languages=frozenset({"French"})), mentor("r2", level=5)],
                [mentee("e1", languages=frozenset({"German", "English"}))],
            ),
            "no mentor meets all rules at once (a shared language, the seniority gap)",
            id="combination",
        ),
        pytest.param(
            Problem([mentor("r1")], [mentee("e1", teaches={"x": 1}), mentee("e2")]),
            "all feasible mentors at capacity (1 feasible: r1)",
            id="capacity",
        ),
        pytest.param(
            Problem([], [mentee("e1")]),
            "no mentors in the cohort",
            id="no-mentors",
        ),
    ],
)
def test_unmatched_reason(problem: Problem, reason: str):
    result = solve(problem)
    assert reason in reasons_of(result).values()


def test_capacity_reason_lists_at_most_three_mentors():
    problem = Problem(
        mentors=[mentor(f"r{k}") for k in range(5)],
        mentees=[mentee(f"e{k}") for k in range(6)],
    )
    reasons = set(reasons_of(solve(problem)).values())
    assert reasons == {"all feasible mentors at capacity (5 feasible: r0, r1, r2 and 2 more)"}


def test_locked_capacity_counts_as_full():
    problem = Problem(
        mentors=[mentor("r1")],
        mentees=[mentee("e1"), mentee("e2")],
        locked=[("r1", "e2")],
    )
    assert reasons_of(solve(problem)) == {"e1": "all feasible mentors at capacity (1 feasible: r1)"}


# --------------------------------------------------------------------------------------------
# Determinism, progress, validation
# --------------------------------------------------------------------------------------------


def random_problem(n_mentors: int, n_mentees: int, seed: int, **rules: object) -> Problem:
    rng = random.Random(seed)
    topics = [f"t{k}" for k in range(12)]
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]

    def person(cls: type, pid: str, level: int) -> object:
        windows = tuple(
            (rng.randrange(5), start, start + rng.choice([30, 60, 120]))
            for start in rng.sample(range(480, 1080, 30), 3)
        )
        return cls(
            id=pid,
            level=level,
            department=rng.choice("ABCDE"),
            languages=frozenset(rng.sample(["en", "de", "fr"], rng.randint(1, 2))),
            teaches={t: rng.randint(1, 3) for t in rng.sample(topics, 3)},
            learns={t: rng.randint(1, 3) for t in rng.sample(topics, 3)},
            availability=windows,
            timezone=rng.choice(zones),
            requested=frozenset(),
        )

    mentors = [person(Mentor, f"r{k:04d}", rng.randint(1, 4)) for k in range(n_mentors)]
    mentees = [person(Mentee, f"e{k:04d}", rng.randint(3, 8)) for k in range(n_mentees)]
    for m in mentors:
        m.capacity = rng.randint(1, 2)
    return Problem(mentors, mentees, Rules(min_seniority_gap=2, **rules))  # type: ignore[arg-type]


def _cli_output(path: Path, hash_seed: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(path)],
        cwd=ROOT,
        capture_output=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed},
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def test_same_input_gives_identical_json_bytes(tmp_path: Path):
    # Two processes with different string hashing: set and dict iteration orders differ
    # between them, so any output that depended on them would differ too.
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_to_dict(random_problem(40, 50, seed=3))),
                    encoding="utf-8")

    first, second = _cli_output(path, "1"), _cli_output(path, "2")

    assert json.loads(first)["stats"]["matched"] > 0
    assert first == second


def test_input_order_does_not_change_the_output():
    problem = random_problem(40, 50, seed=4)
    shuffled = replace(
        problem,
        mentors=random.Random(1).sample(problem.mentors, len(problem.mentors)),
        mentees=random.Random(2).sample(problem.mentees, len(problem.mentees)),
    )
    assert dumps(problem) == dumps(shuffled)


def test_progress_reports_both_stages():
    calls: list[tuple[str, float]] = []
    solve(random_problem(5, 5, seed=1), progress=lambda stage, f: calls.append((stage, f)))
    stages = [stage for stage, _ in calls]
    assert stages[0] == "scoring"
    assert stages[-1] == "solving"
    assert ("scoring", 1.0) in calls
    assert ("solving", 1.0) in calls
    assert all(0 <= f <= 1 for _, f in calls)


def test_solve_validates_dataclass_input():
    problem = Problem(
        [mentor("r1", capacity=0), mentor("r1")], [mentee("e1")], locked=[("r9", "e1")]
    )
    with pytest.raises(ProblemError) as info:
        solve(problem)
    assert "duplicate participant id 'r1'" in info.value.messages
    assert "mentor 'r1' has capacity 0; capacity must be between 1 and 3" in info.value.messages
    assert "locked pair (r9, e1): unknown mentor id" in info.value.messages


def test_include_scores_lists_every_feasible_pair():
    problem = random_problem(6, 7, seed=9)
    result = solve(problem, include_scores=True)
    assert result.scores is not None
    assert len(result.scores) == result.stats["feasible_pairs"]
    by_pair = {(s["mentor_id"], s["mentee_id"]): s["score"] for s in result.scores}
    for pair in result.pairs:
        assert by_pair[(pair.mentor_id, pair.mentee_id)] == pair.score


def test_empty_problem():
    result = solve(Problem([], []))
    assert result.pairs == []
    assert result.unmatched == []
    assert result.stats["certified"] is True


# --------------------------------------------------------------------------------------------
# Exactness at medium size against an independent solver
# --------------------------------------------------------------------------------------------


def lsa_optimum(
    points: np.ndarray, capacity: np.ndarray, *, spread: bool = False
) -> tuple[int, int, int]:
    """(matched, distinct mentors, total points) of the participation optimum via
    linear_sum_assignment on capacity-replicated mentor rows. With spread, each mentor's first
    copy earns a bonus B larger than any total score, and a match earns M larger than any
    total of bonuses and points, so the assignment maximises (matched, distinct, points)."""
    n = points.shape[1]
    owner = np.repeat(np.arange(len(capacity)), capacity)
    first_copy = np.r_[True, owner[1:] != owner[:-1]]
    replicated = points[owner].astype(np.int64)
    bonus = SCALE * n + 1
    match = bonus * (n + 1) if spread else bonus
    extra = np.where(first_copy, bonus, 0)[:, None] if spread else 0
    weights = np.where(replicated >= 0, replicated + match + extra, 0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = replicated[rows, cols] >= 0
    return (
        int(chosen.sum()),
        len(set(owner[rows[chosen]].tolist())),
        int(replicated[rows, cols][chosen].sum()),
    )


@pytest.mark.parametrize("spread", [False, True])
@pytest.mark.parametrize("candidates", [2, None])
def test_medium_cohort_matches_linear_sum_assignment(candidates: int | None, spread: bool):
    problem = random_problem(
        300, 300, seed=11, allow_same_department=False, spread_load=spread
    )
    result = solve(problem, candidates=candidates)
    ctx = build_context(problem)
    matched, distinct, total = lsa_optimum(score_matrix(ctx), ctx.capacity, spread=spread)
    assert result.stats["certified"] is True
    assert result.stats["matched"] == matched
    if spread:  # without it the number of mentors used is whatever the optimum happens to use
        assert result.stats["mentors_used"] == distinct
    assert round(result.stats["total_score"] * SCALE) == total
