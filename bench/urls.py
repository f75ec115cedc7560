"""URL map of bench/settings.py: the whole application and a hello-world baseline.

``/bench/hello`` answers from the same gunicorn process, through the same middleware, with
no template, session or database access: the ceiling the real pages are compared with."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as application_urlpatterns


def hello(request):
    return HttpResponse(b"Hello, world!\n", content_type="text/plain")


urlpatterns = [path("bench/hello", hello, name="bench_hello"), *application_urlpatterns]
