"""The page behind an invitation email's link: the invited person's first sign-in.

Three ways in, each one step, each landing on the page the invitation is about (the profile
of the cohort place it carries, else the organization's home):

- no account with the invited address: one form (name, password) makes the account, marks
  the address verified (the link was opened from it), accepts and signs them in;
- an account with that address: "Continue as <first name>" signs them in by the invitation
  token, which proves the mailbox as a sign-in link does, then accepts;
- signed in as the invited address: "Accept invitation".

Security boundary:
- GET never signs anyone in nor accepts (mail scanners prefetch links): every step is a POST
  with a CSRF token;
- signing in goes through allauth's ``perform_login``: an account with two-factor
  authentication stops at the code step and comes back to this page signed in, where it
  accepts with one click (nothing is accepted before the second factor); an inactive
  account cannot continue at all;
- the token is single use (accepting marks the invitation used) and expiring; a dead one
  answers 410 and offers a fresh link by email, rate limited and answering the same
  whether or not anything is sent;
- only the mailbox owner sees the page, so it may name their account, but it says nothing
  about any other organization.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts import selectors, services
from accounts.forms import InvitationJoinForm, LoginLinkRequestForm
from accounts.login_link_views import first_name, rate_limited
from accounts.models import Invitation, User
from accounts.signup_policy import remember_invitation

TEMPLATE = "accounts/invitation_accept.html"


def _dead(request, error: services.InvitationError, token: str):
    """Why the link no longer works, and how to get a fresh one (410)."""
    return render(request, TEMPLATE, {
        "error": str(error), "status": error.status, "token": token,
        "request_form": LoginLinkRequestForm(initial={"next": "/"}),
    }, status=410)


def _already_accepted_by(request, token: str):
    """The person who accepted this link, signed in and opening it again: take them in."""
    if not request.user.is_authenticated:
        return None
    invitation = selectors.invitation_by_token(token=token, accepted_by=request.user)
    if invitation is None:
        return None
    try:
        membership = services.invitation_accept(token=token, user=request.user)
    except services.InvitationError:  # removed from the organization since
        return None
    return redirect(selectors.invitation_landing_path(invitation=invitation,
                                                      membership=membership))


def _accepted(request, invitation: Invitation, membership):
    messages.success(request, f"Welcome to {invitation.organization.name}!")
    return selectors.invitation_landing_path(invitation=invitation, membership=membership)


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(View):
    """``/invitations/<token>/``."""

    def _page(self, request, invitation: Invitation, *, form=None, status: int = 200):
        context = {"invitation": invitation, "organization": invitation.organization,
                   "login_url": f"{reverse('account_login')}?"
                                f"{urlencode({'next': request.path})}"}
        if request.user.is_authenticated:
            context["email_matches"] = (request.user.email.lower()
                                        == invitation.email.lower())
            return render(request, TEMPLATE, context, status=status)
        account = selectors.invitation_account_of(invitation=invitation)
        if account is None:
            context["form"] = form or InvitationJoinForm(
                User(email=invitation.email),
                initial={"full_name": selectors.invitation_invitee_name(invitation=invitation)})
        else:
            context.update(account=account, first_name=first_name(account))
        return render(request, TEMPLATE, context, status=status)

    def get(self, request, token):
        try:
            invitation = services.invitation_get_acceptable(token=token)
        except services.InvitationError as error:
            return _already_accepted_by(request, token) or _dead(request, error, token)
        if not request.user.is_authenticated:
            # Sign-up through allauth stays open to the invited address (and only to it).
            get_adapter(request).stash_verified_email(request, invitation.email)
            remember_invitation(request, invitation)
        return self._page(request, invitation)

    def post(self, request, token):
        try:
            invitation = services.invitation_get_acceptable(token=token)
        except services.InvitationError as error:
            return _already_accepted_by(request, token) or _dead(request, error, token)
        if request.user.is_authenticated:
            try:
                membership = services.invitation_accept(token=token, user=request.user)
            except services.InvitationError as error:
                return _dead(request, error, token)
            return redirect(_accepted(request, invitation, membership))
        account = selectors.invitation_account_of(invitation=invitation)
        if account is None:
            return self._join(request, invitation, token)
        if not account.is_active:
            return self._page(request, invitation, status=403)
        return self._continue(request, invitation, token, account)

    def _join(self, request, invitation: Invitation, token: str):
        form = InvitationJoinForm(User(email=invitation.email), request.POST)
        if not form.is_valid():
            return self._page(request, invitation, form=form, status=400)
        try:
            user, membership = services.invitation_join_new_account(
                token=token, full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["new_password1"])
        except services.InvitationError as error:
            if error.status == "account_exists":  # made meanwhile: offer to continue with it
                return redirect(request.path)
            return _dead(request, error, token)
        return perform_login(request, user,
                             redirect_url=_accepted(request, invitation, membership))

    def _continue(self, request, invitation: Invitation, token: str, account: User):
        services.email_address_mark_verified(user=account)
        response = perform_login(request, account, redirect_url=request.path)
        if not (request.user.is_authenticated and request.user.pk == account.pk):
            return response  # the two-factor code step: back here afterwards, signed in
        try:
            membership = services.invitation_accept(token=token, user=account)
        except services.InvitationError as error:  # used by a concurrent request
            logout(request)
            return _dead(request, error, token)
        return redirect(_accepted(request, invitation, membership))


@method_decorator(never_cache, name="dispatch")
class InvitationFreshView(View):
    """"Email me a fresh link" on a dead invitation's page (POST only)."""

    http_method_names = ["post"]

    def post(self, request, token):
        invitation = selectors.invitation_by_token(token=token)
        key = f"email:{invitation.email.lower()}" if invitation else f"token:{token[:64]}"
        if rate_limited(request, key=key):
            return render(request, "accounts/invitation_sent.html", {"limited": True},
                          status=429)
        if invitation is not None:
            services.invitation_send_fresh(invitation=invitation)
        return render(request, "accounts/invitation_sent.html", {"limited": False})
