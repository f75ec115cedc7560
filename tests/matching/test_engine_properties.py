"""Property-based tests: random small cohorts checked against independent implementations.

Hard rules and score formulas are re-implemented here in plain Python (per pair), and the
optimum is found by exhaustive dynamic programming over mentees and remaining capacities.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import (
    Mentee,
    Mentor,
    Problem,
    Rules,
    Weights,
    result_to_dict,
    score_pair,
    solve,
)
from matching.problem import COMPONENTS
from matching.scoring import SCALE, Block, build_context, components, score_matrix, total_points

TOPICS = ["ai", "data", "lead"]
ZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York", "Asia/Tokyo"]
SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

windows = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from([0, 480, 540, 570, 600, 1320]),
        st.sampled_from([30, 60, 120, 240]),
    ).map(lambda w: (w[0], w[1], min(1440, w[1] + w[2]))),
    max_size=3,
).map(tuple)


@st.composite
def people(draw: st.DrawFn, cls: type, pid: str, levels: tuple[int, int]) -> object:
    return cls(
        id=pid,
        level=draw(st.integers(*levels)),
        department=draw(st.sampled_from(["X", "Y", "Z"])),
        languages=draw(st.frozensets(st.sampled_from(["en", "de", "fr"]), max_size=2)),
        teaches=draw(st.dictionaries(st.sampled_from(TOPICS), st.integers(1, 3), max_size=3)),
        learns=draw(st.dictionaries(st.sampled_from(TOPICS), st.integers(1, 3), max_size=3)),
        availability=draw(windows),
        timezone=draw(st.sampled_from(ZONES)),
    )


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    mentors = [draw(people(Mentor, f"r{k}", (0, 3))) for k in range(draw(st.integers(0, 6)))]
    mentees = [draw(people(Mentee, f"e{k}", (1, 5))) for k in range(draw(st.integers(0, 7)))]
    for m in mentors:
        m.capacity = draw(st.integers(1, 3))
    _draw_relations(draw, mentors, mentees)
    org = _draw_org(
        draw, [p.id for p in (*mentors, *mentees)], {p.id: p for p in (*mentors, *mentees)}
    )
    objective = draw(st.sampled_from(["participation", "score"]))
    rules = Rules(
        min_seniority_gap=draw(st.integers(0, 2)),
        allow_same_department=draw(st.booleans()),
        language_must_match=draw(st.booleans()),
        manager_chain_depth=draw(st.integers(0, 2)),
        objective=objective,
        fairness=objective == "participation" and draw(st.booleans()),
        overlap_target_minutes=draw(st.sampled_from([60, 180])),
    )
    values = draw(st.lists(st.sampled_from([0, 0.5, 1, 2]), min_size=5, max_size=5))
    if not any(values):
        values[0] = 1
    weights = Weights(**dict(zip(COMPONENTS, values, strict=True)))
    locked = _draw_locks(draw, mentors, mentees)
    rejected = [
        (mentors[i].id, mentees[j].id)
        for i, j in draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6)), max_size=4))
        if i < len(mentors) and j < len(mentees) and (mentors[i].id, mentees[j].id) not in locked
    ]
    return Problem(mentors, mentees, rules, weights, locked, rejected, org)


def _draw_relations(draw: st.DrawFn, mentors: list[Mentor], mentees: list[Mentee]) -> None:
    for own, others in ((mentors, mentees), (mentees, mentors)):
        if not others:
            continue
        ids = st.sampled_from([o.id for o in others])
        for person in own:
            person.requested = draw(st.frozensets(ids, max_size=1))
            person.excluded = draw(st.frozensets(ids, max_size=1))


def _draw_org(draw: st.DrawFn, ids: list[str], by_id: dict[str, object]) -> dict[str, str | None]:
    """Acyclic org chart: each person reports to someone earlier in a random order."""
    order = draw(st.permutations([*ids, "boss", "vp"]))
    org: dict[str, str | None] = {}
    for position, person in enumerate(order):
        manager = draw(st.sampled_from([None, *order[:position]])) if position else None
        if person in by_id:
            by_id[person].manager_id = manager  # type: ignore[attr-defined]
        else:
            org[person] = manager
    return org


def _draw_locks(
    draw: st.DrawFn, mentors: list[Mentor], mentees: list[Mentee]
) -> list[tuple[str, str]]:
    locks: list[tuple[str, str]] = []
    load = [0] * len(mentors)
    for j in draw(st.lists(st.integers(0, 6), max_size=3, unique=True)):
        i = draw(st.integers(0, 5))
        if j < len(mentees) and i < len(mentors) and load[i] < mentors[i].capacity:
            locks.append((mentors[i].id, mentees[j].id))
            load[i] += 1
    return locks


# --------------------------------------------------------------------------------------------
# Independent re-implementation of rules and scores (one pair at a time)
# --------------------------------------------------------------------------------------------


def managers_of(problem: Problem) -> dict[str, str | None]:
    managers = dict(problem.org_managers)
    for p in (*problem.mentors, *problem.mentees):
        managers[p.id] = p.manager_id
    return managers


def reports_to_within(person: str, boss: str, managers: dict[str, str | None], depth: int) -> bool:
    current = managers.get(person)
    for _ in range(depth):
        if current is None:
            return False
        if current == boss:
            return True
        current = managers.get(current)
    return False


def allowed(problem: Problem, mentor: Mentor, mentee: Mentee) -> bool:
    rules = problem.rules
    managers = managers_of(problem)
    depth = rules.manager_chain_depth
    return (
        mentee.level - mentor.level >= rules.min_seniority_gap
        and (not rules.language_must_match or bool(mentor.languages & mentee.languages))
        and (rules.allow_same_department or mentor.department != mentee.department)
        and not reports_to_within(mentee.id, mentor.id, managers, depth)
        and not reports_to_within(mentor.id, mentee.id, managers, depth)
        and mentee.id not in mentor.excluded
        and mentor.id not in mentee.excluded
        and (mentor.id, mentee.id) not in set(problem.rejected)
    )


def utc_minutes(person: object, reference: datetime) -> set[int]:
    minutes: set[int] = set()
    for weekday, start, end in person.availability:  # type: ignore[attr-defined]
        local = (reference + timedelta(days=weekday, minutes=start)).replace(
            tzinfo=ZoneInfo(person.timezone)  # type: ignore[attr-defined]
        )
        offset = int((local - reference.replace(tzinfo=UTC)).total_seconds() // 60)
        minutes.update((offset + k) % (7 * 1440) for k in range(end - start))
    return minutes


def coverage(wanted: dict[str, int], offered: dict[str, int]) -> float:
    if not wanted:
        return 0.0
    return sum(p * offered.get(t, 0) for t, p in wanted.items()) / (3 * sum(wanted.values()))


def expected_components(problem: Problem, mentor: Mentor, mentee: Mentee) -> dict[str, float]:
    ref = problem.rules.reference_week
    reference = datetime(ref.year, ref.month, ref.day)  # noqa: DTZ001
    overlap = len(utc_minutes(mentor, reference) & utc_minutes(mentee, reference))
    target = problem.rules.overlap_target_minutes
    return {
        "topic_coverage": coverage(mentee.learns, mentor.teaches),
        "reverse_coverage": coverage(mentor.learns, mentee.teaches),
        "availability": min(overlap, target) / target,
        "department_diversity": float(mentor.department != mentee.department),
        "pairing_request": float(mentee.id in mentor.requested or mentor.id in mentee.requested),
    }


# --------------------------------------------------------------------------------------------
# Exhaustive optimum
# --------------------------------------------------------------------------------------------


def best_value(
    points: np.ndarray, capacity: tuple[int, ...], free: list[int], objective: str, floor: int = 0
) -> tuple[int, int]:
    """Best (primary, secondary) over all assignments of `free` mentees, pairs >= floor.

    participation: (matched, total points); score: (total points, matched).
    """

    @cache
    def best(position: int, caps: tuple[int, ...]) -> tuple[int, int]:
        if position == len(free):
            return (0, 0)
        j = free[position]
        result = best(position + 1, caps)
        for i, cap in enumerate(caps):
            if cap and points[i, j] >= floor:
                a, b = best(position + 1, (*caps[:i], cap - 1, *caps[i + 1 :]))
                value = int(points[i, j])
                gain = (a + 1, b + value) if objective == "participation" else (a + value, b + 1)
                result = max(result, gain)
        return result

    return best(0, capacity)


def free_setup(problem: Problem) -> tuple[np.ndarray, tuple[int, ...], list[int]]:
    ctx = build_context(problem)
    points = score_matrix(ctx)
    caps = list(ctx.capacity)
    locked_mentees = set()
    for a, b in problem.locked:
        caps[ctx.mentor_index[a]] -= 1
        locked_mentees.add(ctx.mentee_index[b])
    free = [j for j in range(len(ctx.mentees)) if j not in locked_mentees]
    return points, tuple(int(c) for c in caps), free


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@SETTINGS
@given(problem=problems(), candidates=st.sampled_from([1, 2, None]))
def test_result_respects_rules_capacity_and_locks(problem: Problem, candidates: int | None):
    result = solve(problem, candidates=candidates)
    by_id = {p.id: p for p in (*problem.mentors, *problem.mentees)}
    pairs = [(p.mentor_id, p.mentee_id) for p in result.pairs]
    assert set(problem.locked) <= set(pairs)
    assert {p.locked for p in result.pairs if (p.mentor_id, p.mentee_id) in problem.locked} <= {
        True
    }
    for mentor_id, mentee_id in set(pairs) - set(problem.locked):
        assert allowed(problem, by_id[mentor_id], by_id[mentee_id])  # type: ignore[arg-type]
    matched = [b for _, b in pairs]
    assert len(matched) == len(set(matched))
    for m in problem.mentors:
        load = sum(a == m.id for a, _ in pairs)
        assert load <= m.capacity
        assert result.spare_capacity[m.id] == m.capacity - load
    unmatched = {u.mentee_id for u in result.unmatched}
    assert unmatched | set(matched) == {e.id for e in problem.mentees}
    assert not unmatched & set(matched)
    assert all(u.reason for u in result.unmatched)
    assert result.stats["certified"] is True


@SETTINGS
@given(problem=problems(), candidates=st.sampled_from([1, 2, None]))
def test_result_is_optimal(problem: Problem, candidates: int | None):
    result = solve(problem, candidates=candidates)
    points, caps, free = free_setup(problem)
    free_pairs = [p for p in result.pairs if not p.locked]
    matched = len(free_pairs)
    total = sum(round(p.score * SCALE) for p in free_pairs)
    objective = problem.rules.objective
    best = best_value(points, caps, free, objective)
    if objective == "score":
        assert (total, matched) == best
        return
    if not problem.rules.fairness:
        assert (matched, total) == best  # maximum participation, then maximum total
        return
    # fairness: maximum participation, then the best worst pair, then the maximum total under
    # that floor, which may be below the unconstrained maximum total
    assert matched == best[0]
    if matched:
        bottleneck = max(
            t
            for t in np.unique(points[points >= 0]).tolist()
            if best_value(points, caps, free, "participation", floor=t)[0] == matched
        )
        assert min(round(p.score * SCALE) for p in free_pairs) == bottleneck
        assert total == best_value(points, caps, free, "participation", floor=bottleneck)[1]


@SETTINGS
@given(problem=problems())
def test_feasibility_and_scores_match_independent_formulas(problem: Problem):
    ctx = build_context(problem)
    points = score_matrix(ctx)
    if not ctx.mentors or not ctx.mentees:
        return
    sel = Block(np.arange(len(ctx.mentors)), np.arange(len(ctx.mentees)))
    comps = components(ctx, sel)
    raw = total_points(ctx, comps)
    weights = problem.weights.as_dict()
    for i, mentor in enumerate(ctx.mentors):
        for j, mentee in enumerate(ctx.mentees):
            assert (points[i, j] >= 0) == allowed(problem, mentor, mentee)
            expected = expected_components(problem, mentor, mentee)
            for name in COMPONENTS:
                assert abs(float(comps[name][i, j]) - expected[name]) < 1e-5
            score = sum(weights[c] * expected[c] for c in COMPONENTS) / sum(weights.values())
            assert abs(int(raw[i, j]) - score * SCALE) <= 0.5 + 1e-3


@settings(deadline=None, max_examples=40)
@given(problem=problems(), data=st.data())
def test_score_pair_agrees_with_the_rules(problem: Problem, data: st.DataObject):
    if not problem.mentors or not problem.mentees:
        return
    mentor = data.draw(st.sampled_from(problem.mentors))
    mentee = data.draw(st.sampled_from(problem.mentees))
    _, _, explanation, broken = score_pair(problem, mentor.id, mentee.id)
    assert (broken == []) == allowed(problem, mentor, mentee)
    assert len(explanation) == 5


@settings(deadline=None, max_examples=60)
@given(problem=problems(), data=st.data())
def test_output_is_independent_of_input_order(problem: Problem, data: st.DataObject):
    shuffled = Problem(
        data.draw(st.permutations(problem.mentors)),
        data.draw(st.permutations(problem.mentees)),
        problem.rules,
        problem.weights,
        data.draw(st.permutations(problem.locked)),
        data.draw(st.permutations(problem.rejected)),
        problem.org_managers,
    )
    first = json.dumps(result_to_dict(solve(problem)), sort_keys=True)
    assert json.dumps(result_to_dict(solve(problem)), sort_keys=True) == first
    assert json.dumps(result_to_dict(solve(shuffled)), sort_keys=True) == first
