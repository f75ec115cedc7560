"""REST API: who am I, personal tokens, organization and memberships, schema and docs."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken, Organization, Role
from core.tenancy import organization_scope
from tests.factories.accounts import ApiTokenFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def _bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def org_api(organization):
    return f"/api/v1/o/{organization.slug}/"


@pytest.fixture
def memberships_api(org_api):
    return f"{org_api}memberships/"


def _org_values(organization):
    fresh = Organization.objects.get(pk=organization.pk)
    return fresh.name, fresh.time_zone, fresh.anonymity_threshold


# --- /me and authentication ------------------------------------------------------------------

def _expected_me(user, organization, role):
    return {
        "id": user.pk, "email": user.email, "full_name": user.display_name,
        "memberships": [{
            "id": user.memberships.model.objects.with_scopes_disabled().get(user=user).pk,
            "role": role,
            "organization": {"id": organization.pk, "name": "Acme Retail", "slug": "acme",
                             "time_zone": "Europe/London", "anonymity_threshold": 5},
        }],
    }


def test_me_with_a_session(client, admin_user, organization):
    client.force_login(admin_user)

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json() == _expected_me(admin_user, organization, "admin")


def test_me_with_a_bearer_token(client, member_user, organization):
    issued = services.api_token_create(user=member_user, name="script")

    response = client.get(ME, **_bearer(issued.key))
    token_keyword = client.get(ME, HTTP_AUTHORIZATION=f"Token {issued.key}")

    assert response.status_code == 200
    assert response.json() == _expected_me(member_user, organization, "member")
    assert token_keyword.status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_me_without_credentials_is_401(client, db):
    response = client.get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("header", "detail"), [
    ("Bearer fs_not-a-real-key", "Invalid or revoked API token."),
    ("Bearer two words", "Send the header as: Authorization: Bearer <key>."),
    ("Bearer", "Send the header as: Authorization: Bearer <key>."),
])
def test_bad_tokens_are_401(client, db, header, detail):
    response = client.get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == {"detail": detail}


def test_token_of_an_inactive_user_is_401(client, member_user):
    issued = services.api_token_create(user=member_user, name="script")
    member_user.is_active = False
    member_user.save()

    assert client.get(ME, **_bearer(issued.key)).status_code == 401


# --- the API tokens page ---------------------------------------------------------------------

def test_token_created_on_the_page_is_shown_once_and_only_its_hash_is_stored(client,
                                                                             member_user):
    client.force_login(member_user)

    response = client.post(reverse("api_tokens"), {"name": "HRIS sync"})

    assert response.status_code == 200
    keys = re.findall(r'value="(fs_[\w-]+)"', response.content.decode())
    assert len(keys) == 1
    key = keys[0]
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (member_user, "HRIS sync", key[3:9])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert not any(key in value or key[3:] in value for value in stored)
    # shown once: the list shows only the prefix afterwards
    again = client.get(reverse("api_tokens")).content.decode()
    assert key not in again
    assert f"fs_{token.prefix}…" in again
    # and the key works
    client.logout()
    assert client.get(ME, **_bearer(key)).json()["email"] == member_user.email


def test_token_needs_a_name(client, member_user):
    client.force_login(member_user)

    response = client.post(reverse("api_tokens"), {"name": ""})

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0


def test_revoked_token_is_401(client, member_user):
    issued = services.api_token_create(user=member_user, name="script")
    assert client.get(ME, **_bearer(issued.key)).status_code == 200
    client.force_login(member_user)

    revoke = client.post(reverse("api_token_revoke", kwargs={"token_pk": issued.token.pk}))
    client.logout()

    assert revoke.status_code == 302
    assert ApiToken.objects.count() == 0
    response = client.get(ME, **_bearer(issued.key))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API token."}


def test_cannot_revoke_someone_elses_token(client, member_user):
    theirs = ApiTokenFactory(user=UserFactory())
    client.force_login(member_user)

    client.post(reverse("api_token_revoke", kwargs={"token_pk": theirs.pk}))

    assert ApiToken.objects.filter(pk=theirs.pk).exists()


# --- organization ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ADMIN, Role.EXECUTIVE, Role.MEMBER])
def test_every_role_reads_the_organization(client, users_by_role, organization, org_api, role):
    client.force_login(users_by_role[role])

    response = client.get(org_api)

    assert response.status_code == 200
    assert response.json() == {"id": organization.pk, "name": "Acme Retail", "slug": "acme",
                               "time_zone": "Europe/London", "anonymity_threshold": 5}


def test_admin_patches_the_organization(client, admin_user, organization, org_api):
    client.force_login(admin_user)

    response = client.patch(org_api, {"name": "Acme Group", "anonymity_threshold": 6},
                            content_type="application/json")

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Group"
    assert _org_values(organization) == ("Acme Group", "Europe/London", 6)


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.MEMBER])
def test_only_admins_patch_the_organization(client, users_by_role, organization, org_api,
                                            role):
    client.force_login(users_by_role[role])

    response = client.patch(org_api, {"name": "Taken over"}, content_type="application/json")

    assert response.status_code == 403
    assert _org_values(organization) == ("Acme Retail", "Europe/London", 5)


@pytest.mark.parametrize(("data", "errors"), [
    ({"anonymity_threshold": 2},
     {"anonymity_threshold": ["Ensure this value is greater than or equal to 3."]}),
    ({"time_zone": "Mars/Olympus"},
     {"time_zone": ["“Mars/Olympus” is not a known time zone (try e.g. Europe/Berlin)."]}),
    ({"name": ""}, {"name": ["This field may not be blank."]}),
])
def test_invalid_patch_is_400_and_changes_nothing(client, admin_user, organization, org_api,
                                                  data, errors):
    client.force_login(admin_user)

    response = client.patch(org_api, data, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == errors
    assert _org_values(organization) == ("Acme Retail", "Europe/London", 5)


def test_slug_is_read_only(client, admin_user, organization, org_api):
    client.force_login(admin_user)

    response = client.patch(org_api, {"slug": "stolen"}, content_type="application/json")

    assert response.status_code == 200
    assert Organization.objects.get(pk=organization.pk).slug == "acme"


# --- memberships -----------------------------------------------------------------------------

def test_admin_lists_memberships(client, admin_user, member_user, memberships_api):
    client.force_login(admin_user)

    response = client.get(memberships_api)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [(m["email"], m["role"]) for m in body["results"]] == [
        ("hr@acme.example", "admin"), ("maya@acme.example", "member")]
    assert set(body["results"][0]) == {"id", "email", "name", "role", "created_at"}


def test_memberships_filter_by_role(client, admin_user, member_user, executive_user,
                                    memberships_api):
    client.force_login(admin_user)

    response = client.get(memberships_api, {"role": "executive"})

    assert [m["email"] for m in response.json()["results"]] == ["exec@acme.example"]


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.MEMBER])
def test_only_admins_list_memberships(client, users_by_role, memberships_api, role):
    client.force_login(users_by_role[role])

    response = client.get(memberships_api)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role in this organization cannot use this endpoint."}


def test_memberships_are_paginated(client, admin_user, organization, memberships_api):
    for _ in range(50):
        MembershipFactory(organization=organization)
    client.force_login(admin_user)

    first = client.get(memberships_api).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["next"] == f"http://testserver{memberships_api}?page=2"
    assert len(second["results"]) == 1
    assert second["next"] is None
    all_ids = {m["id"] for m in first["results"]} | {m["id"] for m in second["results"]}
    assert len(all_ids) == 51


@pytest.mark.parametrize("members", [1, 20])
def test_memberships_list_query_count_is_constant(client, admin_user, organization,
                                                  memberships_api, members,
                                                  django_assert_num_queries):
    for _ in range(members - 1):
        MembershipFactory(organization=organization)
    client.force_login(admin_user)

    # session, user, own memberships with their organizations, count, page of memberships
    # with users
    with django_assert_num_queries(5):
        response = client.get(memberships_api)

    assert response.json()["count"] == members


def test_admin_changes_a_role_through_the_api(client, admin_user, member_user, organization,
                                              memberships_api):
    with organization_scope(organization):
        membership = member_user.memberships.get()
    client.force_login(admin_user)

    response = client.patch(f"{memberships_api}{membership.pk}/", {"role": "executive"},
                            content_type="application/json")
    without_role = client.patch(f"{memberships_api}{membership.pk}/", {},
                                content_type="application/json")

    assert response.status_code == 200
    assert response.json()["role"] == "executive"
    assert without_role.status_code == 200
    assert without_role.json()["role"] == "executive"


def test_api_refuses_to_demote_the_last_admin(client, admin_user, organization,
                                              memberships_api):
    with organization_scope(organization):
        membership = admin_user.memberships.get()
    client.force_login(admin_user)

    response = client.patch(f"{memberships_api}{membership.pk}/", {"role": "member"},
                            content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "role": ["This is the last HR admin: make someone else an admin first."]}
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_unknown_role_through_the_api(client, admin_user, member_user, organization,
                                      memberships_api):
    with organization_scope(organization):
        membership = member_user.memberships.get()
    client.force_login(admin_user)

    response = client.patch(f"{memberships_api}{membership.pk}/", {"role": "owner"},
                            content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"role": ['"owner" is not a valid choice.']}


# --- schema and docs -------------------------------------------------------------------------

def test_openapi_schema_is_served(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"openapi: 3" in response.content
    assert b"/api/v1/o/{org_slug}/memberships/" in response.content


def test_openapi_schema_validates_without_warnings(tmp_path, db):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert target.read_text().startswith("openapi: 3")


def test_api_docs_render_offline(client, db):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert not any(cdn in html for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"))
