"""Fixtures for participant, enrollment and roster tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from config.celery import app as celery_app
from core.models import Notification
from core.tenancy import organization_scope
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    ProgramFactory,
    TopicFactory,
)

#: An address with an account in another organization (Globex): the imports' privacy tests
#: compare what Acme sees of it with what it sees of a new address.
ELSEWHERE = "aa@globex.example"


@pytest.fixture
def eager_celery():
    """Run tasks in-process even when REDIS_URL is set, so emails land in ``mail.outbox``."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def program(scoped_organization):
    return ProgramFactory(organization=scoped_organization, name="Reverse Mentoring 2027",
                          purpose="Leaders learn digital habits from junior colleagues.",
                          guidelines="Meet **every two weeks**.")


@pytest.fixture
def cohort(program):
    return CohortFactory(program=program, organization=program.organization, name="Pilot",
                         status="enrolling", default_mentor_capacity=1,
                         start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))


@pytest.fixture
def outbox(eager_celery, django_capture_on_commit_callbacks):
    """Emails sent by the code run inside ``with outbox() as sent:`` (after commit)."""
    from contextlib import contextmanager

    @contextmanager
    def capture():
        sent: list = []
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            yield sent
        sent.extend(mail.outbox[before:])

    return capture


def notifications(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("pk"))


@pytest.fixture
def globex(other_organization):
    """The account elsewhere: a Globex member with a name, a profile and a place."""
    membership = MembershipFactory(
        organization=other_organization,
        user=UserFactory(email=ELSEWHERE, full_name="Aa Globexname"),
    )
    with organization_scope(other_organization):
        place = ParticipantFactory(
            cohort=CohortFactory(
                program=ProgramFactory(organization=other_organization),
                organization=other_organization,
                name="Globex Pilot",
            ),
            membership=membership,
            profile__job_title="Head of Globex Grid",
            profile__department="Globex Trading",
        )
        ParticipantTopicFactory(
            participant=place,
            topic=TopicFactory(organization=other_organization, name="globex-only topic"),
        )
    return membership.user


def account_rows(user) -> tuple:
    """Everything stored about ``user``'s account, memberships, profiles and places, to show
    that an import or an API call elsewhere changed none of it."""
    from accounts.models import Membership, User
    from core.tenancy import scopes_disabled
    from programs.models import Participant, Profile

    with scopes_disabled():
        return (list(User.objects.filter(pk=user.pk).values()),
                list(Membership.objects.filter(user=user).values()),
                list(Profile.objects.filter(membership__user=user).values()),
                list(Participant.objects.filter(membership__user=user).values()))
