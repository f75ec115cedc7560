"""Receivers for signals of lower apps (connected in ``ProgramsConfig.ready``)."""

from __future__ import annotations

from accounts.models import Invitation, Membership
from core.tenancy import organization_scope


def enroll_on_invitation_accepted(sender, *, invitation: Invitation, membership: Membership,
                                  **kwargs) -> None:
    """An accepted invitation that names a cohort enrolls the person there (same
    transaction and tenant scope as the acceptance)."""
    from programs.services.participants import cohort_invitation_accepted

    cohort_invitation_accepted(invitation=invitation, membership=membership)


def invitation_invitee_name(invitation: Invitation) -> str:
    """The name the organization gave the person it invited into a cohort (an import's
    cell), to fill in the invitation page's form."""
    from programs.models import CohortInvitation

    with organization_scope(invitation.organization):
        return (CohortInvitation.objects.filter(invitation=invitation)
                .values_list("name", flat=True).first() or "")


def invitation_landing(invitation: Invitation, membership: Membership) -> str | None:
    """An accepted cohort invitation lands on the person's profile for that cohort, as the
    welcome email's link does."""
    from programs.models import CohortInvitation, Participant
    from programs.services.participants import participant_profile_path

    with organization_scope(invitation.organization):
        cohort_id = (CohortInvitation.objects.filter(invitation=invitation)
                     .values_list("cohort_id", flat=True).first())
        if cohort_id is None:
            return None
        participant = (Participant.objects.filter(cohort_id=cohort_id, membership=membership)
                       .select_related("cohort__organization").first())
    return participant_profile_path(participant) if participant is not None else None
