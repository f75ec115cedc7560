"""Survey services: templates and copies, question locks, publishing and closing, answering
(validation, drafts, duplicates) and the anonymous write path (pending pool, blocks of k,
release at the close)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback import catalog, services
from feedback.models import (
    Answer,
    AttributedAnswer,
    PendingAnswer,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyDraft,
    SurveyKind,
    SurveyStatus,
    organization_today,
)
from programs.models import ParticipantStatus, ParticipantTopic
from tests.factories.feedback import QuestionFactory, SurveyFactory, TemplateSurveyFactory
from tests.factories.programs import CohortFactory, TopicFactory
from tests.feedback.conftest import answer, people

pytestmark = pytest.mark.django_db


# --- templates and surveys -----------------------------------------------------------------------

@pytest.mark.parametrize("key", list(catalog.TEMPLATES))
def test_a_built_in_template_is_copied_with_its_questions(scoped_organization, key):
    template = catalog.TEMPLATES[key]

    copy = services.survey_template_copy(organization=scoped_organization, actor=None,
                                         template_key=key)

    assert copy.is_template
    assert copy.cohort is None
    assert copy.anonymous == template.anonymous
    assert [(q.kind, q.text, q.builtin_key, q.audience, q.required, q.choices)
            for q in copy.questions.order_by("position")] == [
        (q.kind, q.text, q.key, q.audience, q.required, list(q.choices))
        for q in template.questions]


def test_the_built_in_questions_measure_what_the_programs_promise():
    keys = {key: {q.key for q in t.questions} for key, t in catalog.TEMPLATES.items()}

    assert {"topic_confidence", "psychological_safety", "visibility_and_access"} <= \
        keys["baseline"]
    assert {"topic_confidence", "psychological_safety", "learned", "intent_to_change",
            "junior_contribution", "visibility_and_access", "recommend"} <= keys["final"]
    assert "recommend" in keys["midpoint"]
    final = {q.key: q for q in catalog.TEMPLATES["final"].questions}
    assert final["junior_contribution"].audience == "mentee"  # the leader's view
    assert final["visibility_and_access"].audience == "mentor"  # the junior's view
    assert final["recommend"].kind == QuestionKind.NPS
    assert not catalog.TEMPLATES["post_session"].anonymous


def test_an_unknown_template_is_refused(scoped_organization, cohort):
    with pytest.raises(ValidationError) as error:
        services.survey_create(cohort=cohort, actor=None, template="nope")

    assert "template" in error.value.message_dict
    assert not Survey.objects.exists()


def test_a_survey_from_an_organization_template_copies_its_edited_questions(scoped_organization,
                                                                            cohort):
    template = TemplateSurveyFactory(organization=scoped_organization, title="Our own baseline")
    QuestionFactory(survey=template, text="Edited question", kind=QuestionKind.NPS)

    survey = services.survey_create(cohort=cohort, actor=None, template=template,
                                    opens_on=dt.date(2027, 2, 1), closes_on=dt.date(2027, 2, 8))

    assert survey.title == "Our own baseline"
    assert survey.copied_from == template
    assert survey.status == SurveyStatus.DRAFT
    assert [(q.text, q.kind) for q in survey.questions.all()] == [
        ("Edited question", QuestionKind.NPS)]


def test_closing_before_opening_is_refused(scoped_organization, cohort):
    with pytest.raises(ValidationError) as error:
        services.survey_create(cohort=cohort, actor=None, template="midpoint",
                               opens_on=dt.date(2027, 2, 8), closes_on=dt.date(2027, 2, 1))

    assert "closes_on" in error.value.message_dict
    assert not Survey.objects.exists()


def test_one_after_session_survey_per_cohort(scoped_organization, cohort):
    first = services.survey_create(cohort=cohort, actor=None, template="post_session")

    with pytest.raises(ValidationError, match="already has its after-session"):
        services.survey_create(cohort=cohort, actor=None, template="post_session")
    assert not first.anonymous
    assert first.status == SurveyStatus.OPEN  # asked after each session, never published


def test_a_finished_cohort_takes_no_new_survey(scoped_organization):
    cohort = CohortFactory(program__organization=scoped_organization, status="completed")

    with pytest.raises(ValidationError) as error:
        services.survey_create(cohort=cohort, actor=None, template="final")

    assert "cohort" in error.value.message_dict


def test_copying_a_survey_into_a_template_keeps_questions_and_drops_dates(scoped_organization,
                                                                          survey):
    copy = services.survey_copy(survey=survey, actor=None, cohort=None)

    assert copy.is_template
    assert copy.opens_on is None
    assert copy.published_at is None
    assert list(copy.questions.values_list("text", flat=True)) == ["Sessions are useful."]


# --- questions are locked once answered ----------------------------------------------------------

def test_questions_can_be_added_edited_moved_and_removed_before_any_answer(scoped_organization,
                                                                           cohort):
    survey = SurveyFactory(cohort=cohort, draft=True)
    first = services.question_create(survey=survey, kind=QuestionKind.SCALE, text="One")
    second = services.question_create(survey=survey, kind=QuestionKind.SINGLE, text="Two",
                                      choices=["Yes", " yes ", "No", ""], audience="mentee")

    services.question_move(question=second, direction="up")
    services.question_update(question=first, kind=QuestionKind.TEXT, text="  One,  reworded ",
                             required=False)

    assert second.choices == ["Yes", "yes", "No"]
    assert list(survey.questions.order_by("position").values_list("text", "kind")) == [
        ("Two", QuestionKind.SINGLE), ("One, reworded", QuestionKind.TEXT)]
    services.question_delete(question=second)
    assert list(survey.questions.values_list("text", flat=True)) == ["One, reworded"]


def test_a_choice_question_needs_two_options(scoped_organization, survey):
    with pytest.raises(ValidationError) as error:
        services.question_create(survey=SurveyFactory(cohort=survey.cohort, draft=True),
                                 kind=QuestionKind.MULTIPLE, text="Which?", choices=["Only"])

    assert "choices" in error.value.message_dict


def test_no_question_changes_after_the_first_answer(scoped_organization, survey):
    mentor = people(survey.cohort, "mentor", "Sales", 1)[0]
    answer(survey, mentor, q1=4)
    question = survey.questions.get()
    before = list(Question.objects.values_list("text", "kind", "position"))

    for attempt in (
        lambda: services.question_create(survey=survey, kind=QuestionKind.SCALE, text="New"),
        lambda: services.question_update(question=question, kind=QuestionKind.NPS, text="X"),
        lambda: services.question_delete(question=question),
        lambda: services.question_move(question=question, direction="down"),
    ):
        with pytest.raises(ValidationError, match="copy the survey"):
            attempt()

    assert list(Question.objects.values_list("text", "kind", "position")) == before


# --- publishing and closing ----------------------------------------------------------------------

def test_publishing_needs_questions_and_both_dates(scoped_organization, cohort):
    survey = SurveyFactory(cohort=cohort, draft=True, opens_on=None)

    with pytest.raises(ValidationError) as error:
        services.survey_publish(survey=survey, actor=None)

    assert set(error.value.message_dict) == {"questions", "opens_on"}
    survey.refresh_from_db()
    assert survey.published_at is None


def test_a_published_survey_opens_and_closes_on_days_of_the_organization(scoped_organization,
                                                                         cohort):
    scoped_organization.time_zone = "Pacific/Auckland"
    scoped_organization.save()
    survey = SurveyFactory(cohort=cohort, opens_on=dt.date(2027, 3, 1),
                           closes_on=dt.date(2027, 3, 5))
    auckland_midnight = dt.datetime(2027, 2, 28, 11, 0, tzinfo=dt.UTC)  # 1 March 00:00 NZDT

    assert survey.status_at(auckland_midnight - dt.timedelta(seconds=1)) == \
        SurveyStatus.SCHEDULED
    assert survey.status_at(auckland_midnight) == SurveyStatus.OPEN
    assert survey.status_at(dt.datetime(2027, 3, 5, 10, 59, 59, tzinfo=dt.UTC)) == \
        SurveyStatus.OPEN
    assert survey.status_at(dt.datetime(2027, 3, 5, 11, 0, tzinfo=dt.UTC)) == \
        SurveyStatus.CLOSED


def test_a_published_survey_keeps_its_anonymity(scoped_organization, survey):
    with pytest.raises(ValidationError) as error:
        services.survey_update(survey=survey, anonymous=False)

    assert "anonymous" in error.value.message_dict
    survey.refresh_from_db()
    assert survey.anonymous


def test_closing_now_ends_the_survey_today_and_releases_the_rest(scoped_organization, survey):
    for mentor in people(survey.cohort, "mentor", "Sales", 3) + \
            people(survey.cohort, "mentee", "Legal", 2):
        answer(survey, mentor, q1=3)
    assert Answer.objects.count() == 0  # no full group of 5 yet

    services.survey_close(survey=survey)
    services.survey_close(survey=survey)  # idempotent

    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    assert survey.closes_on == organization_today(scoped_organization)
    assert PendingAnswer.objects.count() == 0
    assert sorted(Answer.objects.values_list("role", "department")) == [("", "")] * 5


# --- answering -----------------------------------------------------------------------------------

@pytest.fixture
def full_survey(cohort):
    survey = SurveyFactory(cohort=cohort, draft=True)
    services.survey_delete(survey=survey)
    return services.survey_create(cohort=cohort, actor=None, template="final",
                                  opens_on=organization_today(cohort.organization),
                                  closes_on=organization_today(cohort.organization)
                                  + dt.timedelta(days=3))


def _published(survey):
    services.survey_publish(survey=survey, actor=None)
    survey.refresh_from_db()
    return survey


def test_every_required_question_for_the_role_needs_an_answer(scoped_organization, full_survey):
    survey = _published(full_survey)
    mentee = people(survey.cohort, "mentee", "Finance", 1)[0]
    topic = TopicFactory(organization=scoped_organization, name="AI tools")
    ParticipantTopic.objects.create(organization=scoped_organization, participant=mentee,
                                    topic=topic,
                                    interest="learn", strength=3)

    with pytest.raises(ValidationError) as error:
        services.response_submit(survey=survey, participant=mentee, answers=[])

    by_key = {q.builtin_key: q for q in survey.questions.all()}
    required_for_mentees = {f"q{q.pk}" for q in by_key.values()
                            if q.required and q.audience in ("both", "mentee")
                            and q.kind != QuestionKind.TOPIC_SCALE}
    assert set(error.value.message_dict) == required_for_mentees | {
        f"q{by_key['topic_confidence'].pk}_t{topic.pk}"}
    assert f"q{by_key['visibility_and_access'].pk}" not in error.value.message_dict  # mentors'
    assert not Response.objects.exists()


@pytest.mark.parametrize(("kind", "value", "message"), [
    (QuestionKind.SCALE, 6, "from 1 to 5"),
    (QuestionKind.SCALE, "x", "from 1 to 5"),
    (QuestionKind.SCALE, 2.5, "whole number"),
    (QuestionKind.NPS, 11, "from 0 to 10"),
    (QuestionKind.NPS, -1, "from 0 to 10"),
    (QuestionKind.SINGLE, "Something else", "one of the options"),
    (QuestionKind.MULTIPLE, ["Nothing", "Invented"], "among the options"),
    (QuestionKind.TEXT, "x" * 4001, "under 4000 characters"),
    (QuestionKind.TEXT, 12, "as text"),
])
def test_bad_answers_get_a_message_next_to_their_question(scoped_organization, cohort, kind, value,
                                                          message):
    survey = SurveyFactory(cohort=cohort)
    question = QuestionFactory(survey=survey, kind=kind)
    mentor = people(cohort, "mentor", "Sales", 1)[0]

    with pytest.raises(ValidationError) as error:
        services.response_submit(survey=survey, participant=mentor, answers=[
            services.AnswerInput(question_id=question.pk, value=value)])

    assert message in " ".join(error.value.message_dict[f"q{question.pk}"])
    assert not Response.objects.exists()
    assert not PendingAnswer.objects.exists()


def test_another_surveys_question_or_topic_is_refused(scoped_organization, survey):
    other = QuestionFactory(survey=SurveyFactory(cohort=survey.cohort))
    mentor = people(survey.cohort, "mentor", "Sales", 1)[0]

    with pytest.raises(ValidationError) as error:
        services.response_submit(survey=survey, participant=mentor, answers=[
            services.AnswerInput(question_id=survey.questions.get().pk, value=3),
            services.AnswerInput(question_id=other.pk, value=3)])

    assert "not one of this survey's questions" in error.value.message_dict["answers"][0]


@pytest.mark.parametrize("case", ["closed", "scheduled", "draft", "withdrawn", "other cohort"])
def test_only_enrolled_people_answer_an_open_survey(scoped_organization, cohort, case):
    today = organization_today(scoped_organization)
    survey = SurveyFactory(
        cohort=cohort, **{"closed": {"closed": True},
                          "scheduled": {"opens_on": today + dt.timedelta(days=2)},
                          "draft": {"draft": True}}.get(case, {}))
    question = QuestionFactory(survey=survey)
    place = people(CohortFactory(program=cohort.program) if case == "other cohort" else cohort,
                   "mentor", "Sales", 1)[0]
    if case == "withdrawn":
        place.status = ParticipantStatus.WITHDRAWN
        place.save()

    with pytest.raises(ValidationError):
        services.response_submit(survey=survey, participant=place, answers=[
            services.AnswerInput(question_id=question.pk, value=3)])

    assert not Response.objects.exists()


def test_answering_twice_is_refused_and_stores_nothing_more(scoped_organization, survey):
    mentor = people(survey.cohort, "mentor", "Sales", 1)[0]
    answer(survey, mentor, q1=4)

    with pytest.raises(ValidationError, match="already answered"):
        answer(survey, mentor, q1=1)

    assert Response.objects.count() == 1
    assert PendingAnswer.objects.count() + Answer.objects.count() == 1


def test_the_draft_is_kept_for_the_respondent_and_deleted_on_submit(scoped_organization, survey):
    mentor = people(survey.cohort, "mentor", "Sales", 1)[0]
    services.draft_save(survey=survey, participant=mentor, data={"q1": "4"})
    services.draft_save(survey=survey, participant=mentor, data={"q1": "5"})
    assert SurveyDraft.objects.get().data == {"q1": "5"}

    answer(survey, mentor, q1=5)

    assert not SurveyDraft.objects.exists()


# --- the anonymous write path --------------------------------------------------------------------

def test_an_anonymous_response_stores_who_and_what_apart(scoped_organization, survey):
    mentor = people(survey.cohort, "mentor", "Sales", 1)[0]

    answer(survey, mentor, q1=4)

    response = Response.objects.get()
    assert (response.participant, response.responded_on) == (mentor,
                                                             organization_today(scoped_organization))
    pending = PendingAnswer.objects.get()
    assert (pending.role, pending.department, pending.number) == ("mentor", "Sales", 4)
    assert not AttributedAnswer.objects.exists()
    assert str(pending.pk) != str(response.pk)  # random UUID, nothing in common


def test_a_full_group_of_k_is_released_together_in_a_shuffled_block(scoped_organization, survey):
    sales = people(survey.cohort, "mentor", "Sales", 5)
    for number, mentor in enumerate(sales[:4], start=1):
        answer(survey, mentor, q1=number)
        assert not Answer.objects.exists()

    answer(survey, sales[4], q1=5)

    assert sorted(Answer.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert set(Answer.objects.values_list("role", "department", "released_on")) == {
        ("mentor", "Sales", organization_today(scoped_organization))}
    assert not PendingAnswer.objects.exists()


def test_free_text_waits_for_twice_k(scoped_organization, cohort):
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind=QuestionKind.TEXT, required=False)
    sales = people(cohort, "mentor", "Sales", 10)
    for mentor in sales[:9]:
        answer(survey, mentor, q1=f"Idea from someone in {mentor.profile.department}")
    assert not Answer.objects.exists()

    answer(survey, sales[9], q1="Last idea")

    assert Answer.objects.count() == 10


def test_at_the_close_a_group_still_below_k_is_withheld_for_good(scoped_organization, survey):
    for mentor in people(survey.cohort, "mentor", "Sales", 4):
        answer(survey, mentor, q1=2)

    services.survey_close(survey=survey)

    assert not Answer.objects.exists()
    assert not PendingAnswer.objects.exists()
    assert Response.objects.count() == 4  # the response rate still counts them


def test_a_named_survey_keeps_answers_with_the_response(scoped_organization, cohort):
    from tests.factories.sessions import MentoringSessionFactory

    survey = services.survey_create(cohort=cohort, actor=None, template="post_session")
    session = MentoringSessionFactory(pair__cohort=cohort, held=True)
    rating = survey.questions.get(builtin_key="session_rating")

    services.response_submit(survey=survey, participant=session.pair.mentee, session=session,
                             answers=[services.AnswerInput(question_id=rating.pk, value=5)])

    stored = AttributedAnswer.objects.get()
    assert (stored.response.participant, stored.response.session, stored.number) == (
        session.pair.mentee, session, 5)
    assert not PendingAnswer.objects.exists()
    assert not Answer.objects.exists()


def test_a_survey_kind_post_session_cannot_be_published(scoped_organization, cohort):
    survey = services.survey_create(cohort=cohort, actor=None, template="post_session")

    with pytest.raises(ValidationError) as error:
        services.survey_publish(survey=survey, actor=None)

    assert "kind" in error.value.message_dict
    assert survey.kind == SurveyKind.POST_SESSION


def test_responded_on_is_a_day_and_answers_carry_no_time(scoped_organization):
    for model in (Response, PendingAnswer, Answer):
        times = [f.name for f in model._meta.concrete_fields
                 if f.get_internal_type() in ("DateTimeField", "TimeField")]
        assert times == [], model
    assert timezone.now()  # the clock exists; nothing above stores it
