"""Exact capacitated bipartite matching on an integer score matrix.

The problem is a max-weight b-matching: mentor i takes at most capacity[i] mentees, each mentee
at most one mentor, arcs exist where points >= 0. Objectives become integer arc weights, and
with "spread the load" also integer penalties on a mentor's 2nd and 3rd capacity slot:

- participation: w = points + M with M > any total score, so cardinality comes first.
- score: w = points * (n + 1) + 1, so total score comes first and cardinality breaks ties.
- spread (either objective): every arc also gets a bonus B and a mentor's 2nd and 3rd slot cost
  B each, so a pairing earns B once per *distinct* mentor it uses. B is chosen between the
  primary and the secondary criterion (see `objective_for`), which makes the order exactly
  lexicographic: (matched, distinct mentors, points) or (points, distinct mentors, matched).
  The slot costs (0, B, B) are non-decreasing (convex), so min-cost flow with parallel
  source -> mentor arcs per slot stays exact: it never fills a dearer slot before a cheaper one.

Strategy: solve a min-cost flow (OR-Tools) on a pruned candidate graph (top-K arcs of every
mentor and every mentee), then certify it against the full graph with LP duality. From the
optimal flow we compute dual prices u (mentors) and v (mentees) by shortest paths in the
residual graph. If u_i + v_j >= w_ij holds for every feasible arc of the full problem and the
dual objective sum_i sum_slots max(0, u_i - c_is) + sum(v) (c_is = cost of mentor i's slot s;
with no penalties this is sum(capacity * u) + sum(v)) equals the primal value
sum(w of used arcs) - sum(costs of used slots), the matching is optimal for the full problem
(the flow LP is integral). Violated arcs are added and the pruned problem is solved again until
the certificate holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

Progress = Callable[[str, float], None] | None

DEFAULT_CANDIDATES = 40
MAX_ROUNDS = 25
NEAR_MARGIN_POINTS = 20
CHUNK_CELLS = 1 << 22
CANDIDATE_BLOCK_CELLS = 200 * 10_000
TIE_BUDGET = 4
"""Candidate cells beyond TIE_BUDGET * k per row and column mean ties: break them."""
EXTRA_PER_ROW = 16
"""Arcs one certification round adds, at most, per mentor row scanned."""
SCALE = 1000


class SolverError(RuntimeError):
    """The flow solver failed (should not happen on valid input)."""


NO_SLOT = -1
"""Marks a capacity slot a mentor does not have in a slot-cost matrix."""


@dataclass(frozen=True)
class WeightFn:
    """Integer arc weights as an affine function of points: w = scale * points + offset.

    Every objective is affine, and the certification scan relies on it: it compares points
    against a per-cell threshold instead of computing every cell's weight.
    """

    scale: int
    offset: int

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points).astype(np.int64) * self.scale + self.offset


@dataclass(frozen=True)
class Objective:
    """Integer arc weights and the penalty of a mentor's 1st, 2nd, 3rd... mentee.

    `slot_penalty[s]` is subtracted once for every mentor whose load reaches s + 1; it must be
    non-decreasing with slot_penalty[0] == 0 (convex slot costs keep the flow exact).
    """

    weights: WeightFn
    slot_penalty: tuple[int, ...] = ()

    def penalty(self, slot: int) -> int:
        return (
            self.slot_penalty[slot]
            if slot < len(self.slot_penalty)
            else (self.slot_penalty[-1] if self.slot_penalty else 0)
        )


@dataclass
class Solution:
    """mate[j] = mentor index of mentee j, or -1. `stats` describes the certification."""

    mate: np.ndarray
    stats: dict[str, object] = field(default_factory=dict)


def objective_weights(objective: str, n_mentees: int) -> WeightFn:
    """Integer arc weights (int64) from points for an objective (see module docstring)."""
    return objective_for(objective, n_mentees).weights


def objective_for(objective: str, n_mentees: int, *, spread: bool = False) -> Objective:
    """Arc weights and slot penalties realising an objective exactly (n = free mentees).

    A matching's value is sum(w) - sum(slot penalties). With spread it equals
      participation: M * matched + B * distinct + points,  B = 1000 n + 1, M = B (n + 1)
      score:         F * points + G * distinct + matched,  G = n + 1,      F = G (n + 1)
    Lexicographic because each coefficient exceeds the largest possible change of everything
    after it: points <= 1000 n < B; B * distinct + points <= B n + B - 1 < M; and
    G * distinct + matched <= G n + n < F. Without spread: M = 1000 n + 1 and F = n + 1.
    """
    n = n_mentees
    if objective == "cardinality":
        return Objective(WeightFn(0, 1))
    if objective == "participation":
        if not spread:
            return Objective(WeightFn(1, SCALE * n + 1))
        b = SCALE * n + 1
        m = b * (n + 1)
        return Objective(WeightFn(1, m + b), (0, b))
    if objective == "score":
        if not spread:
            return Objective(WeightFn(n + 1, 1))
        g = n + 1
        f = g * (n + 1)
        return Objective(WeightFn(f, 1 + g), (0, g))
    raise ValueError(f"unknown objective {objective!r}")


def slot_costs(capacity: np.ndarray, prior_load: np.ndarray, objective: Objective) -> np.ndarray:
    """(m, max capacity) cost of each mentor's free slots, NO_SLOT where there is none.

    A mentor who already has `prior_load` (locked) mentees starts at that slot, so a locked
    pair counts as the mentor's first mentee.
    """
    m = len(capacity)
    width = int(capacity.max()) if m else 0
    costs = np.full((m, width), NO_SLOT, dtype=np.int64)
    for k in range(width):
        has = capacity > k
        costs[has, k] = [objective.penalty(int(p) + k) for p in prior_load[has]]
    return costs


def solve_matching(
    points: np.ndarray,
    capacity: np.ndarray,
    *,
    objective: str = "participation",
    fairness: bool = False,
    spread: bool = False,
    prior_load: np.ndarray | None = None,
    candidates: int | None = None,
    progress: Progress = None,
) -> Solution:
    """Optimal matching for `points` (int16 m x n, negative = infeasible).

    `capacity` is each mentor's free capacity; `prior_load` how many (locked) mentees the
    mentor already has, which only matters with `spread`.
    """
    m, n = points.shape
    k = candidates or DEFAULT_CANDIDATES
    if m == 0 or n == 0:
        return Solution(np.full(n, -1, dtype=np.int64), _empty_stats())
    prior = np.zeros(m, dtype=np.int64) if prior_load is None else np.asarray(prior_load)
    goal = objective_for(objective, n, spread=spread)
    costs = slot_costs(capacity, prior, goal)
    if spread and not (costs > 0).any():
        # Nobody can take a second mentee: spreading is moot, and the plain weights keep the
        # result (ties included) exactly what it was before spread existed.
        spread = False
        goal = objective_for(objective, n)
        costs = slot_costs(capacity, prior, goal)
    solution = certified_solve(points, costs, goal.weights, k, progress)
    if fairness:
        solution = _fair_solve(points, costs, solution, k, progress, spread=spread)
    return solution


def _empty_stats() -> dict[str, object]:
    return {"certified": True, "rounds": 0, "candidate_arcs": 0, "min_pair_points": None}


# ---------------------------------------------------------------------------------------------
# Candidate graph
# ---------------------------------------------------------------------------------------------


def candidate_arcs(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Feasible cells among the top-k of their row or of their column, in row-major order.

    Ties at the k-th value are all included, unless they make the graph large (cohorts of
    identical or empty profiles score whole rows alike): then ties are broken by a fixed hash
    of (row, column), which keeps about k cells a row and a column, spread evenly so that the
    pruned graph still holds a large matching. Either way the set is deterministic, and it only
    affects speed: the certificate decides optimality.
    """
    m, n = points.shape
    budget = TIE_BUDGET * k * (m + n)
    found = _top_k_cells(points, k, tie_break=False, budget=budget)
    if found is None:
        found = _top_k_cells(points, k, tie_break=True, budget=None)
    return found


def _top_k_cells(
    points: np.ndarray, k: int, *, tie_break: bool, budget: int | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """One pass in row blocks finds each row's k-th largest key and keeps a running top-k of
    every column (the block stacked under the best k so far, partitioned down the columns);
    a second pass collects the feasible cells at or above either threshold. None if that
    exceeds `budget` cells. No transposed copy and no full-matrix partition, which at
    10,000 x 10,000 cost seconds.

    Rows are partitioned on int32 keys (points in the high bits, the column or a hash in the
    low ones): numpy's partition slows down badly on rows of many equal values (sparse cohorts
    are mostly -1), and distinct keys keep it fast."""
    m, n = points.shape
    step = max(1, CANDIDATE_BLOCK_CELLS // max(n, 1))
    lowest = np.iinfo(np.int32).min
    row_kth = np.full(m, lowest, dtype=np.int32)
    best = np.empty((0, n), dtype=np.int32 if tie_break else points.dtype)
    for start in range(0, m, step):
        block = points[start : start + step]
        keys = _cell_keys(block, start, tie_break=tie_break)
        if k < n:
            row_kth[start : start + step] = np.partition(keys, n - k, axis=1)[:, n - k]
        stacked = np.concatenate([best, keys if tie_break else block])
        if len(stacked) > k:
            stacked = np.partition(stacked, len(stacked) - k, axis=0)[-k:]
        best = stacked
    col_kth = best.min(axis=0) if len(best) == k else np.full(n, lowest, dtype=np.int32)
    if not tie_break:
        # Compare points with points: every cell tied with a row's k-th value is kept.
        row_kth = np.where(row_kth == lowest, -1, row_kth >> 16)
    row_chunks, col_chunks, total = [], [], 0
    for start in range(0, m, step):
        block = points[start : start + step]
        keys = _cell_keys(block, start, tie_break=True) if tie_break else block
        mask = keys >= row_kth[start : start + step, None]
        mask |= keys >= col_kth[None, :]
        mask &= block >= 0
        r, c = np.nonzero(mask)
        total += len(r)
        if budget is not None and total > budget:
            return None
        row_chunks.append(r + start)
        col_chunks.append(c)
    return (
        np.concatenate(row_chunks).astype(np.int64),
        np.concatenate(col_chunks).astype(np.int64),
    )


def _cell_keys(block: np.ndarray, start: int, *, tie_break: bool) -> np.ndarray:
    """int32 keys ordering cells by points, then by column, or with `tie_break` by a fixed
    hash of (row, column) that spreads ties evenly."""
    cols = np.arange(block.shape[1], dtype=np.uint32)
    if tie_break:
        rows = np.arange(start, start + len(block), dtype=np.uint32) * np.uint32(0x9E3779B1)
        low = (rows[:, None] ^ (cols * np.uint32(0x85EBCA77))[None, :]) >> np.uint32(16)
    else:
        low = (cols & np.uint32(0xFFFF))[None, :]
    return (block.astype(np.int32) << 16) | low.astype(np.int32)


# ---------------------------------------------------------------------------------------------
# Min-cost flow on explicit arcs
# ---------------------------------------------------------------------------------------------


def _source_arcs(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mentor, capacity, cost) of the source -> mentor arcs: one per mentor when no slot has
    a penalty (as before spread existed), else one per distinct slot cost of each mentor."""
    m = costs.shape[0]
    available = costs != NO_SLOT
    if not (costs > 0).any():
        return np.arange(m), available.sum(axis=1), np.zeros(m, dtype=np.int64)
    mentor, slot = np.nonzero(available)
    value = costs[mentor, slot]
    first = np.ones(len(mentor), dtype=bool)
    first[1:] = (mentor[1:] != mentor[:-1]) | (value[1:] != value[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(mentor)))
    return mentor[starts], counts, value[starts]


def flow_matching(
    m: int, n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, costs: np.ndarray
) -> np.ndarray:
    """Max-value b-matching on the given arcs (value = weights of used arcs minus the costs of
    the mentor slots they fill, see `slot_costs`); returns a bool array (arc used)."""
    source, sink = m + n, m + n + 1
    flow = SimpleMinCostFlow()
    mentors, slot_caps, slot_cost = _source_arcs(costs)
    lead = len(mentors)
    tails = np.concatenate([np.full(lead, source), rows, m + np.arange(n), [source]])
    heads = np.concatenate([mentors, m + cols, np.full(n, sink), [sink]])
    caps = np.concatenate([slot_caps, np.ones(len(rows)), np.ones(n), [n]])
    costs = np.concatenate([slot_cost, -weights, np.zeros(n), [0]])
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min cost flow failed with status {status}")
    arc_ids = np.arange(lead, lead + len(rows), dtype=np.int32)
    return np.asarray(flow.flows(arc_ids)) > 0


# ---------------------------------------------------------------------------------------------
# Dual prices and certification
# ---------------------------------------------------------------------------------------------


def dual_prices(
    m: int,
    n: int,
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    used: np.ndarray,
    costs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal duals (u for mentors, v for mentees) of an optimal matching on the given arcs.

    They are shortest-path distances from a root in the system of difference constraints
      y_j <= u_i - w_ij (every arc), u_i <= y_j + w_ij (used arcs), u_i <= c_i (mentor with
      spare capacity, c_i = the cost of its next free slot), y_j <= 0 (every mentee), v = -y,
    computed by a frontier-based Bellman-Ford where each round is vectorised.
    """
    load = np.bincount(rows[used], minlength=m)
    capacity = (costs != NO_SLOT).sum(axis=1)
    inf = np.iinfo(np.int64).max // 4
    spare = load < capacity
    next_cost = np.zeros(m, dtype=np.int64)
    next_cost[spare] = costs[np.flatnonzero(spare), load[spare]]
    u = np.where(spare, next_cost, inf).astype(np.int64)
    y = np.zeros(n, dtype=np.int64)
    mate = np.full(n, -1, dtype=np.int64)
    mate_weight = np.zeros(n, dtype=np.int64)
    mate[cols[used]] = rows[used]
    mate_weight[cols[used]] = weights[used]
    order = np.argsort(rows, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=m))])
    changed_mentees = np.arange(n)
    changed_mentors = np.flatnonzero(spare)
    for _ in range(2 * (m + n) + 2):
        changed_mentors = np.union1d(
            changed_mentors, _relax_mentors(u, y, mate, mate_weight, changed_mentees)
        )
        if len(changed_mentors) == 0:
            return u, -y
        arcs = order[_ranges(indptr, changed_mentors)]
        changed_mentees = _scatter_min(y, cols[arcs], u[rows[arcs]] - weights[arcs])
        changed_mentors = np.empty(0, dtype=np.int64)
        if len(changed_mentees) == 0:
            return u, -y
    raise SolverError("dual prices did not converge (flow not optimal?)")


def _relax_mentors(
    u: np.ndarray, y: np.ndarray, mate: np.ndarray, mate_weight: np.ndarray, mentees: np.ndarray
) -> np.ndarray:
    mentees = mentees[mate[mentees] >= 0]
    return _scatter_min(u, mate[mentees], y[mentees] + mate_weight[mentees])


def _scatter_min(target: np.ndarray, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """target[index] = min(target[index], values); returns the indices that decreased."""
    before = target[index]
    np.minimum.at(target, index, values)
    return np.unique(index[target[index] < before])


def _ranges(indptr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Concatenation of range(indptr[x], indptr[x + 1]) for x in nodes."""
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(total)


def low_slack_arcs(
    points: np.ndarray, weight_fn: WeightFn, u: np.ndarray, v: np.ndarray, margin: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feasible cells with slack u_i + v_j - w_ij < margin, scanned in row chunks.

    Cells with negative slack violate dual feasibility (negative reduced cost).
    Returns (rows, cols, slack).

    With w = a * p + b (a >= 1) the condition is a * p > x_i + v_j for x = u - b - margin,
    i.e. p > floor((x_i + v_j) / a). The scan compares the int16 points with the threshold
    floor(x_i / a) + floor(v_j / a), which is at most one below the exact one, so it finds
    every such cell and a few more; the exact slack of the cells found then decides.
    """
    m, n = points.shape
    scale, offset = weight_fn.scale, weight_fn.offset
    if scale == 0:
        return _low_slack_constant(points, weight_fn, u, v, margin)
    row_part = (u - offset - margin) // scale
    col_part = v // scale
    step = max(1, CHUNK_CELLS // max(n, 1))
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, m, step):
        block = points[start : start + step]
        threshold = row_part[start : start + step, None] + col_part[None, :]
        # -1 (infeasible) never exceeds a threshold of -1 or more.
        np.maximum(threshold, -1, out=threshold)
        r, c = np.nonzero(block > threshold)
        r += start
        slack = u[r] + v[c] - weight_fn(points[r, c])
        low = slack < margin
        found.append(_lowest(r[low], c[low], slack[low], EXTRA_PER_ROW * len(block)))
    return _concatenate(found)


def _low_slack_constant(
    points: np.ndarray, weight_fn: WeightFn, u: np.ndarray, v: np.ndarray, margin: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`low_slack_arcs` when every arc weighs the same (the cardinality objective)."""
    m, n = points.shape
    step = max(1, CHUNK_CELLS // max(n, 1))
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, m, step):
        block = points[start : start + step]
        slack = u[start : start + step, None] + v[None, :] - weight_fn.offset
        r, c = np.nonzero((slack < margin) & (block >= 0))
        found.append(_lowest(r + start, c, slack[r, c], EXTRA_PER_ROW * len(block)))
    return _concatenate(found)


def _lowest(
    rows: np.ndarray, cols: np.ndarray, slack: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The `limit` cells of least slack (all of them if fewer), so that a round adds a bounded
    number of arcs however many cells are tight (violated ones, the most negative, first)."""
    if len(slack) > limit:
        keep = np.argpartition(slack, limit - 1)[:limit]
        rows, cols, slack = rows[keep], cols[keep], slack[keep]
    return rows, cols, slack


def _concatenate(
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols, slack = zip(*found, strict=True) if found else ((), (), ())
    return (
        np.concatenate([np.empty(0, np.int64), *rows]).astype(np.int64),
        np.concatenate([np.empty(0, np.int64), *cols]).astype(np.int64),
        np.concatenate([np.empty(0, np.int64), *slack]),
    )


def certified_solve(
    points: np.ndarray, costs: np.ndarray, weight_fn: WeightFn, k: int, progress: Progress
) -> Solution:
    """Pruned solve + dual certificate, adding violated arcs until certified. `costs` are the
    mentors' slot costs (`slot_costs`)."""
    m, n = points.shape
    rows, cols = candidate_arcs(points, k)
    margin = NEAR_MARGIN_POINTS * max(weight_fn.scale, 1)
    for round_no in range(1, MAX_ROUNDS + 1):
        if progress:
            progress("solving", min(0.9, round_no / (round_no + 2)))
        weights = weight_fn(points[rows, cols])
        used = flow_matching(m, n, rows, cols, weights, costs)
        u, v = dual_prices(m, n, rows, cols, weights, used, costs)
        _check_duality(u, v, costs, _primal_value(rows, used, weights, costs))
        extra_rows, extra_cols, slack = low_slack_arcs(points, weight_fn, u, v, margin)
        if not (slack < 0).any():
            return _solution(n, rows, cols, used, points, round_no, certified=True)
        # Arcs with small positive slack tend to become violated once the violated ones enter,
        # so adding them with the violated ones saves re-solves.
        rows, cols = _merge_arcs(rows, cols, extra_rows, extra_cols, n)
    rows, cols = np.nonzero(points >= 0)
    weights = weight_fn(points[rows, cols])
    used = flow_matching(m, n, rows, cols, weights, costs)
    return _solution(n, rows, cols, used, points, MAX_ROUNDS + 1, certified=False)


def _primal_value(
    rows: np.ndarray, used: np.ndarray, weights: np.ndarray, costs: np.ndarray
) -> int:
    """Weights of the used arcs minus the costs of the slots they fill. A min-cost flow fills
    a mentor's cheapest slots first (slot costs are non-decreasing), so a mentor with load L
    pays for its first L slots."""
    load = np.bincount(rows[used], minlength=costs.shape[0])
    filled = np.arange(costs.shape[1])[None, :] < load[:, None]
    return int(weights[used].sum()) - int(costs[filled].sum())


def dual_value(u: np.ndarray, v: np.ndarray, costs: np.ndarray) -> int:
    """sum_i sum_slots max(0, u_i - c_is) + sum(v): the dual objective of the flow LP."""
    available = costs != NO_SLOT
    per_slot = np.where(available, np.maximum(0, u[:, None] - costs), 0)
    return int(per_slot.sum()) + int(v.sum())


def _check_duality(u: np.ndarray, v: np.ndarray, costs: np.ndarray, primal: int) -> None:
    if (u < 0).any() or (v < 0).any() or dual_value(u, v, costs) != primal:
        raise SolverError("dual prices do not certify the pruned optimum")


def _merge_arcs(
    rows: np.ndarray, cols: np.ndarray, extra_rows: np.ndarray, extra_cols: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The union of two arc sets, in row-major order. `rows`/`cols` are already in that order
    (they come from np.nonzero or from this function), so only the few extra arcs are sorted
    and inserted."""
    keys = rows * n + cols
    extra = np.unique(extra_rows * n + extra_cols)
    at = np.searchsorted(keys, extra)
    present = at < len(keys)
    present[present] = keys[at[present]] == extra[present]
    merged = np.insert(keys, at[~present], extra[~present])
    return merged // n, merged % n


def _solution(
    n: int,
    rows: np.ndarray,
    cols: np.ndarray,
    used: np.ndarray,
    points: np.ndarray,
    rounds: int,
    *,
    certified: bool,
) -> Solution:
    mate = np.full(n, -1, dtype=np.int64)
    mate[cols[used]] = rows[used]
    chosen = points[rows[used], cols[used]]
    return Solution(
        mate,
        {
            "certified": certified,
            "rounds": rounds,
            "candidate_arcs": len(rows),
            "min_pair_points": int(chosen.min()) if len(chosen) else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Fairness: maximise the worst pair among maximum-cardinality matchings, then the total.
# ---------------------------------------------------------------------------------------------


def _fair_solve(
    points: np.ndarray,
    costs: np.ndarray,
    base: Solution,
    k: int,
    progress: Progress,
    *,
    spread: bool,
) -> Solution:
    """Binary search the largest threshold t keeping the maximum cardinality, then solve with
    only arcs >= t for the maximum total score (with spread: the most distinct mentors, then
    the maximum total score)."""
    target = int((base.mate >= 0).sum())
    low = base.stats["min_pair_points"]
    if target == 0 or low is None:
        return base
    values = np.unique(points[points >= int(low)])
    lo, hi = 0, len(values) - 1  # values[lo] is known to keep the cardinality
    cardinality = objective_weights("cardinality", points.shape[1])
    plain = np.where(costs != NO_SLOT, 0, NO_SLOT)
    rounds = int(base.stats["rounds"])  # type: ignore[call-overload]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        trial = certified_solve(_threshold(points, values[mid]), plain, cardinality, k, None)
        rounds += int(trial.stats["rounds"])  # type: ignore[call-overload]
        if int((trial.mate >= 0).sum()) == target:
            lo = mid
        else:
            hi = mid - 1
        if progress:
            progress("solving", 0.9)
    participation = objective_for("participation", points.shape[1], spread=spread).weights
    final = certified_solve(_threshold(points, values[lo]), costs, participation, k, None)
    final.stats["rounds"] = rounds + int(final.stats["rounds"])  # type: ignore[call-overload]
    final.stats["fairness_threshold_points"] = int(values[lo])
    return final


def _threshold(points: np.ndarray, minimum: int) -> np.ndarray:
    return np.where(points >= minimum, points, np.int16(-1)).astype(np.int16)


# ---------------------------------------------------------------------------------------------
# Greedy baseline (for benchmarks): best pair first.
# ---------------------------------------------------------------------------------------------


def greedy_matching(points: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Take feasible pairs in order of decreasing points (ties by index) while capacity lasts."""
    m, n = points.shape
    mate = np.full(n, -1, dtype=np.int64)
    load = np.zeros(m, dtype=np.int64)
    flat = np.flatnonzero(points.ravel() >= 0)
    keys = (SCALE - points.ravel()[flat]).astype(np.int16)
    order = flat[np.argsort(keys, kind="stable")]
    free_mentees, free_slots = n, int(capacity.sum())
    for start in range(0, len(order), 1 << 16):
        chunk = order[start : start + (1 << 16)]
        i, j = chunk // n, chunk % n
        open_cells = (mate[j] < 0) & (load[i] < capacity[i])
        for mentor, mentee in zip(i[open_cells].tolist(), j[open_cells].tolist(), strict=True):
            if mate[mentee] < 0 and load[mentor] < capacity[mentor]:
                mate[mentee] = mentor
                load[mentor] += 1
                free_mentees -= 1
                free_slots -= 1
        if free_mentees == 0 or free_slots == 0:
            break
    return mate
