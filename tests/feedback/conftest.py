"""Fixtures for the survey tests: a cohort with people in departments, and helpers that
answer a survey through the real service."""

from __future__ import annotations

import pytest

from feedback import services
from feedback.models import QuestionKind, Survey
from programs.models import Participant
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory


@pytest.fixture
def cohort(scoped_organization):
    program = ProgramFactory(organization=scoped_organization, name="Digital leaders")
    return CohortFactory(program=program, organization=scoped_organization, name="Spring pilot")


def people(cohort, role: str, department: str, count: int) -> list[Participant]:
    return [ParticipantFactory(cohort=cohort, role=role, profile__department=department)
            for _ in range(count)]


@pytest.fixture
def survey(cohort) -> Survey:
    """An open anonymous survey with a 1–5 scale question for everyone."""
    survey = SurveyFactory(cohort=cohort, title="Midpoint check")
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE, text="Sessions are useful.")
    return survey


def answer(survey: Survey, participant: Participant, **values):
    """Submit ``participant``'s answers through the service: ``values`` maps ``q<position>``
    (1-based, in question order) to a value; every other question is skipped."""
    questions = list(survey.questions.order_by("position", "id"))
    inputs = [services.AnswerInput(question_id=questions[int(key[1:]) - 1].pk, value=value)
              for key, value in values.items()]
    return services.response_submit(survey=survey, participant=participant, answers=inputs)
