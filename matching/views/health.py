"""HR's pair health (per cohort), HR's page of one pair with its lifecycle actions, and the
people's own lifecycle actions on their pair (pause, resume, ask to end, withdraw the ask).

Privacy: HR's pages show lifecycle facts, counts and dates only (matching/pair_health.py):
never a session summary, a note, a goal's or commitment's text, or anyone's rating. The
people's pages load the pair through their own membership (someone else's pair is a 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, PARTICIPANT_ROLES, OrganizationMixin
from core.pagination import page_links
from core.web import attempt, form_submit
from matching import activity, pair_health
from matching import pair_lifecycle as lifecycle
from matching.lifecycle_forms import (
    DeclineForm,
    EndForm,
    EndRequestForm,
    ExtendForm,
    HealthFilterForm,
    NoteForm,
    PauseForm,
    RepairForm,
)
from matching.models import Pair, PairStatus
from programs.csv_safety import csv_response
from programs.models import Cohort, CohortStatus, Participant, ParticipantRole, ParticipantStatus
from programs.views.mixins import CohortMixin


def _safe_next(request, fallback: str) -> str:
    """``next`` from the form or query when it is a page of this organization, else
    ``fallback`` (never another site)."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    prefix = f"/o/{request.organization.slug}/"
    return back if back.startswith(prefix) and "//" not in back and "\\" not in back \
        else fallback


# --- the pair health list ----------------------------------------------------------------------

class CohortPairHealthView(OrganizationMixin, CohortMixin, TemplateView):
    """Every pair of a cohort with its health, 50 a page; filters and sort in the query string
    (htmx swaps the results and pushes the URL); nudge from the row, the rest from the pair's
    page."""

    template_name = "matching/health.html"
    allowed_roles = ADMIN_ONLY

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "health-results":
            return [f"{self.template_name}#results"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.context_data["filter_form"].errors:
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.get_cohort()
        form = HealthFilterForm(self.request.GET or None)
        filters = form.filters()
        listing = pair_health.health_list(cohort=cohort, filters=filters)
        page = Paginator(listing.rows, pair_health.PAGE_SIZE).get_page(
            self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        here = query.copy()
        if page.number > 1:
            here["page"] = str(page.number)
        context.update(
            cohort=cohort, filter_form=form, filters=filters, listing=listing, page=page,
            rows=list(page.object_list),
            rows_and_links=list(zip(page.object_list,
                                    _row_links(self.request, page.object_list), strict=True)),
            page_query=query.urlencode(),
            page_links=page_links(page), filtered=bool(filters.q or filters.health),
            return_to=self.request.path + (f"?{here.urlencode()}" if here else ""),
            export_query=query.urlencode(),
            health_filters=[(key, label, listing.counts[key])
                            for key, label in pair_health.HEALTH_FILTERS.items()],
            more_pages=[(label, reverse(name, kwargs={"org_slug": self.request.organization.slug,
                                                      "cohort_pk": cohort.pk}))
                        for label, name in activity.pair_health_pages()],
        )
        return context


_PLACEHOLDER = 987654321


def _row_links(request, rows) -> list[dict[str, str]]:
    """Each row's links (pair page, nudge, re-pair), from one reverse per kind of link."""
    slug = request.organization.slug
    patterns = {name: reverse(f"matching:{route}", kwargs={
        "org_slug": slug, "pair_pk": _PLACEHOLDER}).replace(str(_PLACEHOLDER), "{pk}")
        for name, route in (("pair", "pair_hr"), ("nudge", "pair_hr_nudge"),
                            ("repair", "pair_hr_repair"))}
    return [{name: pattern.format(pk=row.pair_id) for name, pattern in patterns.items()}
            for row in rows]


class CohortPairHealthCsvView(CohortPairHealthView):
    """The list as CSV, with the same filters and sort (every page); formula cells
    neutralised."""

    def get(self, request, *args, **kwargs):
        cohort = self.get_cohort()
        form = HealthFilterForm(request.GET or None)
        listing = pair_health.health_list(cohort=cohort, filters=form.filters())
        return csv_response(filename=f"pair-health-{cohort.slug}.csv",
                            header=pair_health.CSV_HEADER,
                            rows=pair_health.csv_rows(listing.rows))


# --- one pair, for HR ----------------------------------------------------------------------------

class PairHRMixin(OrganizationMixin):
    allowed_roles = ADMIN_ONLY

    def get_pair(self) -> Pair:
        try:
            return pair_health.pair_for_hr(pair_pk=self.kwargs["pair_pk"])
        except Pair.DoesNotExist as missing:
            raise Http404("No such pair.") from missing

    def pair_url(self, pair: Pair) -> str:
        return reverse("matching:pair_hr", kwargs={"org_slug": self.request.organization.slug,
                                                   "pair_pk": pair.pk})


class PairHRView(PairHRMixin, TemplateView):
    """A pair for HR: state, health (counts and dates), the history of its lifecycle, and the
    actions its state allows."""

    template_name = "matching/health_pair.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pair = self.get_pair()
        context.update(
            pair=pair, cohort=pair.cohort, row=pair_health.health_row(pair=pair),
            history=list(pair_health.pair_history(pair=pair)),
            repaired_into=list(pair_health.repaired_into(pair=pair)),
            today=lifecycle.organization_today(pair.cohort.organization),
            # one page, three forms: their own ids, so each label names its own field
            end_form=EndForm(auto_id="end_%s"), extend_form=ExtendForm(auto_id="extend_%s"),
            pause_form=PauseForm(auto_id="pause_%s"),
        )
        return context


class LifecycleActionView(TemplateView):
    """GET: the action's form on a page of its own (phone-friendly; HR's pair page also
    embeds it). POST: the service; a refusal comes back on the form (400) with the reason
    next to the field and nothing changed."""

    template_name = "matching/health_action.html"
    form_class = NoteForm
    title = ""
    button = ""
    success = ""

    def get_pair(self) -> Pair:  # pragma: no cover - defined by the mixins
        raise NotImplementedError

    def perform(self, pair: Pair, data: dict):
        raise NotImplementedError

    def done_url(self, pair: Pair) -> str:
        raise NotImplementedError

    def explain(self, pair: Pair) -> str:
        """Why the action is not possible now ("" when it is), shown on the GET page."""
        return ""

    def render_form(self, pair: Pair, form, status: int = 200):
        return self.render_to_response(self.get_context_data(
            pair=pair, cohort=pair.cohort, form=form, title=self.title, button=self.button,
            blocked=self.explain(pair), back=_safe_next(self.request, self.done_url(pair))),
            status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_pair(), self.form_class())

    def post(self, request, *args, **kwargs):
        pair = self.get_pair()
        form = self.form_class(request.POST)
        ok, _ = form_submit(form, lambda data: self.perform(pair, data))
        if ok:
            messages.success(request, self.success)
            return redirect(_safe_next(request, self.done_url(pair)))
        return self.render_form(pair, form, status=400)


class HRActionView(PairHRMixin, LifecycleActionView):
    def done_url(self, pair: Pair) -> str:
        return self.pair_url(pair)


class HRPauseView(HRActionView):
    form_class, title, button = PauseForm, "Pause the pair", "Pause"
    success = "Pair paused; both people were told the return date."

    def perform(self, pair, data):
        lifecycle.pair_pause(pair=pair, actor=self.request.user, until=data["until"],
                             note=data["note"], as_admin=True)


class HRResumeView(HRActionView):
    title, button, success = "Resume the pair", "Resume now", "Pair resumed."

    def explain(self, pair):
        return "" if pair.status == PairStatus.PAUSED else "This pair is not paused."

    def perform(self, pair, data):
        lifecycle.pair_resume(pair=pair, actor=self.request.user, note=data["note"],
                              as_admin=True)


class HREndView(HRActionView):
    form_class, title, button = EndForm, "End the pair", "End the pair"
    success = "Pair ended; both people were told."

    def perform(self, pair, data):
        lifecycle.pair_end(pair=pair, actor=self.request.user, reason=data["reason"],
                           note=data["note"])


class HRConfirmEndView(HRActionView):
    title, button = "Confirm the request to end", "Confirm and end the pair"
    success = "Pair ended as asked; both people were told."

    def explain(self, pair):
        return "" if pair.has_end_request else "Nobody has asked to end this pair."

    def perform(self, pair, data):
        lifecycle.pair_confirm_end(pair=pair, actor=self.request.user, note=data["note"])


class HRDeclineEndView(HRActionView):
    form_class, title, button = DeclineForm, "Keep the pair going", "Decline the request"
    success = "Request declined; the person who asked was told why."

    def explain(self, pair):
        return "" if pair.has_end_request else "Nobody has asked to end this pair."

    def perform(self, pair, data):
        lifecycle.pair_decline_end_request(pair=pair, actor=self.request.user,
                                           note=data["note"])


class HRExtendView(HRActionView):
    form_class, title, button = ExtendForm, "Extend past the cohort's end", "Extend"
    success = "Pair extended: it goes on after the cohort completes."

    def perform(self, pair, data):
        lifecycle.pair_extend(pair=pair, actor=self.request.user, until=data["until"],
                              note=data["note"])


class HRNudgeView(HRActionView):
    title, button = "Nudge the pair", "Email both a nudge"
    success = "Nudge sent to both people (at most one a week per pair)."

    def explain(self, pair):
        if pair.status != PairStatus.ACTIVE:
            return "Only an active pair (not paused or ended) can be nudged."
        return ""

    def done_url(self, pair):
        return reverse("matching:pair_health", kwargs={
            "org_slug": self.request.organization.slug, "cohort_pk": pair.cohort_id})

    def perform(self, pair, data):
        lifecycle.pair_nudge(pair=pair, actor=self.request.user)


# --- re-pairing ------------------------------------------------------------------------------

def _enrolled(cohort: Cohort, role: str):
    return Participant.objects.filter(cohort=cohort, role=role, status=ParticipantStatus.ACTIVE)


def repair_form(pair: Pair, data=None) -> RepairForm:
    cohort = pair.cohort
    return RepairForm(data,
                      mentors=_enrolled(cohort, ParticipantRole.MENTOR).exclude(pk=pair.mentor_id),
                      mentees=_enrolled(cohort, ParticipantRole.MENTEE).exclude(pk=pair.mentee_id))


def repair_pickers(pair: Pair, form: RepairForm, *, show_errors: bool = True) -> dict:
    pickers = {}
    for role, own in ((ParticipantRole.MENTOR, pair.mentor_id),
                      (ParticipantRole.MENTEE, pair.mentee_id)):
        selected, q = form.chosen_pk(role), form.search_text(role)
        options, more = pair_health.repair_options(cohort=pair.cohort, role=role, q=q,
                                                   selected=selected, exclude=own)
        pickers[role] = {"role": role, "q": q, "options": options, "more": more,
                         "selected": selected,
                         "errors": list(form.errors.get(role, []))
                         if show_errors and form.is_bound else []}
    return pickers


class HRRepairView(PairHRMixin, TemplateView):
    """GET: choose a new mentor for the mentee and/or a new mentee for the mentor (search,
    then pick); as soon as someone is chosen the live score, explanation and broken rules of
    each new pair show (htmx, or the Check button), as in the matching review.
    POST: end the pair ("re-paired") and create the new pairs; a refusal comes back here
    (400) with the choices kept and nothing changed."""

    template_name = "matching/health_repair.html"

    def render_repair(self, pair, form, *, status=200, refused=False):
        assessments, problem = [], ""
        if form.is_bound and form.is_valid() and (form.cleaned_data["mentor"]
                                                  or form.cleaned_data["mentee"]):
            assessments, problem = attempt(lambda: lifecycle.repair_assess(
                pair=pair, new_mentor=form.cleaned_data["mentor"],
                new_mentee=form.cleaned_data["mentee"]), default=[])
        pickers = repair_pickers(pair, form, show_errors=refused)
        return self.render_to_response(self.get_context_data(
            pair=pair, cohort=pair.cohort, form=form, assessments=assessments,
            problem=problem, pickers=pickers, picker=pickers.get(self.picker_role()),
            blocked=self.blocked(pair)), status=status)

    def picker_role(self) -> str:
        """The picker an htmx search asks for ("mentor" or "mentee"), else ""."""
        target = self.request.htmx.target if self.request.htmx else ""
        return {"repair-mentor-options": ParticipantRole.MENTOR,
                "repair-mentee-options": ParticipantRole.MENTEE}.get(target or "", "")

    def blocked(self, pair: Pair) -> str:
        if pair.status == PairStatus.ENDED:
            return "This pair has ended: it can no longer be re-paired."
        if pair.cohort.status != CohortStatus.ACTIVE:
            return (f"Re-pairing needs an active cohort; this one is "
                    f"{pair.cohort.get_status_display().lower()}.")
        return ""

    def get_template_names(self):
        if self.picker_role():
            return ["matching/health_repair_options.html"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        pair = self.get_pair()
        return self.render_repair(pair, repair_form(pair, request.GET or None))

    def post(self, request, *args, **kwargs):
        pair = self.get_pair()
        form = repair_form(pair, request.POST)
        ok, created = form_submit(form, lambda data: lifecycle.pair_repair(
            pair=pair, actor=request.user, new_mentor=data["mentor"],
            new_mentee=data["mentee"], override_reason=data["override_reason"],
            note=data["note"]))
        if ok:
            messages.success(request, f"Re-paired: {len(created)} new pair"
                                      f"{'s' if len(created) != 1 else ''} created and "
                                      "introduced by email.")
            return redirect(self.pair_url(pair))
        return self.render_repair(pair, form, status=400, refused=True)


# --- the people's own actions ------------------------------------------------------------------

class MyPairActionView(OrganizationMixin, LifecycleActionView):
    allowed_roles = PARTICIPANT_ROLES

    def get_pair(self) -> Pair:
        """The pair only if the signed-in person is one of its two people (else 404)."""
        membership = self.request.membership
        return get_object_or_404(
            Pair.objects.select_related(*lifecycle.PAIR_RELATED).filter(
                Q(mentor__membership=membership) | Q(mentee__membership=membership)),
            pk=self.kwargs["pair_pk"])

    def done_url(self, pair: Pair) -> str:
        return reverse("matching:my_pairs", kwargs={"org_slug": self.request.organization.slug})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pair = kwargs.get("pair")
        if pair is not None:
            me_mentor = pair.mentor.membership_id == self.request.membership.pk
            context["partner"] = pair.mentee if me_mentor else pair.mentor
            context["mine"] = True
        return context


class MyPauseView(MyPairActionView):
    form_class, title, button = PauseForm, "Pause our pair", "Pause"
    success = "Pair paused; your partner was told the return date."

    def explain(self, pair):
        if pair.status == PairStatus.PAUSED:
            return f"Your pair is paused until {pair.paused_until:%d %B %Y}."
        return "This pair has ended." if pair.status == PairStatus.ENDED else ""

    def perform(self, pair, data):
        lifecycle.pair_pause(pair=pair, actor=self.request.user, until=data["until"],
                             note=data["note"])


class MyResumeView(MyPairActionView):
    title, button, success = "Resume our pair", "Resume now", "Pair resumed."

    def explain(self, pair):
        return "" if pair.status == PairStatus.PAUSED else "Your pair is not paused."

    def perform(self, pair, data):
        lifecycle.pair_resume(pair=pair, actor=self.request.user, note=data["note"])


class MyEndRequestView(MyPairActionView):
    form_class, title, button = EndRequestForm, "Ask to end our pair", "Ask HR to end it"
    success = "Your request is with HR, who will confirm it. Your partner was not told why."

    def explain(self, pair):
        if pair.status == PairStatus.ENDED:
            return "This pair has ended."
        if pair.has_end_request:
            return f"Ending this pair was asked on {pair.end_requested_at:%d %B %Y}."
        return ""

    def perform(self, pair, data):
        lifecycle.pair_request_end(pair=pair, actor=self.request.user, reason=data["reason"],
                                   note=data["note"])


class MyWithdrawEndRequestView(MyPairActionView):
    title, button = "Take back the request to end", "Take it back"
    success = "Request withdrawn: the pair goes on."

    def explain(self, pair):
        return "" if pair.has_end_request else "Nobody has asked to end this pair."

    def perform(self, pair, data):
        lifecycle.pair_withdraw_end_request(pair=pair, actor=self.request.user,
                                            note=data["note"])


urlpatterns = [
    path("cohorts/<int:cohort_pk>/pairs/", CohortPairHealthView.as_view(), name="pair_health"),
    path("cohorts/<int:cohort_pk>/pairs/export.csv", CohortPairHealthCsvView.as_view(),
         name="pair_health_csv"),
    path("pairs/<int:pair_pk>/", PairHRView.as_view(), name="pair_hr"),
    path("pairs/<int:pair_pk>/pause/", HRPauseView.as_view(), name="pair_hr_pause"),
    path("pairs/<int:pair_pk>/resume/", HRResumeView.as_view(), name="pair_hr_resume"),
    path("pairs/<int:pair_pk>/end/", HREndView.as_view(), name="pair_hr_end"),
    path("pairs/<int:pair_pk>/confirm-end/", HRConfirmEndView.as_view(),
         name="pair_hr_confirm_end"),
    path("pairs/<int:pair_pk>/decline-end/", HRDeclineEndView.as_view(),
         name="pair_hr_decline_end"),
    path("pairs/<int:pair_pk>/extend/", HRExtendView.as_view(), name="pair_hr_extend"),
    path("pairs/<int:pair_pk>/nudge/", HRNudgeView.as_view(), name="pair_hr_nudge"),
    path("pairs/<int:pair_pk>/repair/", HRRepairView.as_view(), name="pair_hr_repair"),
    path("mine/<int:pair_pk>/pause/", MyPauseView.as_view(), name="my_pair_pause"),
    path("mine/<int:pair_pk>/resume/", MyResumeView.as_view(), name="my_pair_resume"),
    path("mine/<int:pair_pk>/end/", MyEndRequestView.as_view(), name="my_pair_end"),
    path("mine/<int:pair_pk>/end/withdraw/", MyWithdrawEndRequestView.as_view(),
         name="my_pair_end_withdraw"),
]
