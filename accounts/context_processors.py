from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from accounts.selectors import (
    nav_memberships_of,
    nav_memberships_of_user,
    unread_notification_count,
)

#: The layout's links that take no argument (templates/components/navbar.html, base.html).
LAYOUT_URL_NAMES = ("home", "organization_switcher", "notification_list", "account_email",
                    "account_change_password", "mfa_index", "api_tokens",
                    "notification_preferences", "account_logout", "swagger-ui")


@lru_cache(maxsize=4096)
def _nav_links(prefix: str, urlconf: str, org_slug: str, role: str
               ) -> tuple[tuple[str, str], ...]:
    """(label, URL) of the navigation for one organization and role. The same on every page
    of a worker: reversed once per (organization, role), not a dozen times per request."""
    links = []
    for label, url_name, roles in settings.FLIPSIDE_NAV:
        if role not in roles:
            continue
        try:
            links.append((label, reverse(url_name, urlconf=urlconf,
                                         kwargs={"org_slug": org_slug})))
        except NoReverseMatch:
            continue
    return tuple(links)


@lru_cache(maxsize=64)
def _layout_urls(prefix: str, urlconf: str) -> dict[str, str]:
    return {name.replace("-", "_"): reverse(name, urlconf=urlconf) for name in LAYOUT_URL_NAMES}


@receiver(setting_changed)
def _forget_reversed_urls(*, setting, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "FLIPSIDE_NAV", "FORCE_SCRIPT_NAME"):
        _nav_links.cache_clear()
        _layout_urls.cache_clear()


def _urlconf() -> str:
    return get_urlconf() or settings.ROOT_URLCONF


def _nav_items(request, organization, membership) -> list[dict]:
    items = [{"label": label, "url": url, "active": False} for label, url in
             _nav_links(get_script_prefix(), _urlconf(), organization.slug, membership.role)]
    # The one active item is the longest URL that prefixes the current path.
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items


def navigation(request) -> dict:
    """Navigation for the signed-in user: their organizations, role-based links, unread count,
    and the layout's fixed links (``layout_urls``, reversed once per worker).

    Lazy: the query behind the switcher, and the one behind the unread count, run only when
    a template shows them (a full page does; an htmx fragment does not). Pages of an
    organization have the switcher's memberships already (accounts.permissions)."""
    layout_urls = SimpleLazyObject(lambda: _layout_urls(get_script_prefix(), _urlconf()))
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"layout_urls": layout_urls}
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    context = {
        # Pages of an organization loaded the user's memberships already (to resolve it).
        "nav_memberships": SimpleLazyObject(
            lambda: nav_memberships_of(request.user_memberships)
            if getattr(request, "user_memberships", None) is not None
            else nav_memberships_of_user(user=user)),
        "nav_unread_count": SimpleLazyObject(lambda: unread_notification_count(user=user)),
        "nav_organization": organization,
        "layout_urls": layout_urls,
    }
    if organization is not None and membership is not None:
        context["nav_items"] = SimpleLazyObject(
            lambda: _nav_items(request, organization, membership))
    return context
