"""Every page of the app passes axe-core's WCAG 2.1 A/AA rules in real Chromium, and fits a
phone's width without sideways scrolling.

The organization's pages are enumerated from the URL resolver (tests/org_routes.py), like the
isolation tests, so a new page is checked without touching this file; the account pages are
listed. axe-core is vendored under tests/browser/vendor (test-only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from core.tenancy import organization_scope
from tests.browser.helpers import sign_in
from tests.org_routes import ORG_ROUTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ACCOUNT_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN_PAGES = ["/orgs/", "/me/api-tokens/", "/me/notifications/",
                   "/me/notifications/settings/", "/accounts/2fa/", "/accounts/email/"]


def violations(page: Page) -> list[str]:
    # through the DevTools protocol: the page's CSP refuses an inline <script> tag
    page.evaluate(f"() => {{\n{AXE}\n}}")
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id} (${v.impact}): ${v.help} at `"
        " + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))", WCAG)
    return list(found)


def is_page(route) -> bool:
    """Routes a browser can open: web views with a GET handler (not POST-only actions)."""
    view = route.view_class
    return not route.is_api and hasattr(view, "get") and \
        "get" in getattr(view, "http_method_names", ["get"])


def check(page: Page, url: str, problems: dict[str, list[str]]) -> bool:
    """Open ``url``; audit it when it is an HTML page (not a CSV download, say)."""
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return False
        raise
    if response is None or response.status != 200 or \
            "text/html" not in response.headers.get("content-type", ""):
        return False
    found = violations(page)
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    if width > PHONE["width"]:
        found.append(f"on a {PHONE['width']} px phone the page is {width} px wide "
                     "(content must wrap or scroll inside its own container)")
    if found:
        problems[url] = found
    return True


def test_every_page_meets_wcag_a_and_aa_and_fits_a_phone(
        page: Page, live_server, organization, admin_user, member_user, org_url_kwargs):
    base = live_server.url
    problems: dict[str, list[str]] = {}
    audited = 0
    for url in ACCOUNT_PAGES:
        audited += check(page, base + url, problems)

    sign_in(page, base, admin_user.email)
    for url in SIGNED_IN_PAGES:
        audited += check(page, base + url, problems)
    for route in ORG_ROUTES:
        if not is_page(route) or "admin" not in route.allowed_roles("GET"):
            continue
        with organization_scope(organization):
            url = route.url(organization.slug, org_url_kwargs)
        audited += check(page, base + url, problems)

    sign_in(page, base, member_user.email)
    for route in ORG_ROUTES:
        if not is_page(route) or "admin" in route.allowed_roles("GET") or \
                "member" not in route.allowed_roles("GET"):
            continue
        with organization_scope(organization):
            url = route.url(organization.slug, org_url_kwargs)
        audited += check(page, base + url, problems)

    assert audited >= 30, f"only {audited} pages were audited"
    assert problems == {}, "\n".join(f"{url}: {'; '.join(found)}"
                                     for url, found in problems.items())
