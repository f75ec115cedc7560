"""Malformed input gets a 400 that says what is wrong, never a server error, and changes
nothing: JSON nested deeper than the parser can follow, and NUL characters (which PostgreSQL
cannot store) in JSON bodies and in web forms."""

from __future__ import annotations

import json

import pytest

from accounts.models import Membership
from core.api_parsers import first_nul_path
from core.tenancy import organization_scope
from programs.models import Program
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def api(api_client):
    def signed_in(user):
        api_client.force_authenticate(user)
        return api_client

    return signed_in


def test_deeply_nested_json_is_a_400_for_an_admin(api, admin_user, organization, db_snapshot):
    before = db_snapshot()

    response = api(admin_user).generic("POST", f"/api/v1/o/{organization.slug}/programs/",
                                       DEEP, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert db_snapshot() == before


def test_deeply_nested_json_is_a_400_for_a_member_on_their_own_place(api, member_user,
                                                                   organization, db_snapshot):
    with organization_scope(organization):
        cohort = CohortFactory(program=ProgramFactory(organization=organization),
                               organization=organization)
        own = ParticipantFactory(cohort=cohort,
                                 membership=Membership.objects.get(user=member_user))
    before = db_snapshot()

    response = api(member_user).generic(
        "PATCH", f"/api/v1/o/{organization.slug}/participants/{own.pk}/", DEEP,
        content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert db_snapshot() == before


def test_nul_in_program_objectives_over_the_api_is_a_400(api, admin_user, organization):
    body = json.dumps({"name": "Pilot", "objectives": ["Fine", "Bad\u0000one"]})

    response = api(admin_user).generic("POST", f"/api/v1/o/{organization.slug}/programs/",
                                       body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Text may not contain NUL characters (found in objectives[1]).")
    with organization_scope(organization):
        assert not Program.objects.exists()


def test_nul_in_program_objectives_in_the_web_form_is_a_form_error(admin_client, organization):
    with organization_scope(organization):
        program = ProgramFactory(organization=organization, name="Pilot", objectives=["Keep"])

    response = admin_client.post(
        f"/o/{organization.slug}/programs/{program.pk}/edit/",
        {"name": "Pilot", "purpose": "", "objectives": "Bad\x00line", "guidelines": "",
         "confidentiality_statement": ""})

    assert response.status_code == 400
    assert "Remove the NUL character" in response.content.decode()
    program.refresh_from_db()
    assert program.objectives == ["Keep"]


@pytest.mark.parametrize(("data", "expected"), [
    ({"a": ["ok", {"b": "x\x00"}]}, "a[1].b"),
    ({"k\x00": 1}, "a key of the body"),
    ("\x00", "the body"),
    ({"a": [1, 2.5, None, True]}, None),
])
def test_first_nul_path_names_where_the_nul_is(data, expected):
    assert first_nul_path(data) == expected
