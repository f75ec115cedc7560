"""Matching runs, their proposals, admin decisions and published pairs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.tenancy import TenantModel
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
    ENDED = "ended", "Ended"


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

    class Meta:
        ordering = ["cohort", "-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "mentee"], condition=models.Q(status="active"),
                name="one_active_pair_per_mentee"),
        ]

    def __str__(self) -> str:
        return f"Pair {self.mentor_id}→{self.mentee_id}"
