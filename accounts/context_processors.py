from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from accounts.selectors import (
    nav_memberships_of,
    nav_memberships_of_user,
    unread_notification_count,
)


def _nav_items(request, organization, membership) -> list[dict]:
    items = []
    for label, url_name, roles in settings.FLIPSIDE_NAV:
        if membership.role not in roles:
            continue
        try:
            url = reverse(url_name, kwargs={"org_slug": organization.slug})
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False})
    # The one active item is the longest URL that prefixes the current path.
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items


def navigation(request) -> dict:
    """Navigation for the signed-in user: their organizations, role-based links, unread count.

    Lazy: the query behind the switcher, and the one behind the unread count, run only when
    a template shows them (a full page does; an htmx fragment does not). Pages of an
    organization have the switcher's memberships already (accounts.permissions)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
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
    }
    if organization is not None and membership is not None:
        context["nav_items"] = SimpleLazyObject(
            lambda: _nav_items(request, organization, membership))
    return context
