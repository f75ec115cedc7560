"""A pair in an active cohort of organization A: Maya (the ``member_user`` fixture, mentor,
London) and Edward (mentee, New York), both free on weekday mornings of New York."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, Role
from config.celery import app as celery_app
from matching.models import Pair
from programs.models import CohortStatus, Participant
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ProgramFactory
from tests.factories.sessions import place_of

# 14:00-17:00 London is 09:00-12:00 New York (except in the weeks their clocks differ)
LONDON_AFTERNOONS = [{"weekday": d, "start": "14:00", "end": "17:00"} for d in range(5)]
NEW_YORK_MORNINGS = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)]


@dataclass
class PairWorld:
    pair: Pair
    mentor: Participant
    mentee: Participant

    @property
    def mentor_user(self):
        return self.mentor.membership.user

    @property
    def mentee_user(self):
        return self.mentee.membership.user


def _profile(participant, **fields) -> None:
    for name, value in fields.items():
        setattr(participant.profile, name, value)
    participant.profile.save()


def make_pair(organization, *, mentor_membership=None, mentee_membership=None,
              status=CohortStatus.ACTIVE, cohort=None) -> PairWorld:
    """A pair (in a new active cohort unless ``cohort`` is given) of a London mentor and a
    New York mentee. Call inside the organization's scope."""
    today = timezone.localdate()
    if cohort is None:
        program = ProgramFactory(organization=organization, name="Digital skills for leaders",
                                 objectives=["Leaders use AI tools weekly",
                                             "Juniors understand strategy"],
                                 guidelines="Meet **every two weeks**.")
        cohort = CohortFactory(program=program, status=status, session_minutes=45,
                               start_date=today - dt.timedelta(days=30),
                               end_date=today + dt.timedelta(days=150))
    mentor = place_of(mentor_membership or MembershipFactory(organization=organization),
                      cohort, "mentor", availability=LONDON_AFTERNOONS)
    _profile(mentor, time_zone="Europe/London", job_title="Graduate Analyst",
             department="Technology", bio="I build dashboards.")
    mentee = place_of(mentee_membership or MembershipFactory(
        organization=organization, user=UserFactory(full_name="Edward Vance")),
        cohort, "mentee", availability=NEW_YORK_MORNINGS)
    _profile(mentee, time_zone="America/New_York", job_title="CFO", department="Finance")
    pair = PairFactory(cohort=cohort, mentor=mentor, mentee=mentee)
    return PairWorld(pair=pair, mentor=mentor, mentee=mentee)


@pytest.fixture
def world(scoped_organization, member_user) -> PairWorld:
    return make_pair(scoped_organization,
                     mentor_membership=Membership.objects.get(user=member_user))


@pytest.fixture
def mentor_client(client, world):
    client.force_login(world.mentor_user)
    return client


@pytest.fixture
def mentee_client(client, world):
    client.force_login(world.mentee_user)
    return client


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def sent(eager_celery, django_capture_on_commit_callbacks):
    """``with sent() as emails:`` the emails sent by the code inside (after commit)."""
    from contextlib import contextmanager

    @contextmanager
    def capture():
        mail.outbox.clear()
        emails: list = []
        with django_capture_on_commit_callbacks(execute=True):
            yield emails
        emails.extend(mail.outbox)

    return capture


def other_member(organization, role=Role.MEMBER):
    return MembershipFactory(organization=organization, role=role).user
