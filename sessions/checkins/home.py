"""Start-page panel: the check-ins and fit checks waiting for the signed-in person."""

from __future__ import annotations

from accounts.permissions import PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel
from sessions.checkins.selectors import waiting_for


def _waiting(request) -> dict:
    return {"waiting": waiting_for(membership=request.membership)}


def register() -> None:
    register_home_panel(HomePanel(key="sessions.check_ins", order=11,
                                  template="sessions/checkins/home_panel.html",
                                  roles=PARTICIPANT_ROLES, context=_waiting))
