"""Factories for matching runs, proposals, decisions and pairs.

Relations stay consistent: a proposal's mentor and mentee are participants of its run's
cohort, a decision's and a pair's people belong to its cohort, and every row carries the
organization of that cohort. :func:`matching_ready_cohort` builds a cohort in the matching
phase whose people can all be matched (levels, departments, languages, topics, availability).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import factory
from django.utils import timezone

from accounts.models import Organization
from matching.engine import Rules, Weights
from matching.models import (
    DecisionKind,
    MatchingRun,
    Pair,
    PairDecision,
    PairEvent,
    PairEventActor,
    PairEventKind,
    PairStatus,
    Proposal,
    RunStage,
    RunStatus,
)
from matching.scoring import SCALE
from programs.models import (
    Cohort,
    CohortStatus,
    Participant,
    ParticipantRole,
    ParticipantTopic,
    SeniorityLevel,
    Topic,
    TopicInterest,
)
from programs.services.participants import participant_refresh_completeness
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory


def _next_run_number(cohort) -> int:
    from django.db.models import Max
    from django_scopes import scopes_disabled

    if cohort.pk is None:
        return 1
    with scopes_disabled():
        latest = MatchingRun.objects.filter(cohort=cohort).aggregate(Max("number"))
    return (latest["number__max"] or 0) + 1


class MatchingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchingRun

    cohort = factory.SubFactory(CohortFactory, status=CohortStatus.MATCHING)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    # The cohort's next number: a sequence alone collided with a run the test had started
    # (number 1) when the test ran first.
    number = factory.LazyAttribute(lambda o: _next_run_number(o.cohort))

    class Params:
        succeeded = factory.Trait(
            status=RunStatus.SUCCEEDED, stage=RunStage.DONE, progress=100,
            started_at=factory.LazyFunction(timezone.now),
            finished_at=factory.LazyFunction(timezone.now),
        )


def _cohort_participant(role: str, path: str):
    """A participant of the cohort found at ``path`` (e.g. ``"..run.cohort"``)."""
    return factory.SubFactory(ParticipantFactory, cohort=factory.SelfAttribute(path), role=role)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    run = factory.SubFactory(MatchingRunFactory, succeeded=True)
    organization = factory.LazyAttribute(lambda o: o.run.organization)
    mentor = _cohort_participant(ParticipantRole.MENTOR, "..run.cohort")
    mentee = _cohort_participant(ParticipantRole.MENTEE, "..run.cohort")
    score = 0.72
    components = factory.LazyFunction(lambda: {"topics": 0.8, "availability": 0.6})
    explanation = factory.LazyFunction(lambda: ["Shares 1 wanted topic: AI tools"])


class PairDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PairDecision

    cohort = factory.SubFactory(CohortFactory, status=CohortStatus.MATCHING)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    mentor = _cohort_participant(ParticipantRole.MENTOR, "..cohort")
    mentee = _cohort_participant(ParticipantRole.MENTEE, "..cohort")
    kind = DecisionKind.LOCK


class PairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pair

    cohort = factory.SubFactory(CohortFactory, status=CohortStatus.ACTIVE)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    mentor = _cohort_participant(ParticipantRole.MENTOR, "..cohort")
    mentee = _cohort_participant(ParticipantRole.MENTEE, "..cohort")
    status = PairStatus.ACTIVE
    score = 0.8
    explanation = factory.LazyFunction(lambda: ["You both like Mondays"])


# --- a cohort that can be matched ----------------------------------------------------------

TOPICS = ["AI tools", "Social media", "Data literacy", "Gen Z values"]
MONDAY_MORNING = [{"weekday": 0, "start": "09:00", "end": "11:00"}]


@dataclass
class MatchingCohort:
    cohort: Cohort
    mentors: list[Participant] = field(default_factory=list)
    mentees: list[Participant] = field(default_factory=list)


def _level(organization: Organization, rank: int) -> SeniorityLevel:
    level, _ = SeniorityLevel.objects.get_or_create(
        organization=organization, rank=rank, defaults={"name": f"Level {rank}"})
    return level


def _topic(organization: Organization, name: str) -> Topic:
    topic, _ = Topic.objects.get_or_create(
        organization=organization, slug=name.lower().replace(" ", "-"), defaults={"name": name})
    return topic


def matching_participant(cohort: Cohort, *, role: str, name: str, email: str | None = None,
                         level: int, department: str, teaches=(), learns=(),
                         availability=None, learning_goals: str = "Learn from my partner.",
                         **profile) -> Participant:
    """One enrolled person with a matching profile (call inside the tenant scope); its
    completeness is computed as the app does (complete when it teaches and learns)."""
    organization = cohort.organization
    user = UserFactory(full_name=name, **({"email": email} if email else {}))
    membership = MembershipFactory(organization=organization, user=user)
    participant = ParticipantFactory(
        cohort=cohort, membership=membership, role=role, learning_goals=learning_goals,
        availability=MONDAY_MORNING if availability is None else availability,
        profile__job_title=profile.pop(
            "job_title", "Graduate Analyst" if role == ParticipantRole.MENTOR else "Director"),
        profile__department=department, profile__level=_level(organization, level), **{
            f"profile__{key}": value for key, value in profile.items()})
    ParticipantTopic.objects.bulk_create(
        [ParticipantTopic(organization=organization, participant=participant,
                          topic=_topic(organization, topic), interest=TopicInterest.TEACH,
                          strength=strength) for topic, strength in teaches]
        + [ParticipantTopic(organization=organization, participant=participant,
                            topic=_topic(organization, topic), interest=TopicInterest.LEARN,
                            strength=strength) for topic, strength in learns])
    participant_refresh_completeness(participant=participant)
    return participant


def matching_ready_cohort(organization: Organization, *, mentors: int = 6, mentees: int = 6,
                          name: str = "Spring pilot") -> MatchingCohort:
    """A cohort in the matching phase where every mentor may mentor every mentee (juniors in
    Technology at level 1, leaders in Finance at level 5, all speak English and are free on
    Monday morning), with topics that make some pairs clearly better than others.
    Call inside the organization's tenant scope."""
    program = ProgramFactory(organization=organization, name="Digital skills for leaders")
    cohort = CohortFactory(program=program, name=name, status=CohortStatus.MATCHING,
                           start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))
    built = MatchingCohort(cohort=cohort)
    for index in range(mentors):
        built.mentors.append(matching_participant(
            cohort, role=ParticipantRole.MENTOR, name=f"Mentor {index + 1}",
            email=f"mentor{index + 1}@{organization.slug}.example", level=1,
            department="Technology",
            teaches=[(TOPICS[index % len(TOPICS)], 3), (TOPICS[(index + 1) % len(TOPICS)], 1)],
            learns=[("Strategy", 2)]))
    for index in range(mentees):
        built.mentees.append(matching_participant(
            cohort, role=ParticipantRole.MENTEE, name=f"Leader {index + 1}",
            email=f"leader{index + 1}@{organization.slug}.example", level=5,
            department="Finance", teaches=[("Strategy", 3)],
            learns=[(TOPICS[index % len(TOPICS)], 3)]))
    return built


# What every pair of matching_ready_cohort() scores: each teaches the topic the other wants
# at full strength, they work in different departments, and they share two hours (Monday
# 09:00–11:00) of the rules' default weekly overlap target; nobody asked for anyone.
READY_COHORT_PAIR_COMPONENTS = {
    "topic_coverage": 1.0,
    "reverse_coverage": 1.0,
    "availability": 120 / Rules().overlap_target_minutes,
    "department_diversity": 1.0,
    "pairing_request": 0.0,
}


def ready_cohort_pair_score(weights: Weights | None = None) -> float:
    """The score of any pair of :func:`matching_ready_cohort`, derived from ``weights``
    (default ``Weights()``) the way the engine scores: the weighted mean of the components,
    in whole thousandths."""
    values = (weights or Weights()).as_dict()
    mean = sum(values[name] * part for name, part in READY_COHORT_PAIR_COMPONENTS.items()) \
        / sum(values.values())
    return math.floor(mean * SCALE + 0.5) / SCALE


# --- the pair's lifecycle -------------------------------------------------------------------

class PairEventFactory(factory.django.DjangoModelFactory):
    """One entry of a pair's history (by default HR's nudge)."""

    class Meta:
        model = PairEvent

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    kind = PairEventKind.NUDGED
    actor_role = PairEventActor.ADMIN


def live_cohort(organization: Organization, *, mentors: int = 6, mentees: int = 6,
                name: str = "Spring pilot", started_days_ago: int = 70,
                lasts_days: int = 180) -> MatchingCohort:
    """:func:`matching_ready_cohort`, but active and running today: it started
    ``started_days_ago`` days ago and lasts ``lasts_days`` days (call inside the scope)."""
    built = matching_ready_cohort(organization, mentors=mentors, mentees=mentees, name=name)
    start = timezone.localdate() - dt.timedelta(days=started_days_ago)
    Cohort.objects.filter(pk=built.cohort.pk).update(
        status=CohortStatus.ACTIVE, start_date=start,
        end_date=start + dt.timedelta(days=lasts_days))
    built.cohort.refresh_from_db()
    return built
