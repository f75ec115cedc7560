"""Start-page panel contributed by matching: the viewer's mentoring partners."""

from __future__ import annotations

from accounts.home import HomePanel, register_home_panel
from accounts.permissions import PARTICIPANT_ROLES
from matching.selectors import pairs_of_user


def _my_pairs(request) -> dict:
    user = request.user
    partners = []
    for pair in pairs_of_user(user=user):
        partner = pair.mentee if pair.mentor.membership.user_id == user.pk else pair.mentor
        partners.append({"name": partner.membership.user.display_name,
                         "title": partner.profile.job_title, "cohort": pair.cohort.name})
    return {"partners": partners}


def register() -> None:
    register_home_panel(HomePanel(key="matching.pairs", order=15,
                                  template="matching/home_pairs.html",
                                  roles=PARTICIPANT_ROLES, context=_my_pairs))
