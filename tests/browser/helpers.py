"""Steps shared by the browser journeys."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.factories.accounts import TEST_PASSWORD


def sign_in(page: Page, base_url: str, email: str, *, lands_in: str | None = "Acme Retail"
            ) -> None:
    """Sign in through the real form (found by its labels), as a fresh visitor. With
    ``lands_in``, wait until the main navigation names that organization."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if lands_in:
        expect(page.get_by_role("navigation", name="Main")).to_contain_text(lands_in)


# --- Content-Security-Policy: a violation fails the test ----------------------------------------

_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile || document.location.href}:${event.lineNumber}`;
  window.__flipsideCspViolation?.(`${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline"} at ${where} ${event.sample || ""}`.trim());
});
"""
# What Chromium logs when it refuses something under a policy header.
_POLICY_CONSOLE_MARKERS = ("Content Security Policy", "Refused to", "Permissions-Policy")


def record_policy_violations(page: Page) -> list[str]:
    """Collect, for every document ``page`` opens from now on, each CSP violation (the
    ``securitypolicyviolation`` event, from an init script that runs before the page's own
    scripts) and each console error about a CSP or Permissions-Policy header. The ``page``
    fixture (tests/conftest.py) asserts at teardown that the list stayed empty."""
    found: list[str] = []
    page.expose_function("__flipsideCspViolation",
                         lambda text: found.append(f"{page.url}: {text}"))
    page.add_init_script(_CSP_LISTENER)

    def on_console(message) -> None:
        if message.type in ("error", "warning") and \
                any(marker in message.text for marker in _POLICY_CONSOLE_MARKERS):
            found.append(f"{page.url}: console {message.type}: {message.text}")

    page.on("console", on_console)
    return found


def policy_violations(page: Page, found: list[str]) -> list[str]:
    """``found`` once the page has delivered the reports still in flight."""
    if not page.is_closed():
        page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
    return list(found)
