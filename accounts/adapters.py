from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import secret_box
from accounts.throttles import client_ip


class SignInLimitsAdapterMixin:
    """Sign-in rate limits per real client (behind trusted proxies) that answer 429.

    allauth reports a locked sign-in as a form error with status 200; clients, proxies and
    monitoring then cannot tell a lock from a typo. A lock answers 429 here, with the same
    page allauth's own per-request limits render (``templates/429.html``).
    """

    def get_client_ip(self, request):
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(respond_429(request)) from error
            raise


class SignupPolicyAdapterMixin:
    """Sign-up is by invitation (or for an organization's self-sign-up domains) only; see
    accounts/signup_policy.py. The email check itself is in ``accounts.forms.SignupForm``."""

    def is_open_for_signup(self, request):
        from accounts.signup_policy import signup_is_open

        return signup_is_open(request)

    def send_account_already_exists_mail(self, email: str) -> None:
        """Someone signed up with the address of an existing account: most often its owner,
        imported or invited, who never chose a password. Instead of allauth's "an account
        already exists" email, that address gets a sign-in link to the page sign-up would have
        returned to. The page shown is allauth's usual "check your email", so nothing tells the
        visitor whether the account exists."""
        from allauth.core import context

        from accounts.login_links import is_local_path
        from accounts.services import login_link_request

        request = context.request
        next_path = (request.POST.get("next") or request.GET.get("next") or "") if request else ""
        login_link_request(email=email, target=next_path if is_local_path(next_path) else "/")


class AccountAdapter(SignupPolicyAdapterMixin, SignInLimitsAdapterMixin, DefaultAccountAdapter):
    """Sign-in lands on the organization start page (or the switcher)."""

    def get_login_redirect_url(self, request):
        return reverse("home")


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted (accounts/secret_box.py)."""

    def encrypt(self, text: str) -> str:
        return secret_box.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_box.decrypt(encrypted_text)
