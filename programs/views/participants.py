"""Participant pages: cohort invitations, applications, own profile, "My programs", roster.

Security boundaries: every view uses ``OrganizationMixin`` (member of the URL's organization,
else 404; role in ``allowed_roles``, else 403) and fetches rows inside the tenant scope, so
another tenant's ids are 404. Profiles follow the privacy table: the participant edits their
own, an HR admin may read any, everybody else gets 404 (executives cannot open the page).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from accounts.models import Role
from accounts.permissions import ADMIN_ONLY, PARTICIPANT_ROLES, OrganizationMixin
from core.pagination import RowWindow, page_links
from core.web import action_submit, form_submit, optional_url
from programs import selectors
from programs.availability import availability_label
from programs.csv_safety import csv_response
from programs.models import (
    Cohort,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Topic,
    TopicInterest,
)
from programs.participant_forms import (
    ROSTER_SORTS,
    ApplicationForm,
    CohortInviteForm,
    DecisionForm,
    ProfileForm,
    RosterFilterForm,
    TopicsForm,
    availability_formset,
    language_name,
)
from programs.services import participants as participant_services
from programs.tasks import remind_incomplete_profiles_enqueue
from programs.views.mixins import CohortMixin


class CohortAdminMixin(OrganizationMixin, CohortMixin):
    """HR admin pages about one cohort (``cohort_pk`` in the URL)."""

    allowed_roles = ADMIN_ONLY

    def cohort_links(self, cohort: Cohort) -> dict:
        slug = self.request.organization.slug
        return {
            "detail": optional_url("programs:cohort_detail", org_slug=slug,
                                   cohort_pk=cohort.pk),
            "roster": reverse("programs:cohort_roster",
                              kwargs={"org_slug": slug, "cohort_pk": cohort.pk}),
            "invite": reverse("programs:cohort_invite",
                              kwargs={"org_slug": slug, "cohort_pk": cohort.pk}),
            "apply": self.request.build_absolute_uri(reverse(
                "programs:cohort_apply",
                kwargs={"org_slug": slug, "token": cohort.enrollment_token})),
        }


# --- invite into a cohort ------------------------------------------------------------------

#: The newest invitations the invite page lists; the roster pages through all of them.
INVITES_SHOWN = 20


class CohortInviteView(CohortAdminMixin, TemplateView):
    template_name = "programs/participants/invite.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = kwargs.get("cohort") or self.get_cohort()
        context.update(
            cohort=cohort, links=self.cohort_links(cohort),
            pending=selectors.cohort_pending_invitations(cohort=cohort)[:INVITES_SHOWN],
            pending_count=selectors.cohort_invited_count(cohort=cohort),
        )
        context.setdefault("form", CohortInviteForm())
        return context

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = CohortInviteForm(request.POST)
        ok, result = form_submit(form, lambda data: participant_services.participant_invite(
            cohort=cohort, invited_by=request.user, **data))
        if ok:
            role = ParticipantRole(form.cleaned_data["role"]).label.lower()
            if result.enrolled:
                messages.success(request, f"{form.cleaned_data['email']} is already a "
                                          f"member: enrolled as {role} and welcomed by email.")
            else:
                messages.success(request, f"Invitation sent to {result.invitation.email}: "
                                          f"they join as {role} when they accept.")
            return redirect("programs:cohort_invite", org_slug=org_slug, cohort_pk=cohort.pk)
        return self.render_to_response(self.get_context_data(form=form, cohort=cohort),
                                       status=400)


# --- self-enrollment -----------------------------------------------------------------------

class CohortApplyView(OrganizationMixin, TemplateView):
    """The shareable link: members apply while the cohort is enrolling (and in its window)."""

    template_name = "programs/participants/apply.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_cohort(self) -> Cohort:
        return get_object_or_404(Cohort.objects.select_related("program"),
                                 enrollment_token=self.kwargs["token"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = kwargs.get("cohort") or self.get_cohort()
        existing = Participant.objects.filter(cohort=cohort,
                                              membership=self.request.membership).first()
        context.update(
            cohort=cohort, program=cohort.program, existing=existing,
            closed_reason=participant_services.enrollment_window_error(cohort=cohort),
        )
        if existing is not None and existing.status != ParticipantStatus.WITHDRAWN:
            context["closed_reason"] = None  # their status says more than the window
        context.setdefault("form", ApplicationForm(topics=selectors.active_topics()))
        return context

    def post(self, request, org_slug, token):
        cohort = self.get_cohort()
        form = ApplicationForm(request.POST, topics=selectors.active_topics())
        ok, participant = form_submit(form, lambda data: participant_services.participant_apply(
            cohort=cohort, membership=request.membership, role=data["role"], note=data["note"],
            teach=list(data["teach"]), learn=list(data["learn"])))
        if ok:
            messages.success(request, "Thank you: your application was sent. HR will tell you "
                                      "their decision by email. Meanwhile you can complete "
                                      "your profile.")
            return redirect("programs:participant_profile", org_slug=org_slug,
                            participant_pk=participant.pk)
        return self.render_to_response(self.get_context_data(form=form, cohort=cohort),
                                       status=400)


# --- the participant's own pages -----------------------------------------------------------

class MyParticipationsView(OrganizationMixin, TemplateView):
    template_name = "programs/participants/mine.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["participations"] = list(selectors.participations_of_membership(
            membership=self.request.membership))
        return context


class ParticipantProfileView(OrganizationMixin, TemplateView):
    """Own profile: edit. HR admin: read any profile. Anyone else: 404."""

    allowed_roles = PARTICIPANT_ROLES

    def get_participant(self) -> Participant:
        try:
            participant = selectors.participant_for_profile(pk=self.kwargs["participant_pk"])
        except Participant.DoesNotExist as error:
            raise Http404("No such participant.") from error
        self.is_owner = participant.membership_id == self.request.membership.pk
        if not self.is_owner and self.request.membership.role != Role.ADMIN:
            raise Http404("No such participant.")  # someone else's profile: not revealed
        return participant

    def get_template_names(self):
        return ["programs/participants/profile.html" if self.can_edit
                else "programs/participants/profile_view.html"]

    def build_forms(self, participant: Participant, data=None) -> dict:
        current = {(t.topic_id, t.interest): t.strength for t in participant.topics.all()}
        topic_ids = {topic_id for topic_id, _ in current}
        topics = list(Topic.objects.filter(is_retired=False) | Topic.objects.filter(
            pk__in=topic_ids))
        topics.sort(key=lambda t: t.name.lower())
        show_emails = self.request.membership.role == Role.ADMIN
        return {
            "form": ProfileForm(
                data, participant=participant,
                initial=ProfileForm.initial_for(participant, show_emails=show_emails),
                partners=selectors.possible_partners(participant=participant),
                levels=selectors.seniority_levels(),
                members=selectors.members_for_picker(
                    exclude_membership_id=participant.membership_id),
                show_emails=show_emails),
            "availability_formset": availability_formset(data,
                                                         windows=participant.availability),
            "topics_form": TopicsForm(data, topics=topics, current=current),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = kwargs.get("participant") or self.get_participant()
        completeness = selectors.participant_completeness(participant=participant)
        topics = list(participant.topics.all())
        context.update(
            participant=participant, cohort=participant.cohort,
            program=participant.cohort.program, profile=participant.profile,
            completeness=completeness, is_owner=self.is_owner,
            is_mentor=participant.role == ParticipantRole.MENTOR,
            teach=[t for t in topics if t.interest == TopicInterest.TEACH],
            learn=[t for t in topics if t.interest == TopicInterest.LEARN],
            windows=[availability_label(w) for w in participant.availability or []],
            languages=[language_name(c) for c in participant.profile.languages or []],
            roster_url=reverse("programs:cohort_roster", kwargs={
                "org_slug": self.request.organization.slug,
                "cohort_pk": participant.cohort_id}),
        )
        if self.can_edit:
            for name, value in self.build_forms(participant).items():
                context.setdefault(name, value)
        return context

    def get(self, request, *args, **kwargs):
        participant = self.get_participant()
        self.can_edit = self.is_owner and not participant.cohort.is_read_only
        return self.render_to_response(self.get_context_data(participant=participant))

    def post(self, request, org_slug, participant_pk):
        participant = self.get_participant()
        if not self.is_owner:
            raise PermissionDenied("HR admins can read profiles but only their owner can "
                                   "change them.")
        if participant.cohort.is_read_only:
            raise PermissionDenied("This cohort has ended: its profiles can no longer change.")
        self.can_edit = True
        forms = self.build_forms(participant, request.POST)
        form, formset, topics_form = (forms["form"], forms["availability_formset"],
                                      forms["topics_form"])
        ok, _ = form_submit(form, lambda data: participant_services.participant_profile_update(
            participant=participant, profile_fields=form.profile_fields(),
            capacity=data.get("capacity"), learning_goals=data["learning_goals"],
            availability=formset.windows(),
            teach=topics_form.chosen(TopicInterest.TEACH),
            learn=topics_form.chosen(TopicInterest.LEARN),
            requested=list(data["requested_partners"]),
            excluded=list(data["excluded_partners"])), also=(formset, topics_form))
        if ok:
            messages.success(request, f"Profile saved: {participant.completeness}% complete.")
            return redirect("programs:participant_profile", org_slug=org_slug,
                            participant_pk=participant.pk)
        participant = selectors.participant_for_profile(pk=participant.pk)
        return self.render_to_response(
            self.get_context_data(participant=participant, **forms), status=400)


class MemberSearchView(OrganizationMixin, TemplateView):
    """The "Your manager" picker's suggestions (an htmx fragment; opened directly, a plain
    search page): at most 20 members of this organization whose name contains ``q``, with
    job title and department.

    Privacy: emails are shown, and searched, for HR admins only; members see names and titles
    of their own organization's people and nothing of any other (the tenant scope)."""

    template_name = "programs/participants/member_search.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_template_names(self):
        if self.request.htmx:
            return [f"{self.template_name}#options"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "")[:150]
        options, more = selectors.member_options(
            q=q, exclude_membership_id=self.request.membership.pk,
            with_emails=self.request.membership.role == Role.ADMIN)
        context.update(q=" ".join(q.split()), options=options, more=more)
        return context


# --- roster for HR admins ------------------------------------------------------------------

ROSTER_PAGE_SIZE = 50
ROSTER_APPLICATIONS_SHOWN = 20


class CohortRosterView(CohortAdminMixin, TemplateView):
    """The cohort's people, 50 a page; filters, sort and page live in the query string (htmx
    swaps the table and pushes the URL, so reload, back and sharing a link keep them)."""


    template_name = "programs/participants/roster.html"

    def filter_form(self, cohort: Cohort) -> RosterFilterForm:
        return RosterFilterForm(self.request.GET or None,
                                departments=selectors.roster_departments(cohort=cohort),
                                levels=selectors.seniority_levels())

    def get_template_names(self):
        if self.request.htmx:
            return [f"{self.template_name}#results"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.get_cohort()
        form = self.filter_form(cohort)
        filters = form.filters()
        rows = RowWindow(lambda offset, limit: selectors.roster_window(
            cohort=cohort, offset=offset, limit=limit, **filters),
            count=selectors.roster_count(cohort=cohort, **filters))
        page = Paginator(rows, ROSTER_PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = selectors.roster_rows(list(page.object_list))
        # One reverse() for the page, not one per row.
        sentinel = 987654321
        profile_url = reverse("programs:participant_profile", kwargs={
            "org_slug": self.request.organization.slug, "participant_pk": sentinel})
        for row in rows:
            if not row.is_invited:  # an invitation has no profile to open until accepted
                row.url = profile_url.replace(str(sentinel), str(row.pk))
        query = self.request.GET.copy()
        query.pop("page", None)
        page_query = query.urlencode()
        query.pop("sort", None)
        context.update(
            cohort=cohort, links=self.cohort_links(cohort), filter_form=form,
            page=page, participants=rows, sort=filters["sort"],
            sorts=ROSTER_SORTS, query_without_sort=query.urlencode(), page_query=page_query,
            page_links=page_links(page), csv_query=page_query,
        )
        if not self.request.htmx:
            summary = selectors.roster_summary(cohort=cohort)
            context.update(
                summary=summary,
                chart_data={"labels": [t.name for t in summary.topics],
                            "wanted": [t.wanted_by for t in summary.topics],
                            "teachable": [t.teachable_by for t in summary.topics]},
                applications=list(  # none waiting (the summary counted them): no query
                    selectors.cohort_applications(cohort=cohort)[:ROSTER_APPLICATIONS_SHOWN]
                ) if summary.applied else [],
                applications_shown=ROSTER_APPLICATIONS_SHOWN,
                decision_form=DecisionForm(),
            )
        return context


class CohortRosterCsvView(CohortAdminMixin, View):
    """The filtered roster as CSV, participants and open invitations in the page's order;
    every cell goes through ``neutralise_cell``. An invitation's row holds what the
    organization said when it invited the person (nothing of any account)."""

    HEADER = ["Name", "Email", "Role", "Status", "Job title", "Department", "Level",
              "Location", "Time zone", "Languages", "Mentee capacity", "Completeness (%)",
              "Can teach (proficiency 1-3)", "Wants to learn (priority 1-3)",
              "Weekly availability", "Joined"]

    def get(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        form = RosterFilterForm(request.GET or None,
                                departments=selectors.roster_departments(cohort=cohort),
                                levels=selectors.seniority_levels())
        lines = selectors.roster_export(cohort=cohort, **form.filters())
        rows = [[
            line.row.name, line.row.email, ParticipantRole(line.row.role).label,
            line.row.status_label, line.job_title, line.row.department, line.row.level,
            line.location, line.time_zone,
            ", ".join(language_name(c) for c in line.languages),
            line.row.capacity if line.row.capacity is not None else "",
            line.row.completeness, line.row.topics_text[TopicInterest.TEACH],
            line.row.topics_text[TopicInterest.LEARN],
            "; ".join(availability_label(w) for w in line.availability),
            timezone.localtime(line.row.created_at).date().isoformat(),
        ] for line in lines]
        return csv_response(filename=f"{cohort.slug}-roster.csv", header=self.HEADER,
                            rows=rows)


class CohortRemindView(CohortAdminMixin, View):
    """Queue "complete your profile" reminders (Celery; idempotent per person and week)."""

    def post(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        incomplete = Participant.objects.filter(
            cohort=cohort, status=ParticipantStatus.ACTIVE, completeness__lt=100).count()
        if incomplete == 0:
            messages.info(request, "Every enrolled participant has a complete profile: "
                                   "nobody to remind.")
        else:
            remind_incomplete_profiles_enqueue(cohort=cohort)
            messages.success(request, f"Reminders are on their way to {incomplete} "
                                      f"participant{'s' if incomplete != 1 else ''} with an "
                                      "incomplete profile (at most one each per week).")
        return redirect("programs:cohort_roster", org_slug=org_slug, cohort_pk=cohort.pk)


class ParticipantDecideView(OrganizationMixin, View):
    """Approve or decline one application (HR admin); the applicant is emailed either way."""

    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, participant_pk):
        participant = get_object_or_404(
            Participant.objects.select_related("membership__user"), pk=participant_pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose to approve or decline the application.")
        else:
            approve = form.cleaned_data["decision"] == "approve"
            name = participant.membership.user.display_name
            action_submit(request, lambda: participant_services.participant_decide_application(
                participant=participant, approve=approve, actor=request.user,
                reason=form.cleaned_data["reason"]),
                success=f"{name} is enrolled and was emailed a welcome." if approve
                else f"{name}'s application was declined; they were told by email.")
        return redirect("programs:cohort_roster", org_slug=org_slug,
                        cohort_pk=participant.cohort_id)


urlpatterns = [
    path("mine/", MyParticipationsView.as_view(), name="my_participations"),
    path("apply/<str:token>/", CohortApplyView.as_view(), name="cohort_apply"),
    path("participants/<int:participant_pk>/profile/", ParticipantProfileView.as_view(),
         name="participant_profile"),
    path("members/search/", MemberSearchView.as_view(), name="member_search"),
    path("participants/<int:participant_pk>/decision/", ParticipantDecideView.as_view(),
         name="participant_decide"),
    path("cohorts/<int:cohort_pk>/invite/", CohortInviteView.as_view(), name="cohort_invite"),
    path("cohorts/<int:cohort_pk>/roster/", CohortRosterView.as_view(), name="cohort_roster"),
    path("cohorts/<int:cohort_pk>/roster.csv", CohortRosterCsvView.as_view(),
         name="cohort_roster_csv"),
    path("cohorts/<int:cohort_pk>/roster/remind/", CohortRemindView.as_view(),
         name="cohort_remind_incomplete"),
]
