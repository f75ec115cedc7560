"""The k rules for aggregates of anonymous answers: pure functions on plain data (no Django).

One implementation for every page, export and API that shows aggregates of anonymous answers
(survey results, and the dashboards built on them). Two halves:

**1. Releasing answers in blocks** (:func:`release`, called when answers are written). An
anonymous answer waits in a pending pool until it can join a *block*: a set of at least ``k``
answers to the same question that share one *label* (the respondent attributes a breakdown
may use, e.g. ``(topic, role, department)``). Before the survey closes, full-detail groups of
``k`` are released, and coarser groups (the last attribute replaced by :data:`GROUPED`, then
the next, …) once ``2k`` of their answers are left waiting; when it closes, the rest is
generalised the same way until every group reaches ``k``; what still cannot reach ``k`` is
withheld for good. A released block is never changed afterwards: later
answers form new blocks. The caller stores each answer with its block's label and the day of
the release (never the time of its submission), in a shuffled order.

Why blocks: every published figure below is computed over a *union of blocks*, and every block
has at least ``k`` answers. The difference, intersection or complement of two unions of blocks
is again a union of blocks, so **no combination of published figures** — total minus the other
cells, the same question filtered two ways, two date ranges, the page before and after new
answers came in — narrows anything down to fewer than ``k`` answers. (Raising ``k`` later hides
every group below the new ``k``; a block released under a smaller ``k`` stays as it was, so no
combination reveals fewer answers than the smallest ``k`` that was ever in force.)

**2. Selecting what to publish** (:func:`select`, :func:`breakdown`, called when a page, export
or API reads). Published groups are rows of released answers grouped by label and day
(:class:`Group`). A :class:`Query` filters them by label values and a date range and may break
them down by one attribute. Primary suppression: a selection or cell with fewer than ``k``
answers is not shown. Secondary suppression: cells below ``k`` are merged into "other", and
when "other" would still be below ``k`` the smallest shown cells join it until it reaches ``k``
(the same prefix of cells sorted by size, whatever ``k`` is: a larger ``k`` only ever merges
more); "other" is shown only at ``k`` or more, so "total minus the shown cells" is a published
figure, never a hidden one. On released blocks these rules rarely bite; they are what protects
groups that were never released through blocks (non-anonymous surveys, session ratings,
check-ins) and blocks released before ``k`` was raised.

Free-text answers need twice ``k`` (:func:`text_k`) and are released and selected with it.

The rules hold for any counts; tests/feedback/test_suppression.py checks them with Hypothesis,
including the set algebra of every published cell across many queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

#: The smallest k an organization may choose, and the default.
MIN_K = 3
DEFAULT_K = 5
#: A label value replaced to protect a small group ("grouped to protect anonymity").
GROUPED = ""

T = TypeVar("T", bound=Hashable)
Label = tuple[str, ...]


def effective_k(k: int) -> int:
    """``k`` never below :data:`MIN_K`, whatever a setting says."""
    return max(int(k), MIN_K)


def text_k(k: int) -> int:
    """Free-text answers are shown for groups of twice ``k`` only."""
    return 2 * effective_k(k)


# --- 1. releasing answers in blocks ----------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """At least ``k`` answers released together under one label."""

    label: Label
    members: tuple


@dataclass(frozen=True)
class Release:
    blocks: tuple[Block, ...] = ()
    #: still waiting for their group to reach ``k`` (before the survey closes)
    pending: tuple = ()
    #: can never be shown: their group stayed below ``k`` when the survey closed
    withheld: tuple = ()


def release(items: Iterable[tuple[T, Label]], k: int, *, final: bool, fixed: int = 0,
            early: int | None = None) -> Release:
    """Split pending answers ``(id, label)`` into blocks of at least ``k``.

    Before the close (``final=False``) a group sharing its whole label is released once it
    has ``k`` answers; what is left of a coarser group (the same label but for the last
    attributes) is released, generalised, once it has ``early`` answers (default ``2k``: the
    finer groups get a chance to fill up first); the rest waits. At the close
    (``final=True``) everything is placed: a group too small at full detail is generalised one
    attribute at a time, from the last to the first, but never on the first ``fixed``
    attributes (such as the topic of a per-topic question); a generalised group still below
    ``k`` takes in the smallest blocks of the same release (never an earlier release's) until
    it reaches ``k``; the rest is withheld. Deterministic for the same input.
    """
    k = effective_k(k)
    early = max(k, early if early is not None else 2 * k)
    entries = sorted(((ident, tuple(label)) for ident, label in items),
                     key=lambda entry: (entry[1], repr(entry[0])))
    if not entries:
        return Release()
    width = len(entries[0][1])
    if any(len(label) != width for _, label in entries):
        raise ValueError("Every label of one release must have the same attributes.")
    if not 0 <= fixed <= width:
        raise ValueError("fixed must name a prefix of the label's attributes.")
    rules = _Rules(k=k, early=early, width=width, fixed=fixed, final=final)
    blocks, residual, held = _place(entries, rules, 0, ())
    rest = held + [ident for ident, _ in residual]
    if final:
        return Release(blocks=tuple(blocks), withheld=tuple(rest))
    return Release(blocks=tuple(blocks), pending=tuple(rest))


@dataclass(frozen=True)
class _Rules:
    k: int
    early: int
    width: int
    fixed: int
    final: bool


def _place(entries, rules: _Rules, depth: int, prefix: Label):
    """(blocks, residual entries, held ids) for ``entries`` that share ``prefix``: held ids
    can never be generalised further (a fixed attribute): withheld at the close, pending
    before it."""
    if depth == rules.width:
        if len(entries) >= rules.k:
            return [Block(prefix, tuple(ident for ident, _ in entries))], [], []
        return [], list(entries), []
    children: dict[str, list] = defaultdict(list)
    for entry in entries:
        children[entry[1][depth]].append(entry)
    blocks, residual, held = [], [], []
    for value in sorted(children):
        child_blocks, child_residual, child_held = _place(children[value], rules, depth + 1,
                                                          (*prefix, value))
        blocks.extend(child_blocks)
        residual.extend(child_residual)
        held.extend(child_held)
    if not residual:
        return blocks, [], held
    if depth < rules.fixed:  # this attribute may not be generalised
        return blocks, [], held + [ident for ident, _ in residual]
    label = (*prefix, *(GROUPED,) * (rules.width - depth))
    if not rules.final:
        if len(residual) >= rules.early:
            return [*blocks, Block(label, tuple(ident for ident, _ in residual))], [], held
        return blocks, residual, held
    absorbed = [ident for ident, _ in residual]
    by_size = sorted(blocks, key=lambda block: (len(block.members), block.label))
    while len(absorbed) < rules.k and by_size:
        smallest = by_size.pop(0)
        blocks.remove(smallest)
        absorbed.extend(smallest.members)
    if len(absorbed) >= rules.k:
        return [*blocks, Block(label, tuple(absorbed))], [], held
    # everything of this subtree is below k: let the parent generalise it further
    kept = set(absorbed)
    return [], [entry for entry in entries if entry[0] in kept], held


# --- 2. selecting what to publish ------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One published (or suppressed) cell of a breakdown."""

    key: str
    count: int
    #: the keys this cell stands for (itself, or every key merged into "other")
    keys: tuple[str, ...]
    is_other: bool = False


@dataclass(frozen=True)
class Breakdown:
    cells: tuple[Cell, ...]
    other: Cell | None
    total: int
    #: nothing is shown: the whole group is below k
    suppressed: bool

    @property
    def shown(self) -> tuple[Cell, ...]:
        """The cells to show, "other" last."""
        return (*self.cells, *((self.other,) if self.other else ()))


def breakdown(counts: Mapping[str, int], k: int, *, other_key: str | None = None) -> Breakdown:
    """Primary and secondary suppression of one breakdown.

    ``counts`` maps a cell key to its number of answers (zero cells are dropped: they are not
    shown). ``other_key`` (for example :data:`GROUPED`) names a cell that is part of "other" from
    the start. Every shown cell has at least ``k`` answers; "other" is ``None`` or has at least
    ``k``; when the whole total is below ``k`` nothing is shown.
    """
    k = effective_k(k)
    positive = {key: int(count) for key, count in counts.items() if count > 0}
    total = sum(positive.values())
    if total < k:
        return Breakdown(cells=(), other=None, total=total, suppressed=True)
    ordered = sorted(positive.items(), key=lambda item: (item[1], item[0]))
    merged = [key for key, count in ordered if count < k or key == other_key]
    rest = [(key, count) for key, count in ordered if key not in set(merged)]
    other_count = sum(positive[key] for key in merged)
    while 0 < other_count < k:
        key, count = rest.pop(0)  # the smallest shown cell joins "other"
        merged.append(key)
        other_count += count
    cells = tuple(Cell(key=key, count=count, keys=(key,))
                  for key, count in sorted(rest, key=lambda item: item[0]))
    other = Cell(key="other", count=other_count, keys=tuple(sorted(merged)), is_other=True) \
        if merged else None
    return Breakdown(cells=cells, other=other, total=total, suppressed=False)


@dataclass(frozen=True)
class Group:
    """Released answers that share a label and a release day (one row of a GROUP BY)."""

    label: Label
    day: date | None
    count: int


@dataclass(frozen=True)
class Query:
    """What a reader asks for: label filters, a date range (inclusive) and a breakdown.

    ``where`` maps an attribute's index in the label to the value it must have; a
    :data:`GROUPED` label never matches a filter (its people may or may not have that value).
    ``by`` is the index of the attribute to break down by, or ``None`` for one "all" cell.
    """

    where: Mapping[int, str] = field(default_factory=dict)
    since: date | None = None
    until: date | None = None
    by: int | None = None

    def matches(self, group: Group) -> bool:
        if any(group.label[index] != value for index, value in self.where.items()):
            return False
        if self.since is not None and (group.day is None or group.day < self.since):
            return False
        return not (self.until is not None and (group.day is None or group.day > self.until))


@dataclass(frozen=True)
class SelectedCell:
    cell: Cell
    #: indexes (into the ``groups`` given to :func:`select`) of the groups in this cell
    groups: tuple[int, ...]


@dataclass(frozen=True)
class Selection:
    cells: tuple[SelectedCell, ...]
    total: int
    suppressed: bool


ALL = "all"


def select(groups: Sequence[Group], query: Query, k: int) -> Selection:
    """The cells to publish for ``query``: each a union of ``groups`` with at least ``k``
    answers (see :func:`breakdown`); nothing when the filtered total is below ``k``."""
    chosen = [index for index, group in enumerate(groups) if query.matches(group)]
    if query.by is None:
        counts = {ALL: sum(groups[index].count for index in chosen)}
        members = {ALL: chosen}
        other_key = None
    else:
        counts, members = defaultdict(int), defaultdict(list)
        for index in chosen:
            key = groups[index].label[query.by]
            counts[key] += groups[index].count
            members[key].append(index)
        other_key = GROUPED
    result = breakdown(counts, k, other_key=other_key)
    if result.suppressed:
        return Selection(cells=(), total=result.total, suppressed=True)
    cells = tuple(SelectedCell(cell=cell, groups=tuple(sorted(
        index for key in cell.keys for index in members[key]))) for cell in result.shown)
    return Selection(cells=cells, total=result.total, suppressed=False)


def publishable(count: int, k: int) -> bool:
    """Whether a single group of ``count`` answers may be shown at all."""
    return count >= effective_k(k)
