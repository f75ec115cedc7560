"""Receivers for signals of lower apps (connected in ``ProgramsConfig.ready``)."""

from __future__ import annotations

from accounts.models import Invitation, Membership


def enroll_on_invitation_accepted(sender, *, invitation: Invitation, membership: Membership,
                                  **kwargs) -> None:
    """An accepted invitation that names a cohort enrolls the person there (same
    transaction and tenant scope as the acceptance)."""
    from programs.services.participants import cohort_invitation_accepted

    cohort_invitation_accepted(invitation=invitation, membership=membership)
