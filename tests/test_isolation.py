"""Tenant isolation, proven on every route that takes an organization.

The routes come from the URL resolver at collection time (tests/org_routes.py), so a route
added later is covered without touching this file; its URL kwargs come from the samples in
the ``org_url_kwargs`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tenancy import organization_scope
from tests.org_routes import ORG_ROUTES, OrgRoute

pytestmark = pytest.mark.django_db

ROUTES = pytest.mark.parametrize("route", ORG_ROUTES, ids=str)


@pytest.fixture
def org_url(organization, org_url_kwargs):
    """Build a route's URL in the first organization (org A) with real sample objects."""

    def build(route: OrgRoute) -> str:
        with organization_scope(organization):
            return route.url(organization.slug, org_url_kwargs)

    return build


def test_there_are_web_and_api_routes_to_enumerate():
    assert any(not r.is_api for r in ORG_ROUTES)
    assert any(r.is_api for r in ORG_ROUTES)


@ROUTES
def test_every_org_route_uses_the_tenant_mixin(route):
    route.assert_guarded()


@ROUTES
def test_member_of_another_org_gets_404_on_get(route, client, org_url, other_admin_user,
                                              db_snapshot):
    # given an admin of org B and a URL of org A with real objects in it
    url = org_url(route)
    client.force_login(other_admin_user)
    before = db_snapshot()

    # when they open it
    response = client.get(url)

    # then org A does not exist for them
    assert response.status_code == 404
    assert db_snapshot() == before


@ROUTES
def test_member_of_another_org_gets_404_on_post(route, client, org_url, other_admin_user,
                                               db_snapshot):
    url = org_url(route)
    client.force_login(other_admin_user)
    before = db_snapshot()

    response = client.post(url, {"name": "Hijacked", "role": "admin", "email": "x@evil.example"})

    assert response.status_code == 404
    assert db_snapshot() == before


@ROUTES
def test_anonymous_visitor_is_sent_to_sign_in_or_refused(route, client, org_url, db_snapshot):
    url = org_url(route)
    before = db_snapshot()

    get_response = client.get(url)
    post_response = client.post(url, {"name": "Hijacked", "role": "admin"})

    for response in (get_response, post_response):
        if route.is_api:
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 302
            assert response.url.startswith(f"{reverse('account_login')}?next=")
    assert db_snapshot() == before


@ROUTES
def test_own_member_reaches_the_route(route, client, org_url, users_by_role):
    """Proves the samples are real: the same URL works in org A for its own HR admin (or, on
    a route admins may not open, for the first role that may)."""
    route.assert_guarded()
    allowed = route.allowed_roles("GET")
    role = "admin" if "admin" in allowed else sorted(allowed)[0]
    url = org_url(route)
    client.force_login(users_by_role[role])

    response = client.get(url)

    assert response.status_code < 400 or response.status_code == 405, (
        f"{url} answered {response.status_code} to org A's own {role}: the sample objects "
        f"in org_url_kwargs (tests/conftest.py) do not fit this route"
    )
    if response.status_code == 405:
        assert "POST" in response["Allow"]


OBJECT_ROUTES = [r for r in ORG_ROUTES if set(r.kwargs) - {"org_slug", "format"}]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_object_of_another_org_through_own_org_url_is_404(route, client, organization,
                                                          org_url_kwargs, other_organization,
                                                          other_admin_user, db_snapshot):
    """An admin of org B puts org A's object ids into org B's URLs: still 404."""
    route.assert_guarded()
    with organization_scope(organization):
        url = route.url(other_organization.slug, org_url_kwargs)
    client.force_login(other_admin_user)
    before = db_snapshot()
    data = {"role": "member", "name": "Hijacked"}

    statuses = {
        "GET": client.get(url).status_code,
        "POST": client.post(url, data).status_code,
        "PATCH": client.patch(url, data, content_type="application/json").status_code,
        "DELETE": client.delete(url).status_code,
    }

    # every method is refused without revealing the object: 404, or 405 where the route
    # has no such method (403 only where admins may not write at all)
    write_refusal = {404, 405} if "admin" in route.allowed_roles("POST") else {403}
    assert statuses["GET"] in {404, 405}
    assert all(statuses[m] in write_refusal for m in ("POST", "PATCH", "DELETE")), statuses
    assert 404 in statuses.values(), statuses
    assert db_snapshot() == before
