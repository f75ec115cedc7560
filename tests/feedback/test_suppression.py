"""Property tests of the k rules (feedback/suppression.py, pure): whatever the counts, no
published cell is below k and no hidden group can be recomputed from published figures, in one
breakdown and across many queries (filters, breakdowns, date ranges, k changes)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import suppression as s

KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f", s.GROUPED])
COUNTS = st.dictionaries(KEYS, st.integers(min_value=0, max_value=30), max_size=7)
K = st.integers(min_value=s.MIN_K, max_value=10)
ROLES = ["mentor", "mentee"]
DEPARTMENTS = ["Sales", "Finance", "Legal", "People"]
DAY0 = dt.date(2027, 3, 1)


def smallest_revealed_group(universe: dict, published: list[set]) -> int | None:
    """The smallest set of items that published figures pin down: the atoms of the set algebra
    the published sets generate (items grouped by which published sets hold them), among the
    items some published set covers. Subtracting, intersecting and complementing published
    counts can isolate an atom, never anything smaller."""
    signature = defaultdict(list)
    for item in universe:
        key = tuple(item in chosen for chosen in published)
        if any(key):
            signature[key].append(item)
    return min((len(items) for items in signature.values()), default=None)


# --- one breakdown -----------------------------------------------------------------------------

@given(counts=COUNTS, k=K)
def test_a_breakdown_shows_no_cell_below_k_and_nothing_below_k_in_total(counts, k):
    result = s.breakdown(counts, k, other_key=s.GROUPED)
    total = sum(counts.values())

    assert result.total == total
    assert result.suppressed == (total < k)
    if result.suppressed:
        assert result.shown == ()
        return
    assert all(cell.count >= k for cell in result.shown)
    assert sum(cell.count for cell in result.shown) == total  # "total minus others" is shown
    assert {key for cell in result.shown for key in cell.keys} == \
        {key for key, count in counts.items() if count > 0}
    if counts.get(s.GROUPED):
        assert result.other is not None
        assert s.GROUPED in result.other.keys


@given(counts=COUNTS, k=K)
def test_no_hidden_cell_of_a_breakdown_can_be_recomputed(counts, k):
    universe = {(key, n): key for key, count in counts.items() for n in range(count)}
    result = s.breakdown(counts, k)
    published = [set(universe)] if not result.suppressed else []
    published += [{item for item, key in universe.items() if key in cell.keys}
                  for cell in result.shown]

    smallest = smallest_revealed_group(universe, published)

    assert smallest is None or smallest >= k
    for key, count in counts.items():
        if 0 < count < k:  # a small cell is never shown alone, nor is it the only one in other
            assert all(cell.keys != (key,) for cell in result.shown)


@given(counts=COUNTS, k1=K, k2=K)
def test_a_larger_k_only_merges_more(counts, k1, k2):
    low, high = sorted((k1, k2))
    at_low, at_high = s.breakdown(counts, low), s.breakdown(counts, high)
    if at_high.suppressed:
        return

    assert not at_low.suppressed
    low_other = set(at_low.other.keys) if at_low.other else set()
    high_other = set(at_high.other.keys) if at_high.other else set()
    assert low_other <= high_other
    # so both pages together reveal nothing below the smaller k
    universe = {(key, n): key for key, count in counts.items() for n in range(count)}
    published = [{item for item, key in universe.items() if key in cell.keys}
                 for result in (at_low, at_high) for cell in result.shown]
    assert smallest_revealed_group(universe, published) >= low


@pytest.mark.parametrize("k", [3, 5, 7])
def test_k_minus_one_is_hidden_and_k_is_shown(k):
    assert s.breakdown({"a": k - 1}, k).suppressed
    assert not s.breakdown({"a": k}, k).suppressed
    assert s.publishable(k, k)
    assert not s.publishable(k - 1, k)
    result = s.breakdown({"a": k, "b": k - 1, "c": 2 * k}, k)
    assert [cell.keys for cell in result.shown] == [("c",), ("a", "b")]


def test_complementary_cell_attack_on_one_breakdown():
    # Finance (2) alone below k: "total minus the others" must not give it, so the smallest
    # shown cell (Legal) joins it in "other"
    result = s.breakdown({"Sales": 9, "People": 7, "Legal": 5, "Finance": 2}, 5)

    assert [(cell.keys, cell.count) for cell in result.shown] == [
        (("People",), 7), (("Sales",), 9), (("Finance", "Legal"), 7)]


def test_k_below_the_minimum_is_raised_to_it():
    assert s.effective_k(1) == s.MIN_K
    assert s.breakdown({"a": 2}, 1).suppressed
    assert s.text_k(5) == 10
    assert s.text_k(2) == 6


# --- releasing in blocks -----------------------------------------------------------------------

LABELS = st.tuples(st.sampled_from(["t1", "t2"]), st.sampled_from(ROLES),
                   st.sampled_from(DEPARTMENTS))
ITEMS = st.lists(LABELS, max_size=60)


@given(labels=ITEMS, k=K, final=st.booleans(), fixed=st.integers(min_value=0, max_value=1))
def test_a_release_makes_blocks_of_k_and_loses_nothing(labels, k, final, fixed):
    items = list(enumerate(labels))
    result = s.release(items, k, final=final, fixed=fixed)
    placed = [m for block in result.blocks for m in block.members]

    assert sorted(placed + list(result.pending) + list(result.withheld)) == list(range(len(items)))
    assert all(len(block.members) >= k for block in result.blocks)
    for block in result.blocks:
        for member in block.members:  # a block's label generalises each member's own label
            own = labels[member]
            assert all(b in (o, s.GROUPED) for b, o in zip(block.label, own, strict=True))
        grouped = [value == s.GROUPED for value in block.label]
        assert grouped == sorted(grouped), "only the last attributes are generalised"
        assert not any(grouped[:fixed]), "a fixed attribute is never generalised"
    if final:
        assert result.pending == ()
        by_fixed = Counter(label[:fixed] for label in labels)
        for member in result.withheld:  # withheld only where the whole fixed group is below k
            assert by_fixed[labels[member][:fixed]] < k
    else:
        assert result.withheld == ()
        for block in result.blocks:  # full detail at k, generalised only at 2k
            assert block.label == labels[block.members[0]] or len(block.members) >= 2 * k


def test_release_before_the_close_waits_for_a_full_group():
    items = [(n, ("", "mentor", "Sales")) for n in range(4)] + [(9, ("", "mentee", "Sales"))]

    early = s.release(items, 5, final=False)
    at_close = s.release(items, 5, final=True)

    assert early.blocks == ()
    assert sorted(early.pending) == [0, 1, 2, 3, 9]
    assert [(b.label, sorted(b.members)) for b in at_close.blocks] == [
        (("", s.GROUPED, s.GROUPED), [0, 1, 2, 3, 9])]


def test_before_the_close_a_coarser_group_is_released_at_twice_k():
    items = [(n, ("mentor", ("Sales", "Legal", "People")[n % 3])) for n in range(9)]

    at_nine = s.release(items, 5, final=False)
    at_ten = s.release([*items, (9, ("mentor", "Finance"))], 5, final=False)

    assert at_nine.blocks == ()
    assert [(b.label, len(b.members)) for b in at_ten.blocks] == [(("mentor", s.GROUPED), 10)]


def test_release_at_close_absorbs_the_smallest_block_of_the_same_release():
    items = ([(f"s{n}", ("mentor", "Sales")) for n in range(6)]
             + [(f"l{n}", ("mentor", "Legal")) for n in range(5)]
             + [("f0", ("mentor", "Finance"))])

    result = s.release(items, 5, final=True)

    assert sorted((b.label, len(b.members)) for b in result.blocks) == [
        (("mentor", s.GROUPED), 6), (("mentor", "Sales"), 6)]
    assert result.withheld == ()


def test_a_fixed_attribute_keeps_its_small_groups_hidden():
    items = [(n, ("t1", "mentor")) for n in range(5)] + [(9, ("t2", "mentor"))]

    result = s.release(items, 5, final=True, fixed=1)

    assert [b.label for b in result.blocks] == [("t1", "mentor")]
    assert result.withheld == (9,)


def test_mixed_label_widths_are_refused():
    with pytest.raises(ValueError, match="same attributes"):
        s.release([(1, ("a",)), (2, ("a", "b"))], 3, final=True)


# --- many queries over released blocks -----------------------------------------------------------

PEOPLE = st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(DEPARTMENTS),
                            st.integers(min_value=0, max_value=5)), max_size=70)
QUERY = st.builds(
    lambda role, department, since, length, by: s.Query(
        where={**({0: role} if role else {}), **({1: department} if department else {})},
        since=None if since is None else DAY0 + dt.timedelta(days=since),
        until=None if since is None else DAY0 + dt.timedelta(days=since + length), by=by),
    st.sampled_from([None, *ROLES]), st.sampled_from([None, *DEPARTMENTS]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
    st.integers(min_value=0, max_value=4), st.sampled_from([None, 0, 1]))


def released_answers(people, k):
    """Simulate a survey: each day, the day's answers join the pool and full groups of k are
    released; at the close (day 6) the rest is generalised. Returns {item: (label, day)}."""
    placed, pool = {}, []
    for day_number in range(7):
        final = day_number == 6
        pool += [(n, (role, dept)) for n, (role, dept, arrival) in enumerate(people)
                 if arrival == day_number]
        result = s.release(pool, k, final=final)
        day = DAY0 + dt.timedelta(days=day_number)
        for block in result.blocks:
            placed.update(dict.fromkeys(block.members, (block.label, day)))
        waiting = set(result.pending)
        pool = [entry for entry in pool if entry[0] in waiting]
    return placed


def published_sets(placed, queries, k):
    keys = sorted(set(placed.values()), key=repr)
    groups = [s.Group(label=label, day=day, count=sum(1 for v in placed.values()
                                                       if v == (label, day)))
              for label, day in keys]
    found = []
    for query in queries:
        selection = s.select(groups, query, k)
        assert all(cell.cell.count >= k for cell in selection.cells)
        for cell in selection.cells:
            wanted = {keys[index] for index in cell.groups}
            found.append({item for item, value in placed.items() if value in wanted})
            assert len(found[-1]) == cell.cell.count
    return found


@settings(max_examples=150)
@given(people=PEOPLE, k=K, queries=st.lists(QUERY, min_size=1, max_size=8))
def test_no_combination_of_queries_reveals_fewer_than_k(people, k, queries):
    """Complementary cells, two filters on the same question, two date ranges, the results
    before and after new answers: whatever an admin asks, every group the published figures
    can isolate has at least k answers."""
    placed = released_answers(people, k)
    all_queries = [s.Query(), s.Query(by=0), s.Query(by=1), *queries]

    smallest = smallest_revealed_group(placed, published_sets(placed, all_queries, k))

    assert smallest is None or smallest >= k


@settings(max_examples=80)
@given(people=PEOPLE, k=K, later_k=K, queries=st.lists(QUERY, min_size=1, max_size=6))
def test_changing_k_never_reveals_fewer_than_the_smaller_k(people, k, later_k, queries):
    placed = released_answers(people, k)
    published = published_sets(placed, [s.Query(by=1), *queries], k)
    published += published_sets(placed, [s.Query(by=1), *queries], later_k)

    smallest = smallest_revealed_group(placed, published)

    assert smallest is None or smallest >= min(k, later_k)


def test_two_filters_and_date_range_differences_over_blocks():
    # 5 Sales mentors answer on day 0; one Sales mentee on day 1; the survey closes on day 6
    people = [("mentor", "Sales", 0)] * 5 + [("mentee", "Sales", 1)]
    placed = released_answers(people, 5)
    groups = sorted(Counter(placed.values()).items(), key=repr)
    rows = [s.Group(label=label, day=day, count=n) for (label, day), n in groups]
    day0, day1 = DAY0, DAY0 + dt.timedelta(days=1)

    sales = s.select(rows, s.Query(where={1: "Sales"}), 5)
    sales_mentors = s.select(rows, s.Query(where={0: "mentor", 1: "Sales"}), 5)
    first_day = s.select(rows, s.Query(until=day0), 5)
    first_two_days = s.select(rows, s.Query(until=day1), 5)

    # the mentee's answer was withheld at the close (alone below k): every view shows the same 5
    assert [c.cell.count for c in sales.cells] == [c.cell.count for c in sales_mentors.cells] \
        == [c.cell.count for c in first_day.cells] == [c.cell.count for c in first_two_days.cells] \
        == [5]
    assert len(placed) == 5
