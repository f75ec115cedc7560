"""Survey pages: HR admins build, publish and close surveys in the browser; participants
answer on one page (draft, preview of who sees what, submit, receipt)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Membership
from feedback.models import (
    Answer,
    PendingAnswer,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyDraft,
    SurveyStatus,
    organization_today,
)
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.factories.programs import ParticipantFactory

pytestmark = pytest.mark.django_db


def url(name, organization, **kwargs):
    return reverse(f"feedback:{name}", kwargs={"org_slug": organization.slug, **kwargs})


# --- HR admins -----------------------------------------------------------------------------------

def test_an_admin_creates_a_survey_from_a_built_in_template(admin_client, scoped_organization,
                                                            cohort):
    today = organization_today(scoped_organization)

    response = admin_client.post(url("survey_create", scoped_organization), {
        "cohort": cohort.pk, "template": "midpoint", "title": "",
        "opens_on": today.isoformat(), "closes_on": (today + dt.timedelta(days=5)).isoformat(),
        "reminder_days": 2})

    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("survey_detail", scoped_organization, survey_pk=survey.pk)
    assert (survey.title, survey.cohort, survey.status) == ("Midpoint check", cohort,
                                                            SurveyStatus.DRAFT)
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "What gets in the way of your sessions?" in page.content.decode()


def test_the_create_form_explains_bad_dates(admin_client, scoped_organization, cohort):
    response = admin_client.post(url("survey_create", scoped_organization), {
        "cohort": cohort.pk, "template": "midpoint", "opens_on": "2027-03-10",
        "closes_on": "2027-03-01", "reminder_days": 2})

    assert response.status_code == 400
    assert "must close on or after the day it opens" in response.content.decode()
    assert not Survey.objects.exists()


def test_an_admin_copies_a_built_in_template_and_edits_a_question(admin_client,
                                                                  scoped_organization):
    response = admin_client.post(url("template_copy", scoped_organization),
                                 {"template": "baseline"})
    template = Survey.objects.get(is_template=True)
    question = template.questions.order_by("position").last()

    edit = admin_client.post(url("question_edit", scoped_organization, survey_pk=template.pk,
                                 question_pk=question.pk),
                             {"kind": QuestionKind.SINGLE, "text": "Pick one",
                              "audience": "both", "required": "on", "choices": "A\nB"})

    assert response.status_code == 302
    assert edit.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.kind, question.choices) == ("Pick one", "single", ["A", "B"])


def test_a_question_of_another_survey_is_404(admin_client, scoped_organization, survey):
    other = QuestionFactory(survey=SurveyFactory(cohort=survey.cohort))

    response = admin_client.get(url("question_edit", scoped_organization, survey_pk=survey.pk,
                                    question_pk=other.pk))

    assert response.status_code == 404


def test_questions_are_added_moved_and_removed_in_the_browser(admin_client, scoped_organization,
                                                              cohort):
    survey = SurveyFactory(cohort=cohort, draft=True)
    for text in ("First", "Second"):
        admin_client.post(url("question_create", scoped_organization, survey_pk=survey.pk),
                          {"kind": "scale", "text": text, "audience": "both", "required": "on"})
    second = survey.questions.get(text="Second")

    admin_client.post(url("question_move", scoped_organization, survey_pk=survey.pk,
                          question_pk=second.pk),
                      {"direction": "up"})
    assert list(survey.questions.order_by("position").values_list("text", flat=True)) == [
        "Second", "First"]
    admin_client.post(url("question_delete", scoped_organization, survey_pk=survey.pk,
                          question_pk=second.pk))
    assert list(survey.questions.values_list("text", flat=True)) == ["First"]


def test_questions_of_an_answered_survey_cannot_change_and_say_copy(admin_client,
                                                                    scoped_organization,
                                                                   survey):
    from tests.feedback.conftest import answer, people

    answer(survey, people(survey.cohort, "mentor", "Sales", 1)[0], q1=3)
    question = survey.questions.get()

    page = admin_client.get(url("survey_detail", scoped_organization, survey_pk=survey.pk))
    response = admin_client.post(url("question_delete", scoped_organization, survey_pk=survey.pk,
                                     question_pk=question.pk), follow=True)

    assert "Copy the survey" in page.content.decode()
    assert "copy the survey to change them" in response.content.decode()
    assert Question.objects.filter(pk=question.pk).exists()


def test_an_admin_publishes_closes_and_copies(admin_client, scoped_organization, cohort):
    survey = SurveyFactory(cohort=cohort, draft=True)
    QuestionFactory(survey=survey)

    admin_client.post(url("survey_publish", scoped_organization, survey_pk=survey.pk))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    admin_client.post(url("survey_close", scoped_organization, survey_pk=survey.pk))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    response = admin_client.post(url("survey_copy", scoped_organization, survey_pk=survey.pk),
                                 {"cohort": cohort.pk, "title": "Midpoint again"})
    copy = Survey.objects.get(title="Midpoint again")
    assert response["Location"] == url("survey_detail", scoped_organization, survey_pk=copy.pk)
    assert copy.status == SurveyStatus.DRAFT


def test_settings_are_saved_and_bad_settings_explained(admin_client, scoped_organization, survey):
    today = organization_today(scoped_organization)
    data = {"title": "Renamed", "intro": "Hi", "anonymous": "on",
            "opens_on": survey.opens_on.isoformat(),
            "closes_on": (today + dt.timedelta(days=9)).isoformat(), "reminder_days": 3}

    saved = admin_client.post(url("survey_edit", scoped_organization, survey_pk=survey.pk), data)
    refused = admin_client.post(url("survey_edit", scoped_organization, survey_pk=survey.pk),
                                {**data, "anonymous": ""})

    assert saved.status_code == 302
    assert refused.status_code == 400
    assert "stays as it was announced" in refused.content.decode()
    survey.refresh_from_db()
    assert (survey.title, survey.reminder_days, survey.anonymous) == ("Renamed", 3, True)


def test_members_cannot_open_the_survey_pages_of_admins(member_client, scoped_organization, survey):
    for name in ("survey_list", "survey_create"):
        assert member_client.get(url(name, scoped_organization)).status_code == 403
    assert member_client.get(url("results", scoped_organization,
                                 survey_pk=survey.pk)).status_code == 403


# --- answering -----------------------------------------------------------------------------------

@pytest.fixture
def my_place(member_user, cohort):
    return ParticipantFactory(cohort=cohort, role="mentor",
                              membership=Membership.objects.get(user=member_user),
                              profile__department="Marketing")


@pytest.fixture
def mixed_survey(cohort):
    survey = SurveyFactory(cohort=cohort, title="Midpoint check")
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE, text="Useful sessions?")
    QuestionFactory(survey=survey, kind=QuestionKind.MULTIPLE, text="What gets in the way?",
                    required=False, choices=["Time", "Topics", "Nothing"])
    QuestionFactory(survey=survey, kind=QuestionKind.TEXT, text="What did you learn?",
                    required=False)
    QuestionFactory(survey=survey, kind=QuestionKind.NPS, text="Recommend?",
                    audience="mentee")
    return survey


def _fields(survey):
    return {q.text: f"q{q.pk}" for q in survey.questions.all()}


def test_a_participant_answers_previews_and_submits(member_client, scoped_organization, my_place,
                                                    mixed_survey):
    names = _fields(mixed_survey)
    answers = {names["Useful sessions?"]: "4", names["What gets in the way?"]: ["Time", "Topics"],
               names["What did you learn?"]: "How the board decides."}
    page = member_client.get(url("answer", scoped_organization, survey_pk=mixed_survey.pk))
    assert "Recommend?" not in page.content.decode()  # a mentees' question

    preview = member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                                 {**answers, "action": "preview"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Check what you send, and who will see it" in text
    assert "Time, Topics" in text
    assert "among the answers of at least 10 people" in text  # free text: 2k
    assert not Response.objects.exists()

    receipt = member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                                 {**answers, "action": "submit"})

    assert receipt.status_code == 200
    assert "Your receipt" in receipt.content.decode()
    assert "How the board decides." in receipt.content.decode()
    assert receipt.context["receipt"]["answers_stored"] == 3
    assert Response.objects.get().participant == my_place
    assert PendingAnswer.objects.count() == 3


def test_missing_required_answers_are_shown_next_to_the_question(member_client, scoped_organization,
                                                                 my_place, mixed_survey):
    response = member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                                  {"action": "preview"})

    assert response.status_code == 400
    assert "This question needs an answer." in response.content.decode()


def test_a_draft_is_saved_and_filled_in_again(member_client, scoped_organization, my_place,
                                              mixed_survey):
    name = _fields(mixed_survey)["Useful sessions?"]

    saved = member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                               {name: "2", "action": "save"})
    page = member_client.get(url("answer", scoped_organization, survey_pk=mixed_survey.pk))

    assert saved.status_code == 302
    assert SurveyDraft.objects.get().data == {name: "2"}
    assert page.context["form"].initial == {name: "2"}
    assert "Your draft of" in page.content.decode()


def test_answering_twice_says_so(member_client, scoped_organization, my_place, mixed_survey):
    name = _fields(mixed_survey)["Useful sessions?"]
    member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                       {name: "5", "action": "submit"})

    again = member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                               {name: "1", "action": "submit"}, follow=True)

    assert "already answered" in again.content.decode()
    assert Response.objects.count() == 1
    assert PendingAnswer.objects.count() + Answer.objects.count() == 1


def test_someone_outside_the_cohort_gets_404(member_client, scoped_organization, mixed_survey):
    response = member_client.get(url("answer", scoped_organization, survey_pk=mixed_survey.pk))

    assert response.status_code == 404


def test_my_surveys_lists_open_and_answered_surveys(member_client, scoped_organization, my_place,
                                                   mixed_survey):
    name = _fields(mixed_survey)["Useful sessions?"]
    before = member_client.get(url("my_surveys", scoped_organization))
    member_client.post(url("answer", scoped_organization, survey_pk=mixed_survey.pk),
                       {name: "5", "action": "submit"})
    after = member_client.get(url("my_surveys", scoped_organization))
    home = member_client.get(reverse("org_home", kwargs={"org_slug": scoped_organization.slug}))

    assert before.context["mine"][0].can_answer
    assert "Answered on" in after.content.decode()
    assert "keep the receipt" in after.content.decode().lower()
    assert "Surveys to answer" not in home.content.decode()


def test_the_home_page_lists_surveys_to_answer(member_client, scoped_organization, my_place,
                                               mixed_survey):
    home = member_client.get(reverse("org_home", kwargs={"org_slug": scoped_organization.slug}))

    assert "Surveys to answer" in home.content.decode()
    assert "Midpoint check" in home.content.decode()
