"""Start-page panels contributed by programs (registered in ProgramsConfig.ready)."""

from __future__ import annotations

from accounts.permissions import ADMIN_AND_EXECUTIVE, PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel, shared_by_panels
from core.web import optional_url
from programs.models import CohortStatus, ParticipantStatus
from programs.selectors import cohorts_with_counts, places_of_membership

LIVE_STATUSES = [CohortStatus.ENROLLING, CohortStatus.MATCHING, CohortStatus.ACTIVE]


def _cohort_overview(request) -> dict:
    cohorts = (cohorts_with_counts().filter(status__in=[*LIVE_STATUSES, CohortStatus.DRAFT])
               .order_by("status", "start_date"))
    # The dashboards app sits above programs: its page is linked by name, if it is installed.
    return {"cohorts": cohorts, "is_admin": request.membership.is_admin,
            "dashboard_url": optional_url("dashboards:dashboard",
                                          org_slug=request.organization.slug)}


def my_places(request) -> list:
    """The viewer's places (any status), loaded once for every panel of the start page."""
    return shared_by_panels(request, "places",
                            lambda: places_of_membership(membership=request.membership))


def _my_participations(request) -> dict:
    shown = (ParticipantStatus.ACTIVE, ParticipantStatus.APPLIED)
    return {"places": [p for p in my_places(request) if p.status in shown]}


def register() -> None:
    register_home_panel(HomePanel(key="programs.cohorts", order=10,
                                  template="programs/home/cohorts.html",
                                  roles=ADMIN_AND_EXECUTIVE, context=_cohort_overview))
    register_home_panel(HomePanel(key="programs.mine", order=20,
                                  template="programs/home/mine.html",
                                  roles=PARTICIPANT_ROLES, context=_my_participations))
