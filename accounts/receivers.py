"""Receivers of allauth's signals (connected in ``AccountsConfig.ready``)."""

from __future__ import annotations


def join_by_signup_domain_on_email_confirmed(sender, *, request, email_address, **kwargs):
    """A confirmed address at an organization's self-sign-up domain makes its owner a member
    there (accounts/signup_policy.py)."""
    from accounts.services import membership_join_by_signup_domain

    membership_join_by_signup_domain(user=email_address.user, email=email_address.email)
