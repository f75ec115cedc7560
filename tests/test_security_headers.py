"""Security headers on every page: a strict Content-Security-Policy, a Permissions-Policy,
``Cache-Control: no-store`` for everything a signed-in person (or API token) receives; and no
template may bring back an inline script, inline event handler or style attribute.

The organization's routes come from the URL resolver (tests/org_routes.py), like the
isolation tests, so a new page is checked without touching this file. The browser tests
(tests/browser/) enforce the same policy in Chromium: a violation fails them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts import services
from core.middleware import SecurityHeadersMiddleware
from core.tenancy import organization_scope
from tests.org_routes import ORG_ROUTES

pytestmark = pytest.mark.django_db

REQUIRED_DIRECTIVES = {
    "default-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")
ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN_PAGES = ["/", "/orgs/", "/me/api-tokens/", "/me/notifications/",
                   "/me/notifications/settings/", "/accounts/2fa/", "/accounts/email/",
                   "/api/v1/me"]


def policy(response) -> dict[str, list[str]]:
    """The response's CSP as {directive: [sources]} (fails when the header is missing)."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict_policy(response) -> None:
    found = policy(response)
    path = response.request["PATH_INFO"]
    for directive, sources in REQUIRED_DIRECTIVES.items():
        assert set(found.get(directive, [])) == sources, (path, directive, found)
    # script-src (or default-src when absent) governs scripts, including inline handlers
    scripts = found.get("script-src", found["default-src"])
    for source in [*scripts, *found.get("script-src-elem", []), *found.get("script-src-attr", [])]:
        assert source in ("'self'",) or source.startswith(("'nonce-", "'sha256-")), \
            f"{path}: script source {source} is not strict"
    styles = found.get("style-src", found["default-src"])
    assert "'unsafe-inline'" not in styles, f"{path}: style-src allows 'unsafe-inline'"
    assert "'unsafe-eval'" not in scripts


def assert_permissions_policy(response) -> None:
    header = response.headers.get("Permissions-Policy", "")
    features = dict(item.strip().split("=", 1) for item in header.split(",") if item.strip())
    for feature in DENIED_FEATURES:
        assert features.get(feature) == "()", \
            f"{response.request['PATH_INFO']}: Permissions-Policy does not deny {feature}"


def assert_no_store(response) -> None:
    assert "no-store" in response.headers.get("Cache-Control", ""), \
        f"{response.request['PATH_INFO']} answered a signed-in request without no-store"


# --- every route of an organization, signed in -------------------------------------------------

@pytest.mark.parametrize("route", ORG_ROUTES, ids=str)
def test_every_org_route_has_the_strict_policy_and_no_store(route, client, organization,
                                                            org_url_kwargs, users_by_role):
    allowed = route.allowed_roles("GET")
    role = "admin" if "admin" in allowed else sorted(allowed)[0]
    with organization_scope(organization):
        url = route.url(organization.slug, org_url_kwargs)
    client.force_login(users_by_role[role])

    response = client.get(url)

    assert response.status_code < 500
    assert_strict_policy(response)
    assert_permissions_policy(response)
    assert_no_store(response)
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_downloads_of_an_organization_are_no_store(client, organization, org_url_kwargs,
                                                   admin_user):
    """CSV exports and .ics invites are private: the enumerated routes include some."""
    client.force_login(admin_user)
    downloads = []
    for route in ORG_ROUTES:
        if route.is_api or "admin" not in route.allowed_roles("GET"):
            continue
        with organization_scope(organization):
            url = route.url(organization.slug, org_url_kwargs)
        response = client.get(url)
        if response.status_code == 200 and "html" not in response["Content-Type"]:
            downloads.append(url)
            assert_no_store(response)
    assert downloads, "no organization route answered with a download: extend this test"


# --- pages outside an organization -------------------------------------------------------------

@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_have_the_strict_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_strict_policy(response)
    assert_permissions_policy(response)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_have_the_strict_policy_and_no_store(client, admin_user, path):
    client.force_login(admin_user)

    response = client.get(path)

    assert response.status_code in (200, 302)
    assert_strict_policy(response)
    assert_permissions_policy(response)
    assert_no_store(response)


def test_api_answers_to_a_token_are_no_store(client, member_user, organization):
    issued = services.api_token_create(user=member_user, name="script")

    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    refused = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer fs_not-a-real-key")

    assert response.status_code == 200
    assert_no_store(response)
    assert refused.status_code == 401
    assert_no_store(refused)


def test_not_found_page_has_the_strict_policy(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert_strict_policy(response)


def test_api_docs_page_loads_its_script_from_a_url_not_inline(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("swagger-ui"))
    script = client.get(reverse("swagger-ui") + "?script=")

    assert page.status_code == 200
    assert_strict_policy(page)
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html), "Swagger UI page has an inline <script>"
    assert "<style" not in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


# --- the middleware ----------------------------------------------------------------------------

def _through_middleware(response: HttpResponse, *, user=None, **meta) -> HttpResponse:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/", **meta)
    request.user = user or AnonymousUser()
    return SecurityHeadersMiddleware(lambda _request: response)(request)


def test_a_cache_control_the_view_chose_is_kept(admin_user):
    chosen = HttpResponse()
    chosen["Cache-Control"] = "public, max-age=60"

    response = _through_middleware(chosen, user=admin_user)

    assert response["Cache-Control"] == "public, max-age=60"
    assert "Permissions-Policy" in response


def test_anonymous_answers_stay_cacheable():
    response = _through_middleware(HttpResponse())

    assert "Cache-Control" not in response
    assert "Permissions-Policy" in response


def test_a_request_with_credentials_is_no_store_even_when_refused():
    response = _through_middleware(HttpResponse(status=401), HTTP_AUTHORIZATION="Bearer x")

    assert_no_store(response)


def test_permissions_policy_lists_the_configured_features():
    response = _through_middleware(HttpResponse())

    expected = ", ".join(f"{feature}={allow}"
                         for feature, allow in settings.FLIPSIDE_PERMISSIONS_POLICY.items())
    assert response["Permissions-Policy"] == expected


def test_static_files_keep_their_own_cache_headers(admin_user, settings):
    """WhiteNoise answers static files before the session middleware: long-cacheable."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    from django.test import Client

    client = Client()
    client.force_login(admin_user)

    response = client.get(f"{settings.STATIC_URL}css/flipside.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- templates: no inline script, handler or style attribute ------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")"
                           r"[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def _templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = sorted(base.glob("templates/**/*.html")) + sorted(base.glob("*/templates/**/*.html"))
    return [path for path in found if ".venv" not in path.parts]


def _is_email(path: Path) -> bool:
    """Email bodies are read in mail clients, never under our CSP; they need inline styles."""
    return "email" in path.parts


def test_there_are_templates_to_check():
    templates = _templates()
    assert len(templates) > 30
    assert any(_is_email(path) for path in templates)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_HANDLER, JAVASCRIPT_URL],
                         ids=["inline <script>", "inline on…= handler", "javascript: URL"])
def test_no_template_has_inline_script(pattern):
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[:match.start()].count(chr(10)) + 1}"
        for path in _templates()
        for text in [path.read_text()]
        for match in pattern.finditer(text)
    ]
    assert offenders == [], ("the CSP blocks these; move the code to static/js/*.js and pass "
                             "data with json_script or data- attributes: " + ", ".join(offenders))


@pytest.mark.parametrize("pattern", [STYLE_ATTRIBUTE, STYLE_ELEMENT],
                         ids=["style= attribute", "<style> element"])
def test_no_page_template_has_inline_style(pattern):
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[:match.start()].count(chr(10)) + 1}"
        for path in _templates() if not _is_email(path)
        for text in [path.read_text()]
        for match in pattern.finditer(text)
    ]
    assert offenders == [], ("the CSP blocks inline styles; use a class from "
                             "static/css/flipside.css (widths: w-pct-N, mw-NNr): "
                             + ", ".join(offenders))


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>",
    '<script defer>go()</script>',
    '<form onsubmit="return confirm()">',
    '<button ONCLICK="x()">',
    '<a href="javascript:void(0)">',
])
def test_the_template_check_catches_inline_code(html):
    assert any(p.search(html) for p in (INLINE_SCRIPT, INLINE_HANDLER, JAVASCRIPT_URL))


@pytest.mark.parametrize("html", [
    '<script src="/static/js/flipside.js" defer></script>',
    '<script id="chart-data" type="application/json">{}</script>',
    '<form data-confirm="Remove?">',
    '<div class="progress-bar w-pct-40">',
])
def test_the_template_check_lets_safe_markup_pass(html):
    assert not any(p.search(html) for p in (INLINE_SCRIPT, INLINE_HANDLER, JAVASCRIPT_URL,
                                            STYLE_ATTRIBUTE))
