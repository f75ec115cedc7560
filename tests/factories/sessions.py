"""Factories for the pair's workspace. Every row takes its organization (and its pair) from
one parent, so a session's pair, cohort and organization always agree, an action item's
owner is one of its pair, a goal's owner one of its two people."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from programs.models import Profile
from sessions.models import (
    ActionItem,
    CalendarInvite,
    Commitment,
    Goal,
    GoalUpdate,
    MentoringSession,
    PrivateNote,
    SessionChange,
    SessionRating,
    SessionStatus,
    SessionTopic,
)
from tests.factories.matching import PairFactory
from tests.factories.programs import ParticipantFactory, TopicFactory


def place_of(membership, cohort, role: str, **kwargs):
    """A participant for ``membership`` in ``cohort``, reusing the member's profile (one per
    membership) when they already have one."""
    profile = Profile.objects.filter(membership=membership).first()
    if profile is not None:
        kwargs["profile"] = profile
    return ParticipantFactory(cohort=cohort, role=role, membership=membership, **kwargs)


def _in_days(days: int, hour: int = 10):
    now = timezone.now()
    return (now + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0,
                                                   microsecond=0)


class MentoringSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentoringSession

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    starts_at = factory.LazyFunction(lambda: _in_days(7))
    duration_minutes = 45
    created_by = factory.LazyAttribute(lambda o: o.pair.mentee)

    class Params:
        held = factory.Trait(
            starts_at=factory.LazyFunction(lambda: _in_days(-7)),
            status=SessionStatus.HAPPENED, actual_minutes=50,
            summary="We tried three AI assistants on a real board paper.",
            logged_by=factory.LazyAttribute(lambda o: o.pair.mentor),
            logged_at=factory.LazyFunction(timezone.now))


class SessionTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionTopic

    session = factory.SubFactory(MentoringSessionFactory, held=True)
    organization = factory.LazyAttribute(lambda o: o.session.organization)
    topic = factory.SubFactory(TopicFactory,
                               organization=factory.SelfAttribute("..session.organization"))


class SessionRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionRating

    session = factory.SubFactory(MentoringSessionFactory, held=True)
    organization = factory.LazyAttribute(lambda o: o.session.organization)
    participant = factory.LazyAttribute(lambda o: o.session.pair.mentee)
    value = 4


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    session = factory.SubFactory(MentoringSessionFactory, held=True)
    pair = factory.LazyAttribute(lambda o: o.session.pair)
    organization = factory.LazyAttribute(lambda o: o.session.organization)
    text = "Share the prompt library"
    owner = factory.LazyAttribute(lambda o: o.session.pair.mentor)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=5))
    created_by = factory.LazyAttribute(lambda o: o.session.pair.mentor)


class SessionChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionChange

    session = factory.SubFactory(MentoringSessionFactory)
    organization = factory.LazyAttribute(lambda o: o.session.organization)
    actor = factory.LazyAttribute(lambda o: o.session.pair.mentee)
    kind = "scheduled"


class PrivateNoteFactory(factory.django.DjangoModelFactory):
    """A note on the pair; pass ``session=`` for a note on a session (its pair is taken)."""

    class Meta:
        model = PrivateNote

    pair = factory.LazyAttribute(lambda o: o.session.pair if o.session else PairFactory())
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    author = factory.LazyAttribute(lambda o: o.pair.mentee)
    session = None
    text = "I felt out of my depth with the data part."


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    owner = factory.LazyAttribute(lambda o: o.pair.mentee)
    title = "Use an AI assistant for board preparation"
    why = "Board papers take me a day each month."
    success_measure = "Two board papers prepared with an assistant."
    target_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))


class GoalUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalUpdate

    goal = factory.SubFactory(GoalFactory)
    organization = factory.LazyAttribute(lambda o: o.goal.organization)
    author = factory.LazyAttribute(lambda o: o.goal.owner)
    percent = 30
    comment = "First paper drafted with help."


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    owner = factory.LazyAttribute(lambda o: o.pair.mentee)
    text = "Try an AI assistant for my weekly report"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    shared_with_partner = True


class CalendarInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarInvite

    session = factory.SubFactory(MentoringSessionFactory)
    organization = factory.LazyAttribute(lambda o: o.session.organization)
    sequence = factory.LazyAttribute(lambda o: o.session.sequence)
    method = "REQUEST"
    ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
