"""Dashboard section "Outcomes" (dashboards/panels/outcomes.py): confidence before vs after per
topic, NPS, psychological safety (released anonymous answers only), satisfaction by week
(session ratings), the most-covered topics. Figures checked against hand-computed fixtures,
the k rule at k−1 and k for every panel, no free text, summary or name in any panel, and the
same number of queries for 1 pair (and its answers) as for 20."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.figures import SUPPRESSED
from dashboards.panels._topic_cells import OTHER_TOPICS
from dashboards.panels.outcomes import KEYS, outcomes_panels
from dashboards.selectors import dashboard_scope
from feedback.models import QuestionKind, SurveyKind
from matching.models import Pair
from programs.models import CohortStatus
from sessions.models import SessionStatus
from tests.factories.feedback import (
    AnswerFactory,
    AttributedAnswerFactory,
    QuestionFactory,
    SurveyFactory,
)
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ProgramFactory, TopicFactory
from tests.factories.sessions import (
    MentoringSessionFactory,
    SessionRatingFactory,
    SessionTopicFactory,
)

pytestmark = pytest.mark.django_db

K = 3
DAY_FROM = dt.date(2026, 9, 1)
DAY_TO = dt.date(2026, 11, 30)
IN_RANGE = dt.date(2026, 10, 1)
BERLIN = ZoneInfo("Europe/Berlin")
FREE_TEXT = "FREE-TEXT-ANSWER-SECRET-1a2b"
COMMENT = "SESSION-COMMENT-SECRET-3c4d"
SUMMARY = "SESSION-SUMMARY-SECRET-5e6f"


@pytest.fixture
def org(scoped_organization):
    scoped_organization.anonymity_threshold = K
    scoped_organization.time_zone = "Europe/Berlin"
    scoped_organization.save()
    return scoped_organization


def new_cohort(org):
    return CohortFactory(program=ProgramFactory(organization=org), status=CohortStatus.ACTIVE,
                         start_date=dt.date(2026, 8, 1), end_date=dt.date(2027, 2, 28))


@pytest.fixture
def cohort(org):
    return new_cohort(org)


@pytest.fixture
def topics(org):
    return {name: TopicFactory(organization=org, name=name)
            for name in ("AI tools", "Data literacy", "Social media")}


def question(cohort, stage, key, kind, **survey_fields):
    survey = SurveyFactory(cohort=cohort, kind=stage, closed=True, **survey_fields)
    return QuestionFactory(survey=survey, kind=kind, builtin_key=key)


def released(question, numbers, *, topic=None, day=IN_RANGE, role="mentee",
             department="Sales"):
    """Released answers (one block: same label and day) with these numbers."""
    for number in numbers:
        AnswerFactory(question=question, topic=topic, number=number, role=role,
                      department=department, released_on=day)


def confidence(cohort, stage):
    return question(cohort, stage, "topic_confidence", QuestionKind.TOPIC_SCALE)


def scope_of(org, **kwargs):
    kwargs.setdefault("date_from", DAY_FROM)
    kwargs.setdefault("date_to", DAY_TO)
    return dashboard_scope(organization=org, **kwargs)


def panels_of(org, **kwargs):
    return {panel.key: panel for panel in outcomes_panels(scope=scope_of(org, **kwargs))}


def headline(panel):
    [figure] = panel.headline
    return figure.value


def test_keys_are_the_panels_built(org):
    assert tuple(panels_of(org)) == KEYS == ("confidence_by_topic", "nps", "satisfaction_trend",
                                             "psychological_safety", "topics_covered")


# --- confidence before vs after --------------------------------------------------------------

def test_confidence_before_and_after_per_topic(org, cohort, topics):
    """C1: baseline, midpoint and final (the midpoint is ignored: C1 has a final);
    C3: a baseline only (no after yet: left out of the comparison)."""
    ai, data = topics["AI tools"], topics["Data literacy"]
    baseline = confidence(cohort, SurveyKind.BASELINE)
    released(baseline, [2, 2, 3], topic=ai)
    released(baseline, [1, 2, 3, 2], topic=data)
    released(confidence(cohort, SurveyKind.MIDPOINT), [5, 5, 5], topic=ai)
    final = confidence(cohort, SurveyKind.FINAL)
    released(final, [4, 4, 5], topic=ai)
    released(final, [3, 3, 4], topic=data)
    released(confidence(new_cohort(org), SurveyKind.BASELINE), [5, 5, 5], topic=ai)

    panel = panels_of(org)["confidence_by_topic"]

    assert panel.table.rows == (
        # AI: before 7/3 = 2.33 (3 answers), after 13/3 = 4.33 (3), change 2.0
        ("AI tools", 2.33, 3, 4.33, 3, 2.0),
        # Data: before 8/4 = 2.0 (4), after 10/3 = 3.33 (3), change 1.33
        ("Data literacy", 2.0, 4, 3.33, 3, 1.33),
        # all topics: before 15/7 = 2.14 (7), after 23/6 = 3.83 (6), change 1.69
        ("All focus topics", 2.14, 7, 3.83, 6, 1.69),
    )
    assert headline(panel) == 1.69
    assert panel.chart.series[0].values == (2.33, 2.0, 2.14)
    assert panel.chart.series[1].values == (4.33, 3.33, 3.83)


def test_confidence_uses_the_midpoint_until_a_final(org, cohort, topics):
    ai = topics["AI tools"]
    released(confidence(cohort, SurveyKind.BASELINE), [1, 1, 1], topic=ai)
    released(confidence(cohort, SurveyKind.MIDPOINT), [3, 3, 4], topic=ai)
    confidence(cohort, SurveyKind.FINAL)  # sent, nothing released yet

    rows = panels_of(org)["confidence_by_topic"].table.rows

    # before 3/3 = 1.0, after 10/3 = 3.33, change 2.33
    assert rows[0] == ("AI tools", 1.0, 3, 3.33, 3, 2.33)


def test_confidence_whole_surveys_whatever_the_range(org, cohort, topics):
    ai = topics["AI tools"]
    released(confidence(cohort, SurveyKind.BASELINE), [2, 2, 2], topic=ai,
             day=DAY_FROM - dt.timedelta(days=60))
    released(confidence(cohort, SurveyKind.FINAL), [4, 4, 4], topic=ai)

    rows = panels_of(org)["confidence_by_topic"].table.rows

    assert rows[0] == ("AI tools", 2.0, 3, 4.0, 3, 2.0)


@pytest.mark.parametrize(("answers", "visible"), [(K - 1, False), (K, True)])
def test_confidence_k_rule(org, cohort, topics, answers, visible):
    ai = topics["AI tools"]
    released(confidence(cohort, SurveyKind.BASELINE), [2] * answers, topic=ai)
    released(confidence(cohort, SurveyKind.FINAL), [4] * K, topic=ai)

    panel = panels_of(org)["confidence_by_topic"]
    before = panel.table.rows[0]

    if visible:
        assert before == ("AI tools", 2.0, K, 4.0, K, 2.0)
        assert headline(panel) == 2.0
    else:
        assert before == ("AI tools", SUPPRESSED, SUPPRESSED, 4.0, K, SUPPRESSED)
        assert headline(panel) is SUPPRESSED


def test_confidence_small_topic_is_hidden_not_its_neighbours(org, cohort, topics):
    """A topic below k on one side (never released so in real blocks, but the rule holds
    for any counts) is hidden there; secondary suppression keeps the others when the
    combined rest reaches k."""
    ai, data, social = topics["AI tools"], topics["Data literacy"], topics["Social media"]
    baseline = confidence(cohort, SurveyKind.BASELINE)
    released(baseline, [2, 2, 2, 2], topic=ai)
    released(baseline, [1, 1], topic=data)
    released(baseline, [3], topic=social)
    released(confidence(cohort, SurveyKind.FINAL), [4, 4, 4], topic=ai)

    rows = {row[0]: row for row in panels_of(org)["confidence_by_topic"].table.rows}

    # Data (2) and Social (1) are combined into other (3 = k): AI (4) stays shown
    assert rows["AI tools"] == ("AI tools", 2.0, 4, 4.0, 3, 2.0)
    assert rows["Data literacy"] == ("Data literacy", SUPPRESSED, SUPPRESSED, None, None,
                                     SUPPRESSED)
    assert rows["Social media"][1] is SUPPRESSED
    # all topics: before (8 + 2 + 3) / 7 = 1.86, after 12/3 = 4.0
    assert rows["All focus topics"] == ("All focus topics", 1.86, 7, 4.0, 3, 2.14)


# --- NPS -------------------------------------------------------------------------------------

def recommend(cohort, stage):
    return question(cohort, stage, "recommend", QuestionKind.NPS)


def test_nps_per_survey_and_overall(org, cohort):
    released(recommend(cohort, SurveyKind.MIDPOINT), [10, 9, 8, 6, 3])
    final = recommend(cohort, SurveyKind.FINAL)
    released(final, [10, 10, 9, 7])
    released(final, [0, 0, 0], day=DAY_FROM - dt.timedelta(days=1))  # before the range

    panel = panels_of(org)["nps"]

    assert panel.table.rows == (
        # 2 promoters, 1 passive, 2 detractors of 5: 40/20/40 %, score (2 - 2) / 5 = 0
        ("Midpoint", 5, 40.0, 20.0, 40.0, 0),
        # 3, 1, 0 of 4: 75/25/0 %, score 75
        ("Final evaluation", 4, 75.0, 25.0, 0.0, 75),
        # 5, 2, 2 of 9: 55.6/22.2/22.2 %, score 100 × 3 / 9 = 33
        ("All surveys", 9, 55.6, 22.2, 22.2, 33),
    )
    assert headline(panel) == 33


@pytest.mark.parametrize(("answers", "visible"), [(K - 1, False), (K, True)])
def test_nps_k_rule(org, cohort, answers, visible):
    released(recommend(cohort, SurveyKind.FINAL), [9] * answers)

    panel = panels_of(org)["nps"]

    if visible:
        assert panel.table.rows[-1] == ("All surveys", K, 100.0, 0.0, 0.0, 100)
        assert headline(panel) == 100
    else:
        assert panel.table.rows == (("Final evaluation", *(SUPPRESSED,) * 5),
                                    ("All surveys", *(SUPPRESSED,) * 5))
        assert headline(panel) is SUPPRESSED
        assert panel.chart.series[0].values == (None, None)


# --- psychological safety --------------------------------------------------------------------

def safety(cohort, stage):
    return question(cohort, stage, "psychological_safety", QuestionKind.SCALE)


def test_psychological_safety_mean_and_distribution(org, cohort):
    released(safety(cohort, SurveyKind.BASELINE), [2, 3, 3])
    released(safety(cohort, SurveyKind.FINAL), [4, 4, 5, 3], role="mentor")
    # the same key on a question of another kind is another measure: not read
    released(question(cohort, SurveyKind.FINAL, "psychological_safety", QuestionKind.NPS),
             [0, 0, 0])

    panel = panels_of(org)["psychological_safety"]

    assert panel.table.rows == (
        ("Baseline", 2.67, 3, 0, 1, 2, 0, 0),  # 8/3
        ("Final evaluation", 4.0, 4, 0, 0, 1, 2, 1),  # 16/4
        ("All surveys", 3.43, 7, 0, 1, 3, 2, 1),  # 24/7
    )
    assert headline(panel) == 3.43


@pytest.mark.parametrize(("answers", "visible"), [(K - 1, False), (K, True)])
def test_psychological_safety_k_rule(org, cohort, answers, visible):
    released(safety(cohort, SurveyKind.MIDPOINT), [4] * answers)

    panel = panels_of(org)["psychological_safety"]

    if visible:
        assert panel.table.rows[0] == ("Midpoint", 4.0, K, 0, 0, 0, K, 0)
    else:
        assert panel.table.rows[0] == ("Midpoint", *(SUPPRESSED,) * 7)
        assert headline(panel) is SUPPRESSED


# --- satisfaction by week --------------------------------------------------------------------

def held(pair, when: dt.datetime, **fields):
    return MentoringSessionFactory(pair=pair, held=True, starts_at=when, **fields)


def at(day: str, hour: int = 10, zone=BERLIN) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=zone)


def test_satisfaction_by_week(org, cohort):
    """Range Tuesday 6 to Saturday 17 October: the weeks of Monday 5 and 12, each whole."""
    p1, p2, p3 = (PairFactory(cohort=cohort) for _ in range(3))
    s1 = held(p1, at("2026-10-05"))  # the Monday before the range: its week is whole
    SessionRatingFactory(session=s1, participant=p1.mentee, value=5)
    SessionRatingFactory(session=s1, participant=p1.mentor, value=4)
    SessionRatingFactory(session=held(p2, at("2026-10-07")), participant=p2.mentee, value=3)
    SessionRatingFactory(session=held(p3, at("2026-10-11", 23)), participant=p3.mentee,
                         value=4)  # Sunday 23:00 in Berlin
    # Monday 00:30 in Berlin (Sunday 22:30 UTC): the second week, whose 2 raters are < k
    late = held(p1, dt.datetime(2026, 10, 11, 22, 30, tzinfo=dt.UTC))
    SessionRatingFactory(session=late, participant=p1.mentee, value=1)
    SessionRatingFactory(session=late, participant=p1.mentor, value=1)
    # a cancelled session's rating is no session's rating
    SessionRatingFactory(session=held(p2, at("2026-10-08"), status=SessionStatus.CANCELLED),
                         participant=p2.mentee, value=1)

    panel = panels_of(org, date_from=dt.date(2026, 10, 6),
                      date_to=dt.date(2026, 10, 17))["satisfaction_trend"]

    assert panel.table.rows == (
        ("2026-10-05", 4.0, 4),  # 5 + 4 + 3 + 4 = 16 over 4 ratings of 4 raters
        ("2026-10-12", SUPPRESSED, SUPPRESSED),
    )
    assert panel.chart.series[0].values == (4.0, None)


@pytest.mark.parametrize(("raters", "visible"), [(K - 1, False), (K, True)])
def test_satisfaction_k_rule(org, cohort, raters, visible):
    for _ in range(raters):
        pair = PairFactory(cohort=cohort)
        session = held(pair, at("2026-10-06"))
        SessionRatingFactory(session=session, participant=pair.mentee, value=4)

    rows = panels_of(org, date_from=dt.date(2026, 10, 5),
                     date_to=dt.date(2026, 10, 11))["satisfaction_trend"].table.rows

    assert rows == ((("2026-10-05", 4.0, K),) if visible
                    else (("2026-10-05", SUPPRESSED, SUPPRESSED),))


def test_satisfaction_one_rater_many_ratings_is_one_person(org, cohort):
    pair = PairFactory(cohort=cohort)
    for day in ("2026-10-05", "2026-10-06", "2026-10-07"):
        SessionRatingFactory(session=held(pair, at(day)), participant=pair.mentee, value=5)

    rows = panels_of(org, date_from=dt.date(2026, 10, 5),
                     date_to=dt.date(2026, 10, 11))["satisfaction_trend"].table.rows

    assert rows == (("2026-10-05", SUPPRESSED, SUPPRESSED),)


def test_satisfaction_of_an_empty_range_has_no_week(org, cohort):
    rows = panels_of(org, date_from=dt.date(2026, 10, 12),
                     date_to=dt.date(2026, 10, 4))["satisfaction_trend"].table.rows

    assert rows == ()


# --- what our leaders are learning -----------------------------------------------------------

def covered(session, *topics):
    for topic in topics:
        SessionTopicFactory(session=session, topic=topic)


def test_most_covered_topics(org, cohort, topics):
    ai, data, social = topics["AI tools"], topics["Data literacy"], topics["Social media"]
    p1, p2, p3 = (PairFactory(cohort=cohort) for _ in range(3))
    covered(held(p1, at("2026-10-01")), ai, data, social)
    covered(held(p1, at("2026-10-08")), ai)
    covered(held(p2, at("2026-10-02")), ai, data)
    covered(held(p3, at("2026-10-03")), ai)
    covered(MentoringSessionFactory(pair=p3, starts_at=at("2026-10-20")), data)  # not held
    covered(held(p2, at("2026-08-20")), data)  # before the range

    panel = panels_of(org)["topics_covered"]

    assert panel.table.rows == (
        ("AI tools", 4, 3),  # 4 sessions of p1, p2, p3
        # Data (p1, p2) and Social (p1): 2 sessions of 2 pairs < k
        (OTHER_TOPICS, SUPPRESSED, SUPPRESSED),
    )


@pytest.mark.parametrize(("pairs", "visible"), [(K - 1, False), (K, True)])
def test_topics_k_rule(org, cohort, topics, pairs, visible):
    for _ in range(pairs):
        pair = PairFactory(cohort=cohort)
        covered(held(pair, at("2026-10-01")), topics["AI tools"])
        covered(held(pair, at("2026-10-08")), topics["AI tools"])

    rows = panels_of(org)["topics_covered"].table.rows

    assert rows == ((("AI tools", 2 * K, K),) if visible
                    else ((OTHER_TOPICS, SUPPRESSED, SUPPRESSED),))


def test_topics_beyond_the_top_ten_are_combined(org, cohort):
    many = [TopicFactory(organization=org, name=f"Topic {n:02}") for n in range(12)]
    for _ in range(K):
        pair = PairFactory(cohort=cohort)
        covered(held(pair, at("2026-10-01")), *many)
        covered(held(pair, at("2026-10-02")), many[11])

    rows = panels_of(org)["topics_covered"].table.rows

    # Topic 11: 2 sessions per pair; the rest 1 each, by name; 10 listed, 1 combined
    assert rows[0] == ("Topic 11", 2 * K, K)
    assert [row[0] for row in rows[1:10]] == [f"Topic {n:02}" for n in range(9)]
    assert rows[10] == (OTHER_TOPICS, K, K)  # Topic 09 and 10: K sessions of K pairs


# --- privacy and queries ---------------------------------------------------------------------

def test_no_free_text_summary_or_name_in_any_panel(org, cohort, topics):
    pairs = [PairFactory(cohort=cohort) for _ in range(K)]
    for pair in pairs:
        session = held(pair, at("2026-10-06"), summary=SUMMARY, agenda=SUMMARY)
        covered(session, topics["AI tools"])
        SessionRatingFactory(session=session, participant=pair.mentee, value=4)
    final = SurveyFactory(cohort=cohort, kind=SurveyKind.FINAL, closed=True)
    learned = QuestionFactory(survey=final, kind=QuestionKind.TEXT, builtin_key="learned")
    for _ in range(2 * K):
        AnswerFactory(question=learned, number=None, text=FREE_TEXT, released_on=IN_RANGE)
    released(QuestionFactory(survey=final, kind=QuestionKind.NPS, builtin_key="recommend"),
             [9] * K)
    after = SurveyFactory(cohort=cohort, post_session=True)
    AttributedAnswerFactory(response__survey=after, response__participant=pairs[0].mentee,
                            survey=after, number=None, text=COMMENT)

    dump = repr(outcomes_panels(scope=scope_of(org)))

    secrets = [FREE_TEXT, COMMENT, SUMMARY]
    for pair in Pair.objects.select_related("mentor__membership__user",
                                            "mentee__membership__user"):
        for person in (pair.mentor, pair.mentee):
            secrets += [person.membership.user.email, person.membership.user.full_name]
    assert [secret for secret in secrets if secret in dump] == []
    assert "AI tools" in dump  # topics are shown


def _fill(org, cohort, topics, surveys, count: int) -> None:
    baseline, final, nps, safe = surveys
    for _ in range(count):
        pair = PairFactory(cohort=cohort)
        session = held(pair, at("2026-10-06"))
        covered(session, topics["AI tools"], topics["Data literacy"])
        SessionRatingFactory(session=session, participant=pair.mentee, value=4)
        SessionRatingFactory(session=session, participant=pair.mentor, value=3)
        released(baseline, [2, 3], topic=topics["AI tools"])
        released(final, [4, 5], topic=topics["AI tools"])
        released(nps, [9, 6])
        released(safe, [4, 2])


def _queries(org) -> int:
    scope = scope_of(org)
    with CaptureQueriesContext(connection) as captured:
        outcomes_panels(scope=scope)
    return len(captured)


def test_queries_do_not_grow_with_pairs_and_answers(org, cohort, topics):
    surveys = (confidence(cohort, SurveyKind.BASELINE), confidence(cohort, SurveyKind.FINAL),
               recommend(cohort, SurveyKind.FINAL), safety(cohort, SurveyKind.FINAL))
    _fill(org, cohort, topics, surveys, 1)
    one = _queries(org)
    _fill(org, cohort, topics, surveys, 19)

    assert _queries(org) == one == 5
