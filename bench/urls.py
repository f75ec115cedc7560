"""URL map of bench/settings.py: the whole application and two baselines.

``/bench/hello`` answers from the same gunicorn process, through the same middleware, with
no template, session or database access: the ceiling the real pages are compared with.
``/bench/o/<org_slug>/floor`` is the cheapest real page: a signed-in member of the
organization (the session, the user, the membership check) and the site's layout with its
navigation, and nothing else; what every page costs before its own content."""

from django.http import HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from accounts.permissions import OrganizationMixin
from config.urls import urlpatterns as application_urlpatterns


def hello(request):
    return HttpResponse(b"Hello, world!\n", content_type="text/plain")


class FloorView(OrganizationMixin, TemplateView):
    template_name = "base.html"


urlpatterns = [
    path("bench/hello", hello, name="bench_hello"),
    path("bench/o/<slug:org_slug>/floor", FloorView.as_view(), name="bench_floor"),
    *application_urlpatterns,
]
