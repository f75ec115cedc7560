"""Tenant plumbing that fails closed.

Every tenant-owned model inherits :class:`TenantModel`; its default manager is a django-scopes
``ScopedManager`` so a query outside ``scope(organization=...)`` raises ``ScopeError`` instead
of returning every tenant's rows. Requests open the scope from the URL (after checking
membership), Celery tasks open it from the object they load, tests open it explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import models
from django.http import HttpRequest, HttpResponse
from django_scopes import ScopedManager, get_scope, scope, scopes_disabled
from django_scopes.state import state as _scope_state

if TYPE_CHECKING:
    from accounts.models import Organization

logger = logging.getLogger(__name__)


class TenantModel(models.Model):
    """Abstract base for every row that belongs to one organization."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


@contextmanager
def organization_scope(organization: Organization | None) -> Iterator[None]:
    """Open the tenant scope; ``None`` opens a scope that matches nothing.

    django-scopes treats a ``None`` value as "no filter", so ``None`` is mapped to an empty
    list, which filters ``organization__in=[]``: fail closed.
    """
    with scope(organization=organization if organization is not None else []):
        yield


def open_scope_description() -> str | None:
    """What tenant scope is open in this context, or ``None`` when none is.

    A closed ``scope()`` leaves an empty dict behind (django-scopes restores the state it
    found), so "no scope" is "no keys", not only ``None``.
    """
    current = get_scope()
    if not current:
        return None
    return ", ".join(f"{key}={value!r}" for key, value in sorted(current.items()))


def dangerously_reset_scope() -> None:
    """Forget whatever scope this context holds. Only for the request guard, after it has
    refused a request that started inside a scope (see ``TenantScopeGuardMiddleware``)."""
    _scope_state.set(None)


class TenantScopeGuardMiddleware:
    """Every request starts with no tenant scope and leaves none behind.

    Security boundary. Views open the tenant scope with a ``with`` block around their whole
    dispatch (``accounts.permissions``); this guard is the second line of defence on a
    worker that serves one tenant after another:

    * a request that finds a scope already open (a leak from an earlier request on this
      worker) is refused with 503 and logged, and the stale scope is dropped so the next
      request is served clean: fail closed, never serve one tenant inside another's scope;
    * a scope still open when the response is returned (a view bug) is logged and dropped
      before the worker takes its next request.

    Must be first in ``MIDDLEWARE``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        leaked = open_scope_description()
        if leaked is not None:
            dangerously_reset_scope()
            logger.error("Refused %s %s: a tenant scope was already open when the request "
                         "started (%s).", request.method, request.path, leaked)
            return HttpResponse("The service is briefly unavailable. Please try again.",
                                status=503, content_type="text/plain; charset=utf-8")
        try:
            return self.get_response(request)
        finally:
            left_open = open_scope_description()
            if left_open is not None:
                dangerously_reset_scope()
                logger.error("%s %s left a tenant scope open (%s); it was dropped.",
                             request.method, request.path, left_open)


__all__ = [
    "TenantModel",
    "TenantScopeGuardMiddleware",
    "dangerously_reset_scope",
    "open_scope_description",
    "organization_scope",
    "scopes_disabled",
]
