"""The participants API list writes its rows from plain values (programs.api
participant_list_data) instead of ParticipantSerializer over model instances: the JSON must
be the serializer's, value for value and key for key, for every kind of participant."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from core.tenancy import organization_scope
from programs import selectors
from programs.api import ParticipantSerializer
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    ProfileFactory,
    ProgramFactory,
    SeniorityLevelFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _people(organization) -> list[int]:
    """Participants that differ in every way the list shows: names from the full name, the
    first and last names or only the email, with and without a level, capacity, languages
    and topics (several, in both directions and strengths), two cohorts, several statuses."""
    cohorts = [CohortFactory(program=ProgramFactory(organization=organization),
                             organization=organization) for _ in range(2)]
    level = SeniorityLevelFactory(organization=organization, name="L<7> & up")
    topics = [TopicFactory(organization=organization, name=name)
              for name in ("AI tools", "Zoë's topic", "Budgeting")]
    users = [UserFactory(email="full@acme.example", full_name="Ada Łovelace"),
             UserFactory(email="parts@acme.example", full_name="", first_name="Grace",
                         last_name="Hopper"),
             UserFactory(email="only.email@acme.example", full_name=""),
             UserFactory(email="Mixed.Case@acme.example", full_name="  spaced  ")]
    made = []
    for index, user in enumerate(users):
        membership = MembershipFactory(organization=organization, user=user, role=Role.MEMBER)
        profile = ProfileFactory(membership=membership,
                                 job_title=["CFO", "", "Analyst", "x"][index],
                                 department=["Finance", "", "Data", "HR"][index],
                                 level=level if index % 2 == 0 else None,
                                 time_zone=["Europe/Berlin", "", "Asia/Tokyo", "UTC"][index],
                                 languages=[["en", "de"], [], ["pt-br"], ["zh-hans", "en"]][index])
        participant = ParticipantFactory(
            cohort=cohorts[index % 2], membership=membership, profile=profile,
            role="mentor" if index % 2 == 0 else "mentee",
            status=["active", "applied", "withdrawn", "active"][index],
            capacity=[2, None, 0, None][index],
            learning_goals=["", "Learn <b>AI</b>", "", "ü"][index],
            completeness=[100, 40, 0, 77][index])
        for position, topic in enumerate(topics[: index + 1]):
            ParticipantTopicFactory(participant=participant, topic=topic,
                                    interest="teach" if position % 2 == 0 else "learn",
                                    strength=3 - position % 3)
        made.append(participant.pk)
    return made


def _serialized(keys: list[int]) -> list[dict]:
    found = {p.pk: p for p in selectors.participants_for_api().filter(pk__in=keys)}
    return ParticipantSerializer([found[key] for key in keys], many=True).data


def test_the_list_rows_are_the_serializers_rows(organization):
    from programs.api import participant_list_data

    with organization_scope(organization):
        keys = _people(organization)
        keys = [keys[2], keys[0], keys[3], keys[1]]  # the page's order, whatever it is
        expected = _serialized(keys)
        found = participant_list_data(ParticipantSerializer(), keys)

    assert found == expected
    assert [list(row) for row in found] == [list(row) for row in expected]  # key order
    assert JSONRenderer().render(found) == JSONRenderer().render(expected)
    assert {row["name"] for row in found} == {"Ada Łovelace", "Grace Hopper",
                                              "only.email@acme.example", "  spaced  "}


@override_settings(TIME_ZONE="America/New_York")
def test_dates_are_written_as_the_serializer_writes_them_in_another_zone(organization):
    from programs.api import participant_list_data

    with organization_scope(organization), timezone.override("Asia/Kolkata"):
        keys = _people(organization)[:1]
        expected = _serialized(keys)
        found = participant_list_data(ParticipantSerializer(), keys)

    assert found == expected
    assert found[0]["created_at"] == expected[0]["created_at"]


def test_the_api_answers_the_serializers_json_for_admins_and_members(
        organization, api_client, admin_user):
    with organization_scope(organization):
        keys = _people(organization)
        member = ParticipantFactory._meta.model.objects.get(pk=keys[1]).membership.user
        expected = sorted(_serialized(keys), key=lambda row: (row["cohort"], row["role"],
                                                               row["email"], row["id"]))
        own = _serialized([keys[1]])
    api_client.force_authenticate(admin_user)
    listed = api_client.get(f"/api/v1/o/{organization.slug}/participants/")
    api_client.force_authenticate(member)
    mine = api_client.get(f"/api/v1/o/{organization.slug}/participants/")

    assert listed.status_code == 200
    assert json.loads(listed.content)["results"] == json.loads(
        JSONRenderer().render(expected))
    assert json.loads(listed.content)["count"] == 4
    assert json.loads(mine.content)["results"] == json.loads(JSONRenderer().render(own))


def test_an_empty_page_and_a_page_past_the_end(organization, api_client, admin_user):
    api_client.force_authenticate(admin_user)
    base = f"/api/v1/o/{organization.slug}/participants/"

    empty = api_client.get(base)
    past = api_client.get(base + "?page=3")

    assert empty.status_code == 200
    assert json.loads(empty.content)["results"] == []
    assert past.status_code == 404


def test_created_at_is_an_aware_iso_date(organization):
    from programs.api import participant_list_data

    with organization_scope(organization):
        keys = _people(organization)[:1]
        row = participant_list_data(ParticipantSerializer(), keys)[0]
    moment = dt.datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    assert moment.tzinfo is not None
