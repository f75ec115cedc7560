"""Scores are exact (issue 14, section 4): the weighted mean of the components, computed in
rational arithmetic with the weights as written, rounded half up to whole points; the reported
scores are the points the solver optimises."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import Mentee, Mentor, Problem, Rules, Weights, score_pair, solve
from matching.problem import COMPONENTS, integer_weights
from matching.scoring import SCALE

HALF_WEIGHTS = {
    "topic_coverage": 0.7,
    "reverse_coverage": 0.2,
    "availability": 0.05,
    "department_diversity": 0.15,
    "pairing_request": 0.7,
}


def pair_people(
    *, mentor_id: str = "r", mentee_id: str = "e", overlap: int = 45, requested: bool = True
) -> tuple[Mentor, Mentee]:
    """Topic coverage 1/3, reverse coverage 1/3, `overlap` minutes, same department."""
    mentor = Mentor(
        id=mentor_id, level=1, department="D", languages=frozenset({"en"}),
        teaches={"ai": 1}, learns={"sales": 1}, availability=((0, 600, 600 + overlap),),
        requested=frozenset({mentee_id}) if requested else frozenset(),
    )  # fmt: skip
    mentee = Mentee(
        id=mentee_id, level=5, department="D", languages=frozenset({"en"}),
        learns={"ai": 1}, teaches={"sales": 1}, availability=((0, 600, 1000),),
    )  # fmt: skip
    return mentor, mentee


def exact_points(weights: dict[str, float], values: dict[str, Fraction]) -> int:
    w = {name: Fraction(repr(weights[name])) for name in COMPONENTS}
    mean = sum(w[name] * values[name] for name in COMPONENTS) / sum(w.values())
    return int(SCALE * mean + Fraction(1, 2))  # floor: the value is non-negative


def test_a_score_on_a_half_point_rounds_up():
    # 1000 * (0.7/3 + 0.2/3 + 0.05/4 + 0.7) / 1.8 = 562.5 exactly; float32 made it 562.
    mentor, mentee = pair_people()
    problem = Problem([mentor], [mentee], Rules(), Weights(**HALF_WEIGHTS))
    values = {
        "topic_coverage": Fraction(1, 3), "reverse_coverage": Fraction(1, 3),
        "availability": Fraction(45, 180), "department_diversity": Fraction(0),
        "pairing_request": Fraction(1),
    }  # fmt: skip
    assert SCALE * sum(Fraction(repr(HALF_WEIGHTS[n])) * values[n] for n in COMPONENTS) / sum(
        Fraction(repr(w)) for w in HALF_WEIGHTS.values()
    ) == Fraction(1125, 2)
    score = score_pair(problem, "r", "e")[0]
    assert score == 0.563
    result = solve(problem)
    assert [p.score for p in result.pairs] == [0.563]
    assert result.stats["total_score"] == 0.563


def test_the_reported_total_is_the_sum_of_the_reported_scores_and_the_optimum_over_them():
    # Three mentors and three mentees; every pair's score sits on or next to a half point.
    mentors, mentees = [], []
    for k, overlap in enumerate((45, 63, 81)):
        mentor, _ = pair_people(mentor_id=f"r{k}", mentee_id=f"e{k}", overlap=overlap,
                                requested=k != 1)
        _, mentee = pair_people(mentor_id=f"r{k}", mentee_id=f"e{k}")
        mentors.append(mentor)
        mentees.append(mentee)
    problem = Problem(mentors, mentees, Rules(), Weights(**HALF_WEIGHTS))
    reported = {
        (r.id, e.id): round(score_pair(problem, r.id, e.id)[0] * SCALE)
        for r in mentors for e in mentees
    }  # fmt: skip
    assert reported[("r0", "e0")] == 563
    result = solve(problem)
    points = [round(p.score * SCALE) for p in result.pairs]
    assert [reported[(p.mentor_id, p.mentee_id)] for p in result.pairs] == points
    assert round(result.stats["total_score"] * SCALE) == sum(points)
    best = max(
        sum(reported[(f"r{i}", f"e{j}")] for i, j in enumerate(order))
        for order in itertools.permutations(range(3))
    )
    assert sum(points) == best


decimal_weights = st.sampled_from([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.7, 1, 3])


@settings(deadline=None, max_examples=200)
@given(
    weights=st.lists(decimal_weights, min_size=5, max_size=5).filter(any),
    wanted=st.integers(1, 6),
    covered=st.integers(0, 18),
    reverse_wanted=st.integers(0, 6),
    reverse_covered=st.integers(0, 18),
    overlap=st.sampled_from([0, 15, 30, 45, 63, 90, 150, 180, 240]),
    same_department=st.booleans(),
    requested=st.booleans(),
)
def test_points_are_the_exact_mean_rounded_half_up(
    weights: list[float], wanted: int, covered: int, reverse_wanted: int, reverse_covered: int,
    overlap: int, same_department: bool, requested: bool,
):
    covered = min(covered, 3 * wanted)
    reverse_covered = min(reverse_covered, 3 * reverse_wanted)

    def topics(count: int, total: int, prefix: str) -> tuple[dict[str, int], dict[str, int]]:
        wants = {f"{prefix}{k}": 1 for k in range(count)}
        offers = {}
        for k in range(count):
            offers[f"{prefix}{k}"] = min(3, total - 3 * k) if total > 3 * k else 0
        return wants, {t: v for t, v in offers.items() if v}

    learns, teaches = topics(wanted, covered, "a")
    reverse_learns, reverse_teaches = topics(reverse_wanted, reverse_covered, "b")
    mentor = Mentor(
        id="r", level=1, department="D", languages=frozenset({"en"}), teaches=teaches,
        learns=reverse_learns, availability=((2, 300, 300 + overlap),) if overlap else (),
        requested=frozenset({"e"}) if requested else frozenset(),
    )  # fmt: skip
    mentee = Mentee(
        id="e", level=5, department="D" if same_department else "E",
        languages=frozenset({"en"}), learns=learns, teaches=reverse_teaches,
        availability=((2, 0, 1440),),
    )  # fmt: skip
    named = dict(zip(COMPONENTS, weights, strict=True))
    problem = Problem([mentor], [mentee], Rules(), Weights(**named))
    values = {
        "topic_coverage": Fraction(covered, 3 * wanted),
        "reverse_coverage": Fraction(reverse_covered, 3 * reverse_wanted)
        if reverse_wanted else Fraction(0),
        "availability": Fraction(min(overlap, 180), 180),
        "department_diversity": Fraction(int(not same_department)),
        "pairing_request": Fraction(int(requested)),
    }  # fmt: skip
    expected = exact_points(named, values)
    assert round(score_pair(problem, "r", "e")[0] * SCALE) == expected
    assert [round(p.score * SCALE) for p in solve(problem).pairs] == [expected]


def test_integer_weights_keep_the_ratios_of_the_weights_as_written():
    assert integer_weights(Weights()) == (8, 3, 4, 2, 3)
    only = dict.fromkeys(COMPONENTS, 0)
    assert integer_weights(Weights(**{**only, "topic_coverage": 1e-50})) == (1, 0, 0, 0, 0)
    assert integer_weights(
        Weights(**{**only, "topic_coverage": 1e300, "availability": 1e299})
    ) == (10, 0, 1, 0, 0)
    # Ratios that need more than a million parts are rounded to millionths of the largest.
    assert integer_weights(Weights(**{**only, "topic_coverage": 1, "availability": 1 / 3})) == (
        1_000_000, 0, 333_333, 0, 0
    )


def test_tiny_and_huge_weights_score_by_their_ratios():
    # Before: 1e-50 and 1e300 became 0 and inf in float32 and every pair scored 0.0.
    mentor, mentee = pair_people()
    only = dict.fromkeys(COMPONENTS, 0)
    for weights in (
        {**only, "topic_coverage": 1e-50},
        {**only, "topic_coverage": 1e300},
        {**only, "topic_coverage": 1e-50, "availability": 1e-50},
    ):
        problem = Problem([mentor], [mentee], Rules(), Weights(**weights))
        expected = 0.333 if len([v for v in weights.values() if v]) == 1 else 0.292
        assert score_pair(problem, "r", "e")[0] == expected
        assert [p.score for p in solve(problem).pairs] == [expected]
