"""Start-page panel contributed by matching: the viewer's mentoring partners."""

from __future__ import annotations

from accounts.permissions import PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel
from matching.selectors import partners_of_user


def _my_pairs(request) -> dict:
    return {"partners": partners_of_user(user=request.user)}


def register() -> None:
    register_home_panel(HomePanel(key="matching.pairs", order=15,
                                  template="matching/home_pairs.html",
                                  roles=PARTICIPANT_ROLES, context=_my_pairs))
