"""Participants' view of their pairs: partner's public profile and why they were paired."""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from accounts.permissions import PARTICIPANT_ROLES, OrganizationMixin
from matching import selectors


class MyPairsView(OrganizationMixin, TemplateView):
    """The signed-in person's partners: name, title, department, bio, topics and weekly
    availability in the reader's own time zone, and a friendly "Why you were paired".

    Privacy: only the partner's public part (never their email, manager, requests or
    exclusions), and none of the admin's review (scores, locks, rule overrides)."""

    template_name = "matching/my_pairs.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = selectors.pair_cards_of_user(
            user=self.request.user, default_tz=self.request.organization.time_zone)
        return context


urlpatterns = [
    path("mine/", MyPairsView.as_view(), name="my_pairs"),
]
