"""A test-only URL map: the real routes plus an organization API view that fails with a
server error and probes that report the tenant scope they find (tests/test_scope_guard.py)."""

from __future__ import annotations

import gc

from django.http import JsonResponse
from django.urls import include, path
from django_scopes import ScopeError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import OrganizationAPIMixin
from core.tenancy import open_scope_description
from programs.models import Topic


class ServerErrorView(OrganizationAPIMixin, APIView):
    """Fails inside the tenant scope with an exception DRF does not handle (a 500)."""

    def get(self, request, *args, **kwargs):
        raise RuntimeError("boom inside the tenant scope")


class TopicNamesView(OrganizationAPIMixin, APIView):
    """What this organization's scope lets the view read."""

    def get(self, request, *args, **kwargs):
        return Response({"organization": request.organization.slug,
                         "topics": sorted(Topic.objects.values_list("name", flat=True))})


def unscoped_probe(request):
    """Outside any organization view: which scope is open, and does a tenant query raise?"""
    gc.collect()  # finalise any context manager a failed request left suspended
    open_scope = open_scope_description()
    try:
        leaked_topics = sorted(Topic.objects.values_list("name", flat=True))
    except ScopeError:
        leaked_topics = None
    return JsonResponse({"open_scope": open_scope, "leaked_topics": leaked_topics})


urlpatterns = [
    path("api/v1/o/<slug:org_slug>/scope-leak/server-error/", ServerErrorView.as_view(),
         name="scope_leak_server_error"),
    path("api/v1/o/<slug:org_slug>/scope-leak/topics/", TopicNamesView.as_view(),
         name="scope_leak_topics"),
    path("scope-leak/probe/", unscoped_probe, name="scope_leak_probe"),
    path("", include("config.urls")),
]
