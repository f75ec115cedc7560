"""Matching pages for HR admins: runs with live progress, review, decisions, publishing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.pagination import page_links
from core.web import action_submit, attempt, form_submit
from matching import selectors
from matching.forms import DecisionForm, ManualPairForm, PublishForm, ReviewFilterForm, SwapForm
from matching.models import DecisionKind, MatchingRun, Pair, PairDecision, RunStatus
from matching.services.decisions import (
    decision_remove,
    decision_set,
    pair_assess,
    proposals_swap,
)
from matching.services.publishing import manual_pair_add, run_publish
from matching.services.runs import run_cancel, run_retry, run_start
from programs.models import Cohort, CohortStatus, ParticipantRole
from programs.tasks import remind_incomplete_profiles_enqueue
from programs.views import mixins as cohort_views

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


# --- what the views share --------------------------------------------------------------------

class CohortMixin(OrganizationMixin, cohort_views.CohortMixin):
    """HR admins' views of one cohort of the organization in the URL (another's is a 404)."""

    allowed_roles = ADMIN_ONLY


class RunMixin(OrganizationMixin):
    """HR admins' views of one run of the organization in the URL (another's is a 404)."""

    allowed_roles = ADMIN_ONLY

    def get_run(self) -> MatchingRun:
        # The snapshot is the whole engine input (megabytes at 5,000 people): never loaded here.
        run = selectors.run_with_cohort(run_pk=int(self.kwargs["run_pk"]))
        if run is None:
            raise Http404("No such run.")
        return run


class ActionMixin:
    """An action posted from a page (start a run, lock a pair, remove a decision…): ``act()``
    calls one service and returns where to go next (or a response of its own); a refusal
    (the service's ValidationError) is flashed and leads to ``refused_url()``. Action views
    render no page and are never page views."""

    def act(self) -> str | HttpResponse:
        raise NotImplementedError

    def refused_url(self) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        ok, outcome = action_submit(request, self.act)
        if not ok:
            return redirect(self.refused_url())
        return outcome if isinstance(outcome, HttpResponse) else redirect(outcome)


def _cohort_url(request, cohort_pk: int) -> str:
    return reverse("matching:cohort_runs", kwargs={"org_slug": request.organization.slug,
                                                   "cohort_pk": cohort_pk})


def _run_url(request, run_pk: int) -> str:
    return reverse("matching:run_detail", kwargs={"org_slug": request.organization.slug,
                                                  "run_pk": run_pk})


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


class CohortMatchingView(CohortMixin, TemplateView):
    """A cohort's runs (compared as a chart and a table), decisions, published pairs, and
    before a run: how many profiles are incomplete and who, with the reminder button."""

    template_name = "matching/cohort.html"

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
        # The page's keys (filtered and sorted in SQL, with the total), then its rows by key.
        page = selectors.review_page(run=run, number=self.request.GET.get("page"),
                                     size=selectors.REVIEW_PAGE_SIZE, **filters)
        proposals = selectors.review_rows(run=run, pks=page.object_list)
        # One reverse() for the page, not one per row (as the roster does).
        sentinel = "987654321"
        before, after = reverse("matching:proposal_decide", kwargs={
            "org_slug": self.request.organization.slug, "run_pk": run.pk,
            "proposal_pk": int(sentinel)}).rsplit(sentinel, 1)  # the last part of the path
        for proposal in proposals:
            proposal.percent = round(proposal.score * 100)
            proposal.decide_url = f"{before}{proposal.pk}{after}"
        query = self.request.GET.copy()
        for key in ("page", "fragment"):
            query.pop(key, None)
        here = query.copy()
        if page.number > 1:
            here["page"] = str(page.number)
        return {"filter_form": form, "filters": filters, "page": page, "proposals": proposals,
                # what every row's two decision forms repeat, resolved once
                "deciding": run.cohort.status == CohortStatus.MATCHING,
                "csrf_input": format_html(
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
                    get_token(self.request)),
                "lock_kind": DecisionKind.LOCK.value, "reject_kind": DecisionKind.REJECT.value,
                "page_query": query.urlencode(), "page_links": page_links(page),
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


class ManualPairView(CohortMixin, TemplateView):
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
        # a pair that cannot be scored says why at the top of the form
        _, assessment = form_submit(form, lambda data: pair_assess(
            cohort=cohort, mentor=data["mentor"], mentee=data["mentee"]))
        return self.render_form(cohort, form, assessment)

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = manual_pair_form(cohort, request.POST)
        chosen = form.is_valid()  # the people are known: a refused pair shows its live score
        ok, made = form_submit(form, lambda _: manual_pair_add(
            cohort=cohort, actor=request.user, **form.pair_data()))
        if ok:
            messages.success(request, "Pair created and introduced by email."
                             if isinstance(made, Pair) else
                             "Manual pair locked: every run keeps it.")
            return redirect(_safe_next(request, _cohort_url(request, cohort.pk)))
        assessment = None
        if chosen:
            assessment, _ = attempt(lambda: pair_assess(
                cohort=cohort, mentor=form.cleaned_data["mentor"],
                mentee=form.cleaned_data["mentee"]))
        return self.render_form(cohort, form, assessment, refused=True)


class ManualPairPeopleView(CohortMixin, TemplateView):
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


# --- actions ------------------------------------------------------------------------------------

class RunStartView(CohortMixin, ActionMixin, View):
    """Queue a run of the cohort and show its progress (a run already in flight is shown)."""

    http_method_names = ["post"]

    def act(self) -> str:
        run = run_start(cohort=self.get_cohort(), actor=self.request.user)
        return _run_url(self.request, run.pk)

    def refused_url(self) -> str:
        return _cohort_url(self.request, self.kwargs["cohort_pk"])


class CohortRemindView(CohortMixin, ActionMixin, View):
    """Send the "complete your profile" reminder from the matching pages: the roster's own
    service (Celery, at most one reminder per person per week), then back to the page."""

    http_method_names = ["post"]

    def act(self) -> str:
        cohort = self.get_cohort()
        readiness = selectors.incomplete_profiles(cohort=cohort, limit=0)
        if readiness.count == 0:
            messages.info(self.request, "Every enrolled participant has a complete profile: "
                                        "nobody to remind.")
        else:
            remind_incomplete_profiles_enqueue(cohort=cohort)
            people = "person" if readiness.count == 1 else "people"
            messages.success(self.request, f"Reminders are on their way to "
                                           f"{readiness.count:,} {people} with an incomplete "
                                           "profile (at most one each per week).")
        return self.refused_url()

    def refused_url(self) -> str:
        return _safe_next(self.request, _cohort_url(self.request, self.kwargs["cohort_pk"]))


class RunCancelView(RunMixin, ActionMixin, View):
    def act(self) -> str:
        run_cancel(run=self.get_run())
        messages.success(self.request, "Run cancelled.")
        return self.refused_url()

    def refused_url(self) -> str:
        return _run_url(self.request, self.kwargs["run_pk"])


class RunRetryView(RunMixin, ActionMixin, View):
    def act(self) -> str:
        run_retry(run=self.get_run())
        messages.success(self.request, "Run queued again.")
        return self.refused_url()

    def refused_url(self) -> str:
        return _run_url(self.request, self.kwargs["run_pk"])


class RunPublishView(RunMixin, ActionMixin, View):
    """Publish a run, only with the confirmation page's tick (without it the confirmation
    comes back, 400, and nothing is sent)."""

    def act(self) -> str | HttpResponse:
        run = self.get_run()
        form = PublishForm(self.request.POST)
        if not form.is_valid():
            return TemplateResponse(self.request, RunPublishConfirmView.template_name,
                                    publish_confirm_context(self.request, run, form), status=400)
        pairs = run_publish(run=run, actor=self.request.user)
        people = "person" if len(pairs) == 1 else "people"
        messages.success(self.request, f"Published {len(pairs):,} pairs; the cohort is active "
                                       f"and introduction emails are on their way to the "
                                       f"{people} paired.")
        return _cohort_url(self.request, run.cohort_id)

    def refused_url(self) -> str:
        return _run_url(self.request, self.kwargs["run_pk"])


class ProposalDecisionView(RunMixin, ActionMixin, View):
    """Lock or reject a proposed pair for every later run."""

    def act(self) -> str:
        run = self.get_run()
        # The run's proposal with the cohort's decision on it: the selector the API reads too.
        proposal = get_object_or_404(selectors.proposals_with_decisions(run=run),
                                     pk=self.kwargs["proposal_pk"])
        form = DecisionForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Choose lock or reject.")
        decision_set(cohort=run.cohort, mentor=proposal.mentor, mentee=proposal.mentee,
                     actor=self.request.user, **form.cleaned_data)
        verb = "locked" if form.cleaned_data["kind"] == DecisionKind.LOCK else "rejected"
        messages.success(self.request, f"Pair {verb}. Re-run to rebuild around it.")
        return self.refused_url()

    def refused_url(self) -> str:
        return _safe_next(self.request, _run_url(self.request, self.kwargs["run_pk"]))


class ProposalSwapView(RunMixin, ActionMixin, View):
    """Exchange the mentors of two proposals and lock both new pairs."""

    def act(self) -> str:
        run = self.get_run()
        form = SwapForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Choose two pairs to swap.")
        chosen = [form.cleaned_data["first"], form.cleaned_data["second"]]
        proposals = {p.pk: p for p in selectors.proposals_with_decisions(run=run)
                     .filter(pk__in=chosen)}
        first, second = proposals.get(chosen[0]), proposals.get(chosen[1])
        if first is None or second is None:
            raise ValidationError("Choose two pairs of this run.")
        proposals_swap(run=run, first=first, second=second, actor=self.request.user,
                       override_reason=form.cleaned_data["override_reason"])
        messages.success(self.request, "Mentors swapped and both new pairs locked. Re-run to "
                                       "rebuild around them.")
        return self.refused_url()

    def refused_url(self) -> str:
        return _run_url(self.request, self.kwargs["run_pk"])


class DecisionRemoveView(CohortMixin, ActionMixin, View):
    http_method_names = ["post"]

    def act(self) -> str:
        cohort = self.get_cohort()
        # A decision of another cohort (or none) is a 404, not a "removed" that did nothing.
        decision = get_object_or_404(PairDecision, cohort=cohort, pk=self.kwargs["decision_pk"])
        decision_remove(cohort=cohort, decision_id=decision.pk)
        messages.success(self.request, "Decision removed.")
        return _cohort_url(self.request, cohort.pk)

    def refused_url(self) -> str:
        return _cohort_url(self.request, self.kwargs["cohort_pk"])


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
    path("runs/<int:run_pk>/cancel/", RunCancelView.as_view(), name="run_cancel"),
    path("runs/<int:run_pk>/retry/", RunRetryView.as_view(), name="run_retry"),
    path("runs/<int:run_pk>/publish/", RunPublishView.as_view(), name="run_publish"),
]
