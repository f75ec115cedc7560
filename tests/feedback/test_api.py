"""The surveys API: definitions for HR admins, results for admins and executives, open
surveys and answering for participants; bad input is a 400 with field keys and changes
nothing; another cohort's survey is a 404; lists use a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from accounts.services import api_token_create
from feedback.models import PendingAnswer, Question, QuestionKind, Response, Survey
from programs.models import ParticipantTopic
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, TopicFactory
from tests.feedback.conftest import answer, people

pytestmark = pytest.mark.django_db


def api(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='t').key}")
    return client


def url(organization, name, **kwargs):
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


@pytest.fixture
def admin_api(api_client, admin_user):
    return api(api_client, admin_user)


@pytest.fixture
def member_api(api_client, member_user):
    return api(api_client, member_user)


# --- definitions -------------------------------------------------------------------------------

def test_an_admin_creates_a_survey_from_a_built_in_template(admin_api, scoped_organization, cohort):
    response = admin_api.post(url(scoped_organization, "api_surveys"), {
        "cohort": cohort.pk, "template": "final", "opens_on": "2027-06-01",
        "closes_on": "2027-06-14"}, format="json")

    assert response.status_code == 201
    data = response.json()
    assert (data["title"], data["status"], data["kind"], data["anonymous"]) == (
        "Final evaluation", "draft", "final", True)
    assert [q["builtin_key"] for q in data["questions"]][:2] == ["topic_confidence",
                                                                 "psychological_safety"]


def test_another_organizations_cohort_is_refused(admin_api, scoped_organization,
                                                 other_organization):
    from core.tenancy import organization_scope

    with organization_scope(other_organization):
        theirs = CohortFactory(program__organization=other_organization)

    response = admin_api.post(url(scoped_organization, "api_surveys"), {
        "cohort": theirs.pk, "template": "baseline"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"cohort": ["No cohort with this id."]}
    assert not Survey.objects.exists()


def test_template_or_source_is_required(admin_api, scoped_organization, cohort):
    response = admin_api.post(url(scoped_organization, "api_surveys"), {"cohort": cohort.pk},
                              format="json")

    assert response.status_code == 400
    assert "template" in response.json()


def test_an_admin_edits_questions_until_the_first_answer(admin_api, scoped_organization, survey):
    question = survey.questions.get()
    created = admin_api.post(url(scoped_organization, "api_survey_questions",
                                 survey_pk=survey.pk), {
        "kind": "single", "text": "Which?", "choices": ["A", "B"]}, format="json")
    patched = admin_api.patch(url(scoped_organization, "api_survey_question", survey_pk=survey.pk,
                                  question_pk=question.pk), {"text": "Reworded"},
                              format="json")
    answer(survey, people(survey.cohort, "mentor", "Sales", 1)[0], q1=4, q2="A")

    locked = admin_api.patch(url(scoped_organization, "api_survey_question", survey_pk=survey.pk,
                                 question_pk=question.pk), {"text": "Again"}, format="json")

    assert created.status_code == 201
    assert (patched.status_code, patched.json()["text"]) == (200, "Reworded")
    assert locked.status_code == 400
    assert "copy the survey" in locked.json()["non_field_errors"][0]
    assert Question.objects.get(pk=question.pk).text == "Reworded"


def test_an_admin_publishes_closes_copies_and_deletes(admin_api, scoped_organization, cohort):
    draft = SurveyFactory(cohort=cohort, draft=True)
    QuestionFactory(survey=draft)

    published = admin_api.post(url(scoped_organization, "api_survey_publish", survey_pk=draft.pk))
    closed = admin_api.post(url(scoped_organization, "api_survey_close", survey_pk=draft.pk))
    copied = admin_api.post(url(scoped_organization, "api_survey_copy", survey_pk=draft.pk), {},
                            format="json")
    deleted = admin_api.delete(url(scoped_organization, "api_survey",
                                   survey_pk=copied.json()["id"]))

    assert (published.status_code, published.json()["status"]) == (200, "open")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert (copied.status_code, copied.json()["is_template"]) == (201, True)
    assert deleted.status_code == 204
    assert list(Survey.objects.values_list("pk", flat=True)) == [draft.pk]


def test_a_members_and_an_executives_admin_calls_are_403(api_client, scoped_organization, survey,
                                                          member_user, executive_user):
    for user in (member_user, executive_user):
        client = api(api_client, user)
        assert client.get(url(scoped_organization, "api_surveys")).status_code == 403
        assert client.patch(url(scoped_organization, "api_survey", survey_pk=survey.pk),
                            {"title": "X"}, format="json").status_code == 403
    assert api(api_client, executive_user).get(
        url(scoped_organization, "api_survey_results", survey_pk=survey.pk)).status_code == 200


def test_the_survey_list_runs_the_same_queries_for_1_and_20_surveys(admin_api, scoped_organization,
                                                                    cohort):
    counts = []
    for size in (1, 20):
        Survey.objects.all().delete()
        for _ in range(size):
            QuestionFactory(survey=SurveyFactory(cohort=cohort))
        with CaptureQueriesContext(connection) as captured:
            response = admin_api.get(url(scoped_organization, "api_surveys"))
        assert response.json()["count"] == size
        counts.append(len(captured))

    assert counts[0] == counts[1]


# --- answering ---------------------------------------------------------------------------------

@pytest.fixture
def my_place(member_user, cohort):
    return ParticipantFactory(cohort=cohort, role="mentee",
                              membership=Membership.objects.get(user=member_user))


def test_a_participant_lists_reads_and_answers_their_survey(member_api, scoped_organization,
                                                            my_place,
                                                             cohort):
    topic = TopicFactory(organization=scoped_organization, name="AI tools")
    ParticipantTopic.objects.create(organization=scoped_organization, participant=my_place,
                                    topic=topic,
                                    interest="learn", strength=3)
    survey = SurveyFactory(cohort=cohort, title="Baseline")
    confidence = QuestionFactory(survey=survey, kind=QuestionKind.TOPIC_SCALE)
    QuestionFactory(survey=survey, audience="mentor", text="Mentors only")
    nps = QuestionFactory(survey=survey, kind=QuestionKind.NPS)

    listed = member_api.get(url(scoped_organization, "api_my_surveys")).json()
    detail = member_api.get(url(scoped_organization, "api_my_survey", survey_pk=survey.pk)).json()
    receipt = member_api.post(url(scoped_organization, "api_my_survey_responses",
                                  survey_pk=survey.pk), {
        "answers": [{"question": confidence.pk, "topic": topic.pk, "value": 2},
                    {"question": nps.pk, "value": 9}]}, format="json")
    status = member_api.get(url(scoped_organization, "api_my_survey_responses",
                                survey_pk=survey.pk))

    assert [(s["title"], s["can_answer"]) for s in listed] == [("Baseline", True)]
    assert [q["id"] for q in detail["questions"]] == [confidence.pk, nps.pk]
    assert detail["questions"][0]["topics"] == [{"id": topic.pk, "name": "AI tools"}]
    assert "Stored without your name" in detail["questions"][1]["visibility"]
    assert receipt.status_code == 201
    assert [(a["question"], a["topic"], a["value"]) for a in receipt.json()["answers"]] == [
        (confidence.pk, topic.pk, "2"), (nps.pk, None, "9")]
    assert status.json()["responded_on"] == str(Response.objects.get().responded_on)
    assert PendingAnswer.objects.count() == 2


def test_bad_answers_are_a_400_keyed_by_question_and_store_nothing(member_api, scoped_organization,
                                                                    my_place, cohort):
    survey = SurveyFactory(cohort=cohort)
    scale = QuestionFactory(survey=survey, kind=QuestionKind.SCALE)
    choice = QuestionFactory(survey=survey, kind=QuestionKind.SINGLE)

    response = member_api.post(url(scoped_organization, "api_my_survey_responses",
                                   survey_pk=survey.pk), {
        "answers": [{"question": scale.pk, "value": 9},
                    {"question": choice.pk, "value": "Invented"}]}, format="json")

    assert response.status_code == 400
    assert response.json() == {f"q{scale.pk}": ["Choose a number from 1 to 5."],
                               f"q{choice.pk}": ["Choose one of the options."]}
    assert not Response.objects.exists()


def test_answering_twice_is_a_400(member_api, scoped_organization, my_place, cohort):
    survey = SurveyFactory(cohort=cohort)
    scale = QuestionFactory(survey=survey)
    body = {"answers": [{"question": scale.pk, "value": 3}]}
    target = url(scoped_organization, "api_my_survey_responses", survey_pk=survey.pk)

    first = member_api.post(target, body, format="json")
    second = member_api.post(target, body, format="json")

    assert (first.status_code, second.status_code) == (201, 400)
    assert "already answered" in second.json()["non_field_errors"][0]


def test_a_survey_of_another_cohort_is_404(member_api, scoped_organization, my_place, cohort):
    elsewhere = SurveyFactory(cohort=CohortFactory(program=cohort.program))
    QuestionFactory(survey=elsewhere)

    for name in ("api_my_survey", "api_my_survey_responses"):
        assert member_api.get(url(scoped_organization, name,
                                  survey_pk=elsewhere.pk)).status_code == 404
    assert member_api.post(url(scoped_organization, "api_my_survey_responses",
                               survey_pk=elsewhere.pk),
                           {"answers": []}, format="json").status_code == 404


def test_a_closed_survey_takes_no_answers(member_api, scoped_organization, my_place, cohort):
    survey = SurveyFactory(cohort=cohort, closed=True)
    scale = QuestionFactory(survey=survey)

    response = member_api.post(url(scoped_organization, "api_my_survey_responses",
                                   survey_pk=survey.pk),
                               {"answers": [{"question": scale.pk, "value": 3}]}, format="json")

    assert response.status_code == 400
    assert "closed" in response.json()["non_field_errors"][0]
    assert not Response.objects.exists()
