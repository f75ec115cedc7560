from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Sign-in lands on the organization start page (or the switcher)."""

    def get_login_redirect_url(self, request):
        return reverse("home")
