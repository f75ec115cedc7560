"""Matching runs, their proposals, admin decisions and published pairs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from core.tenancy import TenantModel
from programs.models import Cohort, Participant


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class RunStage(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    LOADING = "loading", "Loading participants"
    SCORING = "scoring", "Scoring every possible pair"
    SOLVING = "solving", "Finding the optimal pairing"
    SAVING = "saving", "Saving proposals"
    DONE = "done", "Done"


class MatchingRun(TenantModel):
    """One optimisation of a cohort. Inputs are snapshotted so past runs stay comparable."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="matching_runs")
    number = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    stage = models.CharField(max_length=12, choices=RunStage.choices, default=RunStage.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    snapshot = models.JSONField(default=dict, blank=True,
                                help_text="The engine input: participants, rules, weights, locks.")
    mentee_count = models.PositiveIntegerField(default=0)
    mentor_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    total_score = models.FloatField(default=0)
    min_score = models.FloatField(null=True, blank=True)
    topic_coverage = models.FloatField(
        null=True, blank=True, help_text="Share of mentees' wanted topics their mentor teaches.")
    unmatched = models.JSONField(default=list, blank=True)
    spare_capacity = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker computing the run.")
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="unique_run_number"),
        ]

    def __str__(self) -> str:
        return f"Run {self.number} of cohort {self.cohort_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class Proposal(TenantModel):
    """A pair the engine proposed (or kept because an admin locked it) in one run."""

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="proposals")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    components = models.JSONField(default=dict)
    explanation = models.JSONField(default=list)
    locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mentee"], name="one_proposal_per_mentee"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor_id}→{self.mentee_id} ({self.score:.2f})"


class DecisionKind(models.TextChoices):
    LOCK = "lock", "Locked"
    REJECT = "reject", "Rejected"


class PairDecision(TenantModel):
    """An HR admin's decision about one mentor–mentee pair, kept across runs: locked pairs
    are kept as given by every later run, rejected pairs are never proposed again."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pair_decisions")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=DecisionKind.choices)
    broken_rules = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "mentor", "mentee"],
                                    name="one_decision_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.mentor_id}→{self.mentee_id}"


class PairStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


#: A pair that has not ended: it meets now, or again after a pause (its return date).
LIVE_PAIR_STATUSES = (PairStatus.ACTIVE, PairStatus.PAUSED)


class PairEndReason(models.TextChoices):
    """Why a pair ended. People of the pair and HR choose among the first five (and "other"
    with a note); the rest are recorded by the lifecycle itself."""

    GOALS_COMPLETED = "goals_completed", "Goals completed"
    NO_LONGER_AVAILABLE = "no_longer_available", "No longer available"
    NOT_A_GOOD_FIT = "not_a_good_fit", "Not a good fit"
    LEFT_COMPANY = "left_company", "Left the company"
    COHORT_COMPLETED = "cohort_completed", "Cohort completed"
    RE_PAIRED = "re_paired", "Re-paired"
    PARTICIPANT_WITHDRAWN = "participant_withdrawn", "Participant withdrawn"
    INACTIVE = "inactive", "Inactive (no activity after a warning)"
    OTHER = "other", "Other"


class Pair(TenantModel):
    """A published mentoring pair: a mentor and a mentee who now meet."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pairs")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE,
                               related_name="pairs_as_mentor")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE,
                               related_name="pairs_as_mentee")
    status = models.CharField(max_length=8, choices=PairStatus.choices,
                              default=PairStatus.ACTIVE)
    run = models.ForeignKey(MatchingRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="pairs")
    score = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # --- the lifecycle (matching/pair_lifecycle.py); every change also writes a PairEvent ---
    paused_until = models.DateField(null=True, blank=True,
                                    help_text="Return date of a paused pair.")
    paused_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(
        default=0, help_text="Days spent paused in earlier pauses (no meetings expected).")
    end_reason = models.CharField(max_length=24, choices=PairEndReason.choices, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    end_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="One of the pair asked to end it; HR confirms.")
    end_requested_by = models.ForeignKey(Participant, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    end_request_reason = models.CharField(max_length=24, choices=PairEndReason.choices,
                                          blank=True)
    extended_until = models.DateField(
        null=True, blank=True, help_text="The pair goes on past the cohort's end date until "
                                         "this day (it is not closed when the cohort completes).")
    last_nudged_at = models.DateTimeField(null=True, blank=True)
    repaired_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="repaired_into",
                                      help_text="The pair this one replaced when HR re-paired.")

    class Meta:
        ordering = ["cohort", "-score", "id"]
        constraints = [
            # a paused pair is still the mentee's pair: end it before pairing them again
            models.UniqueConstraint(
                fields=["cohort", "mentee"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_active_pair_per_mentee"),
        ]

    def __str__(self) -> str:
        return f"Pair {self.mentor_id}→{self.mentee_id}"

    @property
    def is_active(self) -> bool:
        """The pair is still going: active, or paused until its return date (its people may
        still log what happened and work on their goals). Ended pairs are history."""
        return self.status in LIVE_PAIR_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.status == PairStatus.PAUSED

    @property
    def is_ended(self) -> bool:
        return self.status == PairStatus.ENDED

    @property
    def has_end_request(self) -> bool:
        return self.end_requested_at is not None

    @property
    def runs_until(self):
        """The last day the pair is expected to meet: the cohort's end, or the extension."""
        return self.extended_until or self.cohort.end_date


class PairEventKind(models.TextChoices):
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    END_REQUESTED = "end_requested", "Asked to end the pair"
    END_REQUEST_WITHDRAWN = "end_request_withdrawn", "Withdrew the request to end"
    END_REQUEST_DECLINED = "end_request_declined", "Declined the request to end"
    ENDED = "ended", "Ended"
    EXTENDED = "extended", "Extended past the cohort's end"
    NUDGED = "nudged", "Nudged"
    STARTED_BY_REPAIR = "started_by_repair", "Paired by re-pairing"


class PairEventActor(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"
    ADMIN = "admin", "HR admin"
    SYSTEM = "system", "Flipside"


class PairEventQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("A pair's history is never deleted.")

    def update(self, **kwargs):
        raise PermissionError("A pair's history is never changed.")


class PairEvent(TenantModel):
    """One change of a pair's lifecycle: who (the account and as whom), when, what and why.

    Append-only: rows are never changed or deleted by the application (``save`` of an
    existing row, ``delete`` and queryset ``update``/``delete`` raise); they go only with
    their pair. ``note`` is the "why" typed by the person; HR reads it on the pair's page,
    the pair health list never shows it.
    """

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=PairEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(max_length=8, choices=PairEventActor.choices)
    reason = models.CharField(max_length=24, choices=PairEndReason.choices, blank=True)
    note = models.TextField(blank=True)
    paused_until = models.DateField(null=True, blank=True)
    extended_until = models.DateField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True,
                            help_text="Ids of related pairs (re-pairing), never texts.")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(_manager_class=models.Manager.from_queryset(PairEventQuerySet),
                            organization="organization")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["pair", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} of pair {self.pair_id}"  # never the note

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A pair's history is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A pair's history is never deleted.")
