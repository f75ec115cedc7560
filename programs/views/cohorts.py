"""Cohort pages for HR admins: create, detail with phase timeline, edit, transitions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.web import action_submit, form_submit, optional_url
from programs import lifecycle, selectors, services
from programs.forms import CohortForm, TransitionForm
from programs.models import Cohort, Program
from programs.views.mixins import CohortMixin


def cohort_timeline(cohort: Cohort) -> list[dict]:
    current = lifecycle.PHASES.index(cohort.status)
    return [
        {"status": phase, "label": phase.capitalize(),
         "state": "done" if i < current else "current" if i == current else "todo"}
        for i, phase in enumerate(lifecycle.PHASES)
    ]


class CohortCreateView(OrganizationMixin, TemplateView):
    template_name = "programs/cohort_form.html"
    allowed_roles = ADMIN_ONLY

    def get_program(self) -> Program:
        return get_object_or_404(Program, pk=self.kwargs["program_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.get_program()
        context.setdefault("form", CohortForm())
        return context

    def post(self, request, org_slug, program_pk):
        program = self.get_program()
        form = CohortForm(request.POST)
        ok, cohort = form_submit(
            form, lambda data: services.cohort_create(program=program, **data))
        if ok:
            messages.success(request, f"Cohort “{cohort.name}” created as a draft.")
            return redirect("programs:cohort_detail", org_slug=org_slug, cohort_pk=cohort.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CohortDetailView(OrganizationMixin, TemplateView):
    template_name = "programs/cohort_detail.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            cohort = selectors.cohort_with_counts(pk=self.kwargs["cohort_pk"])
        except Cohort.DoesNotExist as error:
            raise Http404 from error
        slug = self.request.organization.slug
        context.update(
            cohort=cohort,
            program=cohort.program,
            invited_count=selectors.cohort_invited_count(cohort=cohort),
            timeline=cohort_timeline(cohort),
            transitions=lifecycle.next_transitions(cohort.status),
            apply_url=self.request.build_absolute_uri(
                optional_url("programs:cohort_apply", org_slug=slug,
                             token=cohort.enrollment_token) or ""),
            links={
                name: optional_url(f"programs:{name}", org_slug=slug, cohort_pk=cohort.pk)
                for name in ("cohort_roster", "cohort_import", "cohort_invite")
            },
            matching_url=optional_url("matching:cohort_runs", org_slug=slug,
                                      cohort_pk=cohort.pk),
        )
        return context


class CohortEditView(OrganizationMixin, CohortMixin, TemplateView):
    template_name = "programs/cohort_form.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = kwargs.get("cohort") or self.get_cohort()
        context.update(cohort=cohort, program=cohort.program)
        context.setdefault("form", CohortForm(instance=cohort))
        return context

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        if cohort.is_read_only:
            messages.error(request, f"This cohort is {cohort.status}: it can no longer be "
                                    "changed.")
            return redirect("programs:cohort_detail", org_slug=org_slug, cohort_pk=cohort.pk)
        form = CohortForm(request.POST, instance=cohort)
        ok, _ = form_submit(form, lambda data: services.cohort_update(
            cohort=self.get_cohort(fresh=True), **data))
        if ok:
            messages.success(request, "Cohort saved.")
            return redirect("programs:cohort_detail", org_slug=org_slug, cohort_pk=cohort.pk)
        return self.render_to_response(
            self.get_context_data(form=form, cohort=self.get_cohort(fresh=True)), status=400)


class CohortTransitionView(OrganizationMixin, CohortMixin, View):
    """Move a cohort to the next (or a previous) status; back to the cohort page either way."""

    allowed_roles = ADMIN_ONLY
    http_method_names = ["post"]

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status.")
        else:
            action_submit(request, lambda: services.cohort_transition(
                cohort=cohort, actor=request.user, to_status=form.cleaned_data["to_status"]),
                success=lambda _: f"Cohort is now {cohort.get_status_display()}.")
        return redirect("programs:cohort_detail", org_slug=org_slug, cohort_pk=cohort_pk)


urlpatterns = [
    path("<int:program_pk>/cohorts/new/", CohortCreateView.as_view(), name="cohort_create"),
    path("cohorts/<int:cohort_pk>/", CohortDetailView.as_view(), name="cohort_detail"),
    path("cohorts/<int:cohort_pk>/edit/", CohortEditView.as_view(), name="cohort_edit"),
    path("cohorts/<int:cohort_pk>/status/", CohortTransitionView.as_view(),
         name="cohort_transition"),
]
