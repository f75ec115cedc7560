"""Every route of the project is classified: it takes ``org_slug`` (and is then covered by the
enumerated isolation and role tests), or it stands on a reviewed list below with the reason
it needs no tenant. A new top-level route fails here until someone classifies it.

Every organization route's view also puts the tenant mixin first in its MRO, so nothing of
the view runs before the membership check or outside the tenant scope.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.org_routes import ALL_ROUTES, ORG_ROUTES, Route

ORG_PREFIXES = ("o/<slug:org_slug>/", "api/v1/o/<slug:org_slug>/")

#: Routes of the signed-in person, not of an organization (exact route → why no tenant).
USER_ROUTES: dict[str, str] = {
    "": "home: redirects to the person's only organization or to the switcher",
    "orgs/": "organization switcher: lists only the person's own memberships",
    "invitations/<str:token>/": "invitation link: the secret token names one invitation, "
                                "which its holder may read and accept (signing in or "
                                "creating the invited address's account by a POST)",
    "me/api-tokens/": "the person's own API tokens",
    "me/api-tokens/<int:token_pk>/revoke/": "revokes a token only if it is the person's own",
    "me/notifications/": "the person's own in-app inbox",
    "me/notifications/settings/": "the person's own notification preferences",
    "api/v1/me": "the signed-in person and their own memberships",
}

#: Routes anyone may open without signing in (exact route → why).
PUBLIC_ROUTES: dict[str, str] = {
    "healthz": "liveness probe for load balancers: database and broker status, no data",
    "l/": "asks for a sign-in link by email: the same answer whether or not an account exists",
    "l/<str:token>/": "personal sign-in link: the signed token names one account and page; "
                      "opening it signs nobody in (a POST does)",
    "invitations/<str:token>/fresh/": "emails a fresh link for an expired or replaced "
                                      "invitation to its own address only; the same answer "
                                      "for any token",
    "l/<str:token>/fresh/": "emails a fresh sign-in link to the address on the token's "
                            "account only; the same answer for any token",
    "unsubscribe/<str:token>/": "one-click stop of one kind of email (RFC 8058): the signed "
                                "token names one account and kind; GET only confirms, POST "
                                "can only turn that kind off",
}

#: User routes an anonymous visitor may open (their own page says what to do next).
ANONYMOUS_USER_ROUTES = {"invitations/<str:token>/"}

#: Whole trees served by libraries (prefix → modules their views may come from, why).
CLASSIFIED_PREFIXES: dict[str, tuple[tuple[str, ...], str]] = {
    "accounts/": (("allauth.",),
                  "django-allauth: sign-in, sign-up, password, email and two-factor pages of "
                  "the signed-in person"),
    "django-admin/": (("django.", "accounts.admin", "programs.admin", "matching.admin"),
                      "Django admin: staff only, behind the admin site's own login"),
    "api/schema/": (("drf_spectacular.",), "OpenAPI schema: generated from code, no rows"),
    "api/docs/": (("drf_spectacular.",), "Swagger UI: a static page that loads the schema"),
}


def _callback_module(route: Route) -> str:
    view = route.view_class
    return (view or route.callback).__module__ or ""


def classification(route: Route) -> str | None:
    """Why ``route`` is allowed, or ``None`` when it is unclassified."""
    if route.takes_org:
        if route.route.startswith(ORG_PREFIXES) and route.kwargs[0] == "org_slug":
            return "organization route"
        return None  # org_slug somewhere else: the tenant mixins read it from the kwargs only
    if route.route in USER_ROUTES:
        return USER_ROUTES[route.route]
    if route.route in PUBLIC_ROUTES:
        return PUBLIC_ROUTES[route.route]
    for prefix, (modules, reason) in CLASSIFIED_PREFIXES.items():
        if route.route.startswith(prefix) and _callback_module(route).startswith(modules):
            return reason
    return None


def test_every_route_takes_an_organization_or_is_classified():
    unclassified = [f"{r.route} ({r.name}, served by {_callback_module(r)})"
                    for r in ALL_ROUTES if classification(r) is None]

    assert not unclassified, (
        "These routes neither take org_slug under /o/<org_slug>/ or /api/v1/o/<org_slug>/ nor "
        "stand on a reviewed list in tests/test_route_inventory.py. Put tenant data under an "
        "organization URL, or add the route to USER_ROUTES/PUBLIC_ROUTES with a one-line "
        "reason:\n" + "\n".join(unclassified))


def test_the_inventory_sees_every_kind_of_route():
    kinds = {classification(r) for r in ALL_ROUTES}

    assert "organization route" in kinds
    assert len(ORG_ROUTES) > 50
    assert {r.route for r in ALL_ROUTES} >= {*USER_ROUTES, *PUBLIC_ROUTES}


def test_lists_have_no_stale_entries():
    routes = {r.route for r in ALL_ROUTES}

    assert set(USER_ROUTES) - routes == set(), "remove routes that no longer exist"
    assert set(PUBLIC_ROUTES) - routes == set(), "remove routes that no longer exist"
    for prefix in CLASSIFIED_PREFIXES:
        assert any(r.startswith(prefix) for r in routes), f"nothing is served under {prefix}"


@pytest.mark.parametrize("route", [
    Route(route="exports/<int:cohort_pk>/", name="export", kwargs=("cohort_pk",),
          callback=lambda request: None),
    Route(route="accounts/export/", name="export", kwargs=(),
          callback=lambda request: None),  # a project view hiding under allauth's prefix
    Route(route="me/<slug:org_slug>/cohorts/", name="cohorts", kwargs=("org_slug",),
          callback=lambda request: None),
], ids=str)
def test_a_new_unclassified_route_would_fail(route):
    assert classification(route) is None


@pytest.mark.parametrize("route", ORG_ROUTES, ids=str)
def test_tenant_mixin_comes_first_in_the_view_mro(route):
    before = route.classes_before_tenant_mixin()

    assert before == [], (
        f"{route.view_class.__qualname__} ({route.route}) puts {before} before "
        f"{route.tenant_mixin.__name__} in its MRO: their dispatch/initial would run before "
        f"the membership check and outside the tenant scope. List the tenant mixin first.")


def test_the_mro_check_catches_a_mixin_listed_before_the_tenant_mixin():
    from django.views.generic import TemplateView

    from accounts.permissions import OrganizationMixin

    class CachingMixin:
        pass

    class Careless(CachingMixin, OrganizationMixin, TemplateView):
        pass

    route = Route(route="o/<slug:org_slug>/x/", name="x", kwargs=("org_slug",),
                  callback=Careless.as_view())

    assert route.classes_before_tenant_mixin() == [CachingMixin]


USER_ROUTE_SAMPLES = {"token": "no-such-invitation", "token_pk": 987654}


def _user_route_url(route: Route) -> str:
    return reverse(route.name, kwargs={k: USER_ROUTE_SAMPLES[k] for k in route.kwargs})


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in ALL_ROUTES if r.route in USER_ROUTES
                                   and r.route not in ANONYMOUS_USER_ROUTES], ids=str)
def test_user_routes_need_a_signed_in_person(route, client, db_snapshot):
    url = _user_route_url(route)
    before = db_snapshot()

    for method in ("get", "head", "options", "post"):
        response = getattr(client, method)(url)

        if route.is_api:
            assert response.status_code in (401, 403), (method, url)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.url.startswith(f"{reverse('account_login')}?next=")
    assert db_snapshot() == before
