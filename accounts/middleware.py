"""Middleware of the accounts app."""

from __future__ import annotations

from django.urls import reverse


class HealthCheckMiddleware:
    """Answer ``/healthz`` before host validation and the HTTPS redirect.

    Container health checks and load balancers probe the app by IP over plain HTTP
    (``http://127.0.0.1:8000/healthz``); ``ALLOWED_HOSTS`` would answer 400 and
    ``SECURE_SSL_REDIRECT`` 301, and the probe would mark a healthy server as down. Safe to
    short-circuit: the view reads nothing from the request and reveals only up/down states.
    Must be first in ``MIDDLEWARE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._path: str | None = None

    def __call__(self, request):
        if self._path is None:
            self._path = reverse("healthz")
        if request.path_info == self._path:
            from accounts.views import healthz

            return healthz(request)
        return self.get_response(request)
