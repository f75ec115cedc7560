"""The participant's read-only page about their program (guidelines, prompts, resources)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.permissions import PARTICIPANT_ROLES, OrganizationMixin
from programs.guide import participant_for_guide, program_guide
from programs.models import Participant


class ParticipantProgramView(OrganizationMixin, TemplateView):
    """Own place: the program as a participant sees it. HR admin: the same page for any
    place (to check what participants read). Anyone else: 404, as for any object that is
    not theirs."""

    template_name = "programs/participants/program.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            participant = participant_for_guide(pk=self.kwargs["participant_pk"])
        except Participant.DoesNotExist as error:
            raise Http404("No such place.") from error
        is_owner = participant.membership_id == self.request.membership.pk
        if not is_owner and self.request.membership.role != Role.ADMIN:
            raise Http404("No such place.")
        context["guide"] = program_guide(participant=participant)
        context["participant"] = participant
        context["cohort"] = participant.cohort
        context["program"] = participant.cohort.program
        context["is_owner"] = is_owner
        return context


urlpatterns = [
    path("participants/<int:participant_pk>/program/", ParticipantProgramView.as_view(),
         name="participant_program"),
]
