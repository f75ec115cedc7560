"""Flipside matching engine: public API (no Django).

    from matching.engine import Mentor, Mentee, Rules, Weights, Problem, solve, score_pair

    result = solve(Problem(mentors=[...], mentees=[...], rules=Rules(), weights=Weights(),
                           locked=[("mentor-id", "mentee-id")], rejected=[...],
                           org_managers={"person-id": "manager-id"}),
                   progress=lambda stage, fraction: ...)
    result.pairs           # list[PairResult]
    result.unmatched       # list[Unmatched] (every unmatched mentee with a reason)
    result.spare_capacity  # {mentor_id: free slots}
    result.stats           # total_score, matched, feasible_pairs, certified, timings, ...

The optimum is exact: see matching.solver for the certificate. See docs/matching.md for the
JSON formats used by `problem_from_dict` / `result_to_dict` and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import numpy as np

from matching.problem import (
    COMPONENTS,
    MANAGER_CYCLE,
    Mentee,
    Mentor,
    Problem,
    ProblemError,
    ProblemIssue,
    Rules,
    Weights,
    issue,
    manager_map,
    problem_from_dict,
    problem_to_dict,
    validate_problem,
)
from matching.score_table import ScoreTable
from matching.scoring import (
    RULES,
    SCALE,
    Block,
    Cells,
    Context,
    ancestors,
    build_context,
    components,
    overlap_minutes,
    rule_masks,
    score_matrix,
    total_points,
)
from matching.solver import Progress, solve_matching

__all__ = [
    "MANAGER_CYCLE",
    "MatchResult",
    "Mentee",
    "Mentor",
    "PairResult",
    "Problem",
    "ProblemError",
    "ProblemIssue",
    "Rules",
    "ScoreTable",
    "Unmatched",
    "Weights",
    "problem_from_dict",
    "problem_to_dict",
    "result_to_dict",
    "score_pair",
    "solve",
]


@dataclass
class PairResult:
    """A proposed (or locked) pair. `score` and each component are in [0, 1]."""

    mentor_id: str
    mentee_id: str
    score: float
    components: dict[str, float]
    explanation: list[str]
    locked: bool = False


@dataclass
class Unmatched:
    """A mentee left without a mentor and the reason why."""

    mentee_id: str
    reason: str


@dataclass
class MatchResult:
    """Outcome of `solve`. `scores` is only filled when `include_scores=True`: every feasible
    pair's score, computed block by block as it is read (see matching.score_table)."""

    pairs: list[PairResult]
    unmatched: list[Unmatched]
    spare_capacity: dict[str, int]
    stats: dict[str, Any]
    scores: ScoreTable | None = field(default=None)


# ---------------------------------------------------------------------------------------------
# solve
# ---------------------------------------------------------------------------------------------


def solve(
    problem: Problem,
    progress: Progress = None,
    *,
    candidates: int | None = None,
    include_scores: bool = False,
) -> MatchResult:
    """Compute the optimal matching of `problem`.

    `progress(stage, fraction)` is called with stage "scoring" then "solving".
    `candidates` (top-K arcs per person before certification) only affects speed, never the
    optimum. `include_scores` adds every feasible pair's score to `result.scores` for audits.
    Raises ProblemError on invalid input. Output is deterministic and independent of the order
    of mentors/mentees in the input.
    """
    validate_problem(problem)
    started = perf_counter()
    ctx = build_context(problem)
    points = score_matrix(ctx, progress)
    if progress:
        progress("scoring", 1.0)
    scored = perf_counter()
    locks = _lock_indices(ctx)
    assigned, solver_stats = _solve_free(ctx, points, locks, candidates, progress)
    if progress:
        progress("solving", 1.0)
    solved = perf_counter()
    pairs = _pair_results(ctx, assigned, locks)
    load = np.bincount([i for i, _ in assigned], minlength=len(ctx.mentors))
    matched = {j for _, j in assigned}
    unmatched = _unmatched(
        ctx, points, [j for j in range(len(ctx.mentees)) if j not in matched], load
    )
    stats = _stats(ctx, points, pairs, solver_stats)
    stats["timings"] = {
        "scoring_s": round(scored - started, 4),
        "solving_s": round(solved - scored, 4),
        "total_s": round(perf_counter() - started, 4),
    }
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        spare_capacity={m.id: int(m.capacity - load[i]) for i, m in enumerate(ctx.mentors)},
        stats=stats,
        scores=ScoreTable(ctx, points) if include_scores else None,
    )


def _lock_indices(ctx: Context) -> list[tuple[int, int]]:
    locks = {(ctx.mentor_index[a], ctx.mentee_index[b]) for a, b in ctx.problem.locked}
    return sorted(locks)


def _solve_free(
    ctx: Context,
    points: np.ndarray,
    locks: list[tuple[int, int]],
    candidates: int | None,
    progress: Progress,
) -> tuple[list[tuple[int, int]], dict[str, Any]]:
    """Solve for mentees not locked, with capacity left after locks."""
    locked_mentees = {j for _, j in locks}
    prior = np.bincount([i for i, _ in locks], minlength=len(ctx.mentors)).astype(np.int64)
    remaining = ctx.capacity - prior
    active = np.flatnonzero(remaining > 0)
    free = np.array([j for j in range(len(ctx.mentees)) if j not in locked_mentees], dtype=np.int64)
    # Without locks the copy of the (possibly huge) matrix is avoided.
    sub = points[np.ix_(active, free)] if locks else points
    rules = ctx.problem.rules
    solution = solve_matching(
        sub,
        remaining[active],
        objective=rules.objective,
        fairness=rules.fairness,
        spread=rules.spread_load,
        prior_load=prior[active],
        candidates=candidates,
        progress=progress,
    )
    chosen = np.flatnonzero(solution.mate >= 0)
    assigned = list(locks) + [(int(active[solution.mate[c]]), int(free[c])) for c in chosen]
    return sorted(assigned), solution.stats


# ---------------------------------------------------------------------------------------------
# Pairs and explanations
# ---------------------------------------------------------------------------------------------


def _pair_results(
    ctx: Context, assigned: list[tuple[int, int]], locks: list[tuple[int, int]]
) -> list[PairResult]:
    if not assigned:
        return []
    rows = np.array([i for i, _ in assigned], dtype=np.int64)
    cols = np.array([j for _, j in assigned], dtype=np.int64)
    sel = Cells(rows, cols)
    comps = components(ctx, sel)
    points = total_points(ctx, comps)
    overlap = overlap_minutes(ctx, sel)
    masks = rule_masks(ctx, sel)
    locked = set(locks)
    results = []
    for k, (i, j) in enumerate(assigned):
        values = {name: round(float(comps[name][k]), 4) for name in COMPONENTS}
        explanation = explain(ctx, i, j, int(overlap[k]))
        if (i, j) in locked:
            broken = [name for name in masks if not masks[name][k]]
            explanation = [
                "Locked by an admin",
                *(f"Breaks rule: {_broken_rule(ctx, name, i, j)}" for name in broken),
                *explanation,
            ]
        results.append(
            PairResult(
                mentor_id=ctx.mentors[i].id,
                mentee_id=ctx.mentees[j].id,
                score=int(points[k]) / SCALE,
                components=values,
                explanation=explanation,
                locked=(i, j) in locked,
            )
        )
    return results


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".") + " h"


def _levels(count: int) -> str:
    return f"{count} level" if count == 1 else f"{count} levels"


def explain(ctx: Context, i: int, j: int, overlap: int) -> list[str]:
    """Human-readable detail of each score component for mentor i and mentee j."""
    mentor, mentee = ctx.mentors[i], ctx.mentees[j]
    return [
        _topic_line(
            "Topics", mentee.learns, mentor.teaches, "the mentee listed no topics to learn"
        ),
        _topic_line(
            "Reverse mentoring",
            mentor.learns,
            mentee.teaches,
            "the mentor listed no topics to learn",
        ),
        f"Availability: {_hours(overlap)} weekly overlap "
        f"(full marks at {_hours(ctx.problem.rules.overlap_target_minutes)})",
        _department_line(mentor, mentee),
        _request_line(mentor, mentee),
    ]


def _topic_line(label: str, wanted: dict[str, int], offered: dict[str, int], none: str) -> str:
    if not wanted:
        return f"{label}: {none}"
    ordered = sorted(wanted, key=lambda t: (-wanted[t], t))
    covered = [
        f"{t} (priority {wanted[t]}, proficiency {offered[t]}/3)" for t in ordered if t in offered
    ]
    missing = [t for t in ordered if t not in offered]
    text = f"{label}: covers {len(covered)} of {len(ordered)} wanted topics"
    if covered:
        text += ": " + ", ".join(covered)
    if missing:
        text += "; missing: " + ", ".join(missing)
    return text


def _department_line(mentor: Mentor, mentee: Mentee) -> str:
    if mentor.department == mentee.department:
        return f"Departments: both in {mentor.department or 'no department'}"
    return f"Departments: {mentor.department} (mentor) and {mentee.department} (mentee) differ"


def _request_line(mentor: Mentor, mentee: Mentee) -> str:
    by_mentor, by_mentee = mentee.id in mentor.requested, mentor.id in mentee.requested
    if by_mentor and by_mentee:
        return "Pairing request: requested by both"
    if by_mentor or by_mentee:
        return f"Pairing request: requested by the {'mentor' if by_mentor else 'mentee'}"
    return "Pairing request: none"


def _broken_rule(ctx: Context, rule: str, i: int, j: int) -> str:
    mentor, mentee = ctx.mentors[i], ctx.mentees[j]
    rules = ctx.problem.rules
    if rule == "seniority":
        gap = mentee.level - mentor.level
        return (
            f"seniority gap is {gap} (mentee level {mentee.level}, mentor level {mentor.level}); "
            f"minimum is {rules.min_seniority_gap}"
        )
    if rule == "language":
        return (
            f"no shared language (mentor: {', '.join(sorted(mentor.languages)) or 'none'}; "
            f"mentee: {', '.join(sorted(mentee.languages)) or 'none'})"
        )
    if rule == "department":
        return f"same department ({mentor.department})"
    if rule == "manager_chain":
        managers = manager_map(ctx.problem)
        depth = rules.manager_chain_depth
        if mentor.id in ancestors(mentee.id, managers, depth):
            return f"mentor is in the mentee's management chain (within {_levels(depth)})"
        return f"mentee is in the mentor's management chain (within {_levels(depth)})"
    if rule == "exclusion":
        who = [
            side
            for side, excluded in (
                ("mentor", mentee.id in mentor.excluded),
                ("mentee", mentor.id in mentee.excluded),
            )
            if excluded
        ]
        return "excluded by the " + " and the ".join(who)
    return "this pair was rejected by an admin"


# ---------------------------------------------------------------------------------------------
# Unmatched reasons
# ---------------------------------------------------------------------------------------------

_RULE_LABELS = {
    "language": "a shared language",
    "seniority": "the seniority gap",
    "department": "a different department",
    "manager_chain": "outside the reporting line",
    "exclusion": "no exclusion",
    "rejected": "not rejected by an admin",
}


def _unmatched(
    ctx: Context, points: np.ndarray, mentees: list[int], load: np.ndarray
) -> list[Unmatched]:
    if not mentees:
        return []
    if not ctx.mentors:
        return [Unmatched(ctx.mentees[j].id, "no mentors in the cohort") for j in mentees]
    masks = rule_masks(ctx, Block(np.arange(len(ctx.mentors)), np.array(mentees)))
    result = []
    for col, j in enumerate(mentees):
        reason = _rule_reason(ctx, j, {name: mask[:, col] for name, mask in masks.items()})
        if reason is None:
            reason = _capacity_reason(ctx, points[:, j], load)
        result.append(Unmatched(ctx.mentees[j].id, reason))
    return result


def _rule_reason(ctx: Context, j: int, masks: dict[str, np.ndarray]) -> str | None:
    for rule in RULES:
        if rule in masks and not masks[rule].any():
            return _no_mentor_message(ctx, rule, j)
    passing = np.logical_and.reduce(list(masks.values()))
    if passing.any():
        return None
    limiting = [_RULE_LABELS[name] for name, mask in masks.items() if not mask.all()]
    return "no mentor meets all rules at once (" + ", ".join(limiting) + ")"


def _no_mentor_message(ctx: Context, rule: str, j: int) -> str:
    mentee = ctx.mentees[j]
    rules = ctx.problem.rules
    if rule == "language":
        if not mentee.languages:
            return "the mentee has no languages listed"
        return "no mentor speaks " + " or ".join(sorted(mentee.languages))
    if rule == "seniority":
        return f"no mentor at least {_levels(rules.min_seniority_gap)} junior"
    if rule == "department":
        return f"no mentor outside the {mentee.department} department"
    if rule == "manager_chain":
        return (
            "every mentor is within "
            f"{_levels(rules.manager_chain_depth)} of the mentee's reporting line"
        )
    if rule == "exclusion":
        return "every mentor is excluded (by the mentee or by the mentor)"
    return "every mentor was rejected for this mentee by an admin"


def _capacity_reason(ctx: Context, column: np.ndarray, load: np.ndarray) -> str:
    feasible = np.flatnonzero(column >= 0)
    spare = feasible[load[feasible] < ctx.capacity[feasible]]
    if len(spare):
        # Cannot happen for the supported objectives (an augmenting pair would improve them).
        return "not matched: the objective preferred other pairs"
    names = ", ".join(ctx.mentors[i].id for i in feasible[:3])
    more = f" and {len(feasible) - 3} more" if len(feasible) > 3 else ""
    return f"all feasible mentors at capacity ({len(feasible)} feasible: {names}{more})"


# ---------------------------------------------------------------------------------------------
# Stats, score table, single-pair scoring
# ---------------------------------------------------------------------------------------------


def _stats(
    ctx: Context, points: np.ndarray, pairs: list[PairResult], solver_stats: dict[str, Any]
) -> dict[str, Any]:
    rules = ctx.problem.rules
    total = sum(round(p.score * SCALE) for p in pairs)
    return {
        "objective": rules.objective,
        "fairness": rules.fairness,
        "spread_load": rules.spread_load,
        "mentors": len(ctx.mentors),
        "mentors_used": len({p.mentor_id for p in pairs}),
        "mentees": len(ctx.mentees),
        "matched": len(pairs),
        "locked": sum(p.locked for p in pairs),
        "unmatched": len(ctx.mentees) - len(pairs),
        "feasible_pairs": int(np.count_nonzero(points >= 0)),
        "total_score": total / SCALE,
        "min_pair_score": min((p.score for p in pairs), default=None),
        "min_proposed_score": min((p.score for p in pairs if not p.locked), default=None),
        "certified": bool(solver_stats["certified"]),
        "certification_rounds": int(solver_stats["rounds"]),
        "candidate_arcs": int(solver_stats["candidate_arcs"]),
    }


def score_pair(
    problem: Problem, mentor_id: str, mentee_id: str
) -> tuple[float, dict[str, float], list[str], list[str]]:
    """Live score of any (possibly manual) pair.

    Returns (score 0..1, components, explanation lines, broken rules). Broken rules are the
    hard rules the pair violates (capacity is not checked: it depends on the other pairs).
    """
    validate_problem(problem)
    ctx = build_context(problem)
    unknown = [
        issue(f"unknown_{kind}", f"unknown {kind} id {{0}}", pid)
        for kind, pid, index in (
            ("mentor", mentor_id, ctx.mentor_index),
            ("mentee", mentee_id, ctx.mentee_index),
        )
        if pid not in index
    ]
    if unknown:
        raise ProblemError(unknown)
    i, j = ctx.mentor_index[mentor_id], ctx.mentee_index[mentee_id]
    sel = Cells(np.array([i]), np.array([j]))
    comps = components(ctx, sel)
    masks = rule_masks(ctx, sel)
    broken = [_broken_rule(ctx, name, i, j) for name in masks if not masks[name][0]]
    return (
        int(total_points(ctx, comps)[0]) / SCALE,
        {name: round(float(comps[name][0]), 4) for name in COMPONENTS},
        explain(ctx, i, j, int(overlap_minutes(ctx, sel)[0])),
        broken,
    )


def result_to_dict(result: MatchResult, *, include_timings: bool = False) -> dict[str, Any]:
    """JSON form of a result. Timings are left out by default so output is byte-stable."""
    stats = dict(result.stats)
    if not include_timings:
        stats.pop("timings", None)
    out: dict[str, Any] = {
        "pairs": [
            {
                "mentor_id": p.mentor_id,
                "mentee_id": p.mentee_id,
                "score": p.score,
                "components": p.components,
                "explanation": p.explanation,
                "locked": p.locked,
            }
            for p in sorted(result.pairs, key=lambda p: (p.mentor_id, p.mentee_id))
        ],
        "unmatched": [
            {"mentee_id": u.mentee_id, "reason": u.reason}
            for u in sorted(result.unmatched, key=lambda u: u.mentee_id)
        ],
        "spare_capacity": dict(sorted(result.spare_capacity.items())),
        "stats": stats,
    }
    if result.scores is not None:
        out["scores"] = list(result.scores)
    return out
