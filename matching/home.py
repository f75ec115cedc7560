"""Start-page panel contributed by matching: the viewer's mentoring partners."""

from __future__ import annotations

from accounts.permissions import PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel, shared_by_panels
from matching.models import Pair
from matching.selectors import pairs_of_places, partners_of_pairs
from programs.home import my_places


def my_pairs(request) -> list[Pair]:
    """The viewer's pairs (any status), loaded once for every panel of the start page."""
    return shared_by_panels(request, "pairs", lambda: pairs_of_places(
        place_ids=[place.pk for place in my_places(request)]))


def _my_pairs(request) -> dict:
    return {"partners": partners_of_pairs(pairs=my_pairs(request),
                                          membership=request.membership)}


def register() -> None:
    register_home_panel(HomePanel(key="matching.pairs", order=15,
                                  template="matching/home_pairs.html",
                                  roles=PARTICIPANT_ROLES, context=_my_pairs))
