"""An organization can require two-factor sign-in for its HR admins and executives.

Security boundary. When ``Organization.require_two_factor`` is on, an HR admin or executive
of that organization who has no authenticator (an authenticator app; recovery codes alone do
not count) cannot use anything under ``/o/<org_slug>/`` or ``/api/v1/o/<org_slug>/``: web
pages send them to set up an authenticator app, the API answers 403. Members, other
organizations and every page outside an organization (sign-in, sign-out, the two-factor
setup itself, the organization switcher) are unaffected, so nobody is locked out of the fix.

The tenant mixins (``accounts.permissions``) enforce it right after they have resolved the
membership, with :func:`two_factor_setup_required`: no query at all unless the organization
requires two-factor sign-in.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Membership, Organization, Role, User

ENFORCED_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE})


def has_second_factor(user: User) -> bool:
    return (Authenticator.objects.filter(user=user)
            .exclude(type=Authenticator.Type.RECOVERY_CODES).exists())


def two_factor_setup_required(*, user: User, organization: Organization,
                              membership: Membership) -> bool:
    """Whether ``user`` must set up two-factor sign-in before using ``organization``."""
    if not organization.require_two_factor or membership.role not in ENFORCED_ROLES:
        return False
    return not has_second_factor(user)


def two_factor_message(organization_name: str) -> str:
    return (f"{organization_name} requires two-factor sign-in for HR admins and executives. "
            "Set up an authenticator app to continue.")


def two_factor_refusal(request: HttpRequest, *, organization_name: str) -> HttpResponse:
    """To the authenticator setup, with the reason as a message (htmx requests are
    redirected by the client, not swapped into the page). The API answers 403 instead."""
    messages.warning(request, two_factor_message(organization_name))
    setup_url = reverse("mfa_activate_totp")
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(setup_url)
    return HttpResponseRedirect(setup_url)
