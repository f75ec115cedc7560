"""Web pages of check-ins, fit checks and HR alerts.

Security boundary:
- the check-in and fit-check pages of a pair (``/o/<org>/pairs/<pair_pk>/check-in/``,
  ``…/fit-check/``) load the pair through ``sessions.selectors.pair_of_member`` (the two
  people only; anyone else, HR included, 404) and then only the *viewer's own* check-in: both
  people of a pair open the same URL and each sees and answers their own, never the other's;
- HR's pages (``/o/<org>/check-ins/…``) are for admins only (403 otherwise) and load cohorts
  and alerts through the tenant scope (another organization's: 404). They show who raised an
  alert, the pair and the reason codes; the person's words only when they shared them.

The views parse input with the forms, call one service or selector and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, PARTICIPANT_ROLES, OrganizationMixin
from core.pagination import page_links
from core.web import action_submit, form_post
from matching.models import PairStatus
from programs.models import Cohort
from sessions.checkins import selectors, services
from sessions.checkins.forms import (
    AlertFilterForm,
    AlertResolveForm,
    CheckInForm,
    CheckInScheduleForm,
    FitCheckForm,
)
from sessions.models import AlertKind, AlertStatus, HRAlert
from sessions.views import PairMixin

PAGE_SIZE = 50


# --- the person's own ----------------------------------------------------------------------

class CheckInView(PairMixin, TemplateView):
    """The viewer's open check-in on this pair (the email's one-click link lands here)."""

    template_name = "sessions/checkins/check_in.html"

    @cached_property
    def check_in(self):
        return selectors.open_check_in(pair=self.pair, participant=self.me)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CheckInForm() if self.check_in else None)
        context.update(check_in=self.check_in,
                       last=None if self.check_in else selectors.last_check_in(
                           pair=self.pair, participant=self.me))
        return context

    def post(self, request, *args, **kwargs):
        if self.check_in is None:
            messages.info(request, "There is no check-in waiting for you on this pair.")
            return redirect(request.path)
        return form_post(
            self, CheckInForm(request.POST),
            lambda data: services.check_in_answer(check_in=self.check_in, actor=self.me,
                                                  **data),
            success="Thank you: your check-in is saved. Only you can read your answers.",
            then=lambda _: self.back())


class FitCheckView(PairMixin, TemplateView):
    """"Is this pairing working for you?" for the viewer only."""

    template_name = "sessions/checkins/fit_check.html"

    @cached_property
    def fit_check(self):
        return selectors.open_fit_check(pair=self.pair, participant=self.me)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pending = self.fit_check is not None and self.fit_check.is_pending
        context.setdefault("form", FitCheckForm() if pending else None)
        context.update(fit_check=self.fit_check)
        return context

    def post(self, request, *args, **kwargs):
        if self.fit_check is None or not self.fit_check.is_pending:
            messages.info(request, "There is no question waiting for you on this pair.")
            return redirect(request.path)
        form = FitCheckForm(request.POST)
        return form_post(
            self, form,
            lambda data: services.fit_check_answer(fit_check=self.fit_check, actor=self.me,
                                                   answer=data["answer"]),
            success=lambda _: "Thank you. Your partner never sees your answer." + (
                " Your HR team will be in touch about a better match."
                if form.cleaned_data["answer"] == "no" else ""),
            then=lambda _: self.back())


class MyCheckInsView(OrganizationMixin, TemplateView):
    """The viewer's own check-ins and fit checks, answered or waiting."""

    template_name = "sessions/checkins/mine.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.request.membership
        context.update(check_ins=list(selectors.my_check_ins(membership=membership)[:100]),
                       fit_checks=list(selectors.my_fit_checks(membership=membership)[:100]))
        return context


# --- HR ------------------------------------------------------------------------------------

class HRMixin(OrganizationMixin):
    allowed_roles = ADMIN_ONLY

    @cached_property
    def cohort(self) -> Cohort:
        return get_object_or_404(Cohort.objects.select_related("program"),
                                 pk=self.kwargs["cohort_pk"])


class OrganizationAlertsView(OrganizationMixin, TemplateView):
    """Every HR alert of the organization, open first, 50 a page (the navigation's entry)."""

    template_name = "sessions/checkins/alerts.html"
    allowed_roles = ADMIN_ONLY
    cohort = None

    def alerts(self, status: str):
        return selectors.hr_alerts(organization=self.request.organization, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AlertFilterForm(self.request.GET or None)
        status = form.cleaned_data["status"] if form.is_valid() else ""
        page = Paginator(self.alerts(status), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(cohort=self.cohort, filter_form=form, page=page,
                       page_links=page_links(page), status=status, AlertKind=AlertKind,
                       AlertStatus=AlertStatus)
        return context


class CohortAlertsView(HRMixin, OrganizationAlertsView):
    """A cohort's HR alerts, open first, 50 a page, with check-in participation counts."""

    def alerts(self, status: str):
        return selectors.hr_alerts_of_cohort(cohort=self.cohort, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(counts=selectors.alert_counts(cohort=self.cohort),
                       participation=selectors.check_in_participation(cohort=self.cohort),
                       aggregate=selectors.check_in_aggregate(cohort=self.cohort),
                       cadence_days=selectors.cadence_of(cohort=self.cohort))
        return context


class AlertMixin(OrganizationMixin):
    allowed_roles = ADMIN_ONLY

    @cached_property
    def alert(self) -> HRAlert:
        try:
            return selectors.hr_alert(alert_pk=self.kwargs["alert_pk"])
        except HRAlert.DoesNotExist as error:
            raise Http404("No such alert.") from error

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = self.alert
        slug = self.request.organization.slug
        context.update(
            alert=alert, cohort=alert.cohort, rematch=alert.kind == AlertKind.REMATCH,
            pair_url=reverse("matching:pair_hr", kwargs={"org_slug": slug,
                                                         "pair_pk": alert.pair_id}),
            repair_url=reverse("matching:pair_hr_repair", kwargs={"org_slug": slug,
                                                                  "pair_pk": alert.pair_id}),
            can_repair=alert.kind == AlertKind.REMATCH and alert.pair.status != PairStatus.ENDED,
            can_acknowledge=alert.status == AlertStatus.OPEN,
            can_resolve=alert.status != AlertStatus.RESOLVED)
        context.setdefault("resolve_form", AlertResolveForm())
        return context

    def back(self):
        return redirect("checkins:hr_alert", org_slug=self.request.organization.slug,
                        alert_pk=self.alert.pk)


class AlertDetailView(AlertMixin, TemplateView):
    template_name = "sessions/checkins/alert.html"


class AlertAcknowledgeView(AlertMixin, TemplateView):
    """POST only: HR has seen the alert."""

    template_name = "sessions/checkins/alert.html"
    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        ok, _ = action_submit(
            request, lambda: services.hr_alert_acknowledge(alert=self.alert, actor=request.user),
            success="Alert acknowledged.")
        if not ok:
            return self.render_to_response(self.get_context_data(), status=400)
        return self.back()


class AlertResolveView(AlertMixin, TemplateView):
    """POST only: HR closes the alert with a note (required; errors next to the field)."""

    template_name = "sessions/checkins/alert.html"
    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        return form_post(
            self, AlertResolveForm(request.POST),
            lambda data: services.hr_alert_resolve(alert=self.alert, actor=request.user,
                                                   note=data["note"]),
            form_name="resolve_form", success="Alert resolved.", then=lambda _: self.back())


class CheckInSettingsView(HRMixin, TemplateView):
    """HR sets the cohort's check-in cadence."""

    template_name = "sessions/checkins/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CheckInScheduleForm(initial={
            "cadence_days": selectors.cadence_of(cohort=self.cohort),
            "inactivity_days": selectors.inactivity_days_of(cohort=self.cohort)}))
        context["cohort"] = self.cohort
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, CheckInScheduleForm(request.POST),
            lambda data: services.check_in_schedule_set(
                cohort=self.cohort, actor=request.user, cadence_days=data["cadence_days"],
                inactivity_days=data["inactivity_days"]),
            success="Check-in cadence and inactivity days saved.",
            then=lambda _: redirect("checkins:hr_alerts", org_slug=request.organization.slug,
                                    cohort_pk=self.cohort.pk))
