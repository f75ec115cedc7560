"""Tenant plumbing that fails closed.

Every tenant-owned model inherits :class:`TenantModel`; its default manager is a django-scopes
``ScopedManager`` so a query outside ``scope(organization=...)`` raises ``ScopeError`` instead
of returning every tenant's rows. Requests open the scope from the URL (after checking
membership), Celery tasks open it from the object they load, tests open it explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled

if TYPE_CHECKING:
    from accounts.models import Organization


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


__all__ = ["TenantModel", "organization_scope", "scopes_disabled"]
