"""Every URL pattern of the project, read from the resolver at collection time.

:data:`ALL_ROUTES` is every pattern (tests/test_route_inventory.py makes each one either take
``org_slug`` or stand on a reviewed list); :data:`ORG_ROUTES` is those that take ``org_slug``.
tests/test_isolation.py and tests/test_roles.py parametrize over them, so a route added
anywhere is tested without touching those files. URLs are built from the samples in the
``org_url_kwargs`` fixture (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts.permissions import OrganizationAPIMixin, OrganizationMixin

#: URL kwargs that name no object of the database (a format suffix, a verb, a dashboard
#: panel's key).
NON_OBJECT_KWARGS = frozenset({"org_slug", "format", "action", "panel_key"})


@dataclass(frozen=True)
class Route:
    route: str  # as Django reports it in ResolverMatch.route, e.g. "o/<slug:org_slug>/settings/"
    name: str | None  # namespaced URL name, e.g. "programs:cohort_detail"
    kwargs: tuple[str, ...]  # in the order they appear in the route
    callback: Callable

    def __str__(self) -> str:
        return self.route

    @property
    def takes_org(self) -> bool:
        return "org_slug" in self.kwargs

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def tenant_mixin(self) -> type:
        return OrganizationAPIMixin if self.is_api else OrganizationMixin

    @property
    def object_kwargs(self) -> tuple[str, ...]:
        """The kwargs that name a row (a primary key or a secret token), in route order."""
        return tuple(k for k in self.kwargs if k not in NON_OBJECT_KWARGS)

    def sample_values(self, org_slug: str, samples: dict[Any, Callable]) -> dict[str, Any]:
        """A value for every kwarg: ``org_slug`` and a real sample object for the others."""
        values: dict[str, Any] = {}
        for kwarg in self.kwargs:
            if kwarg == "org_slug":
                values[kwarg] = org_slug
                continue
            make = samples.get((self.name, kwarg)) or samples.get(kwarg)
            if make is None:
                pytest.fail(
                    f"Route {self.route!r} ({self.name}) takes the kwarg {kwarg!r} that has no "
                    f"sample: add a sample for kwarg {kwarg} in tests/conftest.py "
                    f"(fixture org_url_kwargs)."
                )
            values[kwarg] = make(dict(values))
        return values

    def reverse(self, values: dict[str, Any]) -> str:
        """The URL of this route for ``values``; fails unless it resolves back to this route."""
        if not self.name:
            pytest.fail(f"Route {self.route!r} has no URL name: name it so it can be reversed "
                        f"and tested.")
        url = reverse(self.name, kwargs=values)
        resolved = resolve(url)
        if resolved.route != self.route:
            pytest.fail(f"URL name {self.name!r} reverses to {resolved.route!r}, not to "
                        f"{self.route!r}: give each route its own URL name.")
        return url

    def url(self, org_slug: str, samples: dict[Any, Callable]) -> str:
        """The URL of this route in ``org_slug`` with a real sample object for every kwarg."""
        return self.reverse(self.sample_values(org_slug, samples))

    def allowed_roles(self, method: str = "GET") -> frozenset[str]:
        view = self.view_class
        if method in ("GET", "HEAD", "OPTIONS"):
            return frozenset(view.allowed_roles)
        write_roles = getattr(view, "allowed_write_roles", None)
        return frozenset(view.allowed_roles if write_roles is None else write_roles)

    def assert_guarded(self) -> None:
        """The view resolves tenants and roles with the shared mixins (else fail loudly)."""
        view = self.view_class
        mixin = self.tenant_mixin
        if view is None or not issubclass(view, mixin):
            pytest.fail(f"Route {self.route!r} is served by {self.callback!r}, which does not "
                        f"use accounts.permissions.{mixin.__name__}: it would not check "
                        f"membership and roles.")

    def classes_before_tenant_mixin(self) -> list[type]:
        """Classes that come before the tenant mixin in the view's MRO without being built on
        it: their ``dispatch``/``initial``/``get`` would run before the membership check and
        outside the tenant scope."""
        self.assert_guarded()
        mro = self.view_class.__mro__
        mixin = self.tenant_mixin
        return [cls for cls in mro[:mro.index(mixin)] if not issubclass(cls, mixin)]


OrgRoute = Route  # the name the first tests used


def _pattern_kwargs(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        groups = pattern.regex.groupindex
        return tuple(sorted(groups, key=groups.get))
    return ()


def _walk(patterns, prefix: str, namespace: str | None, kwargs: tuple[str, ...]
          ) -> Iterator[Route]:
    for entry in patterns:
        route = URLResolver._join_route(prefix, str(entry.pattern))
        entry_kwargs = kwargs + _pattern_kwargs(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, route, inner, entry_kwargs)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(route=route, name=name, kwargs=entry_kwargs, callback=entry.callback)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", None, ()))


def org_routes() -> list[Route]:
    return [r for r in all_routes() if r.takes_org]


ALL_ROUTES = all_routes()
ORG_ROUTES = [r for r in ALL_ROUTES if r.takes_org]
