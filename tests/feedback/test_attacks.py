"""The attacks on anonymous aggregates, tried against the real results page, its CSV and the
API: total minus the other cells, the same question filtered two ways, the difference of two
date ranges, and changing k. Each must leave the hidden group hidden."""

from __future__ import annotations

import csv
import datetime as dt
import io
from itertools import product

import pytest
import time_machine
from django.urls import reverse

from feedback import selectors, services
from feedback.models import Answer, QuestionKind, organization_today
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.feedback.conftest import answer, people

pytestmark = pytest.mark.django_db

FILTERS = [dict(zip(("role", "department", "by"), combo, strict=True)) for combo in product(
    ("", "mentor", "mentee"), ("", "Sales", "Finance"), ("", "role", "department"))]


def _pages(client, survey, params) -> dict:
    """What an admin gets for ``params`` from the page, the CSV and the API."""
    kwargs = {"org_slug": survey.organization.slug, "survey_pk": survey.pk}
    page = client.get(reverse("feedback:results", kwargs=kwargs), params)
    api = client.get(reverse("api_survey_results", kwargs=kwargs), params)
    export = client.get(reverse("feedback:results_csv", kwargs=kwargs), params)
    assert (page.status_code, api.status_code, export.status_code) == (200, 200, 200), params
    return {"page": page, "api": api.json(),
            "csv": list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1:]}


def _published_counts(seen) -> list[int]:
    """Every answer count the API and the CSV publish (the page shows the same cells)."""
    counts = [cell["n"] for q in seen["api"]["questions"] for cell in q["cells"]]
    counts += [int(row[6]) for row in seen["csv"]]
    return counts


def _every_distribution(seen) -> list[dict]:
    return [{d["value"]: d["count"] for d in cell["distribution"]}
            for q in seen["api"]["questions"] for cell in q["cells"]]


def test_total_minus_the_other_cells_never_gives_a_hidden_cell(admin_client, scoped_organization,
                                                               cohort):
    """Departments of 5, 5 and 7 released under k = 5; k is then 6: Sales and Finance (5
    each) are below it, so they are shown only combined, and total minus the shown cells is
    that combination, never one of them."""
    survey = SurveyFactory(cohort=cohort, closed=True)
    question = QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    values = {"Sales": [1] * 5, "Finance": [5] * 5, "Legal": [3] * 7}
    Answer.objects.bulk_create([
        Answer(organization=scoped_organization, survey=survey, question=question, role="mentor",
               department=dept, released_on=survey.closes_on, number=v)
        for dept, numbers in values.items() for v in numbers])
    scoped_organization.anonymity_threshold = 6
    scoped_organization.save()

    seen = _pages(admin_client, survey, {"by": "department"})

    cells = seen["api"]["questions"][0]["cells"]
    assert [(c["label"], c["n"]) for c in cells] == [
        ("Legal", 7), (selectors.OTHER_LABEL, 10)]
    assert cells[1]["merged"] == ["Finance", "Sales"]
    assert sum(c["n"] for c in cells) == 17  # the total is the sum of what is shown
    assert all(n >= 6 for n in _published_counts(seen))
    assert {"1": 5} not in [{k: v for k, v in d.items() if v} for d in _every_distribution(seen)]
    assert "Sales</th>" not in seen["page"].content.decode()


@pytest.fixture
def one_mentee_among_mentors(cohort):
    """Five Sales mentors answer 4 or 5; one Sales mentee answers 1, then the survey closes."""
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    for person, value in zip(people(cohort, "mentor", "Sales", 5), [4, 5, 4, 5, 4],
                             strict=True):
        answer(survey, person, q1=value)
    answer(survey, people(cohort, "mentee", "Sales", 1)[0], q1=1)
    services.survey_close(survey=survey)
    return survey


def test_the_same_question_filtered_two_ways_never_isolates_one_answer(
        admin_client, scoped_organization, one_mentee_among_mentors):
    """Everyone vs mentors only, Sales vs Sales mentors, every breakdown: the mentee's answer
    is in none of them (alone below k, it was withheld at the close), so no difference of two
    filters shows it."""
    survey = one_mentee_among_mentors
    totals = {}
    for params in FILTERS:
        seen = _pages(admin_client, survey, params)
        assert all(n >= 5 for n in _published_counts(seen)), params
        assert all(d.get("1", 0) == 0 for d in _every_distribution(seen)), params
        question = seen["api"]["questions"][0]
        totals[tuple(params.values())] = question["n"]

    assert totals[("", "", "")] == totals[("mentor", "", "")] == totals[("", "Sales", "")] \
        == totals[("mentor", "Sales", "")] == 5
    assert totals[("mentee", "", "")] == totals[("mentee", "Sales", "")] == 0
    assert seen["api"]["responded"] == 6  # the response rate still counts the mentee


def test_two_date_ranges_never_differ_by_fewer_than_k(admin_client, scoped_organization, cohort):
    """Day 1: five answers (released that day). Day 2: one more (waits). Day 3: five more in
    another department (released). Day 4: the survey closes (the lone answer is withheld).
    Every range of days shows 0, 5 or 10 answers: any difference is 0, 5 or 10."""
    start = organization_today(scoped_organization)
    survey = SurveyFactory(cohort=cohort, opens_on=start, closes_on=start + dt.timedelta(days=3))
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    days = [start + dt.timedelta(days=n) for n in range(4)]
    plan = [(days[0], "Sales", 5, 3), (days[1], "Legal", 1, 1), (days[2], "Finance", 5, 4)]
    for day, department, count, value in plan:
        with time_machine.travel(dt.datetime.combine(day, dt.time(12)), tick=False):
            for person in people(cohort, "mentor", department, count):
                answer(survey, person, q1=value)
    with time_machine.travel(dt.datetime.combine(days[3], dt.time(12)), tick=False):
        services.survey_close(survey=survey)

    seen_counts = set()
    for since, until in product(days, days):
        if until < since:
            continue
        seen = _pages(admin_client, survey, {"since": since.isoformat(),
                                             "until": until.isoformat()})
        question = seen["api"]["questions"][0]
        seen_counts.add(question["n"])
        assert all(d.get("1", 0) == 0 for d in _every_distribution(seen))

    assert seen_counts == {0, 5, 10}
    assert set(Answer.objects.values_list("released_on", flat=True)) == {days[0], days[2]}


def test_changing_k_never_splits_a_group(admin_client, scoped_organization, cohort):
    """Three Sales and two Legal mentors were released together as one group of 5. Lowering k
    to 3 does not split it into Sales (3) and Legal (2); raising k to 6 hides it."""
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    for department, count in (("Sales", 3), ("Legal", 2)):
        for person in people(cohort, "mentor", department, count):
            answer(survey, person, q1=2)
    services.survey_close(survey=survey)

    for k, expected in ((3, [(selectors.OTHER_LABEL, 5)]), (6, None)):
        scoped_organization.anonymity_threshold = k
        scoped_organization.save()
        question = _pages(admin_client, survey, {"by": "department"})["api"]["questions"][0]
        if expected is None:
            assert question["suppressed"] is True
        else:
            assert [(c["label"], c["n"]) for c in question["cells"]] == expected
            assert question["cells"][0]["merged"] == [selectors.GROUPED_LABEL]


def test_watching_the_results_between_two_answers_shows_no_single_answer(admin_client,
                                                                         scoped_organization,
                                                                         cohort):
    """The page before and after each submission changes by a whole group of k or not at
    all: nobody's answer can be read off the difference."""
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    seen = []
    for person in people(cohort, "mentor", "Sales", 7):
        answer(survey, person, q1=3)
        seen.append(_pages(admin_client, survey, {})["api"]["questions"][0]["n"])

    assert seen == [0, 0, 0, 0, 5, 5, 5]
