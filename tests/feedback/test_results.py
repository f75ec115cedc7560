"""Results: every aggregate shown at k answers and hidden at k − 1 (2k for free text) on the
page, in the CSV and in the API; means, distributions, NPS and before/after derived here from
the answers given; the CSV holds aggregates only, formula-safe; the results page runs the same
number of queries for 10 and 1,000 answers."""

from __future__ import annotations

import csv
import io
from statistics import mean

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback import selectors, services
from feedback.models import Answer, QuestionKind
from programs.models import ParticipantTopic
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.factories.programs import TopicFactory
from tests.feedback.conftest import answer, people

pytestmark = pytest.mark.django_db

VALUES = {
    QuestionKind.SCALE: [5, 4, 4, 2, 3, 1, 5, 4],
    QuestionKind.NPS: [10, 9, 7, 3, 8, 0, 10, 6],
    QuestionKind.SINGLE: ["Finding time", "Nothing", "Finding time", "Nothing", "Nothing",
                          "Finding time", "Nothing", "Finding time"],
    QuestionKind.MULTIPLE: [["Finding time", "Nothing"], ["Nothing"], ["Finding time"],
                            ["Knowing what to talk about"], ["Nothing"], ["Finding time"],
                            ["Nothing"], ["Nothing"]],
}


def _set_k(organization, k):
    organization.anonymity_threshold = k
    organization.save(update_fields=["anonymity_threshold"])


def _closed_survey_with(cohort, kind, values, *, department="Sales", role="mentor"):
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=kind, text="The question")
    for person, value in zip(people(cohort, role, department, len(values)), values,
                             strict=True):
        answer(survey, person, q1=value)
    services.survey_close(survey=survey)
    survey.refresh_from_db()
    return survey


def _results(survey, **wanted):
    return selectors.survey_results(survey=survey, wanted=selectors.ResultsFilter(**wanted))


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("kind", list(VALUES))
def test_each_aggregate_is_hidden_at_k_minus_one_and_shown_at_k(scoped_organization, cohort, kind,
                                                                k):
    _set_k(scoped_organization, k)

    hidden = _results(_closed_survey_with(cohort, kind, VALUES[kind][:k - 1])).questions[0]
    shown = _results(_closed_survey_with(cohort, kind, VALUES[kind][:k])).questions[0]

    assert hidden.suppressed
    assert hidden.cells == []
    assert not shown.suppressed
    cell = shown.cells[0]
    given = VALUES[kind][:k]
    assert cell.n == k
    if kind in (QuestionKind.SCALE, QuestionKind.NPS):
        assert cell.mean == round(mean(given), 2)
        low = 1 if kind == QuestionKind.SCALE else 0
        high = 5 if kind == QuestionKind.SCALE else 10
        assert cell.distribution == [(str(v), given.count(v)) for v in range(low, high + 1)]
    else:
        chosen = [option for value in given
                  for option in (value if isinstance(value, list) else [value])]
        assert dict(cell.distribution) == {
            option: chosen.count(option)
            for option in ["Finding time", "Knowing what to talk about", "Nothing"]}
    if kind == QuestionKind.NPS:
        promoters = sum(v >= 9 for v in given)
        detractors = sum(v <= 6 for v in given)
        assert (cell.nps.promoters, cell.nps.passives, cell.nps.detractors) == (
            promoters, k - promoters - detractors, detractors)
        assert cell.nps.score == round(100 * (promoters - detractors) / k)


@pytest.mark.parametrize("k", [3, 5])
def test_free_text_needs_twice_k_and_is_never_shown_to_executives(scoped_organization, cohort, k):
    _set_k(scoped_organization, k)
    texts = [f"Learned thing {n}" for n in range(2 * k)]

    hidden = _results(_closed_survey_with(cohort, QuestionKind.TEXT, texts[:-1]))
    shown_survey = _closed_survey_with(cohort, QuestionKind.TEXT, texts)
    shown = _results(shown_survey)
    for_executives = selectors.survey_results(survey=shown_survey, viewer_role="executive")

    assert hidden.questions[0].suppressed
    assert sorted(shown.questions[0].cells[0].texts) == sorted(texts)
    assert for_executives.questions[0].suppressed
    assert for_executives.questions[0].cells[0].texts == []


def test_free_texts_come_in_a_random_order_not_the_order_given(scoped_organization, cohort):
    texts = [f"Answer number {n:02d}" for n in range(40)]
    survey = _closed_survey_with(cohort, QuestionKind.TEXT, texts)

    shown = _results(survey).questions[0].cells[0].texts

    assert sorted(shown) == texts
    assert shown != texts
    assert _results(survey).questions[0].cells[0].texts == shown  # stable: no new information


def test_a_breakdown_cell_at_k_minus_one_is_grouped_never_shown(scoped_organization, cohort):
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    for person in people(cohort, "mentor", "Sales", 6):
        answer(survey, person, q1=5)
    for person in people(cohort, "mentor", "Finance", 4):  # k − 1
        answer(survey, person, q1=1)
    services.survey_close(survey=survey)

    cells = _results(survey, by="department").questions[0].cells

    assert [(c.label, c.n) for c in cells] == [
        ("Sales", 5), (selectors.OTHER_LABEL, 5)]  # the 6th Sales answer joined Finance's 4
    assert cells[1].merged == (selectors.GROUPED_LABEL,)
    assert "Finance" not in selectors.result_departments(survey=survey)


def test_a_cell_below_a_raised_k_is_merged_with_the_smallest_other(scoped_organization, cohort):
    survey = _closed_survey_with(cohort, QuestionKind.SCALE, [4] * 5, department="Sales")
    question = survey.questions.get()
    Answer.objects.bulk_create([  # blocks released while k was 5
        Answer(organization=scoped_organization, survey=survey, question=question, role="mentor",
               department=dept, released_on=survey.closes_on, number=2)
        for dept, n in (("Legal", 7), ("People", 8)) for _ in range(n)])
    _set_k(scoped_organization, 6)

    cells = _results(survey, by="department").questions[0].cells

    assert [(c.label, c.n, c.is_other) for c in cells] == [
        ("People", 8, False), (selectors.OTHER_LABEL, 12, True)]
    assert cells[1].merged == ("Legal", "Sales")


# --- the CSV and the API publish the same --------------------------------------------------

def _csv(client, survey, **params):
    url = reverse("feedback:results_csv", kwargs={"org_slug": survey.organization.slug,
                                                  "survey_pk": survey.pk})
    response = client.get(url, params)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_has_aggregates_at_k_only_and_no_formula(admin_client, scoped_organization, cohort):
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=QuestionKind.SINGLE, text="=HYPERLINK(\"x\")",
                    choices=["Yes", "No"])
    QuestionFactory(survey=survey, kind=QuestionKind.TEXT, required=False, text="Comments")
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE, audience="mentee", text="Mentees")
    for person in people(cohort, "mentor", "=SUM(A1)", 5):
        answer(survey, person, q1="Yes", q2="secret words")
    for person in people(cohort, "mentee", "Sales", 4):
        answer(survey, person, q1="No", q3=5)
    services.survey_close(survey=survey)

    rows = _csv(admin_client, survey, by="department")

    assert rows[0] == ["question_number", "question", "topic", "group", "measure", "value",
                       "answers"]
    body = rows[1:]
    # Comments (5 texts < 10) and Mentees (4 < 5, withheld at the close): no row at all
    assert {row[0] for row in body} == {"1"}
    assert body == [["1", "'=HYPERLINK(\"x\")", "", "'=SUM(A1)", measure, value, "5"]
                    for measure, value in (("answers", "5"), ("answered Yes", "5"),
                                           ("answered No", "0"))]
    assert "secret words" not in str(rows)


def test_the_api_gives_the_figures_of_the_page(admin_client, scoped_organization, cohort):
    survey = _closed_survey_with(cohort, QuestionKind.NPS, VALUES[QuestionKind.NPS][:6])
    page = admin_client.get(reverse("feedback:results", kwargs={
        "org_slug": scoped_organization.slug, "survey_pk": survey.pk}))
    api = admin_client.get(reverse("api_survey_results", kwargs={
        "org_slug": scoped_organization.slug, "survey_pk": survey.pk}))

    cell = page.context["results"].questions[0].cells[0]
    data = api.json()["questions"][0]["cells"][0]
    assert api.status_code == 200
    assert (data["n"], data["mean"], data["nps"]["score"]) == (cell.n, cell.mean,
                                                               cell.nps.score)
    assert data["distribution"] == [{"value": v, "count": c} for v, c in cell.distribution]


def test_the_api_hides_what_the_page_hides(admin_client, scoped_organization, cohort):
    survey = _closed_survey_with(cohort, QuestionKind.SCALE, [5, 4, 3, 2])

    data = admin_client.get(reverse("api_survey_results", kwargs={
        "org_slug": scoped_organization.slug, "survey_pk": survey.pk})).json()

    assert data["questions"][0]["suppressed"] is True
    assert data["questions"][0]["cells"] == []
    assert (data["responded"], data["k"]) == (4, 5)


# --- before and after -------------------------------------------------------------------------

def test_the_final_shows_confidence_per_topic_before_and_after(admin_client, scoped_organization,
                                                               cohort):
    ai, data = TopicFactory(organization=scoped_organization, name="AI tools"), TopicFactory(
        organization=scoped_organization, name="Data literacy")
    mentees = people(cohort, "mentee", "Finance", 5)
    for person in mentees:
        for topic in (ai, data):
            ParticipantTopic.objects.create(organization=scoped_organization, participant=person,
                                            topic=topic, interest="learn", strength=2)
    confidence = {"baseline": {ai: [1, 2, 2, 1, 3], data: [3, 3, 2, 4, 3]},
                  "final": {ai: [4, 4, 3, 5, 4], data: [3, 4, 4, 4, 3]}}
    surveys = {}
    for key in ("baseline", "final"):
        survey = SurveyFactory(cohort=cohort, kind=key)
        question = QuestionFactory(survey=survey, kind=QuestionKind.TOPIC_SCALE,
                                   builtin_key="topic_confidence", text="Confidence")
        for index, person in enumerate(mentees):
            services.response_submit(survey=survey, participant=person, answers=[
                services.AnswerInput(question_id=question.pk, topic_id=topic.pk,
                                     value=values[index])
                for topic, values in confidence[key].items()])
        services.survey_close(survey=survey)
        surveys[key] = survey

    results = _results(surveys["final"])
    page = admin_client.get(reverse("feedback:results", kwargs={
        "org_slug": scoped_organization.slug, "survey_pk": surveys["final"].pk}))

    assert [(p.label, p.before.mean, p.after.mean, p.change) for p in results.before_after] == [
        (f"Confidence — {topic.name}", mean(confidence["baseline"][topic]),
         mean(confidence["final"][topic]),
         round(mean(confidence["final"][topic]) - mean(confidence["baseline"][topic]), 2))
        for topic in (ai, data)]
    assert page.status_code == 200
    assert "Before and after" in page.content.decode()


# --- a constant number of queries ---------------------------------------------------------------

def _many_answers(survey, count):
    questions = list(survey.questions.all())
    rows = []
    for n in range(count):
        for question in questions:
            value = {"number": (n % 5) + 1} if question.kind == QuestionKind.SCALE else \
                {"number": n % 11} if question.kind == QuestionKind.NPS else \
                {"choices": [question.choices[n % len(question.choices)]]} \
                if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else \
                {"text": f"Text {n}"}
            rows.append(Answer(organization=survey.organization, survey=survey,
                               question=question, role=("mentor", "mentee")[n % 2],
                               department=("Sales", "Finance", "")[n % 3],
                               released_on=survey.closes_on, **value))
    Answer.objects.bulk_create(rows, batch_size=2000)


def _queries(client, survey, params) -> int:
    url = reverse("feedback:results", kwargs={"org_slug": survey.organization.slug,
                                              "survey_pk": survey.pk})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"by": "department", "role": "mentor"}])
def test_the_results_page_runs_the_same_queries_for_10_and_1000_answers(admin_client,
                                                                        scoped_organization,
                                                                       cohort, params):
    counts = []
    for size in (10, 1000):
        survey = SurveyFactory(cohort=cohort, closed=True)
        for kind in (QuestionKind.SCALE, QuestionKind.NPS, QuestionKind.SINGLE,
                     QuestionKind.TEXT):
            QuestionFactory(survey=survey, kind=kind)
        _many_answers(survey, size)
        counts.append(_queries(admin_client, survey, params))

    assert counts[0] == counts[1]
