"""The solver's building blocks against plain definitions, and its optimum against scipy.

No database: the solver is pure numpy. The pieces tested here only decide speed (which arcs
the pruned graph holds, which arcs a round adds); the optimum is checked against a dense
linear_sum_assignment so that a faster piece can never cost exactness.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching import solver
from matching.solver import (
    WeightFn,
    _merge_arcs,
    candidate_arcs,
    low_slack_arcs,
    objective_for,
    solve_matching,
)

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def matrices(max_side: int = 9, values: list[int] | None = None) -> st.SearchStrategy:
    """int16 point matrices with -1 (infeasible) and many ties."""
    cell = st.sampled_from(values or [-1, -1, 0, 250, 250, 500, 999, 1000])
    return st.integers(1, max_side).flatmap(
        lambda m: st.integers(1, max_side).flatmap(
            lambda n: st.lists(cell, min_size=m * n, max_size=m * n).map(
                lambda cells: np.array(cells, dtype=np.int16).reshape(m, n)
            )
        )
    )


def top_k_with_ties(points: np.ndarray, k: int) -> set[tuple[int, int]]:
    """Feasible cells at or above the k-th largest value of their row or of their column."""
    chosen = set()
    for axis_points, transpose in ((points, False), (points.T, True)):
        for line_no, line in enumerate(axis_points):
            kth = np.sort(line)[::-1][min(k, len(line)) - 1]
            for other, value in enumerate(line):
                if value >= 0 and value >= kth:
                    chosen.add((other, line_no) if transpose else (line_no, other))
    return chosen


@SETTINGS
@given(points=matrices(), k=st.integers(1, 4))
def test_candidates_are_the_top_k_of_each_row_and_column_ties_included(points, k):
    rows, cols = candidate_arcs(points, k)
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == top_k_with_ties(points, k)
    keys = rows * points.shape[1] + cols
    assert (np.diff(keys) > 0).all()  # row-major order, no duplicates


def test_candidates_break_ties_when_they_would_fill_the_matrix():
    # Identical profiles: every pair scores the same, so "ties included" is the whole matrix.
    side, k = 300, 5
    points = np.full((side, side), 420, dtype=np.int16)
    rows, cols = candidate_arcs(points, k)
    assert len(rows) <= solver.TIE_BUDGET * k * 2 * side
    # Every row and every column keeps at least its k cells, so a perfect matching survives.
    assert np.bincount(rows, minlength=side).min() >= k
    assert np.bincount(cols, minlength=side).min() >= k
    assert candidate_arcs(points, k)[0].tolist() == rows.tolist()  # deterministic


def test_tie_breaking_never_keeps_an_infeasible_cell():
    points = np.full((200, 200), 7, dtype=np.int16)
    points[::3] = -1
    rows, cols = candidate_arcs(points, 2)
    assert (points[rows, cols] >= 0).all()
    assert set(np.unique(rows).tolist()) == {i for i in range(200) if i % 3}


@pytest.mark.parametrize(
    "weights",
    [WeightFn(1, 10_001), WeightFn(11 * 11, 12), WeightFn(7, 3), WeightFn(0, 1)],
    ids=["participation", "score", "odd scale", "cardinality"],
)
def test_low_slack_scan_finds_exactly_the_cells_below_the_margin(weights: WeightFn):
    rng = np.random.default_rng(3)
    points = rng.integers(-1, 1001, size=(60, 70)).astype(np.int16)
    full = weights(points)
    # Duals that leave about 2 % of each column violated and some cells just above zero.
    u = rng.integers(0, 400 * max(weights.scale, 1), size=60).astype(np.int64)
    u[:2] = 0  # with v >= 0, the only way to violate a constant weight of 1
    v = np.maximum(0, np.quantile(full - u[:, None], 0.98, axis=0).astype(np.int64) - 1)
    margin = 20 * max(weights.scale, 1)
    slack = u[:, None] + v[None, :] - full
    expected = {
        (i, j, int(slack[i, j]))
        for i, j in zip(*np.nonzero((slack < margin) & (points >= 0)), strict=True)
    }
    assert len(expected) < solver.EXTRA_PER_ROW * 60  # the cap does not apply here
    assert any(s < 0 for *_, s in expected)
    assert any(s >= 0 for *_, s in expected)
    rows, cols, found = low_slack_arcs(points, weights, u, v, margin)
    assert set(zip(rows.tolist(), cols.tolist(), found.tolist(), strict=True)) == expected


def test_a_round_adds_a_bounded_number_of_arcs_least_slack_first():
    points = np.full((50, 400), 300, dtype=np.int16)
    weights = WeightFn(1, 0)
    u = np.zeros(50, dtype=np.int64)
    v = np.full(400, 300, dtype=np.int64)  # every cell tight (slack 0)...
    v[:7] = 250  # ...except seven columns that are violated in every row
    rows, cols, slack = low_slack_arcs(points, weights, u, v, 20)
    assert len(rows) == solver.EXTRA_PER_ROW * 50
    violated = {(i, j) for i in range(50) for j in range(7)}
    assert violated <= set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert (slack[slack < 0] == -50).all()


@SETTINGS
@given(
    base=st.sets(st.integers(0, 199), max_size=60),
    extra=st.lists(st.integers(0, 199), max_size=40),
)
def test_merging_arcs_is_a_sorted_union(base, extra):
    n = 20
    keys = np.array(sorted(base), dtype=np.int64)
    more = np.array(extra, dtype=np.int64)
    rows, cols = _merge_arcs(keys // n, keys % n, more // n, more % n, n)
    assert (rows * n + cols).tolist() == sorted(base | set(extra))


def test_every_objective_is_an_affine_weight():
    n = 12
    points = np.arange(-1, 1001, dtype=np.int16)
    for objective in ("cardinality", "participation", "score"):
        for spread in (False, True):
            weights = objective_for(objective, n, spread=spread).weights
            values = weights(points)
            assert values.dtype == np.int64
            assert (values == weights.scale * points.astype(np.int64) + weights.offset).all()


def dense_optimum(points: np.ndarray, capacity: np.ndarray) -> tuple[int, int]:
    """(matched, total points) of the participation optimum, by linear_sum_assignment on the
    capacity-replicated matrix: a match earns more than any total of points."""
    owner = np.repeat(np.arange(len(capacity)), capacity)
    slots = points[owner].astype(np.float64)
    bonus = 1000.0 * points.shape[1] + 1
    gain = np.where(slots >= 0, slots + bonus, 0.0)
    r, c = linear_sum_assignment(gain, maximize=True)
    keep = slots[r, c] >= 0
    return int(keep.sum()), int(slots[r, c][keep].sum())


@pytest.mark.parametrize(
    ("side", "values", "capacity"),
    [
        (240, [500], 1),  # identical profiles: the tie-breaking path
        (240, [-1, 100, 100, 100], 1),  # empty profiles: a few values, many infeasible
        (200, [-1, 0, 1000], 2),
        (260, list(range(-1, 1001, 37)), 1),
    ],
)
def test_optimum_equals_a_dense_solve_with_heavy_ties(side, values, capacity):
    rng = np.random.default_rng(side + capacity)
    points = rng.choice(np.array(values, dtype=np.int16), size=(side, side))
    caps = np.full(side, capacity)
    solution = solve_matching(points, caps, objective="participation", candidates=3)
    assert solution.stats["certified"]
    assert solution.stats["candidate_arcs"] < side * side
    chosen = np.flatnonzero(solution.mate >= 0)
    assert np.bincount(solution.mate[chosen], minlength=side).max() <= capacity
    assert (points[solution.mate[chosen], chosen] >= 0).all()
    total = int(points[solution.mate[chosen], chosen].astype(np.int64).sum())
    assert (len(chosen), total) == dense_optimum(points, caps)
