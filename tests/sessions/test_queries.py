"""The workspace, the session list, the session API list and the start page use the same
number of queries for 1 session (goal, commitment, action item) as for 20."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories.programs import TopicFactory
from tests.factories.sessions import (
    ActionItemFactory,
    CommitmentFactory,
    GoalFactory,
    GoalUpdateFactory,
    MentoringSessionFactory,
    SessionRatingFactory,
    SessionTopicFactory,
)

pytestmark = pytest.mark.django_db


def _fill(world, organization, count: int) -> None:
    now = timezone.now()
    for index in range(count):
        held = MentoringSessionFactory(pair=world.pair, held=True,
                                       starts_at=now - dt.timedelta(days=14 * (index + 1)))
        MentoringSessionFactory(pair=world.pair,
                                starts_at=now + dt.timedelta(days=3 + 7 * index))
        SessionTopicFactory(session=held, topic=TopicFactory(organization=organization))
        SessionRatingFactory(session=held, participant=world.mentor, value=4)
        ActionItemFactory(session=held)
        goal = GoalFactory(pair=world.pair, owner=world.mentor if index % 2 else world.mentee)
        GoalUpdateFactory(goal=goal)
        CommitmentFactory(pair=world.pair, due_date=timezone.localdate())


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["sessions:workspace", "sessions:session_list", "api_sessions",
                                  "api_goals", "api_action_items", "api_commitments",
                                  "api_past_sessions"])
def test_same_queries_for_1_and_20_sessions(name, world, mentor_client, organization):
    url = reverse(name, kwargs={"org_slug": organization.slug, "pair_pk": world.pair.pk})
    _fill(world, organization, 1)
    one = _queries(mentor_client, url)

    _fill(world, organization, 19)
    twenty = _queries(mentor_client, url)

    assert one == twenty, f"{name}: {one} queries for 1, {twenty} for 20"


def test_start_page_and_my_pairs_api_same_queries_for_1_and_3_pairs(world, mentor_client,
                                                                     organization,
                                                                     scoped_organization):
    from tests.sessions.conftest import make_pair

    home = reverse("org_home", kwargs={"org_slug": organization.slug})
    api = reverse("api_pairs", kwargs={"org_slug": organization.slug})
    _fill(world, organization, 2)
    one = (_queries(mentor_client, home), _queries(mentor_client, api))

    for _ in range(2):
        extra = make_pair(scoped_organization, mentor_membership=world.mentor.membership)
        MentoringSessionFactory(pair=extra.pair)
        ActionItemFactory(session=MentoringSessionFactory(pair=extra.pair, held=True),
                          owner=extra.mentor)
    three = (_queries(mentor_client, home), _queries(mentor_client, api))

    assert one == three
