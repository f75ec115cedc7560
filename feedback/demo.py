"""Demo surveys for each demo organization's pilot cohort: a closed baseline and an open
midpoint, answered through the real services (so answers are released in blocks of k exactly
as in use), with enough answers to show results and a department breakdown that stays
suppressed. The demo member (maya@acme.example, ana@globex.example) has not answered the
midpoint: signing in as them, a newcomer can answer it.

Idempotent: a cohort that already has its demo surveys is left as it is. Surveys are marked
published directly (demo data: nobody is emailed while seeding).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accounts.demo import DEMO_ORGS
from accounts.models import Membership, Organization
from core.tenancy import organization_scope
from feedback import selectors, services
from feedback.models import QuestionKind, Survey, SurveyKind, organization_today
from programs.models import Cohort, Participant, ParticipantStatus

PILOT_COHORT = "Spring pilot"  # programs/demo.py: the large cohort, 48 people and the member
HOPES = ["Understand how decisions are made at the top.", "Get comfortable with AI tools.",
         "Learn how younger customers think.", "A wider network across the company.",
         "Practise explaining technology simply.", "See strategy from the inside."]
LEARNED = ["How a board paper is put together.", "Three AI tools I now use every week.",
           "Why short video matters to our customers.", "How to push back on a senior leader.",
           "That my questions are welcome.", "How budgets are really decided."]


def _value(question, rng: random.Random, *, stage: str):
    if question.kind == QuestionKind.TOPIC_SCALE:
        return None  # answered per topic, below
    if question.kind == QuestionKind.SCALE:
        low = 1 if question.builtin_key == "visibility_and_access" and stage == "baseline" \
            else 3
        return rng.randint(low, 5)
    if question.kind == QuestionKind.NPS:
        return rng.choice([6, 7, 8, 9, 9, 10, 10, 8, 5])
    if question.kind == QuestionKind.MULTIPLE:
        return rng.sample(question.choices, rng.randint(1, 2))
    if question.kind == QuestionKind.SINGLE:
        return rng.choice(question.choices)
    if rng.random() < 0.75:
        return rng.choice(HOPES if stage == "baseline" else LEARNED)
    return None


def _answer_all(survey: Survey, places: list[Participant], rng: random.Random,
                stage: str) -> None:
    for place in places:
        answers = []
        for question in selectors.questions_for_respondent(survey=survey, participant=place):
            if question.kind == QuestionKind.TOPIC_SCALE:
                for topic in selectors.respondent_topics(participant=place):
                    low, high = (1, 3) if stage == "baseline" else (3, 5)
                    answers.append(services.AnswerInput(
                        question_id=question.pk, topic_id=topic.pk,
                        value=rng.randint(low, high)))
                continue
            value = _value(question, rng, stage=stage)
            if value is not None:
                answers.append(services.AnswerInput(question_id=question.pk, value=value))
        services.response_submit(survey=survey, participant=place, answers=answers)


def _survey(cohort: Cohort, template: str, opens_on: dt.date, closes_on: dt.date) -> Survey:
    survey = services.survey_create(cohort=cohort, actor=None, template=template,
                                    opens_on=opens_on, closes_on=closes_on)
    Survey.objects.filter(pk=survey.pk).update(published_at=timezone.now())
    survey.refresh_from_db()
    return survey


def _seed_organization(organization: Organization, member_email: str) -> None:
    cohort = Cohort.objects.filter(program__slug="digital-ai-skills-for-leaders",
                                   name=PILOT_COHORT).first()
    if cohort is None or Survey.objects.filter(
            cohort=cohort, kind__in=(SurveyKind.BASELINE, SurveyKind.MIDPOINT)).exists():
        return
    rng = random.Random(f"flipside-demo-surveys-{organization.slug}")  # noqa: S311  demo data
    today = organization_today(organization)
    places = list(Participant.objects.filter(cohort=cohort, status=ParticipantStatus.ACTIVE)
                  .select_related("profile", "cohort__program").order_by("pk"))
    demo_member = Membership.objects.filter(user__email=member_email).first()

    baseline = _survey(cohort, "baseline", today - dt.timedelta(days=21), today)
    _answer_all(baseline, [p for p in places if rng.random() < 0.9], rng, "baseline")
    services.survey_close(survey=baseline)
    Survey.objects.filter(pk=baseline.pk).update(opens_on=today - dt.timedelta(days=21),
                                                 closes_on=today - dt.timedelta(days=7))

    midpoint = _survey(cohort, "midpoint", today - dt.timedelta(days=3),
                       today + dt.timedelta(days=10))
    others = [p for p in places if demo_member is None or p.membership_id != demo_member.pk]
    _answer_all(midpoint, [p for p in others if rng.random() < 0.8], rng, "midpoint")


def seed(stdout) -> list[tuple[str, str]]:
    for spec in DEMO_ORGS:
        organization = Organization.objects.get(slug=spec.slug)
        with organization_scope(organization):
            _seed_organization(organization, f"{spec.members[0][1]}@{spec.domain}")
    return []
