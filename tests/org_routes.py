"""Every URL pattern that takes ``org_slug``, read from the resolver at collection time.

tests/test_isolation.py and tests/test_roles.py parametrize over :data:`ORG_ROUTES`, so a
route added anywhere under ``/o/<org_slug>/`` or ``/api/v1/o/<org_slug>/`` is tested without
touching those files. URLs are built from the samples in the ``org_url_kwargs`` fixture
(tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts.permissions import OrganizationAPIMixin, OrganizationMixin


@dataclass(frozen=True)
class OrgRoute:
    route: str  # as Django reports it in ResolverMatch.route, e.g. "o/<slug:org_slug>/settings/"
    name: str | None  # namespaced URL name, e.g. "programs:cohort_detail"
    kwargs: tuple[str, ...]  # in the order they appear in the route
    callback: Callable

    def __str__(self) -> str:
        return self.route

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    def url(self, org_slug: str, samples: dict[Any, Callable]) -> str:
        """The URL of this route in ``org_slug`` with a real sample object for every kwarg."""
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
        if not self.name:
            pytest.fail(f"Route {self.route!r} has no URL name: name it so it can be reversed "
                        f"and tested.")
        url = reverse(self.name, kwargs=values)
        resolved = resolve(url)
        if resolved.route != self.route:
            pytest.fail(f"URL name {self.name!r} reverses to {resolved.route!r}, not to "
                        f"{self.route!r}: give each route its own URL name.")
        return url

    def allowed_roles(self, method: str = "GET") -> frozenset[str]:
        view = self.view_class
        if method in ("GET", "HEAD", "OPTIONS"):
            return frozenset(view.allowed_roles)
        write_roles = getattr(view, "allowed_write_roles", None)
        return frozenset(view.allowed_roles if write_roles is None else write_roles)

    def assert_guarded(self) -> None:
        """The view resolves tenants and roles with the shared mixins (else fail loudly)."""
        view = self.view_class
        mixin = OrganizationAPIMixin if self.is_api else OrganizationMixin
        if view is None or not issubclass(view, mixin):
            pytest.fail(f"Route {self.route!r} is served by {self.callback!r}, which does not "
                        f"use accounts.permissions.{mixin.__name__}: it would not check "
                        f"membership and roles.")


def _pattern_kwargs(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        groups = pattern.regex.groupindex
        return tuple(sorted(groups, key=groups.get))
    return ()


def _walk(patterns, prefix: str, namespace: str | None, kwargs: tuple[str, ...]
          ) -> Iterator[OrgRoute]:
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
            yield OrgRoute(route=route, name=name, kwargs=entry_kwargs, callback=entry.callback)


def org_routes() -> list[OrgRoute]:
    return [r for r in _walk(get_resolver().url_patterns, "", None, ()) if "org_slug" in r.kwargs]


ORG_ROUTES = org_routes()
