"""Property-based tests: random small cohorts checked against independent implementations.

Hard rules and score formulas are re-implemented here in plain Python (per pair), and the
optimum is found by exhaustive dynamic programming over mentees and remaining capacities.
"Spread the load" is checked twice: against the same dynamic programme with the number of
distinct mentors as the second criterion, and against plain enumeration of every assignment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
def problems(draw: st.DrawFn, max_mentors: int = 6, max_mentees: int = 7) -> Problem:
    mentors = [
        draw(people(Mentor, f"r{k}", (0, 3))) for k in range(draw(st.integers(0, max_mentors)))
    ]
    mentees = [
        draw(people(Mentee, f"e{k}", (1, 5))) for k in range(draw(st.integers(0, max_mentees)))
    ]
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
        spread_load=draw(st.booleans()),
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
    points: np.ndarray,
    capacity: tuple[int, ...],
    free: list[int],
    objective: str,
    floor: int = 0,
    *,
    spread: bool = False,
    busy: frozenset[int] = frozenset(),
) -> tuple[int, ...]:
    """Best value over all assignments of `free` mentees, pairs >= floor, compared as
    participation: (matched, total points); score: (total points, matched). With spread the
    number of distinct mentors with a mentee comes second: (matched, distinct, points) or
    (points, distinct, matched); mentors in `busy` (locked pairs) count as used already.
    Returns (primary, distinct, secondary) in both cases."""

    def key(value: tuple[int, int, int]) -> tuple[int, ...]:
        return value if spread else (value[0], value[2])

    @cache
    def best(position: int, caps: tuple[int, ...]) -> tuple[int, int, int]:
        if position == len(free):
            return (0, len(busy), 0)
        j = free[position]
        result = best(position + 1, caps)
        for i, cap in enumerate(caps):
            if cap and points[i, j] >= floor:
                a, d, b = best(position + 1, (*caps[:i], cap - 1, *caps[i + 1 :]))
                first = int(i not in busy and cap == capacity[i])
                value = int(points[i, j])
                gain = (
                    (a + 1, d + first, b + value)
                    if objective == "participation"
                    else (a + value, d + first, b + 1)
                )
                result = max(result, gain, key=key)
        return result

    return best(0, capacity)


def free_setup(
    problem: Problem,
) -> tuple[np.ndarray, tuple[int, ...], list[int], frozenset[int]]:
    """Score matrix, capacity left after locks, unlocked mentees, mentors with a lock."""
    ctx = build_context(problem)
    points = score_matrix(ctx)
    caps = list(ctx.capacity)
    locked_mentees = set()
    busy = set()
    for a, b in problem.locked:
        caps[ctx.mentor_index[a]] -= 1
        busy.add(ctx.mentor_index[a])
        locked_mentees.add(ctx.mentee_index[b])
    free = [j for j in range(len(ctx.mentees)) if j not in locked_mentees]
    return points, tuple(int(c) for c in caps), free, frozenset(busy)


def assignments(
    n_mentors: int, capacity: list[int], free: list[int], feasible: np.ndarray
) -> Iterator[list[tuple[int, int]]]:
    """Every assignment of the free mentees (each to a feasible mentor with room, or to
    nobody), by plain enumeration: no memoisation, no objective."""

    def extend(position: int, load: list[int], chosen: list[tuple[int, int]]):
        if position == len(free):
            yield list(chosen)
            return
        j = free[position]
        yield from extend(position + 1, load, chosen)
        for i in range(n_mentors):
            if feasible[i, j] and load[i] < capacity[i]:
                load[i] += 1
                chosen.append((i, j))
                yield from extend(position + 1, load, chosen)
                chosen.pop()
                load[i] -= 1

    yield from extend(0, [0] * n_mentors, [])


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
    points, caps, free, busy = free_setup(problem)
    free_pairs = [p for p in result.pairs if not p.locked]
    matched = len(free_pairs)
    total = sum(round(p.score * SCALE) for p in free_pairs)
    distinct = result.stats["mentors_used"]
    assert distinct == len({p.mentor_id for p in result.pairs})
    rules = problem.rules
    spread = rules.spread_load
    best = best_value(points, caps, free, rules.objective, spread=spread, busy=busy)
    if rules.objective == "score":
        # the maximum total (then, with spread, the most distinct mentors), then the most pairs
        assert (total, matched) == (best[0], best[2])
        if spread:
            assert distinct == best[1]
        return
    if not rules.fairness:
        # maximum participation (then, with spread, the most distinct mentors), then the total
        assert (matched, total) == (best[0], best[2])
        if spread:
            assert distinct == best[1]
        return
    # fairness: maximum participation, then the best worst pair, then (with spread) the most
    # distinct mentors and the maximum total under that floor, which may be below the
    # unconstrained maximum total
    assert matched == best[0]
    if matched:
        bottleneck = max(
            t
            for t in np.unique(points[points >= 0]).tolist()
            if best_value(points, caps, free, "participation", floor=t)[0] == matched
        )
        assert min(round(p.score * SCALE) for p in free_pairs) == bottleneck
        floored = best_value(
            points, caps, free, "participation", floor=bottleneck, spread=spread, busy=busy
        )
        assert total == floored[2]
        if spread:
            assert distinct == floored[1]


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(max_mentors=4, max_mentees=5), candidates=st.sampled_from([1, None]))
def test_spread_uses_the_most_mentors_any_maximum_pairing_can(
    problem: Problem, candidates: int | None
):
    """The rule as HR reads it, checked by enumerating every assignment: no feasible
    assignment with the same participation (or, by score, the same total) uses more distinct
    mentors, and among those that use as many, none has a higher total (more pairs)."""
    problem.rules.spread_load = True
    problem.rules.fairness = False
    result = solve(problem, candidates=candidates)
    points, caps, free, busy = free_setup(problem)
    mentor_index = build_context(problem).mentor_index
    free_pairs = [p for p in result.pairs if not p.locked]
    got_matched = len(free_pairs)
    got_total = sum(round(p.score * SCALE) for p in free_pairs)
    got_distinct = len({mentor_index[p.mentor_id] for p in result.pairs})
    by_score = problem.rules.objective == "score"
    got = (got_total, got_distinct, got_matched) if by_score else (
        got_matched, got_distinct, got_total)
    best = None
    for chosen in assignments(len(caps), list(caps), free, points >= 0):
        total = sum(int(points[i, j]) for i, j in chosen)
        distinct = len(busy | {i for i, _ in chosen})
        value = (total, distinct, len(chosen)) if by_score else (len(chosen), distinct, total)
        assert value <= got  # nothing beats the engine in the lexicographic order
        best = value if best is None else max(best, value)
    assert best == got


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_with_spread_no_idle_mentor_could_take_a_second_mentee_off_someone(problem: Problem):
    """The local form of the rule: never an idle mentor who is allowed to mentor a mentee whose
    mentor has two or three (moving the mentee would keep every pair and use one more mentor)."""
    problem.rules.spread_load = True
    result = solve(problem)
    if problem.rules.objective == "score":
        return  # by score, moving a mentee may lower the total, which comes first
    ctx = build_context(problem)
    points = score_matrix(ctx)
    load = {m.id: 0 for m in problem.mentors}
    for pair in result.pairs:
        load[pair.mentor_id] += 1
    idle = [m for m, count in load.items() if count == 0]
    free_scores = [round(p.score * SCALE) for p in result.pairs if not p.locked]
    # with fairness the moved pair must not fall below the worst pair
    floor = min(free_scores) if problem.rules.fairness and free_scores else 0
    for pair in result.pairs:
        if pair.locked or load[pair.mentor_id] < 2:
            continue
        for mentor_id in idle:
            value = points[ctx.mentor_index[mentor_id], ctx.mentee_index[pair.mentee_id]]
            assert value < floor, (
                f"{mentor_id} is idle and could take {pair.mentee_id} from {pair.mentor_id}"
            )


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
