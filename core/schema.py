"""OpenAPI schema generation (drf-spectacular) outside any tenant scope."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator

from core.tenancy import scopes_disabled


class ScopeFreeSchemaGenerator(SchemaGenerator):
    """Schema generation builds querysets for introspection but never evaluates them, so
    tenant scopes are disabled for it only; no tenant data is read.

    It lives here, not in an ``api.py``: views and APIs may not disable scopes
    (tests/test_unscoped_reads.py).
    """

    def get_schema(self, request=None, public=False):
        with scopes_disabled():
            return super().get_schema(request=request, public=public)
