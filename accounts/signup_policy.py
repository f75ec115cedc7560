"""Who may create an account: Flipside accounts are made by organizations, not by passers-by.

Sign-up is open to a visitor only when

- their session holds a pending invitation (they opened its link: ``remember_invitation``) and
  they sign up with the invited address, or
- their address is at a domain an organization listed under "self-sign-up email domains";
  they join that organization as a member once they confirm the address
  (:func:`accounts.services.membership_join_by_signup_domain`).

Everyone else sees the closed sign-up page, which points to their HR team, the welcome email's
link, and the "email me a sign-in link" form. Which domains are listed, and by whom, is never
shown.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Invitation, Organization, split_domains

INVITATION_SESSION_KEY = "flipside_signup_invitation"

CLOSED_MESSAGE = ("Flipside accounts are created by your organization: ask your HR team for an "
                  "invitation, or use the link in your welcome email.")


def remember_invitation(request: HttpRequest, invitation: Invitation) -> None:
    request.session[INVITATION_SESSION_KEY] = invitation.token


def invited_email(request: HttpRequest | None) -> str | None:
    """The address of the still-acceptable invitation whose link this visitor opened."""
    session = getattr(request, "session", None)
    token = session.get(INVITATION_SESSION_KEY) if session is not None else None
    if not token:
        return None
    invitation = (Invitation.objects.with_scopes_disabled()  # looked up by its secret token
                  .filter(token=token, accepted_at__isnull=True, revoked_at__isnull=True,
                          expires_at__gt=timezone.now()).first())
    return invitation.email.lower() if invitation else None


def self_signup_offered() -> bool:
    return Organization.objects.exclude(self_signup_domains="").exists()


def organization_for_email_domain(email: str) -> Organization | None:
    """The organization that opened sign-up for ``email``'s domain (a domain belongs to at
    most one, see ``Organization.clean``)."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return None
    candidates = Organization.objects.filter(self_signup_domains__icontains=domain)
    return next((org for org in candidates if domain in split_domains(org.self_signup_domains)),
                None)


def signup_is_open(request: HttpRequest) -> bool:
    return invited_email(request) is not None or self_signup_offered()


def signup_refusal(request: HttpRequest | None, email: str) -> str | None:
    """Why ``email`` may not sign up here, or ``None`` when it may."""
    email = email.strip().lower()
    if email and (email == invited_email(request) or organization_for_email_domain(email)):
        return None
    return CLOSED_MESSAGE
