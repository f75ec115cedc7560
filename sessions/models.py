"""The pair's workspace: mentoring sessions and their log, action items, private notes, goals
and commitments.

Every model is tenant-owned (``TenantModel``) and repeats ``organization`` even on children, so
scoping stays one ``WHERE`` away; services check that every row they link shares the pair's
organization. People are ``programs.Participant`` rows (their place in the pair's cohort).

Privacy is part of the schema: a :class:`PrivateNote` names its author and is only ever read
filtered by author; a :class:`SessionRating` is read by its rater only; a
:class:`Commitment` is its owner's unless shared. ``__str__`` of a private row never includes
its text, so it cannot reach a log line or an admin page by accident.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.tenancy import TenantModel
from sessions.due import DEFAULT_INACTIVITY_DAYS

MIN_SESSION_MINUTES = 15
MAX_SESSION_MINUTES = 240
MAX_ACTUAL_MINUTES = 600


def validate_https(value: str) -> None:
    if value and not value.lower().startswith("https://"):
        raise ValidationError("A meeting link must start with https:// (a secure address).")


class SessionFormat(models.TextChoices):
    VIDEO = "video", "Video call"
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HAPPENED = "happened", "Happened"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


#: What a log may record about a session.
LOGGED_STATUSES = (SessionStatus.HAPPENED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW)
LOGGED_STATUS_CHOICES = [(status.value, status.label) for status in LOGGED_STATUSES]


class PairSide(models.TextChoices):
    """One of the two people of a pair, as forms and the API name them."""

    MENTOR = "mentor", "The pair's mentor"
    MENTEE = "mentee", "The pair's mentee"


class MentoringSession(TenantModel):
    """One meeting of a pair: planned (``scheduled``) and, once logged, what happened.

    ``starts_at`` is stored in UTC and shown in each viewer's own zone. ``uid`` and
    ``sequence`` make the calendar invitation (``sessions/calendar.py``): the UID never
    changes, the sequence grows with every invitation sent (reschedule, change, cancel).
    """

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE,
                             related_name="mentoring_sessions")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    starts_at = models.DateTimeField(help_text="Start, in UTC.")
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_SESSION_MINUTES),
                    MaxValueValidator(MAX_SESSION_MINUTES)])
    format = models.CharField(max_length=12, choices=SessionFormat.choices,
                              default=SessionFormat.VIDEO)
    location = models.CharField(max_length=200, blank=True,
                                help_text="Room or address (in person) or a phone number.")
    meeting_url = models.URLField("meeting link", max_length=500, blank=True,
                                  validators=[validate_https])
    agenda = models.TextField(blank=True, help_text="Markdown.")
    status = models.CharField(max_length=12, choices=SessionStatus.choices,
                              default=SessionStatus.SCHEDULED)
    was_scheduled = models.BooleanField(
        default=True, help_text="False for a session logged after the fact without a plan.")
    cancelled_by = models.ForeignKey("programs.Participant", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.CharField(max_length=300, blank=True)
    actual_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1),
                                           MaxValueValidator(MAX_ACTUAL_MINUTES)])
    topics = models.ManyToManyField("programs.Topic", through="SessionTopic", blank=True,
                                    related_name="+")
    summary = models.TextField(blank=True, help_text="Shared by both people (Markdown).")
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("programs.Participant", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    logged_by = models.ForeignKey("programs.Participant", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    logged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["pair", "starts_at"]),
                   models.Index(fields=["organization", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=MIN_SESSION_MINUTES,
                                   duration_minutes__lte=MAX_SESSION_MINUTES),
                name="session_duration_in_range"),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} of pair {self.pair_id}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_scheduled(self) -> bool:
        return self.status == SessionStatus.SCHEDULED

    @property
    def is_upcoming(self) -> bool:
        return self.is_scheduled and self.ends_at > timezone.now()

    @property
    def is_logged(self) -> bool:
        return self.logged_at is not None


class SessionTopic(TenantModel):
    """A topic of the organization's taxonomy covered in a session."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE,
                                related_name="session_topics")
    topic = models.ForeignKey("programs.Topic", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "topic"],
                                               name="unique_session_topic")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.topic_id}"


class SessionRating(TenantModel):
    """One person's own 1–5 "how valuable was this session". Read by the rater only; HR and
    dashboards get aggregates (a later feature)."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE,
                                related_name="ratings")
    participant = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                                    related_name="+")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"],
                                    name="one_rating_per_person"),
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5),
                                   name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"Rating of session {self.session_id} by {self.participant_id}"


class ActionItem(TenantModel):
    """Something one of the pair will do, agreed in a session (shared by both)."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE,
                             related_name="action_items")
    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE,
                                related_name="action_items")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                              related_name="+")
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("programs.Participant", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_date", "id"]
        indexes = [models.Index(fields=["pair", "done_at"])]

    def __str__(self) -> str:
        return f"Action item {self.pk} of session {self.session_id}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ChangeKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LOGGED_UNSCHEDULED = "logged_unscheduled", "Logged (never scheduled)"
    RESCHEDULED = "rescheduled", "Rescheduled"
    DETAILS = "details", "Changed the details"
    CANCELLED = "cancelled", "Cancelled"
    LOGGED = "logged", "Logged"
    ACTION_ADDED = "action_added", "Added an action item"
    ACTION_CHANGED = "action_changed", "Changed an action item"


class SessionChange(TenantModel):
    """Edit history of a session's shared parts: who changed what, when. ``changes`` is a
    list of ``{"field": label, "old": text, "new": text}``; long texts (agenda, summary) are
    recorded as changed, not copied. Ratings and private notes are never recorded here."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE,
                                related_name="changes")
    actor = models.ForeignKey("programs.Participant", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    changes = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of session {self.session_id}"


class PrivateNote(TenantModel):
    """A person's own private note on the pair (``session`` empty) or on one session.

    Security boundary: only its author ever reads it. Every read filters by ``author``
    (``sessions.selectors``); no shared page, email, calendar file, export, log line or admin
    page shows it.
    """

    author = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                               related_name="+")
    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(MentoringSession, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "session"],
                                    condition=models.Q(session__isnull=False),
                                    name="one_session_note_per_author"),
            models.UniqueConstraint(fields=["author", "pair"],
                                    condition=models.Q(session__isnull=True),
                                    name="one_pair_note_per_author"),
        ]

    def __str__(self) -> str:
        return f"Private note {self.pk}"  # never the text


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "Dropped"


class Goal(TenantModel):
    """A learning goal of one person of the pair (both may own goals). The partner sees it
    and may comment; only the owner changes it and reports progress."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="goals")
    owner = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                              related_name="+")
    title = models.CharField(max_length=160)
    why = models.TextField("why it matters", blank=True)
    success_measure = models.TextField("how you will know", blank=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=GoalStatus.choices,
                              default=GoalStatus.NOT_STARTED)
    objectives = models.JSONField(default=list, blank=True,
                                  help_text="The program objectives (their text) it serves.")
    topics = models.ManyToManyField("programs.Topic", through="GoalTopic", blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Goal {self.pk} of pair {self.pair_id}"


class GoalTopic(TenantModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="goal_topics")
    topic = models.ForeignKey("programs.Topic", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "topic"],
                                               name="unique_goal_topic")]

    def __str__(self) -> str:
        return f"{self.goal_id}:{self.topic_id}"


class GoalUpdate(TenantModel):
    """Progress on a goal (its owner: date, percent, comment) or a comment by the partner
    (no percent)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                               related_name="+")
    on_date = models.DateField("date", default=timezone.localdate)
    percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on_date", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True) | models.Q(percent__lte=100),
                name="goal_percent_0_to_100"),
        ]

    def __str__(self) -> str:
        return f"Update {self.pk} of goal {self.goal_id}"


class CommitmentOutcome(models.TextChoices):
    PENDING = "pending", "Not answered yet"
    DONE = "done", "Done"
    PARTLY = "partly", "Partly"
    NOT_YET = "not_yet", "Not yet"


#: What the owner may answer when asked whether a commitment happened.
ANSWER_CHOICES = [(CommitmentOutcome.DONE.value, CommitmentOutcome.DONE.label),
                  (CommitmentOutcome.PARTLY.value, CommitmentOutcome.PARTLY.label),
                  (CommitmentOutcome.NOT_YET.value, CommitmentOutcome.NOT_YET.label)]


class Commitment(TenantModel):
    """Insight → action: what the leader (the mentee) will change, by when, and whether it
    happened. The text is its owner's: the partner sees it only when shared with them, the
    program (HR) only when shared with the program; counts and rates are for dashboards."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE,
                             related_name="commitments")
    owner = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                              related_name="+")
    session = models.ForeignKey(MentoringSession, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="commitments")
    text = models.CharField(max_length=300)
    due_date = models.DateField()
    shared_with_partner = models.BooleanField(default=False)
    shared_with_program = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=CommitmentOutcome.choices,
                               default=CommitmentOutcome.PENDING)
    outcome_note = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["organization", "outcome", "due_date"])]

    def __str__(self) -> str:
        return f"Commitment {self.pk} of pair {self.pair_id}"  # never the text

    @property
    def is_open(self) -> bool:
        return self.outcome in (CommitmentOutcome.PENDING, CommitmentOutcome.NOT_YET)


class InviteMethod(models.TextChoices):
    REQUEST = "REQUEST", "Invitation or update"
    CANCEL = "CANCEL", "Cancellation"


class CalendarInvite(TenantModel):
    """The calendar file sent for one sequence number of a session, kept as sent so that the
    email carries exactly the invitation of its moment."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE,
                                related_name="invites")
    sequence = models.PositiveIntegerField()
    method = models.CharField(max_length=8, choices=InviteMethod.choices)
    ics = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "sequence"]
        constraints = [models.UniqueConstraint(fields=["session", "sequence"],
                                               name="one_invite_per_sequence")]

    def __str__(self) -> str:
        return f"{self.method} {self.sequence} of session {self.session_id}"


# --- check-ins, fit checks and HR alerts (sessions/checkins/) ------------------------------

#: A cohort without a :class:`CheckInSchedule` asks every four weeks from the first session.
DEFAULT_CHECK_IN_CADENCE_DAYS = 28


class CheckInSchedule(TenantModel):
    """A cohort's check-in cadence and inactivity days. Kept on the sessions side so that
    programs never imports sessions (``sessions → matching → programs``); a cohort without one uses
    :data:`DEFAULT_CHECK_IN_CADENCE_DAYS`."""

    cohort = models.OneToOneField("programs.Cohort", on_delete=models.CASCADE,
                                  related_name="check_in_schedule")
    cadence_days = models.PositiveSmallIntegerField(
        "check-in cadence (days)", default=DEFAULT_CHECK_IN_CADENCE_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(91)],
        help_text="Each person of a pair is asked how it is going every this many days, "
                  "counted from the pair's first session (7 to 91).")
    inactivity_days = models.PositiveSmallIntegerField(
        "days without activity before a warning", default=DEFAULT_INACTIVITY_DAYS,
        validators=[MinValueValidator(14), MaxValueValidator(180)],
        help_text="A pair with no session, log or change for this many days is warned; 7 days "
                  "later it is closed as inactive unless someone acts (14 to 180).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(cadence_days__gte=7, cadence_days__lte=91),
                                   name="check_in_cadence_7_to_91"),
            models.CheckConstraint(
                condition=models.Q(inactivity_days__gte=14, inactivity_days__lte=180),
                name="inactivity_days_14_to_180"),
        ]

    def __str__(self) -> str:
        return f"Check-ins of cohort {self.cohort_id} every {self.cadence_days} days"


class CheckInBlocker(models.TextChoices):
    SCHEDULING = "scheduling", "Scheduling"
    UNCLEAR_GOALS = "unclear_goals", "Unclear goals"
    RELATIONSHIP = "relationship", "The relationship"
    TIME = "time", "Time"
    OTHER = "other", "Other"


class AgendaSetter(models.TextChoices):
    ME = "me", "Me"
    PARTNER = "partner", "My partner"
    TOGETHER = "together", "Together"
    NOBODY = "nobody", "Nobody"


class CheckInStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ANSWERED = "answered", "Answered"


class CheckIn(TenantModel):
    """One person's 30-second pulse on their pair for one period of the cohort's cadence.

    Security boundary: the answers are their author's. Every read filters by ``participant``
    (``sessions/checkins/selectors.py``); the partner, executives and other tenants never read
    them, HR sees only the :class:`HRAlert` it raises (reason codes; the free text only when
    ``share_text_with_hr``). ``__str__`` never includes an answer.
    """

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE,
                             related_name="check_ins")
    participant = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                                    related_name="+")
    period = models.PositiveSmallIntegerField(
        help_text="1 for the first cadence after the first session, 2 for the next, …")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=CheckInStatus.choices,
                              default=CheckInStatus.PENDING)
    score = models.PositiveSmallIntegerField(
        "how is your mentoring going", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    blockers = models.JSONField(default=list, blank=True,
                                help_text="Codes of CheckInBlocker.")
    blocker_text = models.TextField(blank=True)
    agenda_set_by = models.CharField(max_length=10, choices=AgendaSetter.choices, blank=True)
    candour = models.PositiveSmallIntegerField(
        "able to speak candidly", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    wants_hr_contact = models.BooleanField(null=True, blank=True)
    share_text_with_hr = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        indexes = [models.Index(fields=["organization", "status", "due_on"])]
        constraints = [
            models.UniqueConstraint(fields=["pair", "participant", "period"],
                                    name="one_check_in_per_person_and_period"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="check_in_score_1_to_5"),
            models.CheckConstraint(
                condition=models.Q(candour__isnull=True)
                | models.Q(candour__gte=1, candour__lte=5),
                name="check_in_candour_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.period} of {self.participant_id} on pair {self.pair_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == CheckInStatus.PENDING


class FitAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NOT_SURE = "not_sure", "Not sure"
    NO = "no", "No"


class FitCheck(TenantModel):
    """"Is this pairing working for you?", asked of each person privately 48 hours after the
    pair's first logged session. Security boundary: read by its participant only; a "no"
    opens a re-match case (:class:`HRAlert` of kind ``rematch``) without the partner ever
    seeing the answer."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE,
                             related_name="fit_checks")
    participant = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                                    related_name="+")
    answer = models.CharField(max_length=10, choices=FitAnswer.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["pair", "participant"],
                                               name="one_fit_check_per_person")]

    def __str__(self) -> str:
        return f"Fit check of {self.participant_id} on pair {self.pair_id}"

    @property
    def is_pending(self) -> bool:
        return not self.answer


class AlertKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    REMATCH = "rematch", "Re-match case"


class AlertReason(models.TextChoices):
    LOW_SCORE = "low_score", "Says it is going badly (1–2 of 5)"
    RELATIONSHIP = "relationship", "The relationship is in the way"
    LOW_CANDOUR = "low_candour", "Did not feel able to speak candidly (1–2 of 5)"
    WANTS_CONTACT = "wants_contact", "Would like HR to reach out"
    NOT_WORKING = "not_working", "Says the pairing is not working for them"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class HRAlert(TenantModel):
    """What HR must look at: raised by a check-in (``reasons``) or a fit check's "no" (a
    re-match case). Names the pair, who raised it and the reason codes; ``shared_text`` holds
    the person's free text only when they ticked "share this with HR" (empty otherwise)."""

    cohort = models.ForeignKey("programs.Cohort", on_delete=models.CASCADE,
                               related_name="+")
    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE,
                             related_name="hr_alerts")
    participant = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                                    related_name="+", help_text="Who raised it.")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    reasons = models.JSONField(default=list, help_text="Codes of AlertReason.")
    check_in = models.OneToOneField(CheckIn, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="hr_alert")
    fit_check = models.OneToOneField(FitCheck, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="hr_alert")
    shared_text = models.TextField(blank=True)
    status = models.CharField(max_length=14, choices=AlertStatus.choices,
                              default=AlertStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cohort", "status", "created_at"])]

    def __str__(self) -> str:
        return f"HR alert {self.pk} on pair {self.pair_id}"  # never an answer

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(AlertReason.choices)
        return [labels.get(code, code) for code in self.reasons]
