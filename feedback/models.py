"""Surveys, their questions, who has responded, and the answers.

Every model is tenant-owned (``TenantModel``) and repeats ``organization`` on children.

Anonymity is part of the schema. For an anonymous survey three tables never meet:

* :class:`Response` records *who has responded* (to stop reminders and count the response
  rate): survey, participant, the day. It holds no answer.
* :class:`PendingAnswer` holds an answer until it can be released in a block of at least k
  (``feedback/suppression.py``): question, value and the respondent's breakdown attributes
  (role, department), with a random UUID key and no time at all.
* :class:`Answer` holds released answers: the block's (possibly generalised) attributes and the
  day of the release, written in a shuffled order with random UUID keys.

Neither answer table has a column that leads to a user, a participant, a membership or a
response (tests/feedback/test_anonymity_schema.py), no shared id with :class:`Response`, and no
ordering that matches it. Non-anonymous surveys (the post-session rating: HR may see who said
what, the partner never) store their answers in :class:`AttributedAnswer` instead, linked to
the response; anonymous surveys never write there.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantModel
from programs.models import Audience


class SurveyKind(models.TextChoices):
    BASELINE = "baseline", "Baseline (at enrollment)"
    MIDPOINT = "midpoint", "Midpoint"
    FINAL = "final", "Final evaluation"
    POST_SESSION = "post_session", "After each session"
    CUSTOM = "custom", "Other"


class SurveyStatus(models.TextChoices):
    TEMPLATE = "template", "Template"
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class QuestionKind(models.TextChoices):
    SCALE = "scale", "Scale from 1 to 5"
    NPS = "nps", "Would recommend (0 to 10)"
    SINGLE = "single", "One choice"
    MULTIPLE = "multiple", "Several choices"
    TEXT = "text", "Free text"
    TOPIC_SCALE = "topic_scale", "1 to 5 for each of the person's focus topics"


#: Kinds answered with a number, and their range.
NUMBER_RANGES = {QuestionKind.SCALE: (1, 5), QuestionKind.NPS: (0, 10),
                 QuestionKind.TOPIC_SCALE: (1, 5)}
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
MAX_TEXT_ANSWER = 4000
MAX_REMINDER_DAYS = 14


def organization_today(organization) -> date:
    """Today's date in the organization's time zone."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(organization.time_zone or "UTC")).date()


class Survey(TenantModel):
    """A questionnaire for one cohort, or (``is_template``) an organization's template.

    It opens at the start of ``opens_on`` and closes at the end of ``closes_on``, both in the
    organization's time zone, once published. Its questions cannot change once anyone has
    responded (copy the survey instead).
    """

    cohort = models.ForeignKey("programs.Cohort", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="surveys")
    is_template = models.BooleanField(default=False)
    kind = models.CharField(max_length=16, choices=SurveyKind.choices,
                            default=SurveyKind.CUSTOM)
    title = models.CharField(max_length=160)
    intro = models.TextField(blank=True, help_text="Shown above the questions.")
    anonymous = models.BooleanField(
        default=True, help_text="Answers are stored with no link to the person and shown "
                                "only as aggregates of groups of k or more.")
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    reminder_days = models.PositiveSmallIntegerField(
        "reminder (days before closing)", default=2,
        validators=[MaxValueValidator(MAX_REMINDER_DAYS)],
        help_text="One reminder goes to those who have not answered this many days before "
                  "the survey closes (0: no reminder).")
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_template=True, cohort__isnull=True)
                | Q(is_template=False, cohort__isnull=False),
                name="survey_template_has_no_cohort"),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True) | Q(closes_on__isnull=True)
                | Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_it_opens"),
            models.UniqueConstraint(fields=["cohort"],
                                    condition=Q(kind="post_session", is_template=False),
                                    name="one_post_session_survey_per_cohort"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "The survey must close on or after the day it "
                                                "opens."})

    def _zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.organization.time_zone or "UTC")

    @property
    def opens_at(self) -> datetime | None:
        """The moment it opens: midnight at the start of ``opens_on``, organization time."""
        if self.opens_on is None:
            return None
        return datetime.combine(self.opens_on, time.min, tzinfo=self._zone())

    @property
    def closes_at(self) -> datetime | None:
        """The moment it closes: midnight at the end of ``closes_on``, organization time."""
        if self.closes_on is None:
            return None
        return datetime.combine(self.closes_on + timedelta(days=1), time.min,
                                tzinfo=self._zone())

    def status_at(self, moment: datetime | None = None) -> str:
        moment = moment or timezone.now()
        if self.is_template:
            return SurveyStatus.TEMPLATE
        if self.kind == SurveyKind.POST_SESSION:  # asked after each session, never sent
            return SurveyStatus.CLOSED if self.closed_at is not None else SurveyStatus.OPEN
        if self.published_at is None:
            return SurveyStatus.DRAFT
        if self.closed_at is not None or (self.closes_at and moment >= self.closes_at):
            return SurveyStatus.CLOSED
        if self.opens_at and moment < self.opens_at:
            return SurveyStatus.SCHEDULED
        return SurveyStatus.OPEN

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return SurveyStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN


class Question(TenantModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.BOTH)
    choices = models.JSONField(default=list, blank=True,
                               help_text="The options of a choice question, in order.")
    builtin_key = models.CharField(
        max_length=40, blank=True,
        help_text="The built-in measure this asks (the same key in two surveys compares them).")

    class Meta:
        ordering = ["survey", "position", "id"]
        indexes = [models.Index(fields=["survey", "position"])]

    def __str__(self) -> str:
        return self.text[:60]

    def is_for(self, role: str) -> bool:
        return self.audience in (Audience.BOTH, role)

    @property
    def number_range(self) -> tuple[int, int] | None:
        return NUMBER_RANGES.get(self.kind)


class Response(TenantModel):
    """That one participant has responded to one survey (for post-session surveys: about one
    session). It holds no answer and no time of day: the day is enough for reminders and
    response rates, and for anonymous surveys nothing here leads to the answers."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                                    related_name="+")
    session = models.ForeignKey("mentoring_sessions.MentoringSession", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    responded_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "participant"],
                                    condition=Q(session__isnull=True),
                                    name="one_response_per_survey_and_person"),
            models.UniqueConstraint(fields=["survey", "participant", "session"],
                                    condition=Q(session__isnull=False),
                                    name="one_response_per_session_and_person"),
        ]

    def __str__(self) -> str:
        return f"Response to survey {self.survey_id}"


class SurveyDraft(TenantModel):
    """A respondent's unsent answers, theirs alone; deleted when they submit."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey("programs.Participant", on_delete=models.CASCADE,
                                    related_name="+")
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "participant"],
                                               name="one_draft_per_survey_and_person")]

    def __str__(self) -> str:
        return f"Draft for survey {self.survey_id}"


class AnswerValue(models.Model):
    """The value columns every answer table shares: a number (scale, NPS, per-topic scale),
    the chosen options (one or several), or a text."""

    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        abstract = True


class PendingAnswer(TenantModel, AnswerValue):
    """An anonymous answer waiting for its group to reach k. No link to anyone, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey("programs.Topic", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=8)
    department = models.CharField(max_length=120)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Pending answer to question {self.question_id}"


class Answer(TenantModel, AnswerValue):
    """A released anonymous answer: part of a block of at least k answers to its question that
    share ``role`` and ``department`` (either may read "" = grouped) and ``released_on``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    topic = models.ForeignKey("programs.Topic", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=8, blank=True)
    department = models.CharField(max_length=120, blank=True)
    released_on = models.DateField()

    class Meta:
        ordering = ["question", "id"]
        indexes = [models.Index(fields=["survey", "question"])]

    def __str__(self) -> str:
        return f"Answer to question {self.question_id}"


class AttributedAnswer(TenantModel, AnswerValue):
    """An answer to a non-anonymous survey, linked to its response (so to the person). HR
    admins may read it; the partner never does."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey("programs.Topic", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["response", "question", "id"]

    def __str__(self) -> str:
        return f"Answer of response {self.response_id}"
