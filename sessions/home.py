"""Start-page panel contributed by the workspace: each pair's next session and what is due."""

from __future__ import annotations

from django.urls import reverse

from accounts.permissions import PARTICIPANT_ROLES
from core.home import HomePanel, register_home_panel
from matching.home import my_pairs
from sessions.selectors import home_summaries


def _next_and_due(request) -> dict:
    summaries = home_summaries(membership=request.membership, pairs=my_pairs(request))
    for summary in summaries:
        for item in summary.due:
            item.url = reverse(item.url_name, kwargs={
                "org_slug": request.organization.slug, **item.kwargs})
    return {"summaries": summaries}


def register() -> None:
    register_home_panel(HomePanel(key="sessions.next", order=12,
                                  template="sessions/home_panel.html",
                                  roles=PARTICIPANT_ROLES, context=_next_and_due))
