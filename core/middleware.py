"""Middleware every request passes (listed in ``settings.MIDDLEWARE``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import resolve, reverse
from django.utils.cache import patch_cache_control


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
            return resolve(self._path).func(request)  # the view named "healthz"
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every response, and ``Cache-Control: no-store`` on every
    response to a signed-in request, so that no browser or proxy cache keeps a private page,
    API answer or download (.ics, CSV) after the person signs out.

    Signed in means a session user or an API token: DRF sets the token's user on the
    underlying request when it authenticates, and a request that sends ``Authorization`` is
    private whatever the answer. A ``Cache-Control`` the view chose is left as it is. Static
    files never reach this middleware (WhiteNoise answers them earlier) and stay cacheable.
    Place it after ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allowlist}"
            for feature, allowlist in settings.FLIPSIDE_PERMISSIONS_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions_policy
        if "Cache-Control" not in response and _is_signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _is_signed_in(request) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
