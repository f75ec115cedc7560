"""Role permissions on every org route (from the views' ``allowed_roles`` /
``allowed_write_roles``), plus the pages whose roles matter most, spelled out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organization, Role
from accounts.tenancy import organization_scope
from tests.org_routes import ORG_ROUTES

pytestmark = pytest.mark.django_db

ROLES = [Role.ADMIN, Role.EXECUTIVE, Role.MEMBER]
ROUTE_ROLE = pytest.mark.parametrize(
    ("route", "role"),
    [pytest.param(route, role, id=f"{route}-{role}") for route in ORG_ROUTES for role in ROLES],
)


# The people and organizations of the shared world (tests/isolation_fixtures.py): built once
# for the module instead of once per test.

@pytest.fixture
def organization(shared_world):
    return shared_world.organization


@pytest.fixture
def admin_user(shared_world):
    return shared_world.admin_user


@pytest.fixture
def executive_user(shared_world):
    return shared_world.executive_user


@pytest.fixture
def member_user(shared_world):
    return shared_world.member_user


@pytest.fixture
def org_url(organization, org_url_kwargs):
    def build(route) -> str:
        with organization_scope(organization):
            return route.url(organization.slug, org_url_kwargs)

    return build


@ROUTE_ROLE
def test_get_head_and_options_follow_allowed_roles(route, role, client, org_url, users_by_role,
                                                   db_snapshot):
    """HEAD and OPTIONS answer like GET: allowed where GET is, 403 where GET is; never a
    server error."""
    route.assert_guarded()
    url = org_url(route)
    client.force_login(users_by_role[role])
    before = db_snapshot()

    statuses = {method: getattr(client, method)(url).status_code
                for method in ("get", "head", "options")}

    if role in route.allowed_roles("GET"):
        assert all(s not in (403, 404) and s < 500 for s in statuses.values()), (
            f"{role} may open {route} but got {statuses}")
        assert statuses["head"] == statuses["get"]
    else:
        assert statuses == {"get": 403, "head": 403, "options": 403}
        assert db_snapshot() == before


def _write_denied():
    """(route, role) pairs where the role may not write; unguarded routes get every role, so
    that ``assert_guarded`` reports them."""
    for route in ORG_ROUTES:
        view = route.view_class
        guarded = view is not None and hasattr(view, "allowed_roles")
        for role in ROLES:
            if not guarded or role not in route.allowed_roles("POST"):
                yield pytest.param(route, role, id=f"{route}-{role}")


@pytest.mark.parametrize(("route", "role"), list(_write_denied()))
def test_post_refused_to_roles_that_may_not_write(route, role, client, org_url, users_by_role,
                                                 db_snapshot):
    route.assert_guarded()
    url = org_url(route)
    client.force_login(users_by_role[role])
    before = db_snapshot()

    response = client.post(url, {"name": "Renamed", "anonymity_threshold": 9, "role": "admin",
                                 "email": "new@acme.example"})

    assert response.status_code == 403
    assert db_snapshot() == before


def test_member_cannot_open_admin_pages(member_client, org_url):
    admin_pages = [r for r in ORG_ROUTES
                   if not r.is_api and r.allowed_roles("GET") == {Role.ADMIN}]
    assert "org_settings" in {r.name for r in admin_pages}

    for route in admin_pages:
        response = member_client.get(org_url(route))

        assert response.status_code == 403, route


def test_member_cannot_invite(member_client, organization, db_snapshot):
    before = db_snapshot()

    response = member_client.post(
        reverse("member_invite", kwargs={"org_slug": organization.slug}),
        {"email": "friend@acme.example", "role": Role.ADMIN},
    )

    assert response.status_code == 403
    assert db_snapshot() == before


def test_executive_cannot_change_settings(client, executive_user, organization):
    client.force_login(executive_user)
    url = reverse("org_settings", kwargs={"org_slug": organization.slug})

    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "Exec Corp", "time_zone": "UTC",
                                 "anonymity_threshold": 3})

    assert response.status_code == 403
    unchanged = Organization.objects.get(pk=organization.pk)
    assert (unchanged.name, unchanged.time_zone, unchanged.anonymity_threshold) == (
        "Acme Retail", "Europe/London", 5)


def test_executive_and_member_see_the_org_home(client, executive_user, member_user,
                                               organization):
    url = reverse("org_home", kwargs={"org_slug": organization.slug})
    for user in (executive_user, member_user):
        client.force_login(user)

        response = client.get(url)

        assert response.status_code == 200
        assert response.context["membership"].user == user
