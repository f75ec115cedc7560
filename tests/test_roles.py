"""Role permissions on every org route (from the views' ``allowed_roles`` /
``allowed_write_roles``), plus the pages whose roles matter most, spelled out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from core.tenancy import organization_scope
from tests.org_routes import ORG_ROUTES

pytestmark = pytest.mark.django_db

ROLES = [Role.ADMIN, Role.EXECUTIVE, Role.MEMBER]
READS = ("get", "head", "options")
ROUTES = pytest.mark.parametrize("route", ORG_ROUTES, ids=str)


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


def signed_in_clients(users_by_role) -> dict[str, Client]:
    """One signed-in client per role, signed in before any snapshot (signing in writes)."""
    clients = {}
    for role, user in users_by_role.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


@ROUTES
def test_get_head_and_options_follow_allowed_roles(route, org_url, users_by_role,
                                                   db_snapshot):
    """For every role: HEAD and OPTIONS answer like GET, allowed where GET is (never a server
    error) and 403 where GET is (changing nothing)."""
    route.assert_guarded()
    url = org_url(route)
    allowed = route.allowed_roles("GET")
    clients = signed_in_clients(users_by_role)
    problems = []

    before = db_snapshot()
    for role in (r for r in ROLES if r not in allowed):
        statuses = {method: getattr(clients[role], method)(url).status_code
                    for method in READS}
        if statuses != dict.fromkeys(READS, 403):
            problems.append(f"{role} may not open {route} but got {statuses}")
    assert db_snapshot() == before, "a refused read changed the database"

    first = Role.ADMIN if Role.ADMIN in allowed else sorted(allowed)[0]
    for role in (r for r in ROLES if r in allowed):
        responses = {method: getattr(clients[role], method)(url) for method in READS}
        statuses = {method: response.status_code for method, response in responses.items()}
        if any(s in (403, 404) or s >= 500 for s in statuses.values()) \
                or statuses["head"] != statuses["get"]:
            problems.append(f"{role} may open {route} but got {statuses}")
        # the samples are real: the URL works for org A's own HR admin (or, on a route admins
        # may not open, for the first role that may); POST-only routes say so
        get = responses["get"]
        if role == first and not (get.status_code < 400 or (
                get.status_code == 405 and "POST" in get["Allow"])):
            problems.append(f"{url} answered {get.status_code} to org A's own {role}: the "
                            "sample objects in org_url_kwargs (tests/conftest.py) do not fit "
                            "this route")

    assert not problems, "\n".join(problems)


def _write_denied():
    """Routes where some role may not write; unguarded routes too, so that
    ``assert_guarded`` reports them."""
    for route in ORG_ROUTES:
        view = route.view_class
        if view is None or not hasattr(view, "allowed_roles") or \
                set(ROLES) - route.allowed_roles("POST"):
            yield route


@pytest.mark.parametrize("route", list(_write_denied()), ids=str)
def test_post_refused_to_roles_that_may_not_write(route, org_url, users_by_role,
                                                 db_snapshot):
    route.assert_guarded()
    denied = [role for role in ROLES if role not in route.allowed_roles("POST")]
    url = org_url(route)
    clients = signed_in_clients(users_by_role)
    before = db_snapshot()

    statuses = {}
    for role in denied:
        statuses[role] = clients[role].post(url, {"name": "Renamed", "anonymity_threshold": 9,
                                           "role": "admin",
                                           "email": "new@acme.example"}).status_code

    assert statuses == dict.fromkeys(denied, 403)
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
