"""The after-session rating folds into the surveys' answer store (feedback/hooks.py): a named
answer of the cohort's after-session survey, readable by HR with the person's name, never by
the partner, aggregated under k like any other survey."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.tenancy import organization_scope
from feedback import hooks, selectors, services
from feedback.models import AttributedAnswer, Response, Survey, SurveyKind
from tests.factories.matching import PairFactory
from tests.factories.sessions import MentoringSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cohort):
    return MentoringSessionFactory(pair=PairFactory(cohort=cohort), held=True)


def test_a_rating_creates_the_cohorts_after_session_survey_and_a_named_answer(scoped_organization,
                                                                              session):
    services.post_session_rating_record(session=session, participant=session.pair.mentor,
                                        rating=4, comment="Great prep")

    survey = Survey.objects.get()
    assert (survey.kind, survey.anonymous, survey.cohort) == (
        SurveyKind.POST_SESSION, False, session.pair.cohort)
    response = Response.objects.get()
    assert (response.participant, response.session) == (session.pair.mentor, session)
    assert sorted((a.question.builtin_key, a.number, a.text)
                  for a in AttributedAnswer.objects.all()) == [
        ("session_comment", None, "Great prep"), ("session_rating", 4, "")]


def test_rating_the_same_session_again_replaces_the_first(scoped_organization, session):
    for rating in (2, 5):
        services.post_session_rating_record(session=session, participant=session.pair.mentee,
                                            rating=rating)

    assert Response.objects.count() == 1
    assert list(AttributedAnswer.objects.values_list("number", flat=True)) == [5]


def test_only_the_two_people_of_the_pair_rate_its_session(scoped_organization, session, cohort):
    stranger = PairFactory(cohort=cohort).mentor

    with pytest.raises(ValidationError, match="own sessions"):
        services.post_session_rating_record(session=session, participant=stranger, rating=3)

    assert not Response.objects.exists()


def test_a_rating_out_of_range_is_refused(scoped_organization, session):
    with pytest.raises(ValidationError):
        services.post_session_rating_record(session=session, participant=session.pair.mentor,
                                            rating=7)

    assert not AttributedAnswer.objects.exists()


def test_the_receiver_takes_ids_and_opens_the_tenant_scope(scoped_organization, session):
    with organization_scope(None):
        hooks.on_session_rated(sender=None, session_id=session.pk,
                               participant_id=session.pair.mentor.pk, rating=5)
        hooks.on_session_rated(sender=None, session_id=987654,
                               participant_id=session.pair.mentor.pk, rating=5)

    assert list(AttributedAnswer.objects.values_list("number", flat=True)) == [5]


def test_ratings_are_aggregated_under_k(scoped_organization, cohort):
    sessions = [MentoringSessionFactory(pair=PairFactory(cohort=cohort), held=True)
                for _ in range(3)]
    for one in sessions:
        for person in (one.pair.mentor, one.pair.mentee):
            services.post_session_rating_record(session=one, participant=person, rating=4)
    survey = Survey.objects.get()

    everyone = selectors.survey_results(survey=survey).questions[0]
    by_role = selectors.survey_results(
        survey=survey, wanted=selectors.ResultsFilter(by="role")).questions[0]

    assert (everyone.cells[0].n, everyone.cells[0].mean) == (6, 4)
    assert [(c.label, c.n) for c in by_role.cells] == [(selectors.OTHER_LABEL, 6)]  # 3 + 3
