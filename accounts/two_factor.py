"""An organization can require two-factor sign-in for its HR admins and executives.

Security boundary. When ``Organization.require_two_factor`` is on, an HR admin or executive
of that organization who has no authenticator (an authenticator app; recovery codes alone do
not count) cannot use anything under ``/o/<org_slug>/`` or ``/api/v1/o/<org_slug>/``: web
pages send them to set up an authenticator app, the API answers 403. Members, other
organizations and every page outside an organization (sign-in, sign-out, the two-factor
setup itself, the organization switcher) are unaffected, so nobody is locked out of the fix.

:class:`TwoFactorPolicyMiddleware` enforces it before the view runs, with one query per
request to an organization route; a view that has already loaded the organization and the
membership can ask :func:`two_factor_setup_required` instead, which needs no query unless the
organization requires two-factor sign-in.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.views import APIView

from accounts.models import Membership, Organization, Role, User, hash_token

ENFORCED_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE})
_TOKEN_KEYWORDS = ("bearer", "token")


def _second_factors(user_ref) -> Exists:
    return Exists(Authenticator.objects.filter(user=user_ref)
                  .exclude(type=Authenticator.Type.RECOVERY_CODES))


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


def _blocking_organization(users, org_slug: str) -> str | None:
    """The organization's name if one of ``users`` is held back by its policy, else ``None``.

    Filters through the user's own memberships (one join, no tenant scope needed: only the
    requester's membership in the organization named by the URL can match)."""
    return (users.filter(memberships__organization__slug=org_slug,
                         memberships__organization__require_two_factor=True,
                         memberships__role__in=ENFORCED_ROLES)
            .exclude(_second_factors(OuterRef("pk")))
            .order_by()
            .values_list("memberships__organization__name", flat=True)
            .first())


def _api_token_key(request: HttpRequest) -> str | None:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) == 2 and parts[0].lower() in _TOKEN_KEYWORDS:
        return parts[1]
    return None


class TwoFactorPolicyMiddleware:
    """Enforce the organization's two-factor requirement on every organization route.

    Runs in ``process_view`` (the URL's ``org_slug`` is known, the view has not run). API
    views authenticate by token first, as DRF does (accounts.api_auth), then by session.
    Place after ``AuthenticationMiddleware`` and ``MessageMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        org_slug = view_kwargs.get("org_slug")
        if not org_slug:
            return None
        view_class = getattr(view_func, "cls", None)
        is_api = isinstance(view_class, type) and issubclass(view_class, APIView)
        key = _api_token_key(request) if is_api else None
        if key is not None:
            users = User.objects.filter(api_tokens__key_hash=hash_token(key), is_active=True)
        elif request.user.is_authenticated:
            users = User.objects.filter(pk=request.user.pk)
        else:
            return None  # the view answers: sign-in page, 401 or 404
        organization_name = _blocking_organization(users, org_slug)
        if organization_name is None:
            return None
        return two_factor_refusal(request, organization_name=organization_name, api=is_api)


def two_factor_refusal(request: HttpRequest, *, organization_name: str,
                       api: bool) -> HttpResponse:
    """API: 403 with the reason. Web: to the authenticator setup, with the reason as a
    message (htmx requests are redirected by the client, not swapped into the page)."""
    message = two_factor_message(organization_name)
    if api:
        return JsonResponse({"detail": message}, status=403)  # the API's one error shape
    messages.warning(request, message)
    setup_url = reverse("mfa_activate_totp")
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(setup_url)
    return HttpResponseRedirect(setup_url)
