"""Participants' view of their pairs: partner's public profile and why they were paired."""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from accounts.permissions import PARTICIPANT_ROLES, OrganizationMixin
from matching import selectors


class MyPairsView(OrganizationMixin, TemplateView):
    template_name = "matching/my_pairs.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        cards = []
        for pair in selectors.pairs_of_user(user=user):
            me_mentor = pair.mentor.membership.user_id == user.pk
            partner = pair.mentee if me_mentor else pair.mentor
            cards.append({"pair": pair, "partner": partner,
                          "my_role": "mentor" if me_mentor else "mentee",
                          "partner_topics": list(partner.topics.all())})
        context["cards"] = cards
        return context


urlpatterns = [
    path("mine/", MyPairsView.as_view(), name="my_pairs"),
]
