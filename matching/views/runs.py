"""Matching pages for HR admins: runs with live progress, review, decisions, publishing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.web import validation_message
from matching import selectors, services
from matching.forms import DecisionForm, ManualPairForm, PublishForm, ReviewFilterForm, SwapForm
from matching.models import MatchingRun, PairDecision, Proposal, RunStatus
from programs.models import Cohort, CohortStatus, ParticipantRole
from programs.tasks import remind_incomplete_profiles_enqueue

ACTIVE_PAIRS_SHOWN = 50
UNMATCHED_SHOWN = 20


# --- the manual-pair form and its pickers ----------------------------------------------------

def manual_pair_form(cohort: Cohort, data=None) -> ManualPairForm:
    return ManualPairForm(
        data, mentors=selectors.pickable_people(cohort=cohort, role=ParticipantRole.MENTOR),
        mentees=selectors.pickable_people(cohort=cohort, role=ParticipantRole.MENTEE))


@dataclass(frozen=True)
class Picker:
    """One search-as-you-type picker of the manual-pair form (see manual_pair_form.html)."""

    role: str
    q: str
    options: list[selectors.PersonOption]
    more: bool
    selected: int | None
    errors: list[str]


def manual_pickers(cohort: Cohort, form: ManualPairForm, *, show_errors: bool = True
                   ) -> dict[str, Picker]:
    """The mentor and mentee pickers of ``form``: what was searched and chosen stays (also
    after a validation error); nothing is listed before someone types."""
    pickers = {}
    show_errors = show_errors and form.is_bound
    for role in (ParticipantRole.MENTOR, ParticipantRole.MENTEE):
        selected, q = form.chosen_pk(role), form.search_text(role)
        options, more = selectors.person_options(cohort=cohort, role=role, q=q,
                                                 selected=selected)
        pickers[role] = Picker(role=role, q=q, options=options, more=more, selected=selected,
                               errors=list(form.errors.get(role, [])) if show_errors else [])
    return pickers


def _safe_next(request, fallback: str) -> str:
    back = request.POST.get("next") or request.GET.get("next") or ""
    prefix = f"/o/{request.organization.slug}/"
    return back if back.startswith(prefix) and "//" not in back else fallback


def _page_links(page) -> list[int | None]:
    """The first, the last and two page numbers either side of the current one; ``None``
    marks a gap."""
    last, current = page.paginator.num_pages, page.number
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links: list[int | None] = []
    for number in wanted:
        if links and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links


# --- pages --------------------------------------------------------------------------------------

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
    """A cohort's runs (compared as a chart and a table), decisions, published pairs, and
    before a run: how many profiles are incomplete and who, with the reminder button."""

    template_name = "matching/cohort.html"
    allowed_roles = ADMIN_ONLY

    def get_cohort(self) -> Cohort:
        return get_object_or_404(Cohort.objects.select_related("program"),
                                 pk=self.kwargs["cohort_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.get_cohort()
        runs = list(selectors.runs_of_cohort(cohort=cohort).defer("snapshot"))
        form = kwargs.get("manual_form") or manual_pair_form(cohort)
        pairs = selectors.pairs_of_cohort(cohort=cohort)
        context.update(
            cohort=cohort, runs=runs,
            chart_runs=[r for r in reversed(runs) if r.status == RunStatus.SUCCEEDED],
            decisions=selectors.decisions_of_cohort(cohort=cohort),
            pairs=list(pairs[:ACTIVE_PAIRS_SHOWN]), pair_count=pairs.count(),
            manual_form=form, pickers=manual_pickers(cohort, form),
            readiness=selectors.incomplete_profiles(cohort=cohort),
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


class CohortRemindView(CohortMatchingView):
    """Send the "complete your profile" reminder from the matching pages: the roster's own
    service (Celery, at most one reminder per person per week), then back to the page."""

    http_method_names = ["post"]

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        readiness = selectors.incomplete_profiles(cohort=cohort, limit=0)
        if readiness.count == 0:
            messages.info(request, "Every enrolled participant has a complete profile: "
                                   "nobody to remind.")
        else:
            remind_incomplete_profiles_enqueue(cohort=cohort)
            people = "person" if readiness.count == 1 else "people"
            messages.success(request, f"Reminders are on their way to {readiness.count:,} "
                                      f"{people} with an incomplete profile (at most one each "
                                      "per week).")
        fallback = reverse("matching:cohort_runs", kwargs={"org_slug": org_slug,
                                                           "cohort_pk": cohort.pk})
        return redirect(_safe_next(request, fallback))


class RunMixin(OrganizationMixin):
    allowed_roles = ADMIN_ONLY

    def get_run(self) -> MatchingRun:
        # The snapshot is the whole engine input (megabytes at 5,000 people): never loaded here.
        return get_object_or_404(
            MatchingRun.objects.select_related("cohort__program").defer("snapshot"),
            pk=self.kwargs["run_pk"])


class RunDetailView(RunMixin, TemplateView):
    """Progress while the run computes (htmx polls the progress partial), then the review:
    50 proposals a page, filters and sort in the query string (htmx swaps the results and
    pushes the URL), summary cards from the run's stored figures and one aggregate query."""

    template_name = "matching/run_detail.html"

    def fragment(self) -> str:
        """"progress" (polled while computing) or "results" (filters and pages of the
        review, swapped by htmx into #review-results); "" for the whole page."""
        htmx = self.request.htmx
        if not htmx:
            return ""
        if self.request.GET.get("fragment") == "progress":
            return "progress"
        return "results" if htmx.target == "review-results" else ""

    def get_template_names(self):
        if self.fragment() in ("progress", "results"):
            return [f"{self.template_name}#{self.fragment()}"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        run = response.context_data["run"]
        if self.fragment() == "progress" and run.is_finished:
            response["HX-Refresh"] = "true"  # finished: reload to show the review
        form = response.context_data.get("filter_form")
        if form is not None and form.is_bound and not form.is_valid():
            response.status_code = 400  # the errors are shown next to the filters
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.get_run()
        cohort = run.cohort
        context.update(run=run, cohort=cohort)
        if run.status != RunStatus.SUCCEEDED or self.fragment() == "progress":
            return context
        context.update(self.results_context(run))
        if self.fragment() == "results":
            return context
        form = kwargs.get("manual_form") or manual_pair_form(cohort)
        spare, spare_count = selectors.spare_mentors(run=run)
        context.update(
            summary=selectors.review_summary(run=run),
            unmatched=run.unmatched[:UNMATCHED_SHOWN],
            unmatched_more=max(0, len(run.unmatched) - UNMATCHED_SHOWN),
            spare_mentors=spare, spare_more=spare_count - len(spare),
            manual_form=form, pickers=manual_pickers(cohort, form),
            latest=selectors.latest_successful_run(cohort=cohort),
            readiness=(selectors.incomplete_profiles(cohort=cohort)
                       if not run.published_at and cohort.status == CohortStatus.MATCHING
                       else None),
        )
        return context

    def results_context(self, run: MatchingRun) -> dict:
        form = ReviewFilterForm(self.request.GET or None)
        filters = form.filters()
        page = Paginator(selectors.review_proposals(run=run, **filters),
                         selectors.REVIEW_PAGE_SIZE).get_page(self.request.GET.get("page"))
        proposals = list(page.object_list)
        for proposal in proposals:
            proposal.percent = round(proposal.score * 100)
        query = self.request.GET.copy()
        for key in ("page", "fragment"):
            query.pop(key, None)
        here = query.copy()
        if page.number > 1:
            here["page"] = str(page.number)
        return {"filter_form": form, "filters": filters, "page": page, "proposals": proposals,
                "page_query": query.urlencode(), "page_links": _page_links(page),
                "filtered": any(filters[k] for k in ("q", "decision")),
                "return_to": self.request.path + (f"?{here.urlencode()}" if here else "")}


def publish_confirm_context(request, run: MatchingRun, form: PublishForm) -> dict:
    return {"organization": request.organization, "run": run, "cohort": run.cohort,
            "form": form, "preview": selectors.publish_preview(run=run),
            "readiness": selectors.incomplete_profiles(cohort=run.cohort)}


class RunPublishConfirmView(RunMixin, TemplateView):
    """The confirmation step before publishing: how many pairs, how many introduction emails
    will go out, which profiles are still incomplete. Publishing itself is a POST that needs
    this page's confirmation."""

    template_name = "matching/publish_confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(publish_confirm_context(self.request, self.get_run(), PublishForm()))
        return context


class RunActionView(RunMixin, View):
    """Cancel, retry or publish a run (publishing only with the confirmation page's tick)."""

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
                return self.publish(request, run)
        except ValidationError as error:
            messages.error(request, validation_message(error))
        return redirect("matching:run_detail", org_slug=org_slug, run_pk=run.pk)

    def publish(self, request, run: MatchingRun):
        form = PublishForm(request.POST)
        if not form.is_valid():  # not confirmed: show the confirmation again, send nothing
            return TemplateResponse(request, RunPublishConfirmView.template_name,
                                    publish_confirm_context(request, run, form), status=400)
        pairs = services.run_publish(run=run, actor=request.user)
        people = "person" if len(pairs) == 1 else "people"
        messages.success(request, f"Published {len(pairs):,} pairs; the cohort is active and "
                                  f"introduction emails are on their way to the "
                                  f"{people} paired.")
        return redirect("matching:cohort_runs", org_slug=request.organization.slug,
                        cohort_pk=run.cohort_id)


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
        fallback = reverse("matching:run_detail", kwargs={"org_slug": org_slug, "run_pk": run.pk})
        return redirect(_safe_next(request, fallback))


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
    """GET: the manual-pair page (htmx: the live score and broken rules of the chosen pair).
    POST: lock the pair for every later run while matching, or create it directly once the
    cohort is active. A refused pair comes back on this page (400) with the people still
    chosen and the reason next to the field."""

    template_name = "matching/manual_pair.html"

    def render_form(self, cohort: Cohort, form: ManualPairForm, assessment=None, *,
                    refused: bool = False):
        return self.render_to_response({
            "cohort": cohort, "form": form,
            "pickers": manual_pickers(cohort, form, show_errors=refused),
            "assessment": assessment, "organization": self.request.organization,
            "refused": refused, "back": _safe_next(self.request, ""),
        }, status=400 if refused else 200)

    def get(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = manual_pair_form(cohort, request.GET or None)
        assessment = None
        if form.is_bound and form.is_valid():
            try:
                assessment = services.pair_assess(
                    cohort=cohort, mentor=form.cleaned_data["mentor"],
                    mentee=form.cleaned_data["mentee"])
            except ValidationError as error:
                form.add_error(None, validation_message(error))
        return self.render_form(cohort, form, assessment)

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = manual_pair_form(cohort, request.POST)
        assessment = None
        if form.is_valid():
            data = form.pair_data()
            try:
                if cohort.status == CohortStatus.ACTIVE:
                    services.pair_create_manual(cohort=cohort, actor=request.user, **data)
                    messages.success(request, "Pair created and introduced by email.")
                else:
                    services.decision_set(cohort=cohort, kind="lock", actor=request.user,
                                          **data)
                    messages.success(request, "Manual pair locked: every run keeps it.")
            except ValidationError as error:
                message = validation_message(error)
                form.add_error("override_reason" if "override reason" in message else None,
                               message)
                try:
                    assessment = services.pair_assess(cohort=cohort, mentor=data["mentor"],
                                                      mentee=data["mentee"])
                except ValidationError:
                    assessment = None
            else:
                fallback = reverse("matching:cohort_runs", kwargs={"org_slug": org_slug,
                                                                   "cohort_pk": cohort.pk})
                return redirect(_safe_next(request, fallback))
        return self.render_form(cohort, form, assessment, refused=True)


class ManualPairPeopleView(CohortMatchingView):
    """The picker's matches (an htmx fragment): at most 20 enrolled mentors or mentees whose
    name, email, title or department contains ``q``, with title and department so that
    namesakes can be told apart; the person already chosen stays first."""

    template_name = "matching/person_options.html"

    def get(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        if not request.htmx:  # opened directly: the manual-pair page shows the same matches
            query = request.GET.urlencode()
            return redirect(reverse("matching:manual_pair", kwargs={
                "org_slug": org_slug, "cohort_pk": cohort.pk}) + (f"?{query}" if query else ""))
        role = request.GET.get("role", "")
        if role not in (ParticipantRole.MENTOR, ParticipantRole.MENTEE):
            return HttpResponseBadRequest("Say whether to find a mentor or a mentee "
                                          "(role=mentor or role=mentee).",
                                          content_type="text/plain; charset=utf-8")
        form = manual_pair_form(cohort, request.GET)  # {role}_q and the chosen {role}
        picker = manual_pickers(cohort, form, show_errors=False)[role]
        return self.render_to_response({"picker": picker, "searched": True})


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
    path("cohorts/<int:cohort_pk>/remind/", CohortRemindView.as_view(),
         name="remind_incomplete"),
    path("cohorts/<int:cohort_pk>/manual/", ManualPairView.as_view(), name="manual_pair"),
    path("cohorts/<int:cohort_pk>/manual/people/", ManualPairPeopleView.as_view(),
         name="manual_pair_people"),
    path("cohorts/<int:cohort_pk>/decisions/<int:decision_pk>/remove/",
         DecisionRemoveView.as_view(), name="decision_remove"),
    path("runs/<int:run_pk>/", RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:run_pk>/publish/confirm/", RunPublishConfirmView.as_view(),
         name="run_publish_confirm"),
    path("runs/<int:run_pk>/swap/", ProposalSwapView.as_view(), name="proposal_swap"),
    path("runs/<int:run_pk>/proposals/<int:proposal_pk>/decide/",
         ProposalDecisionView.as_view(), name="proposal_decide"),
    path("runs/<int:run_pk>/<str:action>/", RunActionView.as_view(), name="run_action"),
]
