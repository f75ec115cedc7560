"""Dashboard section "Goals and commitments" (dashboards/panels/goals.py): figures checked
against a hand-computed fixture, the k rule at k−1 and k for every panel (goal owners,
commitment owners, owners per topic, counted distinctly), no text or name in any panel, and
the same number of queries for 1 pair as for 20."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.figures import SUPPRESSED
from dashboards.panels._topic_cells import OTHER_TOPICS
from dashboards.panels.goals import KEYS, goals_panels
from dashboards.selectors import dashboard_panel, dashboard_scope
from matching.models import Pair
from programs.models import CohortStatus
from sessions.models import CommitmentOutcome, GoalStatus, GoalTopic
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ProgramFactory, TopicFactory
from tests.factories.sessions import CommitmentFactory, GoalFactory

pytestmark = pytest.mark.django_db

K = 3
DAY_FROM = dt.date(2026, 9, 1)
DAY_TO = dt.date(2026, 11, 30)
GOAL_TITLE = "GOAL-TITLE-SECRET-51f0"
GOAL_WHY = "GOAL-WHY-SECRET-8a1e"
GOAL_MEASURE = "GOAL-MEASURE-SECRET-c2d9"
COMMITMENT_TEXT = "COMMITMENT-TEXT-SECRET-0b7e"
OUTCOME_NOTE = "OUTCOME-NOTE-SECRET-7d31"


@pytest.fixture
def org(scoped_organization):
    scoped_organization.anonymity_threshold = K
    scoped_organization.save()
    return scoped_organization


@pytest.fixture
def cohort(org):
    program = ProgramFactory(organization=org, name="Digital leaders")
    return CohortFactory(program=program, status=CohortStatus.ACTIVE,
                         start_date=dt.date(2026, 8, 1), end_date=dt.date(2027, 2, 28))


def pairs(cohort, count: int) -> list[Pair]:
    return [PairFactory(cohort=cohort) for _ in range(count)]


def goal(pair, status, topics=(), owner=None):
    made = GoalFactory(pair=pair, owner=owner or pair.mentee, status=status, title=GOAL_TITLE,
                       why=GOAL_WHY, success_measure=GOAL_MEASURE)
    for topic in topics:
        GoalTopic.objects.create(organization=pair.organization, goal=made, topic=topic)
    return made


def commitment(pair, outcome, due=dt.date(2026, 10, 15), **fields):
    return CommitmentFactory(pair=pair, outcome=outcome, due_date=due, text=COMMITMENT_TEXT,
                             outcome_note=OUTCOME_NOTE if outcome != "pending" else "",
                             shared_with_program=True, **fields)


def scope_of(org, **kwargs):
    return dashboard_scope(organization=org, date_from=DAY_FROM, date_to=DAY_TO, **kwargs)


def panels_of(org, **kwargs):
    return {panel.key: panel for panel in goals_panels(scope=scope_of(org, **kwargs))}


def column(panel, key):
    index = [c.key for c in panel.table.columns].index(key)
    return {row[0]: row[index] for row in panel.table.rows}


def headline(panel, key):
    return {figure.key: figure.value for figure in panel.headline}[key]


@pytest.fixture
def topics(org):
    return {name: TopicFactory(organization=org, name=name)
            for name in ("AI tools", "Data literacy", "Social media")}


@pytest.fixture
def fixture_goals(cohort, topics):
    """Four pairs (mentees M1–M4, P1's mentor R1); seven goals of five owners:

    M1: G1 achieved [AI], G2 in progress [AI, Data] · M2: G3 achieved [AI]
    M3: G4 not started [AI], G5 dropped [Social]    · R1: G6 in progress [Data]
    M4: G7 in progress (no topic)
    """
    ai, data, social = topics["AI tools"], topics["Data literacy"], topics["Social media"]
    p1, p2, p3, p4 = pairs(cohort, 4)
    goal(p1, GoalStatus.ACHIEVED, [ai])
    goal(p1, GoalStatus.IN_PROGRESS, [ai, data])
    goal(p2, GoalStatus.ACHIEVED, [ai])
    goal(p3, GoalStatus.NOT_STARTED, [ai])
    goal(p3, GoalStatus.DROPPED, [social])
    goal(p1, GoalStatus.IN_PROGRESS, [data], owner=p1.mentor)
    goal(p4, GoalStatus.IN_PROGRESS)
    return p1, p2, p3, p4


def test_keys_are_the_panels_built(org, fixture_goals):
    assert tuple(panels_of(org)) == KEYS == ("goals_status", "goals_by_topic", "commitments")


def test_goal_status_counts_and_rates(org, fixture_goals):
    panel = panels_of(org)["goals_status"]

    # 7 goals: 1 not started, 3 in progress (G2, G6, G7), 2 achieved (G1, G3), 1 dropped
    assert column(panel, "goals") == {"Goals set": 7, "Not started": 1, "In progress": 3,
                                      "Achieved": 2, "Dropped": 1}
    # 1/7 = 14.3 %, 3/7 = 42.9 %, 2/7 = 28.6 %
    assert column(panel, "share") == {"Goals set": None, "Not started": 14.3,
                                      "In progress": 42.9, "Achieved": 28.6, "Dropped": 14.3}
    assert headline(panel, "goals_achieved") == 28.6
    assert panel.chart.series[0].values == (1, 3, 2, 1)


def test_goals_by_topic_shows_topics_of_k_owners_and_combines_the_rest(org, fixture_goals):
    panel = panels_of(org)["goals_by_topic"]

    # AI: G1, G2, G3, G4 of M1, M2, M3 (3 owners = k), 2 achieved → 50 %.
    # Data (M1, R1: 2 owners) and Social (M3: 1) are below k: combined into "other":
    # G2, G6, G5 of M1, R1, M3 (3 distinct owners = k), none achieved → 0 %.
    assert panel.table.rows == (("AI tools", 4, 2, 50.0), (OTHER_TOPICS, 3, 0, 0.0))
    assert panel.chart.labels == ("AI tools", OTHER_TOPICS)
    assert panel.chart.series[0].values == (50.0, 0.0)


def test_goals_by_topic_other_counts_people_once(org, cohort, topics):
    """One owner with goals on three small topics is one person: the combined row is hidden
    even though the topics' owner counts add up to k."""
    [p1] = pairs(cohort, 1)
    big = TopicFactory(organization=org, name="Hybrid work")
    for topic in topics.values():
        goal(p1, GoalStatus.ACHIEVED, [topic])
    for pair in pairs(cohort, K):
        goal(pair, GoalStatus.IN_PROGRESS, [big])

    panel = panels_of(org)["goals_by_topic"]

    # Hybrid work: 3 goals of 3 owners, none achieved; other: 3 goals of 1 owner → hidden
    assert panel.table.rows == (("Hybrid work", 3, 0, 0.0),
                                (OTHER_TOPICS, SUPPRESSED, SUPPRESSED, SUPPRESSED))


@pytest.mark.parametrize(("owners", "visible"), [(K - 1, False), (K, True)])
def test_goal_status_k_rule(org, cohort, owners, visible):
    for pair in pairs(cohort, owners):
        goal(pair, GoalStatus.ACHIEVED)
        goal(pair, GoalStatus.IN_PROGRESS)

    panel = panels_of(org)["goals_status"]

    if visible:
        # owners × 2 goals, half achieved
        assert column(panel, "goals")["Goals set"] == 2 * K
        assert headline(panel, "goals_achieved") == 50.0
    else:
        assert all(value is SUPPRESSED for row in panel.table.rows for value in row[1:2])
        assert panel.suppressed_count == 9  # 5 counts + 4 shares (the total's share is None)
        assert headline(panel, "goals_achieved") is SUPPRESSED
        assert panel.chart.series[0].values == (None, None, None, None)


@pytest.mark.parametrize(("owners", "visible"), [(K - 1, False), (K, True)])
def test_goals_by_topic_k_rule(org, cohort, topics, owners, visible):
    for pair in pairs(cohort, owners):
        goal(pair, GoalStatus.ACHIEVED, [topics["AI tools"]])

    panel = panels_of(org)["goals_by_topic"]

    if visible:
        assert panel.table.rows == (("AI tools", K, K, 100.0),)
    else:  # the only topic is below k: nothing of it is shown
        assert panel.table.rows == ((OTHER_TOPICS, SUPPRESSED, SUPPRESSED, SUPPRESSED),)


@pytest.fixture
def fixture_commitments(cohort):
    """Mentees M1–M4; due within the range:

    M1: done, done, partly · M2: not yet, pending · M3: done · M4: pending
    and one of M1 due before the range (done), one of M2 due after it (pending).
    """
    p1, p2, p3, p4 = pairs(cohort, 4)
    commitment(p1, CommitmentOutcome.DONE)
    commitment(p1, CommitmentOutcome.DONE, due=DAY_FROM)
    commitment(p1, CommitmentOutcome.PARTLY, due=DAY_TO)
    commitment(p2, CommitmentOutcome.NOT_YET)
    commitment(p2, CommitmentOutcome.PENDING)
    commitment(p3, CommitmentOutcome.DONE)
    commitment(p4, CommitmentOutcome.PENDING)
    commitment(p1, CommitmentOutcome.DONE, due=DAY_FROM - dt.timedelta(days=1))
    commitment(p2, CommitmentOutcome.PENDING, due=DAY_TO + dt.timedelta(days=1))
    return p1, p2, p3, p4


def test_commitments_counts_and_follow_through(org, fixture_commitments):
    panel = panels_of(org)["commitments"]

    # 7 due in the range (4 owners); answered 5 (3 done, 1 partly, 1 not yet) by M1, M2, M3;
    # 2 not answered yet
    assert column(panel, "count") == {"Made (due in the range)": 7, "Answered": 5,
                                      "Not answered yet": 2, "Done": 3, "Partly": 1,
                                      "Not yet": 1}
    # 5/7 = 71.4 %, 2/7 = 28.6 %
    assert column(panel, "of_made") == {"Made (due in the range)": None, "Answered": 71.4,
                                        "Not answered yet": 28.6, "Done": None,
                                        "Partly": None, "Not yet": None}
    # 3/5 = 60 %, 1/5 = 20 %, 1/5 = 20 %
    assert column(panel, "of_answered") == {"Made (due in the range)": None, "Answered": None,
                                            "Not answered yet": None, "Done": 60.0,
                                            "Partly": 20.0, "Not yet": 20.0}
    assert headline(panel, "commitments_follow_through") == 60.0
    assert headline(panel, "commitments_partly") == 20.0


@pytest.mark.parametrize(("owners", "visible"), [(K - 1, False), (K, True)])
def test_commitment_rates_k_rule(org, cohort, owners, visible):
    """k answering owners behind the rates; the made count has its own k (here always met:
    one more owner has an unanswered commitment)."""
    for pair in pairs(cohort, owners):
        commitment(pair, CommitmentOutcome.DONE)
        commitment(pair, CommitmentOutcome.NOT_YET)
    [waiting] = pairs(cohort, 1)
    commitment(waiting, CommitmentOutcome.PENDING)

    panel = panels_of(org)["commitments"]
    counts = column(panel, "count")

    assert counts["Made (due in the range)"] == 2 * owners + 1
    if visible:
        assert counts["Done"] == K
        assert headline(panel, "commitments_follow_through") == 50.0
    else:
        assert {key: value for key, value in counts.items() if key != "Made (due in the range)"
                } == dict.fromkeys(("Answered", "Not answered yet", "Done", "Partly",
                                    "Not yet"), SUPPRESSED)
        assert headline(panel, "commitments_follow_through") is SUPPRESSED
        assert headline(panel, "commitments_partly") is SUPPRESSED
        assert panel.chart.series[0].values == (None, None, None)


@pytest.mark.parametrize(("owners", "visible"), [(K - 1, False), (K, True)])
def test_commitments_made_k_rule(org, cohort, owners, visible):
    for pair in pairs(cohort, owners):
        commitment(pair, CommitmentOutcome.PENDING)

    counts = column(panels_of(org)["commitments"], "count")

    assert counts["Made (due in the range)"] == (owners if visible else SUPPRESSED)


def test_no_text_or_name_in_any_panel(org, cohort, fixture_goals, fixture_commitments):
    panels = goals_panels(scope=scope_of(org))
    every_pair = Pair.objects.select_related("mentor__membership__user",
                                             "mentee__membership__user")
    secrets = [GOAL_TITLE, GOAL_WHY, GOAL_MEASURE, COMMITMENT_TEXT, OUTCOME_NOTE]
    for pair in every_pair:
        for person in (pair.mentor, pair.mentee):
            user = person.membership.user
            secrets += [user.email, user.full_name]
    dump = repr(panels)

    assert [secret for secret in secrets if secret in dump] == []


def test_program_and_cohort_filters(org, cohort, fixture_commitments):
    other = CohortFactory(program=ProgramFactory(organization=org), status=CohortStatus.ACTIVE,
                          start_date=dt.date(2026, 8, 1), end_date=dt.date(2027, 2, 28))
    for pair in pairs(other, K):
        commitment(pair, CommitmentOutcome.NOT_YET)

    everyone = column(panels_of(org)["commitments"], "count")
    one = column(panels_of(org, cohort_id=cohort.pk)["commitments"], "count")
    program = column(panels_of(org, program_id=other.program_id)["commitments"], "count")

    assert (everyone["Made (due in the range)"], one["Made (due in the range)"],
            program["Made (due in the range)"]) == (10, 7, 3)


def test_one_panel_by_key(org, fixture_commitments):
    panel = dashboard_panel(scope=scope_of(org), key="commitments")

    assert panel.key == "commitments"


def _fill(cohort, topics, count: int) -> None:
    for pair in pairs(cohort, count):
        goal(pair, GoalStatus.ACHIEVED, [topics["AI tools"], topics["Data literacy"]])
        goal(pair, GoalStatus.IN_PROGRESS, [topics["Social media"]], owner=pair.mentor)
        commitment(pair, CommitmentOutcome.DONE)
        commitment(pair, CommitmentOutcome.PENDING)


def _queries(org) -> int:
    scope = scope_of(org)
    with CaptureQueriesContext(connection) as captured:
        goals_panels(scope=scope)
    return len(captured)


def test_queries_do_not_grow_with_pairs(org, cohort, topics):
    _fill(cohort, topics, 1)
    one = _queries(org)
    _fill(cohort, topics, 19)

    assert _queries(org) == one == 4
