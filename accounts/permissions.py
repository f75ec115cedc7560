"""Tenant resolution and role checks, shared by every web view and API endpoint.

Security boundary: the organization comes from the URL slug and is only used after the
request's user is proven a member of it. Everything else (unknown slug, not a member) is a
404 so that another tenant's existence is never revealed.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import permissions

from accounts.models import Membership, Organization, Role
from accounts.selectors import organization_memberships_of_user
from accounts.two_factor import (
    two_factor_message,
    two_factor_refusal,
    two_factor_setup_required,
)
from core.tenancy import organization_scope

ALL_ROLES = frozenset(Role.values)
ADMIN_ONLY = frozenset({Role.ADMIN})
ADMIN_AND_EXECUTIVE = frozenset({Role.ADMIN, Role.EXECUTIVE})
PARTICIPANT_ROLES = frozenset({Role.ADMIN, Role.MEMBER})


def resolve_membership(user, org_slug: str, *, memberships: list[Membership] | None = None,
                       ) -> tuple[Organization, Membership] | None:
    """The organization and the user's membership in it, or ``None`` when either is missing.

    One query: the user's memberships with their organizations (``memberships``, when the
    caller loaded them already), among which the URL's organization is picked; a slug that
    names no organization of the user is the same ``None`` as an unknown one."""
    if not user.is_authenticated:
        return None
    if memberships is None:
        memberships = organization_memberships_of_user(user=user)
    for membership in memberships:
        if membership.organization.slug == org_slug:
            return membership.organization, membership
    return None


def _resolve_for_request(request, org_slug: str) -> tuple[Organization, Membership] | None:
    """:func:`resolve_membership`, keeping the user's memberships on the request for the
    switcher (accounts.context_processors.navigation), which then needs no query."""
    memberships = organization_memberships_of_user(user=request.user)
    request.user_memberships = memberships
    return resolve_membership(request.user, org_slug, memberships=memberships)


class OrganizationMixin(AccessMixin):
    """Web views under ``/o/<org_slug>/``: sign-in required, member only (else 404), two-factor
    set up where the organization requires it (else to its setup), role in ``allowed_roles``
    (else 403). The whole view runs inside the tenant scope."""

    allowed_roles: Iterable[str] = ALL_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        resolved = _resolve_for_request(request, kwargs["org_slug"])
        if resolved is None:
            raise Http404("No such organization.")
        request.organization, request.membership = resolved
        if two_factor_setup_required(user=request.user, organization=request.organization,
                                     membership=request.membership):
            return two_factor_refusal(request, organization_name=request.organization.name)
        if request.membership.role not in self.allowed_roles:
            raise PermissionDenied("Your role in this organization cannot open this page.")
        with organization_scope(request.organization):
            response = super().dispatch(request, *args, **kwargs)
            # Template responses render lazily, after dispatch returns: render inside the scope.
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.request.organization
        context["membership"] = self.request.membership
        return context


class OrganizationAPIMixin:
    """API views under ``/api/v1/o/<org_slug>/``: authenticate first (401/403 for anonymous),
    then membership (404), then role (403); the handler runs inside the tenant scope.

    Security boundary: the scope lives in an ``ExitStack`` owned by a ``with`` block around
    the whole of :meth:`dispatch` (authentication, handler, exception handling, rendering),
    so no exception, early return or lazily rendered response can leave it open. DRF calls
    :meth:`initial` inside that block, after authentication, and it is there that the
    membership is known and the scope is entered.

    ``organization`` and ``membership`` are set on the underlying Django request, which DRF's
    ``Request`` proxies to: clones made for OPTIONS metadata see them too.
    """

    allowed_roles: Iterable[str] = ALL_ROLES
    #: Roles for unsafe methods (POST, PUT, PATCH, DELETE); defaults to ``allowed_roles``.
    allowed_write_roles: Iterable[str] | None = None
    permission_classes = [permissions.IsAuthenticated]

    def dispatch(self, request, *args, **kwargs):
        with ExitStack() as tenant_scope:
            self._tenant_scope = tenant_scope
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        resolved = resolve_membership(request.user, kwargs["org_slug"])
        if resolved is None:
            raise drf_exceptions.NotFound("No such organization.")
        django_request = request._request
        django_request.organization, django_request.membership = resolved
        organization, membership = resolved
        if two_factor_setup_required(user=request.user, organization=organization,
                                     membership=membership):
            raise drf_exceptions.PermissionDenied(two_factor_message(organization.name))
        if request.membership.role not in self.get_allowed_roles():
            raise drf_exceptions.PermissionDenied(
                "Your role in this organization cannot use this endpoint."
            )
        self._tenant_scope.enter_context(organization_scope(request.organization))

    def get_allowed_roles(self) -> Iterable[str]:
        if self.request.method in permissions.SAFE_METHODS or self.allowed_write_roles is None:
            return self.allowed_roles
        return self.allowed_write_roles
