"""Web pages of the pair's workspace under ``/o/<org_slug>/pairs/<pair_pk>/``.

Security boundary: every view uses ``OrganizationMixin`` (member of the URL's organization or
404; a participant role or 403) and loads the pair through
:func:`sessions.selectors.pair_of_member`, so only the two people of the pair reach its pages;
anyone else, HR admins included, gets 404. Children (sessions, goals, commitments, action
items) are loaded through the pair, so a child of another pair is 404 too. Private notes are
read and written for the signed-in author only; commitments not shared with the partner are
404 for them.

The views parse input with the forms, call one service and render; they hold no rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.permissions import PARTICIPANT_ROLES, OrganizationMixin
from core.web import form_post
from matching.models import Pair
from programs.models import Topic
from sessions import selectors, services
from sessions.calendar import build_ics
from sessions.forms import (
    KEEP,
    ActionItemEditForm,
    ActionItemForm,
    CancelForm,
    CommitmentForm,
    CommitmentOutcomeForm,
    GoalEditForm,
    GoalForm,
    GoalUpdateForm,
    PrivateNoteForm,
    SessionEditForm,
    SessionLogForm,
    SessionScheduleForm,
    UnscheduledLogForm,
)
from sessions.models import (
    ActionItem,
    Commitment,
    Goal,
    MentoringSession,
    SessionStatus,
)


class PairMixin(OrganizationMixin):
    """A page of one pair, for its two people only (anyone else: 404)."""

    allowed_roles = PARTICIPANT_ROLES

    @cached_property
    def pair(self) -> Pair:
        try:
            return selectors.pair_of_member(pair_pk=self.kwargs["pair_pk"],
                                            membership=self.request.membership)
        except Pair.DoesNotExist as error:
            raise Http404("No such pair.") from error

    @cached_property
    def me(self):
        return selectors.me_in(self.pair, self.request.membership)

    @cached_property
    def partner(self):
        return selectors.partner_in(self.pair, self.request.membership)

    @cached_property
    def time_zone(self) -> str:
        return selectors.time_zone_of(self.me, self.request.organization)

    def people(self) -> dict[str, str]:
        """Choices for "who": mentor/mentee with names, the viewer first."""
        names = {"mentor": self.pair.mentor.membership.user.display_name,
                 "mentee": self.pair.mentee.membership.user.display_name}
        mine = self.me.role
        return {mine: f"{names[mine]} (you)",
                **{role: name for role, name in names.items() if role != mine}}

    def person(self, role: str):
        return self.pair.mentor if role == "mentor" else self.pair.mentee

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(pair=self.pair, me=self.me, partner=self.partner,
                       partner_name=self.partner.membership.user.display_name,
                       time_zone=self.time_zone,
                       writable=selectors.pair_is_writable(self.pair))
        return context

    def back(self, name: str = "sessions:workspace", **kwargs):
        return redirect(name, org_slug=self.request.organization.slug, pair_pk=self.pair.pk,
                        **kwargs)

    def invalid(self, **context):
        return self.render_to_response(self.get_context_data(**context), status=400)


class SessionMixin(PairMixin):
    @cached_property
    def session(self) -> MentoringSession:
        try:
            return selectors.session_of_pair(pair=self.pair,
                                             session_pk=self.kwargs["session_pk"])
        except MentoringSession.DoesNotExist as error:
            raise Http404("No such session.") from error

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.session
        context["when"] = selectors.local_label(self.session.starts_at,
                                                self.session.duration_minutes, self.time_zone)
        return context


def _starts_at_on_the_slot(data: dict) -> dict[str, str]:
    """A refused start shows on the form's ``slot`` when it was a suggested time (a typed one
    shows on the form's own ``starts_at``)."""
    return {"starts_at": "slot"} if data["suggested"] else {}


def _note_saved(note) -> str:
    return "Private note saved." if note else "Private note deleted."


def _topics():
    return Topic.objects.filter(is_retired=False).order_by("name")


# --- the workspace ---------------------------------------------------------------------------

class WorkspaceView(PairMixin, TemplateView):
    """The pair's page: partner, program, prompts for the cohort's phase, sessions, goals,
    commitments, open action items and the viewer's own private note."""

    template_name = "sessions/workspace.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        space = selectors.workspace(pair=self.pair, membership=self.request.membership)
        context.update(space=space, upcoming=_labelled(space.upcoming, self.time_zone),
                       past=_labelled(space.past, self.time_zone),
                       goals=[(goal, selectors.goal_progress(goal)) for goal in space.goals])
        return context


def _labelled(sessions, tz: str) -> list[tuple[MentoringSession, str]]:
    return [(s, selectors.local_label(s.starts_at, s.duration_minutes, tz)) for s in sessions]


class SessionListView(PairMixin, TemplateView):
    template_name = "sessions/session_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sessions = list(selectors.sessions_of_pair(pair=self.pair))
        context.update(sessions=_labelled(reversed(sessions), self.time_zone),
                       ratings=selectors.my_ratings(participant=self.me, sessions=sessions))
        return context


# --- scheduling ------------------------------------------------------------------------------

class SessionScheduleView(PairMixin, TemplateView):
    """Plan a session: the next five times both are free, or another time."""

    template_name = "sessions/session_schedule.html"

    @cached_property
    def slot_options(self) -> list[selectors.SlotOption]:
        return selectors.slot_options(pair=self.pair, membership=self.request.membership)

    def form(self, data=None) -> SessionScheduleForm:
        return SessionScheduleForm(
            data, slot_options=self.slot_options, time_zone=self.time_zone,
            default_minutes=self.pair.cohort.session_minutes)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context.update(slot_options=self.slot_options, partner_time_zone=selectors.time_zone_of(
            self.partner, self.request.organization))
        return context

    def post(self, request, *args, **kwargs):
        def schedule(data):
            return services.session_schedule(
                pair=self.pair, actor=self.me, starts_at=data["start"],
                duration_minutes=data["duration_minutes"], format=data["format"],
                location=data["location"], meeting_url=data["meeting_url"],
                agenda=data["agenda"], suggested=data["suggested"])

        return form_post(
            self, self.form(request.POST), schedule, aliases=_starts_at_on_the_slot,
            success=f"Session scheduled: you and {self.partner.membership.user.display_name} "
                    "get a calendar invitation by email.",
            then=lambda session: self.back("sessions:session_detail", session_pk=session.pk))


class SessionLogNewView(PairMixin, TemplateView):
    """Log a meeting that took place without being scheduled here."""

    template_name = "sessions/session_log_new.html"

    def form(self, data=None) -> UnscheduledLogForm:
        return UnscheduledLogForm(data, topics=_topics(), people=self.people(),
                                  time_zone=self.time_zone,
                                  default_minutes=self.pair.cohort.session_minutes,
                                  initial={"status": SessionStatus.HAPPENED})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        def log(data):
            return services.session_log_unscheduled(
                pair=self.pair, actor=self.me, starts_at=data["when"],
                duration_minutes=data["duration_minutes"], format=data["format"],
                status=data["status"], actual_minutes=data["actual_minutes"],
                topics=data["topics"], summary=data["summary"],
                cancelled_by=self.person(data["cancelled_by"])
                if data["cancelled_by"] else None, rating=data["rating"])

        return form_post(
            self, self.form(request.POST), log, aliases={"starts_at": "when"},
            success="Session logged.",
            then=lambda session: self.back("sessions:session_detail", session_pk=session.pk))


# --- one session -----------------------------------------------------------------------------

class SessionDetailView(SessionMixin, TemplateView):
    template_name = "sessions/session_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.session
        people = {self.pair.mentor_id: self.pair.mentor.membership.user.display_name,
                  self.pair.mentee_id: self.pair.mentee.membership.user.display_name}
        context.update(
            people=people,
            partner_when=selectors.local_label(
                session.starts_at, session.duration_minutes,
                selectors.time_zone_of(self.partner, self.request.organization)),
            action_items=list(selectors.action_items_of_session(session=session)),
            history=selectors.history_of_session(session=session),
            my_rating=selectors.my_ratings(participant=self.me, sessions=[session])
            .get(session.pk),
            has_note=selectors.my_session_note(author=self.me, session=session) is not None,
            has_invite=selectors.latest_invite(session=session) is not None,
            is_upcoming=session.is_scheduled and session.ends_at > timezone.now(),
        )
        return context


class SessionEditView(SessionMixin, TemplateView):
    """Reschedule (suggested times or another) and change format, place, link, agenda."""

    template_name = "sessions/session_edit.html"

    @cached_property
    def slot_options(self) -> list[selectors.SlotOption]:
        if self.session.status != SessionStatus.SCHEDULED:
            return []
        return selectors.slot_options(
            pair=self.pair, membership=self.request.membership,
            exclude_session_pk=self.session.pk, minutes=self.session.duration_minutes)

    def form(self, data=None) -> SessionEditForm:
        session = self.session
        current = selectors.local_label(session.starts_at, session.duration_minutes,
                                        self.time_zone)
        return SessionEditForm(
            data, slot_options=self.slot_options, time_zone=self.time_zone,
            default_minutes=session.duration_minutes, keep_label=f"Keep {current}",
            initial={"format": session.format, "location": session.location,
                     "meeting_url": session.meeting_url, "agenda": session.agenda,
                     "duration_minutes": session.duration_minutes, "slot": KEEP})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context.update(slot_options=self.slot_options, partner_time_zone=selectors.time_zone_of(
            self.partner, self.request.organization))
        return context

    def post(self, request, *args, **kwargs):
        def change(data):
            session = self.session
            if data["start"] is not None or data["duration_minutes"] != session.duration_minutes:
                session = services.session_reschedule(
                    session=session, actor=self.me, starts_at=data["start"] or session.starts_at,
                    duration_minutes=data["duration_minutes"], suggested=data["suggested"])
            services.session_update_details(
                session=session, actor=self.me, format=data["format"],
                location=data["location"], meeting_url=data["meeting_url"],
                agenda=data["agenda"])
            return session

        return form_post(
            self, self.form(request.POST), change, aliases=_starts_at_on_the_slot,
            success="Session updated.",
            then=lambda session: self.back("sessions:session_detail", session_pk=session.pk))


class SessionCancelView(SessionMixin, TemplateView):
    template_name = "sessions/session_cancel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CancelForm())
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, CancelForm(request.POST),
            lambda data: services.session_cancel(session=self.session, actor=self.me,
                                                 reason=data["reason"]),
            success="Session cancelled; both calendars get the cancellation.",
            then=lambda _: self.back("sessions:session_detail", session_pk=self.session.pk))


class SessionLogView(SessionMixin, TemplateView):
    """What became of the session, the shared summary and the viewer's own rating."""

    template_name = "sessions/session_log.html"

    def form(self, data=None) -> SessionLogForm:
        session = self.session
        cancelled_by = ""
        if session.cancelled_by_id:
            cancelled_by = "mentor" if session.cancelled_by_id == self.pair.mentor_id \
                else "mentee"
        rating = selectors.my_ratings(participant=self.me, sessions=[session]).get(session.pk)
        return SessionLogForm(data, topics=_topics(), people=self.people(), initial={
            "status": session.status if session.is_logged else SessionStatus.HAPPENED,
            "cancelled_by": cancelled_by,
            "actual_minutes": session.actual_minutes or session.duration_minutes,
            "topics": [t.topic for t in session.session_topics.all()],
            "summary": session.summary, "rating": rating})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, self.form(request.POST),
            lambda data: services.session_log(
                session=self.session, actor=self.me, status=data["status"],
                actual_minutes=data["actual_minutes"], topics=data["topics"],
                summary=data["summary"],
                cancelled_by=self.person(data["cancelled_by"]) if data["cancelled_by"] else None,
                rating=data["rating"]),
            success="Session log saved.",
            then=lambda _: self.back("sessions:session_detail", session_pk=self.session.pk))


class SessionNoteView(SessionMixin, TemplateView):
    """The viewer's own private note on the session (never anyone else's)."""

    template_name = "sessions/note.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        note = selectors.my_session_note(author=self.me, session=self.session)
        context.setdefault("form", PrivateNoteForm(initial={"text": note.text if note else ""}))
        context.update(note=note, heading=f"My private note on the session of {context['when']}")
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, PrivateNoteForm(request.POST),
            lambda data: services.private_note_save(author=self.me, pair=self.pair,
                                                    session=self.session, text=data["text"]),
            success=_note_saved,
            then=lambda _: self.back("sessions:session_detail", session_pk=self.session.pk))


class SessionIcsView(SessionMixin, TemplateView):
    """The session's calendar file: the last invitation sent (or a fresh one)."""

    def get(self, request, *args, **kwargs):
        invite = selectors.latest_invite(session=self.session)
        if invite is not None:
            ics, method = invite.ics, invite.method
        else:
            method = "CANCEL" if self.session.status == SessionStatus.CANCELLED else "REQUEST"
            ics = build_ics(services.invitation_for(self.session, method=method,
                                                    stamp=self.session.updated_at))
        response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="session-{self.session.pk}.ics"'
        return response


class ActionItemAddView(SessionMixin, TemplateView):
    template_name = "sessions/action_item_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ActionItemForm(people=self.people(),
                                                  initial={"owner": self.me.role}))
        context["heading"] = "Add an action item"
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, ActionItemForm(request.POST, people=self.people()),
            lambda data: services.action_item_add(
                session=self.session, actor=self.me, text=data["text"],
                owner=self.person(data["owner"]), due_date=data["due_date"]),
            success="Action item added.",
            then=lambda _: self.back("sessions:session_detail", session_pk=self.session.pk))


class ActionItemView(PairMixin, TemplateView):
    """Change an action item or tick it off (either person)."""

    template_name = "sessions/action_item_form.html"

    @cached_property
    def item(self) -> ActionItem:
        try:
            return selectors.action_items_of_pair(pair=self.pair).get(pk=self.kwargs["action_pk"])
        except ActionItem.DoesNotExist as error:
            raise Http404("No such action item.") from error

    def form(self, data=None) -> ActionItemEditForm:
        item = self.item
        role = "mentor" if item.owner_id == self.pair.mentor_id else "mentee"
        return ActionItemEditForm(data, people=self.people(), initial={
            "text": item.text, "owner": role, "due_date": item.due_date, "done": item.is_done})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context.update(item=self.item, heading="Action item")
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, self.form(request.POST),
            lambda data: services.action_item_update(
                item=self.item, actor=self.me, text=data["text"],
                owner=self.person(data["owner"]), due_date=data["due_date"], done=data["done"]),
            success="Action item saved.", then=lambda _: self.back())


# --- private note on the pair ----------------------------------------------------------------

class PairNoteView(PairMixin, TemplateView):
    template_name = "sessions/note.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        note = selectors.my_pair_note(author=self.me, pair=self.pair)
        context.setdefault("form", PrivateNoteForm(initial={"text": note.text if note else ""}))
        context.update(note=note, heading=f"My private notes on working with "
                                          f"{self.partner.membership.user.display_name}")
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, PrivateNoteForm(request.POST),
            lambda data: services.private_note_save(author=self.me, pair=self.pair,
                                                    text=data["text"]),
            success=_note_saved, then=lambda _: self.back())


# --- goals -----------------------------------------------------------------------------------

class GoalAddView(PairMixin, TemplateView):
    template_name = "sessions/goal_form.html"

    def form(self, data=None) -> GoalForm:
        return GoalForm(data, objectives=self.pair.cohort.program.objectives or [],
                        topics=_topics())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["heading"] = "A new goal of mine"
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, self.form(request.POST),
            lambda data: services.goal_create(pair=self.pair, owner=self.me, **data),
            success="Goal added: your partner can see it and comment.",
            then=lambda goal: self.back("sessions:goal_detail", goal_pk=goal.pk))


class GoalMixin(PairMixin):
    @cached_property
    def goal(self) -> Goal:
        try:
            return selectors.goal_of_pair(pair=self.pair, goal_pk=self.kwargs["goal_pk"])
        except Goal.DoesNotExist as error:
            raise Http404("No such goal.") from error

    @property
    def is_owner(self) -> bool:
        return self.goal.owner_id == self.me.pk

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        goal = self.goal
        context.update(goal=goal, is_owner=self.is_owner,
                       owner_name=(self.me if self.is_owner else self.partner)
                       .membership.user.display_name,
                       progress=selectors.goal_progress(goal),
                       people={self.pair.mentor_id: self.pair.mentor.membership.user.display_name,
                               self.pair.mentee_id: self.pair.mentee.membership.user.display_name})
        return context


class GoalDetailView(GoalMixin, TemplateView):
    """A goal with its progress and comments; its owner reports progress here, the partner
    comments."""

    template_name = "sessions/goal_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", GoalUpdateForm(is_owner=self.is_owner))
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, GoalUpdateForm(request.POST, is_owner=self.is_owner),
            lambda data: services.goal_add_update(
                goal=self.goal, author=self.me, percent=data.get("percent"),
                comment=data["comment"], on_date=data["on_date"]),
            success="Progress saved." if self.is_owner else "Comment added.",
            then=lambda _: self.back("sessions:goal_detail", goal_pk=self.goal.pk))


class GoalEditView(GoalMixin, TemplateView):
    """The owner changes the goal; the partner is told who can."""

    template_name = "sessions/goal_form.html"

    def form(self, data=None) -> GoalEditForm:
        goal = self.goal
        return GoalEditForm(data, objectives=self.pair.cohort.program.objectives or [],
                            topics=_topics(), initial={
                                "title": goal.title, "why": goal.why,
                                "success_measure": goal.success_measure,
                                "target_date": goal.target_date, "status": goal.status,
                                "objectives": goal.objectives,
                                "topics": [t.topic for t in goal.goal_topics.all()]})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.is_owner:
            context.setdefault("form", self.form())
        context["heading"] = "Change my goal"
        return context

    def post(self, request, *args, **kwargs):
        if not self.is_owner:
            raise PermissionDenied("Only the goal's owner can change it.")
        return form_post(
            self, self.form(request.POST),
            lambda data: services.goal_update(goal=self.goal, actor=self.me, **data),
            success="Goal saved.",
            then=lambda _: self.back("sessions:goal_detail", goal_pk=self.goal.pk))


# --- commitments -----------------------------------------------------------------------------

class CommitmentAddView(PairMixin, TemplateView):
    """The mentee records a commitment (after a session, when the URL names one)."""

    template_name = "sessions/commitment_form.html"

    @cached_property
    def session(self) -> MentoringSession | None:
        if "session_pk" not in self.kwargs:
            return None
        try:
            return selectors.session_of_pair(pair=self.pair,
                                             session_pk=self.kwargs["session_pk"])
        except MentoringSession.DoesNotExist as error:
            raise Http404("No such session.") from error

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CommitmentForm())
        context.update(session=self.session, heading="A new commitment",
                       can_commit=self.me.pk == self.pair.mentee_id)
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, CommitmentForm(request.POST),
            lambda data: services.commitment_create(pair=self.pair, owner=self.me,
                                                    session=self.session, **data),
            success="Commitment recorded: on its due date we will ask you whether it "
                    "happened.",
            then=lambda commitment: self.back("sessions:commitment",
                                              commitment_pk=commitment.pk))


class CommitmentMixin(PairMixin):
    @cached_property
    def commitment(self) -> Commitment:
        try:
            return selectors.commitment_visible_to(
                pair=self.pair, participant=self.me, commitment_pk=self.kwargs["commitment_pk"])
        except Commitment.DoesNotExist as error:
            raise Http404("No such commitment.") from error

    @property
    def is_owner(self) -> bool:
        return self.commitment.owner_id == self.me.pk

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(commitment=self.commitment, is_owner=self.is_owner)
        return context


class CommitmentView(CommitmentMixin, TemplateView):
    """A commitment and whether it happened; its owner answers here."""

    template_name = "sessions/commitment_detail.html"

    def form(self, data=None) -> CommitmentOutcomeForm:
        commitment = self.commitment
        initial = {"outcome": commitment.outcome, "note": commitment.outcome_note} \
            if commitment.answered_at else {}
        return CommitmentOutcomeForm(data, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.is_owner:
            context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        if not self.is_owner:
            raise PermissionDenied("Only the person who made this commitment answers for it.")
        return form_post(
            self, self.form(request.POST),
            lambda data: services.commitment_record_outcome(
                commitment=self.commitment, actor=self.me, outcome=data["outcome"],
                note=data["note"], new_due_date=data["new_due_date"]),
            success="Thank you: your answer is saved.",
            then=lambda _: self.back("sessions:commitment", commitment_pk=self.commitment.pk))


class CommitmentEditView(CommitmentMixin, TemplateView):
    template_name = "sessions/commitment_form.html"

    def form(self, data=None) -> CommitmentForm:
        c = self.commitment
        return CommitmentForm(data, initial={
            "text": c.text, "due_date": c.due_date, "shared_with_partner": c.shared_with_partner,
            "shared_with_program": c.shared_with_program})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.is_owner:
            context.setdefault("form", self.form())
        context.update(heading="Change my commitment", can_commit=self.is_owner)
        return context

    def post(self, request, *args, **kwargs):
        if not self.is_owner:
            raise PermissionDenied("Only the person who made this commitment can change it.")
        return form_post(
            self, self.form(request.POST),
            lambda data: services.commitment_update(commitment=self.commitment, actor=self.me,
                                                    **data),
            success="Commitment saved.",
            then=lambda _: self.back("sessions:commitment", commitment_pk=self.commitment.pk))

