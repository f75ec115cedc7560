"""Start-page panel contributed by the surveys: the surveys the viewer can answer now."""

from __future__ import annotations

from accounts.permissions import PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel
from feedback.selectors import surveys_for_member
from programs.home import my_places


def _to_answer(request) -> dict:
    return {"surveys": [m for m in surveys_for_member(membership=request.membership,
                                                      places=my_places(request))
                        if m.can_answer]}


def register() -> None:
    register_home_panel(HomePanel(key="feedback.to_answer", order=14,
                                  template="feedback/home_panel.html",
                                  roles=PARTICIPANT_ROLES, context=_to_answer))
