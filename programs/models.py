"""Programs, cohorts, participants and their profiles.

Every model is tenant-owned (``TenantModel``); children repeat ``organization`` so scoping
stays one ``WHERE`` away and services check that related rows share the tenant.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts import names
from accounts.models import Membership, User, validate_time_zone
from core.tenancy import TenantModel
from programs import lifecycle


class Topic(TenantModel):
    """One entry of the organization's topic taxonomy (what people teach and learn)."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=90)
    description = models.CharField(max_length=240, blank=True)
    is_retired = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="unique_topic_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class SeniorityLevel(TenantModel):
    """A rung of the organization's seniority ladder; higher ``rank`` is more senior."""

    name = models.CharField(max_length=40)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "rank"], name="unique_level_rank"),
            models.UniqueConstraint(fields=["organization", "name"], name="unique_level_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Program(TenantModel):
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=180)
    purpose = models.TextField(help_text="Why the program exists, in a few sentences.")
    objectives = models.JSONField(default=list, blank=True,
                                  help_text="Measurable objectives, one per line.")
    guidelines = models.TextField(blank=True, help_text="Participant expectations (Markdown).")
    confidentiality_statement = models.TextField(
        blank=True, help_text="Confidentiality and psychological-safety statement (Markdown).")
    focus_areas = models.ManyToManyField(Topic, blank=True, related_name="programs")
    template_key = models.CharField(max_length=40, blank=True)
    is_archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="unique_program_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    KICKOFF = "kickoff", "Kick-off"
    EARLY = "early", "Early"
    MID = "mid", "Mid-program"
    CLOSING = "closing", "Closing"


class Audience(models.TextChoices):
    MENTOR = "mentor", "Mentors"
    MENTEE = "mentee", "Mentees"
    BOTH = "both", "Everyone"


class DirectedPrompt(TenantModel):
    """A conversation starter for a phase of the program, optionally about one topic."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="prompts")
    text = models.TextField()
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.KICKOFF)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "phase", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Resource(TenantModel):
    """Training material: a Markdown body, a link, or both."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=160)
    body = models.TextField(blank=True, help_text="Markdown.")
    url = models.URLField(blank=True)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.BOTH)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not self.body and not self.url:
            raise ValidationError("Give the resource a Markdown body, a link, or both.")


class CohortStatus(models.TextChoices):
    """The values come from the pure lifecycle (programs/lifecycle.py): one definition."""

    DRAFT = lifecycle.DRAFT, "Draft"
    ENROLLING = lifecycle.ENROLLING, "Enrolling"
    MATCHING = lifecycle.MATCHING, "Matching"
    ACTIVE = lifecycle.ACTIVE, "Active"
    COMPLETED = lifecycle.COMPLETED, "Completed"
    ARCHIVED = lifecycle.ARCHIVED, "Archived"


class MatchingMode(models.TextChoices):
    PARTICIPATION = "participation", "Maximise participation"
    SCORE = "score", "Maximise score"


def _enrollment_token() -> str:
    return secrets.token_urlsafe(16)


class Cohort(TenantModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=180)
    start_date = models.DateField()
    end_date = models.DateField()
    cadence_days = models.PositiveSmallIntegerField(
        "meeting cadence (days)", default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Pairs are expected to meet every this many days.")
    session_minutes = models.PositiveSmallIntegerField(
        "target session length (minutes)", default=45,
        validators=[MinValueValidator(15), MaxValueValidator(240)])
    default_mentor_capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="Mentees per mentor (1–3) unless a mentor says otherwise.")
    min_seniority_gap = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(10)],
        help_text="The mentor must be at least this many levels junior to the mentee.")
    allow_same_department = models.BooleanField(default=False)
    language_must_match = models.BooleanField(default=True)
    manager_chain_depth = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(10)],
        help_text="Never pair people within this many levels of the same reporting line.")
    matching_mode = models.CharField(max_length=16, choices=MatchingMode.choices,
                                     default=MatchingMode.PARTICIPATION)
    fairness = models.BooleanField(
        default=False, help_text="First raise the worst pair's score, then the total.")
    spread_load = models.BooleanField(
        "spread the load", default=True,
        help_text="Every volunteer mentor gets a first mentee before anyone gets a second, "
                  "whenever the rules allow it (docs/matching.md states the exact rule).")
    matching_weights = models.JSONField(default=dict, blank=True)
    enrollment_opens = models.DateField(null=True, blank=True)
    enrollment_closes = models.DateField(null=True, blank=True)
    enrollment_token = models.CharField(max_length=40, default=_enrollment_token, unique=True,
                                        editable=False)
    status = models.CharField(max_length=16, choices=CohortStatus.choices,
                              default=CohortStatus.DRAFT)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="unique_cohort_slug"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")),
                                   name="cohort_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(default_mentor_capacity__gte=1,
                                   default_mentor_capacity__lte=3),
                name="cohort_capacity_1_to_3"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            errors["end_date"] = "The cohort must end after it starts."
        if self.enrollment_opens and self.enrollment_closes and \
                self.enrollment_closes < self.enrollment_opens:
            errors["enrollment_closes"] = "Enrollment must close after it opens."
        if errors:
            raise ValidationError(errors)

    @property
    def is_read_only(self) -> bool:
        return self.status in (CohortStatus.COMPLETED, CohortStatus.ARCHIVED)

    @property
    def is_enrolling(self) -> bool:
        """For templates, which compare with this rather than with a bare status string."""
        return self.status == CohortStatus.ENROLLING


class Profile(TenantModel):
    """What the organization knows about one member, shared by all their cohorts."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE,
                                      related_name="profile")
    job_title = models.CharField(max_length=120, blank=True)
    department = models.CharField(max_length=120, blank=True)
    level = models.ForeignKey(SeniorityLevel, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    manager = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="reports")
    #: A manager named by an import who is invited but not a member yet; they become
    #: ``manager`` when they accept their invitation.
    pending_manager_email = models.EmailField(blank=True)
    location = models.CharField(max_length=120, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    languages = models.JSONField(default=list, blank=True)
    generation_band = models.CharField(
        max_length=16, blank=True,
        help_text="Optional and voluntary; used only in aggregates of 5 people or more.")
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["membership__user__email"]

    def __str__(self) -> str:
        return f"Profile of {self.membership_id}"


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", "Mentor (junior)"
    MENTEE = "mentee", "Mentee (senior leader)"


class ParticipantStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    ACTIVE = "active", "Enrolled"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ParticipantQuestions:
    """Status and role questions for templates (never a bare string compared there), shared
    by the model and the roster's plain rows: anything with ``status`` and ``role``."""

    status: str
    role: str

    @property
    def is_active(self) -> bool:
        return self.status == ParticipantStatus.ACTIVE

    @property
    def is_applied(self) -> bool:
        return self.status == ParticipantStatus.APPLIED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ParticipantStatus.WITHDRAWN

    @property
    def is_declined(self) -> bool:
        return self.status == ParticipantStatus.DECLINED

    @property
    def is_mentor(self) -> bool:
        return self.role == ParticipantRole.MENTOR


class Participant(ParticipantQuestions, TenantModel):
    """A member enrolled in one cohort as mentor or mentee, with cohort-specific answers."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="participants")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE,
                                   related_name="participations")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    status = models.CharField(max_length=12, choices=ParticipantStatus.choices,
                              default=ParticipantStatus.ACTIVE)
    capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="Mentors: how many mentees you can take (1–3).")
    learning_goals = models.TextField(blank=True, help_text="What you want to learn, in your "
                                                            "own words.")
    availability = models.JSONField(default=list, blank=True,
                                    help_text='Weekly windows: [{"weekday": 0, "start": "09:00",'
                                              ' "end": "10:30"}] in your time zone.')
    requested_partners = models.ManyToManyField("self", symmetrical=False, blank=True,
                                                related_name="+")
    excluded_partners = models.ManyToManyField("self", symmetrical=False, blank=True,
                                               related_name="+")
    application_note = models.TextField(blank=True)
    completeness = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cohort", "role", "membership__user__email"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "membership"],
                                    name="unique_participant_per_cohort"),
        ]
        indexes = [models.Index(fields=["cohort", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.membership_id} as {self.role} in {self.cohort_id}"

    @property
    def effective_capacity(self) -> int:
        return self.capacity or self.cohort.default_mentor_capacity


class TopicInterest(models.TextChoices):
    TEACH = "teach", "Can teach"
    LEARN = "learn", "Wants to learn"


class ParticipantTopic(TenantModel):
    """A topic a participant can teach (strength = proficiency) or wants to learn
    (strength = priority), on a 1–3 scale."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="topics")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    interest = models.CharField(max_length=8, choices=TopicInterest.choices)
    strength = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(3)])

    class Meta:
        ordering = ["participant", "interest", "-strength", "topic__name"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "topic", "interest"],
                                    name="unique_participant_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.interest} {self.topic_id}"


class CohortInvitation(TenantModel):
    """Links an organization invitation to a cohort place: accepting it enrolls the person.

    It also holds what the organization said about the person when it invited them (an
    import's cells: name, title, department, level, manager, zone, languages, topics), shown
    on the roster while the invitation is open and written to their profile and place when
    they accept (:func:`programs.services.participants.cohort_invitation_accepted`). It is the
    organization's own data about an address: nothing here comes from an account.
    """

    invitation = models.OneToOneField("accounts.Invitation", on_delete=models.CASCADE,
                                      related_name="cohort_place")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    name = models.CharField(max_length=150, blank=True)
    #: ``accounts.names.name_key`` of the name (else of the address): the roster's sort key.
    name_key = models.CharField(max_length=400, blank=True, editable=False)
    job_title = models.CharField(max_length=120, blank=True)
    department = models.CharField(max_length=120, blank=True)
    level = models.ForeignKey(SeniorityLevel, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    manager_email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    languages = models.JSONField(default=list, blank=True)
    #: ``[[topic_id, interest, strength], ...]``, as the person's ``ParticipantTopic`` rows
    #: will be.
    topics = models.JSONField(default=list, blank=True)
    completeness = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.invitation_id} → {self.cohort_id} as {self.role}"

    def refresh_name_key(self) -> None:
        self.name_key = names.name_key(self.name or self.invitation.email)

    def save(self, *args, **kwargs):
        self.refresh_name_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class ImportBatch(TenantModel):
    """One uploaded participant CSV held between preview and confirm.

    It keeps the exact text that was previewed and its SHA-256, so the confirm step imports
    what the admin saw (and re-validates it against the database of that moment). Rows are
    short-lived: a beat task deletes batches older than a day
    (:func:`programs.tasks.delete_expired_import_batches`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        IMPORTED = "imported", "Imported"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField()
    content_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.cohort_id} ({self.status})"
