"""Factories for surveys. Every row takes its organization from one parent (a survey's from
its cohort, a question's from its survey, an answer's from its question), so they always
agree. ``SurveyFactory`` makes a published survey of a cohort, open today in the
organization's time zone; ``SurveyFactory(draft=True)`` one not yet published,
``SurveyFactory(closed=True)`` one whose closing day has passed."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

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
    organization_today,
)
from tests.factories.accounts import OrganizationFactory
from tests.factories.programs import CohortFactory, ParticipantFactory


def _today(o) -> dt.date:
    return organization_today(o.organization)


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    kind = SurveyKind.MIDPOINT
    title = factory.Sequence(lambda n: f"Midpoint check {n}")
    intro = "How is it going?"
    anonymous = True
    opens_on = factory.LazyAttribute(lambda o: _today(o) - dt.timedelta(days=1))
    closes_on = factory.LazyAttribute(lambda o: _today(o) + dt.timedelta(days=7))
    reminder_days = 2
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(published_at=None)
        closed = factory.Trait(
            opens_on=factory.LazyAttribute(lambda o: _today(o) - dt.timedelta(days=10)),
            closes_on=factory.LazyAttribute(lambda o: _today(o) - dt.timedelta(days=1)))
        post_session = factory.Trait(kind=SurveyKind.POST_SESSION, anonymous=False,
                                     published_at=None, title="After the session")


class TemplateSurveyFactory(factory.django.DjangoModelFactory):
    """An organization's own template: no cohort, no dates."""

    class Meta:
        model = Survey

    organization = factory.SubFactory(OrganizationFactory)
    cohort = None
    is_template = True
    kind = SurveyKind.BASELINE
    title = factory.Sequence(lambda n: f"Our baseline {n}")
    opens_on = None
    closes_on = None


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.LazyAttribute(lambda o: o.survey.organization)
    position = factory.Sequence(lambda n: n + 1)
    kind = QuestionKind.SCALE
    text = factory.Sequence(lambda n: f"Question {n}: our sessions are useful.")
    required = True
    audience = "both"
    choices = factory.LazyAttribute(
        lambda o: ["Finding time", "Knowing what to talk about", "Nothing"]
        if o.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [])


class ResponseFactory(factory.django.DjangoModelFactory):
    """That someone of the survey's cohort responded (no answers: see the services)."""

    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.LazyAttribute(lambda o: o.survey.organization)
    participant = factory.SubFactory(ParticipantFactory,
                                     cohort=factory.SelfAttribute("..survey.cohort"))
    responded_on = factory.LazyAttribute(lambda o: _today(o))


class SurveyDraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyDraft

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.LazyAttribute(lambda o: o.survey.organization)
    participant = factory.SubFactory(ParticipantFactory,
                                     cohort=factory.SelfAttribute("..survey.cohort"))
    data = factory.LazyFunction(dict)


class PendingAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PendingAnswer

    question = factory.SubFactory(QuestionFactory)
    survey = factory.LazyAttribute(lambda o: o.question.survey)
    organization = factory.LazyAttribute(lambda o: o.question.organization)
    role = "mentor"
    department = "Marketing"
    number = 4


class AnswerFactory(factory.django.DjangoModelFactory):
    """A released anonymous answer (in tests, blocks are usually made through the services)."""

    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    survey = factory.LazyAttribute(lambda o: o.question.survey)
    organization = factory.LazyAttribute(lambda o: o.question.organization)
    role = "mentor"
    department = "Marketing"
    released_on = factory.LazyAttribute(lambda o: organization_today(o.organization))
    number = 4


class AttributedAnswerFactory(factory.django.DjangoModelFactory):
    """An answer of a named survey, with its response."""

    class Meta:
        model = AttributedAnswer

    response = factory.SubFactory(ResponseFactory, survey=factory.SubFactory(
        SurveyFactory, post_session=True))
    survey = factory.LazyAttribute(lambda o: o.response.survey)
    question = factory.SubFactory(QuestionFactory, survey=factory.SelfAttribute("..survey"))
    organization = factory.LazyAttribute(lambda o: o.response.organization)
    number = 4
