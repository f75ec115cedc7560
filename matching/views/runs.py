"""Matching pages for HR admins: runs with live progress, review, decisions, publishing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from accounts.web import validation_message
from matching import selectors, services
from matching.forms import DecisionForm, ManualPairForm, SwapForm
from matching.models import MatchingRun, PairDecision, Proposal, RunStatus
from programs.models import Cohort, CohortStatus, Participant, ParticipantStatus


def _cohort_people(cohort: Cohort, role: str):
    return Participant.objects.filter(cohort=cohort, role=role,
                                      status=ParticipantStatus.ACTIVE) \
        .select_related("membership__user", "profile").order_by("membership__user__full_name")


def manual_pair_form(cohort: Cohort, data=None) -> ManualPairForm:
    return ManualPairForm(data, mentors=_cohort_people(cohort, "mentor"),
                          mentees=_cohort_people(cohort, "mentee"))


class MatchingHomeView(OrganizationMixin, TemplateView):
    template_name = "matching/home.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cohorts"] = Cohort.objects.filter(
            status__in=[CohortStatus.MATCHING, CohortStatus.ACTIVE, CohortStatus.ENROLLING],
        ).select_related("program").order_by("status", "-start_date")
        return context


class CohortMatchingView(OrganizationMixin, TemplateView):
    """A cohort's runs (compared as a chart and a table), decisions and published pairs."""

    template_name = "matching/cohort.html"
    allowed_roles = ADMIN_ONLY

    def get_cohort(self) -> Cohort:
        return get_object_or_404(Cohort.objects.select_related("program"),
                                 pk=self.kwargs["cohort_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.get_cohort()
        runs = list(selectors.runs_of_cohort(cohort=cohort))
        context.update(
            cohort=cohort, runs=runs,
            chart_runs=[r for r in reversed(runs) if r.status == RunStatus.SUCCEEDED],
            decisions=selectors.decisions_of_cohort(cohort=cohort),
            pairs=selectors.pairs_of_cohort(cohort=cohort),
            manual_form=kwargs.get("manual_form") or manual_pair_form(cohort),
        )
        return context


class RunStartView(CohortMatchingView):
    http_method_names = ["post"]

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        try:
            run = services.run_start(cohort=cohort, actor=request.user)
        except ValidationError as error:
            messages.error(request, validation_message(error))
            return redirect("matching:cohort_runs", org_slug=org_slug, cohort_pk=cohort.pk)
        return redirect("matching:run_detail", org_slug=org_slug, run_pk=run.pk)


class RunMixin(OrganizationMixin):
    allowed_roles = ADMIN_ONLY

    def get_run(self) -> MatchingRun:
        return get_object_or_404(MatchingRun.objects.select_related("cohort__program"),
                                 pk=self.kwargs["run_pk"])


class RunDetailView(RunMixin, TemplateView):
    """Progress while the run computes (htmx polls the progress partial), then the review."""

    template_name = "matching/run_detail.html"

    def get_template_names(self):
        if self.request.htmx and self.request.GET.get("fragment") == "progress":
            return ["matching/run_detail.html#progress"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        run = response.context_data["run"]
        if request.htmx and request.GET.get("fragment") == "progress" and run.is_finished:
            response["HX-Refresh"] = "true"  # finished: reload to show the review
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.get_run()
        cohort = run.cohort
        context.update(run=run, cohort=cohort)
        if run.status == RunStatus.SUCCEEDED and not (self.request.htmx and
                                                      self.request.GET.get("fragment")):
            decisions = {(d.mentor_id, d.mentee_id): d
                         for d in PairDecision.objects.filter(cohort=cohort)}
            proposals = list(selectors.proposals_of_run(run=run))
            for proposal in proposals:
                proposal.decision = decisions.get((proposal.mentor_id, proposal.mentee_id))
                proposal.percent = round(proposal.score * 100)
            spare_ids = [int(pk) for pk in run.spare_capacity]
            context.update(
                proposals=proposals,
                spare_mentors=[(p, run.spare_capacity[str(p.pk)]) for p in
                               Participant.objects.filter(pk__in=spare_ids)
                               .select_related("membership__user", "profile")],
                manual_form=kwargs.get("manual_form") or manual_pair_form(cohort),
                latest=selectors.latest_successful_run(cohort=cohort),
            )
        return context


class RunActionView(RunMixin, View):
    """Cancel, retry or publish a run."""

    def post(self, request, org_slug, run_pk, action):
        run = self.get_run()
        try:
            if action == "cancel":
                services.run_cancel(run=run)
                messages.success(request, "Run cancelled.")
            elif action == "retry":
                services.run_retry(run=run)
                messages.success(request, "Run queued again.")
            elif action == "publish":
                pairs = services.run_publish(run=run, actor=request.user)
                messages.success(request, f"Published {len(pairs)} pairs; the cohort is "
                                          "active and everyone got an introduction email.")
                return redirect("matching:cohort_runs", org_slug=org_slug,
                                cohort_pk=run.cohort_id)
        except ValidationError as error:
            messages.error(request, validation_message(error))
        return redirect("matching:run_detail", org_slug=org_slug, run_pk=run.pk)


class ProposalDecisionView(RunMixin, View):
    def post(self, request, org_slug, run_pk, proposal_pk):
        run = self.get_run()
        proposal = get_object_or_404(Proposal.objects.select_related("mentor", "mentee"),
                                     pk=proposal_pk, run=run)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose lock or reject.")
        else:
            try:
                services.decision_set(cohort=run.cohort, mentor=proposal.mentor,
                                      mentee=proposal.mentee, actor=request.user,
                                      **form.cleaned_data)
                verb = "locked" if form.cleaned_data["kind"] == "lock" else "rejected"
                messages.success(request, f"Pair {verb}. Re-run to rebuild around it.")
            except ValidationError as error:
                messages.error(request, validation_message(error))
        return redirect("matching:run_detail", org_slug=org_slug, run_pk=run.pk)


class ProposalSwapView(RunMixin, View):
    def post(self, request, org_slug, run_pk):
        run = self.get_run()
        form = SwapForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose two pairs to swap.")
            return redirect("matching:run_detail", org_slug=org_slug, run_pk=run.pk)
        proposals = {p.pk: p for p in Proposal.objects.filter(
            run=run, pk__in=[form.cleaned_data["first"], form.cleaned_data["second"]])}
        try:
            first = proposals.get(form.cleaned_data["first"])
            second = proposals.get(form.cleaned_data["second"])
            if first is None or second is None:
                raise ValidationError("Choose two pairs of this run.")
            services.proposals_swap(run=run, first=first, second=second, actor=request.user,
                                    override_reason=form.cleaned_data["override_reason"])
            messages.success(request, "Mentors swapped and both new pairs locked. Re-run to "
                                      "rebuild around them.")
        except ValidationError as error:
            messages.error(request, validation_message(error))
        return redirect("matching:run_detail", org_slug=org_slug, run_pk=run.pk)


class ManualPairView(CohortMatchingView):
    """GET (htmx): live score and broken rules of a chosen pair. POST: lock it for the next
    run while matching, or create the pair directly once the cohort is active."""

    template_name = "matching/manual_pair.html"

    def get(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = manual_pair_form(cohort, request.GET or None)
        assessment = None
        if form.is_bound and form.is_valid():
            try:
                assessment = services.pair_assess(cohort=cohort, **{
                    k: form.cleaned_data[k] for k in ("mentor", "mentee")})
            except ValidationError as error:
                form.add_error(None, validation_message(error))
        return self.render_to_response({"cohort": cohort, "form": form,
                                        "assessment": assessment,
                                        "organization": request.organization})

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = manual_pair_form(cohort, request.POST)
        back = request.POST.get("next") or ""
        if form.is_valid():
            data = form.cleaned_data
            try:
                if cohort.status == CohortStatus.ACTIVE:
                    services.pair_create_manual(cohort=cohort, actor=request.user, **data)
                    messages.success(request, "Pair created and introduced by email.")
                else:
                    services.decision_set(cohort=cohort, kind="lock", actor=request.user,
                                          **data)
                    messages.success(request, "Manual pair locked: every run keeps it.")
            except ValidationError as error:
                messages.error(request, validation_message(error))
        else:
            messages.error(request, "Choose a mentor and a mentee.")
        if back.startswith("/o/"):
            return redirect(back)
        return redirect("matching:cohort_runs", org_slug=org_slug, cohort_pk=cohort.pk)


class DecisionRemoveView(CohortMatchingView):
    http_method_names = ["post"]

    def post(self, request, org_slug, cohort_pk, decision_pk):
        cohort = self.get_cohort()
        # A decision of another cohort (or none) is a 404, not a "removed" that did nothing.
        decision = get_object_or_404(PairDecision, cohort=cohort, pk=decision_pk)
        services.decision_remove(cohort=cohort, decision_id=decision.pk)
        messages.success(request, "Decision removed.")
        return redirect("matching:cohort_runs", org_slug=org_slug, cohort_pk=cohort.pk)


urlpatterns = [
    path("", MatchingHomeView.as_view(), name="run_list"),
    path("cohorts/<int:cohort_pk>/", CohortMatchingView.as_view(), name="cohort_runs"),
    path("cohorts/<int:cohort_pk>/runs/", RunStartView.as_view(), name="run_start"),
    path("cohorts/<int:cohort_pk>/manual/", ManualPairView.as_view(), name="manual_pair"),
    path("cohorts/<int:cohort_pk>/decisions/<int:decision_pk>/remove/",
         DecisionRemoveView.as_view(), name="decision_remove"),
    path("runs/<int:run_pk>/", RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:run_pk>/swap/", ProposalSwapView.as_view(), name="proposal_swap"),
    path("runs/<int:run_pk>/proposals/<int:proposal_pk>/decide/",
         ProposalDecisionView.as_view(), name="proposal_decide"),
    path("runs/<int:run_pk>/<str:action>/", RunActionView.as_view(), name="run_action"),
]
