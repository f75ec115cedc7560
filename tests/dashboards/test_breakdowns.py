"""Breakdowns by department, seniority band, generation band and role: the figures of a
hand-computed cohort, the k rule on group sizes (k−1 and k), secondary suppression against
the complement attack, survey outcomes only where the answers carry the label, what the
panels contain, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards.figures import SUPPRESSED, Panel
from dashboards.panels import breakdowns
from dashboards.panels.breakdowns import breakdowns_panels
from dashboards.selectors import dashboard_panel, dashboard_scope
from feedback.models import QuestionKind, SurveyKind
from matching.models import PairStatus
from programs.models import CohortStatus, ParticipantStatus
from sessions.models import SessionStatus
from tests.factories.feedback import AnswerFactory, QuestionFactory, SurveyFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ProgramFactory,
    SeniorityLevelFactory,
)
from tests.factories.sessions import MentoringSessionFactory

pytestmark = pytest.mark.django_db

GROUP, ENROLLED, MATCHED, FIRST_SESSION, PER_PAIR = range(5)
NPS, SAFETY, BEFORE, AFTER = range(5, 9)


def _cohort(organization):
    today = timezone.localdate()
    program = ProgramFactory(organization=organization)
    return CohortFactory(program=program, status=CohortStatus.ACTIVE,
                         start_date=today - dt.timedelta(days=60),
                         end_date=today + dt.timedelta(days=120))


def _person(cohort, role, department, level=None, band="", *, name="Person",
            status=ParticipantStatus.ACTIVE):
    return ParticipantFactory(cohort=cohort, role=role, status=status,
                              membership__user__full_name=name,
                              profile__department=department, profile__level=level,
                              profile__generation_band=band)


def _held(pair, days_ago, status=SessionStatus.HAPPENED):
    return MentoringSessionFactory(
        pair=pair, status=status, starts_at=timezone.now() - dt.timedelta(days=days_ago),
        summary="We tried three AI assistants on a real board paper.")


def _scope(organization, k=5):
    organization.anonymity_threshold = k
    organization.save(update_fields=["anonymity_threshold"])
    today = timezone.localdate()
    return dashboard_scope(organization=organization, date_from=today - dt.timedelta(days=30),
                           date_to=today)


def _panels(scope) -> dict[str, Panel]:
    return {panel.key: panel for panel in breakdowns_panels(scope=scope)}


def _rows(panel: Panel) -> dict[str, tuple]:
    return {row[GROUP]: row for row in panel.table.rows}


@pytest.fixture
def cohort(scoped_organization):
    """Six Finance mentees (level L8; three Gen X, three gave no band), five Technology
    mentors (L2, Gen Z), two Legal mentors (L2; one Millennial, one no band), and a Finance
    leader who withdrew (counted nowhere). Pairs: T1–F1 held three sessions in the range,
    T2–F2 held one before the range and had one cancelled in it, T3–F3 never met (one
    planned), L1–F4 held two in the range; the withdrawn leader's ended pair held one."""
    organization = scoped_organization
    cohort = _cohort(organization)
    l2 = SeniorityLevelFactory(organization=organization, rank=2, name="L2")
    l8 = SeniorityLevelFactory(organization=organization, rank=8, name="L8")
    finance = [_person(cohort, "mentee", "Finance", l8, "gen_x" if i < 3 else "",
                       name=f"Fiona Leader{i}") for i in range(6)]
    tech = [_person(cohort, "mentor", "Technology", l2, "gen_z", name=f"Tariq Junior{i}")
            for i in range(5)]
    legal = [_person(cohort, "mentor", " Legal ", l2, band, name=f"Lena Junior{i}")
             for i, band in enumerate(("millennial", ""))]
    withdrawn = _person(cohort, "mentee", "Finance", l8, "gen_x", name="Walter Gone",
                        status=ParticipantStatus.WITHDRAWN)
    t1f1 = PairFactory(cohort=cohort, mentor=tech[0], mentee=finance[0])
    t2f2 = PairFactory(cohort=cohort, mentor=tech[1], mentee=finance[1])
    t3f3 = PairFactory(cohort=cohort, mentor=tech[2], mentee=finance[2])
    l1f4 = PairFactory(cohort=cohort, mentor=legal[0], mentee=finance[3])
    gone = PairFactory(cohort=cohort, mentor=tech[3], mentee=withdrawn,
                       status=PairStatus.ENDED)
    for days in (3, 10, 24):
        _held(t1f1, days)
    _held(t2f2, 45)
    _held(t2f2, 5, SessionStatus.CANCELLED)
    MentoringSessionFactory(pair=t3f3)  # planned, next week
    _held(l1f4, 8)
    _held(l1f4, 22)
    _held(gone, 12)
    return cohort


def test_department_figures_and_secondary_suppression(cohort):
    panels = _panels(_scope(cohort.organization, k=5))

    rows = _rows(panels["by_department"])
    # Finance 6, Technology 5, Legal 2 (k = 5): Legal is under k, so it goes to "Other";
    # Other (2) is still under k, so the smallest shown group (Technology, 5) joins it: 7
    assert list(rows) == ["Finance", "Other (groups under 5)", "All participants"]
    # Finance: 6 enrolled (the withdrawn leader is not), 4 matched (F1–F4) = 66.7 %;
    # their pairs T1–F1, T2–F2, T3–F3, L1–F4 (the ended pair's leader withdrew): 3 have
    # met (T3–F3 never did) = 75.0 %; sessions held in the range 3 + 0 + 0 + 2 = 5 / 4
    assert rows["Finance"][:5] == ("Finance", 6, 66.7, 75.0, 1.25)
    # Other = Technology + Legal: 7 people, matched T1, T2, T3, L1 and T4 (an ended pair
    # still counts) = 5/7 = 71.4 %; their pairs are the same four plus T4's ended pair (T4
    # is still enrolled) = 5, met 4 (the ended pair held one) = 80.0 %; sessions in the
    # range 3 + 0 + 0 + 2 + 1 = 6 / 5 = 1.2
    assert rows["Other (groups under 5)"][:5] == ("Other (groups under 5)", 7, 71.4, 80.0,
                                                  1.2)
    # everyone: 13 enrolled, 9 matched = 69.2 %; 5 pairs (each counted once), 4 met,
    # 6 sessions in the range
    assert rows["All participants"][:5] == ("All participants", 13, 69.2, 80.0, 1.2)


def test_seniority_generation_and_role_figures(cohort):
    panels = _panels(_scope(cohort.organization, k=5))

    seniority = _rows(panels["by_seniority"])
    # L2: Technology 5 + Legal 2 = 7 (matched T1–T4, L1 = 71.4 %; 5 pairs incl. the ended
    # one, 4 met, 6 sessions); L8: Finance 6 (66.7 %; 4 pairs, 3 met, 5 sessions); by rank
    assert list(seniority) == ["L2", "L8", "All participants"]
    assert seniority["L2"] == ("L2", 7, 71.4, 80.0, 1.2)
    assert seniority["L8"] == ("L8", 6, 66.7, 75.0, 1.25)

    generation = _rows(panels["by_generation"])
    # Gen Z 5 (Technology: exactly k, shown); Gen X 3, no band 3 + 1, Millennial 1 = 8 merged
    # Gen Z: matched T1–T4 = 80.0 %; pairs T1–F1, T2–F2, T3–F3 and T4's ended one = 4,
    # met 3 = 75.0 %; sessions 3 + 0 + 0 + 1 = 4 / 4 = 1.0
    gen_z = breakdowns.GENERATION_LABELS["gen_z"]
    assert list(generation) == [gen_z, "Other (groups under 5)", "All participants"]
    assert generation[gen_z] == (gen_z, 5, 80.0, 75.0, 1.0)
    # Other: F1–F6, L1, L2 = 8, matched F1–F4 and L1 = 5 = 62.5 %; their pairs are the four
    # with a Finance leader: 3 met, 5 sessions
    assert generation["Other (groups under 5)"] == ("Other (groups under 5)", 8, 62.5, 75.0,
                                                    1.25)

    role = _rows(panels["by_role"])
    # mentors 7 (5 matched), mentees 6 (4 matched)
    assert role["Mentors (juniors)"][:5] == ("Mentors (juniors)", 7, 71.4, 80.0, 1.2)
    assert role["Mentees (senior leaders)"][:5] == ("Mentees (senior leaders)", 6, 66.7,
                                                    75.0, 1.25)


def test_survey_outcomes_only_where_the_answers_carry_the_label(cohort):
    panels = _panels(_scope(cohort.organization, k=5))

    for key in ("by_seniority", "by_generation"):
        assert [column.key for column in panels[key].table.columns] == [
            "group", "enrolled", "matched", "first_session", "sessions_per_pair"]
        assert any("anonymous survey answers carry only the respondent's role and department"
                   in note for note in panels[key].notes), key
    for key in ("by_department", "by_role"):
        assert [column.key for column in panels[key].table.columns][5:] == [
            "nps", "psychological_safety", "confidence_before", "confidence_after"]


def _answers(cohort, kind, builtin_key, question_kind, values, *, role="mentee",
             department="Finance", topic=None):
    survey = SurveyFactory(cohort=cohort, kind=kind)
    question = QuestionFactory(survey=survey, kind=question_kind, builtin_key=builtin_key)
    for value in values:
        AnswerFactory(question=question, number=value, role=role, department=department,
                      topic=topic)
    return question


def test_survey_outcomes_per_department_and_role(cohort):
    from tests.factories.programs import TopicFactory

    topic = TopicFactory(organization=cohort.organization)
    _answers(cohort, SurveyKind.MIDPOINT, "recommend", QuestionKind.NPS, [10, 10, 9, 8, 6])
    _answers(cohort, SurveyKind.FINAL, "recommend", QuestionKind.NPS, [9, 9, 9, 9, 7],
             role="mentor", department="Technology")
    _answers(cohort, SurveyKind.MIDPOINT, "psychological_safety", QuestionKind.SCALE,
             [4, 4, 5, 5, 3])
    _answers(cohort, SurveyKind.BASELINE, "topic_confidence", QuestionKind.TOPIC_SCALE,
             [2, 2, 3, 2, 1], topic=topic)
    final = _answers(cohort, SurveyKind.FINAL, "topic_confidence", QuestionKind.TOPIC_SCALE,
                     [4, 4, 3, 4], topic=topic)
    # a fifth answer whose department was generalised to protect a small group
    AnswerFactory(question=final, number=5, role="mentee", department="", topic=topic)

    panels = _panels(_scope(cohort.organization, k=5))

    department = _rows(panels["by_department"])
    # Finance NPS: promoters 10, 10, 9 (3), detractors 6 (1) of 5 → 100 × 2 / 5 = 40;
    # safety (4 + 4 + 5 + 5 + 3) / 5 = 4.2; confidence before (2 + 2 + 3 + 2 + 1) / 5 = 2.0;
    # after: Finance has 4 answers (k − 1) of its own, so its cell is withheld
    assert department["Finance"][NPS:] == (40, 4.2, 2.0, SUPPRESSED)
    # Technology's NPS answers are a published group of 5, but Technology is merged into
    # "Other" for its people, so nothing of it is shown; Legal has none
    assert department["Other (groups under 5)"][NPS:] == (SUPPRESSED, None, None, None)
    # everyone: NPS over 10 answers: promoters 3 + 4 = 7, detractors 1 → 60; confidence after
    # (4 + 4 + 3 + 4 + 5) / 5 = 4.0 (the generalised answer counts for everyone)
    assert department["All participants"][NPS:] == (60, 4.2, 2.0, 4.0)

    role = _rows(panels["by_role"])
    # mentees: the Finance answers; confidence after: 4 Finance + 1 generalised, all mentees
    assert role["Mentees (senior leaders)"][NPS:] == (40, 4.2, 2.0, 4.0)
    # mentors: NPS of 9, 9, 9, 9, 7 → 100 × 4 / 5 = 80; no other answers
    assert role["Mentors (juniors)"][NPS:] == (80, None, None, None)


def test_a_department_survey_cell_of_k_minus_one_answers_is_withheld(cohort):
    _answers(cohort, SurveyKind.MIDPOINT, "recommend", QuestionKind.NPS, [10, 10, 9, 8])

    department = _rows(_panels(_scope(cohort.organization, k=5))["by_department"])

    # 4 answers in all: not even the total is shown
    assert department["Finance"][NPS] is SUPPRESSED
    assert department["All participants"][NPS] is SUPPRESSED


@pytest.mark.parametrize(("size", "shown"), [(4, False), (5, True)])
def test_a_group_of_k_minus_one_is_merged_and_a_group_of_k_is_shown(scoped_organization,
                                                                     size, shown):
    cohort = _cohort(scoped_organization)
    for department, count in (("Marketing", 6), ("Finance", size), ("Technology", 5),
                              ("People", 2), ("Legal", 3)):
        for _ in range(count):
            _person(cohort, "mentor", department)

    rows = _rows(_panels(_scope(scoped_organization, k=5))["by_department"])

    # Finance with k people is a row of its own; with k − 1 it joins "Other"
    assert ("Finance" in rows) is shown
    if shown:
        assert rows["Finance"][ENROLLED] == 5
    assert rows["Marketing"][ENROLLED] == 6
    assert rows["Technology"][ENROLLED] == 5
    assert "People" not in rows
    assert "Legal" not in rows
    # Other: People 2 + Legal 3 = 5 (k: no shown group needs to join), plus Finance's 4
    # when Finance is under k: 9
    assert rows["Other (groups under 5)"][ENROLLED] == (5 if shown else 9)


@pytest.mark.parametrize("k", [3, 5, 7])
def test_the_total_minus_the_shown_rows_never_reveals_a_hidden_group(scoped_organization, k):
    """The complement attack: for any set of the shown groups, total minus their sum is 0 or
    a union of groups of at least k people, never a hidden group's size."""
    cohort = _cohort(scoped_organization)
    sizes = {"Marketing": 9, "Finance": 7, "Technology": 5, "Sales": 3, "Legal": 2,
             "People": 1}
    for department, count in sizes.items():
        for _ in range(count):
            _person(cohort, "mentor", department)

    rows = _rows(_panels(_scope(scoped_organization, k=k))["by_department"])

    total = rows.pop("All participants")[ENROLLED]
    assert total == sum(sizes.values())
    groups = {label: row[ENROLLED] for label, row in rows.items()}
    assert all(size >= k for size in groups.values())
    assert sum(groups.values()) == total  # every person is in exactly one shown row
    hidden = {name: size for name, size in sizes.items() if name not in groups}
    assert hidden, "the fixture must hide something"
    for count in range(len(groups) + 1):
        for chosen in itertools.combinations(groups.values(), count):
            rest = total - sum(chosen)
            assert rest == 0 or rest >= k
    differences = {total - sum(chosen) for count in range(len(groups) + 1)
                   for chosen in itertools.combinations(groups.values(), count)}
    assert not {size for size in hidden.values() if size < k} & differences


def test_nothing_is_broken_down_when_the_slice_is_under_k(scoped_organization):
    cohort = _cohort(scoped_organization)
    for _ in range(4):
        _person(cohort, "mentor", "Finance")

    panels = _panels(_scope(scoped_organization, k=5))

    for panel in panels.values():
        assert panel.table.rows == ()
        assert panel.chart is None
        assert "Fewer than 5 people are in view" in panel.notes[0]


def test_the_panels_contain_no_names_and_no_hidden_group(cohort):
    _answers(cohort, SurveyKind.MIDPOINT, "recommend", QuestionKind.NPS, [10, 10, 9, 8, 6])
    organization = cohort.organization

    panels = list(_panels(_scope(organization, k=5)).values())

    text = repr(panels)
    for person in cohort.participants.select_related("membership__user"):
        assert person.membership.user.full_name not in text
        assert person.membership.user.email not in text
    for forbidden in ("Fiona", "Tariq", "Lena", "Walter", "board paper", "Legal",
                      "Technology"):
        assert forbidden not in text, forbidden
    assert tuple(panel.key for panel in panels) == breakdowns.KEYS
    # the registry serves each panel by its key (what the CSV and the API use)
    scope = _scope(organization, k=5)
    assert dashboard_panel(scope=scope, key="by_seniority").title == "By seniority band"


def _pairs(organization, count):
    cohort = _cohort(organization)
    level = SeniorityLevelFactory(organization=organization)
    for index in range(count):
        pair = PairFactory(
            cohort=cohort,
            mentor=_person(cohort, "mentor", f"Dept {index % 3}", level, "gen_z"),
            mentee=_person(cohort, "mentee", "Finance", None, ""))
        _held(pair, 3)
        _held(pair, 9)
    _answers(cohort, SurveyKind.MIDPOINT, "recommend", QuestionKind.NPS, [9] * count)
    _answers(cohort, SurveyKind.BASELINE, "topic_confidence", QuestionKind.TOPIC_SCALE,
             [3] * count)


def test_the_number_of_queries_does_not_grow_with_the_pairs(scoped_organization,
                                                           other_organization):
    from core.tenancy import organization_scope

    _pairs(scoped_organization, 1)
    scope = _scope(scoped_organization)
    with CaptureQueriesContext(connection) as one:
        breakdowns_panels(scope=scope)
    with organization_scope(other_organization):
        _pairs(other_organization, 20)
        scope = _scope(other_organization)
        with CaptureQueriesContext(connection) as twenty:
            panels = breakdowns_panels(scope=scope)

    assert len(one) == len(twenty), [q["sql"] for q in twenty.captured_queries]
    # 1 zone + 1 answers + 1 ladder + 4 dimensions × (people + pairs)
    assert len(twenty) == 11
    assert _rows(panels[0])["All participants"][ENROLLED] == 40
