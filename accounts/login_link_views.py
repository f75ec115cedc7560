"""The pages behind personal sign-in links (accounts/login_links.py).

Security boundary:
- opening a link (GET) never signs anyone in: mail scanners and link previews fetch GETs.
  The person presses "Continue" (a POST with a CSRF token) or submits the password form;
- signing in goes through allauth's ``perform_login``, so an account with two-factor
  authentication stops at the code step, inactive accounts are refused, and sign-in signals
  run as for a password sign-in;
- the landing page is the link's signed target, checked again to be a local path;
- "Email me a link" answers the same whether or not an account exists, is rate limited per
  IP and per address (or account), and sends only to the address on the account;
- the pages are never cached and the token never leaves the site in a Referer
  (``SECURE_REFERRER_POLICY = "same-origin"``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.utils import perform_login
from allauth.core.internal import ratelimit
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts import selectors, services
from accounts.forms import LoginLinkPasswordForm, LoginLinkRequestForm
from accounts.login_links import is_local_path, lifetime

PROBLEM_STATUS = {"invalid": 404, "used": 410, "expired": 410, "superseded": 410}


def first_name(user) -> str:
    name = (user.full_name or user.first_name or "").strip()
    return name.split()[0] if name else user.email


def rate_limited(request, *, key: str) -> bool:
    usage = ratelimit.consume(request, app="flipside", action="login_link_request",
                              config=settings.FLIPSIDE_RATE_LIMITS, key=key)
    return usage is None


def link_sent(request, *, limited: bool = False):
    """The same answer whether or not an account exists (``limited``: too many requests for
    this address or from this network, which says nothing about any account either)."""
    hours = settings.FLIPSIDE_LOGIN_LINK_HOURS["login_link"]
    return render(request, "accounts/login_link_sent.html", {"hours": hours, "limited": limited},
                  status=429 if limited else 200)


@method_decorator(never_cache, name="dispatch")
class LoginLinkView(View):
    """``/l/<token>/``: the link in a welcome, invitation or introduction email."""

    template_name = "accounts/login_link.html"

    def _problem(self, request, check):
        target = check.claim.target if check.claim else reverse("home")
        return render(request, "accounts/login_link_problem.html", {
            "check": check, "token": self.kwargs["token"],
            "lifetime_days": (lifetime(check.claim.purpose).days if check.claim else None),
            "login_url": f"{reverse('account_login')}?{urlencode({'next': safe_target(target)})}",
            "request_form": LoginLinkRequestForm(initial={"next": target}),
        }, status=PROBLEM_STATUS[check.status])

    def _page(self, request, check, *, form=None, status=200):
        user = check.user
        needs_password = not user.has_usable_password()
        return render(request, self.template_name, {
            "first_name": first_name(user),
            "needs_password": needs_password,
            "form": form or (LoginLinkPasswordForm(user) if needs_password else None),
            "signed_in_as_other": request.user.is_authenticated,
        }, status=status)

    def _already_in(self, request, check) -> bool:
        """The link's own person, already signed in: just take them there."""
        return (check.claim is not None and check.user is not None
                and request.user.is_authenticated and request.user.pk == check.user.pk)

    def get(self, request, token):
        check = selectors.login_link_check(token=token)
        if self._already_in(request, check):
            return redirect(safe_target(check.claim.target))
        if not check.valid:
            return self._problem(request, check)
        return self._page(request, check)

    def post(self, request, token):
        check = selectors.login_link_check(token=token)
        if self._already_in(request, check):
            return redirect(safe_target(check.claim.target))
        if not check.valid:
            return self._problem(request, check)
        user = check.user
        new_password = None
        if not user.has_usable_password():
            form = LoginLinkPasswordForm(user, request.POST)
            if not form.is_valid():
                return self._page(request, check, form=form, status=400)
            new_password = form.cleaned_data["new_password1"]
        try:
            services.login_link_consume(claim=check.claim, user=user, new_password=new_password)
        except services.LoginLinkUsed:
            return self._problem(request, selectors.login_link_check(token=token))
        return perform_login(request, user, redirect_url=safe_target(check.claim.target))


def safe_target(target: str) -> str:
    return target if is_local_path(target) else reverse("home")


@method_decorator(never_cache, name="dispatch")
class LoginLinkFreshView(View):
    """"Email me a fresh link" on an expired or used link's page (POST only)."""

    http_method_names = ["post"]

    def post(self, request, token):
        check = selectors.login_link_check(token=token)
        key = f"user:{check.user.pk}" if check.user else f"token:{token[:64]}"
        if rate_limited(request, key=key):
            return link_sent(request, limited=True)
        if check.user is not None:
            services.login_link_send(user=check.user, target=safe_target(check.claim.target))
        return link_sent(request)


@method_decorator(never_cache, name="dispatch")
class LoginLinkRequestView(View):
    """``/l/``: "Email me a sign-in link" for anyone who knows their address."""

    template_name = "accounts/login_link_request.html"

    def get(self, request):
        next_path = request.GET.get("next", "")
        initial = {"next": next_path if is_local_path(next_path) else ""}
        return render(request, self.template_name, {"form": LoginLinkRequestForm(initial=initial)})

    def post(self, request):
        form = LoginLinkRequestForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        email = form.cleaned_data["email"].strip().lower()
        if rate_limited(request, key=f"email:{email}"):
            return link_sent(request, limited=True)
        services.login_link_request(email=email,
                                    target=safe_target(form.cleaned_data["next"] or "/"))
        return link_sent(request)
