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
