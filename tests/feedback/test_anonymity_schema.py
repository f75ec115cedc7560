"""Anonymous answers cannot be joined to respondents: no answer table has a foreign key or a
column that leads to a user, a participant, a membership or a response; nothing points at an
answer; answer keys are random; no time of day is stored; the admin registers no answer table;
a submission logs nothing of the answers."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models

from accounts.models import Membership, Organization, User
from feedback.models import (
    Answer,
    AttributedAnswer,
    PendingAnswer,
    Question,
    Response,
    Survey,
    SurveyDraft,
)
from programs.models import Participant, Profile, Topic
from tests.feedback.conftest import answer, people

#: The tables that hold answers of anonymous surveys.
ANONYMOUS_ANSWER_MODELS = [PendingAnswer, Answer]
#: All an anonymous answer may point at: its tenant, survey, question and topic.
ALLOWED_TARGETS = {Organization, Survey, Question, Topic}
PERSONAL_MODELS = {User, Participant, Membership, Profile, Response, SurveyDraft,
                   AttributedAnswer}
PERSONAL_WORDS = ("user", "participant", "membership", "member", "respondent", "response",
                  "person", "email", "name", "session", "pair", "profile", "draft", "ip")


@pytest.mark.parametrize("model", ANONYMOUS_ANSWER_MODELS, ids=lambda m: m.__name__)
def test_an_anonymous_answer_points_only_at_its_tenant_survey_question_and_topic(model):
    relations = {field.name: field.related_model for field in model._meta.get_fields()
                 if field.is_relation and field.concrete}

    assert set(relations.values()) <= ALLOWED_TARGETS, relations
    assert not set(relations.values()) & PERSONAL_MODELS


@pytest.mark.parametrize("model", ANONYMOUS_ANSWER_MODELS, ids=lambda m: m.__name__)
def test_no_column_of_an_anonymous_answer_names_a_person(model):
    columns = [field.column for field in model._meta.concrete_fields]

    assert columns, model
    for column in columns:
        words = column.lower().replace("_id", "").split("_")
        assert not set(words) & set(PERSONAL_WORDS), f"{model.__name__}.{column}"


@pytest.mark.parametrize("model", ANONYMOUS_ANSWER_MODELS, ids=lambda m: m.__name__)
def test_an_anonymous_answer_has_a_random_key_and_no_time(model):
    pk = model._meta.pk

    assert isinstance(pk, models.UUIDField)
    assert pk.default is uuid.uuid4
    assert not [f.name for f in model._meta.concrete_fields
                if isinstance(f, models.DateTimeField | models.TimeField)]


def test_nothing_in_the_project_points_at_an_anonymous_answer():
    pointing = [f"{m._meta.label}.{f.name}" for m in apps.get_models()
                for f in m._meta.concrete_fields
                if f.is_relation and f.related_model in ANONYMOUS_ANSWER_MODELS]

    assert pointing == []


def test_who_responded_and_what_was_answered_share_no_column_but_the_survey():
    response_columns = {f.column for f in Response._meta.concrete_fields}
    for model in ANONYMOUS_ANSWER_MODELS:
        shared = response_columns & {f.column for f in model._meta.concrete_fields}
        assert shared == {"id", "organization_id", "survey_id"}, model
        assert type(Response._meta.pk) is not type(model._meta.pk)


def test_the_admin_registers_no_table_of_answers_or_respondents():
    registered = set(admin.site._registry)

    assert not registered & {PendingAnswer, Answer, AttributedAnswer, Response, SurveyDraft}


@pytest.mark.django_db
def test_a_submission_logs_nothing_of_the_answers(scoped_organization, cohort, caplog):
    from tests.factories.feedback import QuestionFactory, SurveyFactory

    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, kind="text", required=False)
    mentor = people(cohort, "mentor", "Sales", 1)[0]

    with caplog.at_level(logging.DEBUG):
        answer(survey, mentor, q1="My manager never listens")

    assert "never listens" not in caplog.text
    assert mentor.membership.user.email not in caplog.text
