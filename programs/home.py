"""Start-page panels contributed by programs (registered in ProgramsConfig.ready)."""

from __future__ import annotations

from accounts.permissions import ADMIN_AND_EXECUTIVE, PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel
from programs.models import CohortStatus, Participant, ParticipantStatus
from programs.selectors import cohorts_with_counts

LIVE_STATUSES = [CohortStatus.ENROLLING, CohortStatus.MATCHING, CohortStatus.ACTIVE]


def _cohort_overview(request) -> dict:
    cohorts = (cohorts_with_counts().filter(status__in=[*LIVE_STATUSES, CohortStatus.DRAFT])
               .order_by("status", "start_date"))
    return {"cohorts": cohorts, "is_admin": request.membership.is_admin}


def _my_participations(request) -> dict:
    places = Participant.objects.filter(
        membership=request.membership,
        status__in=[ParticipantStatus.ACTIVE, ParticipantStatus.APPLIED],
    ).select_related("cohort__program").order_by("-cohort__start_date")
    return {"places": places}


def register() -> None:
    register_home_panel(HomePanel(key="programs.cohorts", order=10,
                                  template="programs/home/cohorts.html",
                                  roles=ADMIN_AND_EXECUTIVE, context=_cohort_overview))
    register_home_panel(HomePanel(key="programs.mine", order=20,
                                  template="programs/home/mine.html",
                                  roles=PARTICIPANT_ROLES, context=_my_participations))
