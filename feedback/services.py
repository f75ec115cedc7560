"""Writes of the surveys: one function per use case, keyword-only, typed, transactional.

Errors are Django ``ValidationError`` with field keys where a field is to blame (the API's one
exception handler turns them into a 400; the web forms show them next to the field). Answer
errors are keyed ``q<question id>`` (``q<question id>_t<topic id>`` for one topic of a per-topic
question), the names of the answering form's fields.

Anonymity (see models.py): :func:`response_submit` writes who responded (:class:`Response`)
and, for an anonymous survey, the answers into the pending pool with no link to the person;
:func:`survey_release_pending` moves answers out of the pool in blocks of at least k
(``feedback/suppression.py``), each written in a shuffled order with the release day only.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, User
from accounts.unsubscribe import unsubscribe_url
from core.after_response import run_after_response
from core.models import Notification
from core.notifications import notification_enqueue
from feedback import catalog, selectors, suppression
from feedback.models import (
    CHOICE_KINDS,
    MAX_REMINDER_DAYS,
    MAX_TEXT_ANSWER,
    Answer,
    AttributedAnswer,
    PendingAnswer,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyDraft,
    SurveyKind,
    SurveyStatus,
    organization_today,
)
from programs.models import Audience, Cohort, Participant, ParticipantStatus

SURVEY_OPEN_KIND = "survey_open"
SURVEY_REMINDER_KIND = "survey_reminder"
SURVEY_KIND_LABELS = {SURVEY_OPEN_KIND: "Surveys to answer",
                      SURVEY_REMINDER_KIND: "Reminders of surveys about to close"}
MAX_CHOICES = 20
MAX_CHOICE_LENGTH = 120


@dataclass(frozen=True)
class AnswerInput:
    """One answer as a respondent gives it: a number (scale, NPS, one topic of a per-topic
    question), an option (one choice), a list of options (several choices) or a text. ``None``
    or an empty value skips an optional question."""

    question_id: int
    value: object
    topic_id: int | None = None


# --- templates and surveys -------------------------------------------------------------------

def _builtin(key: str) -> catalog.BuiltinTemplate:
    template = catalog.TEMPLATES.get(key)
    if template is None:
        raise ValidationError({"template": f"“{key}” is not a built-in template."})
    return template


def _copy_builtin_questions(*, survey: Survey, template: catalog.BuiltinTemplate) -> None:
    Question.objects.bulk_create([
        Question(organization=survey.organization, survey=survey, position=position,
                 kind=q.kind, text=q.text, help_text=q.help_text, required=q.required,
                 audience=q.audience, choices=list(q.choices), builtin_key=q.key)
        for position, q in enumerate(template.questions, start=1)])


def _copy_questions(*, source: Survey, target: Survey) -> None:
    Question.objects.bulk_create([
        Question(organization=target.organization, survey=target, position=q.position,
                 kind=q.kind, text=q.text, help_text=q.help_text, required=q.required,
                 audience=q.audience, choices=list(q.choices), builtin_key=q.builtin_key)
        for q in source.questions.all()])


@transaction.atomic
def survey_template_copy(*, organization: Organization, actor: User | None,
                         template_key: str) -> Survey:
    """Copy a built-in template into the organization as its own template, to edit."""
    template = _builtin(template_key)
    survey = Survey(organization=organization, is_template=True, kind=template.kind,
                    title=template.title, intro=template.intro, anonymous=template.anonymous,
                    created_by=actor)
    survey.full_clean()
    survey.save()
    _copy_builtin_questions(survey=survey, template=template)
    return survey


def _check_dates(*, opens_on, closes_on) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise ValidationError({"closes_on": "The survey must close on or after the day it "
                                            "opens."})


def _check_cohort_takes_surveys(*, cohort: Cohort, kind: str, exclude: Survey | None = None):
    if cohort.is_read_only:
        raise ValidationError({"cohort": f"This cohort is {cohort.get_status_display().lower()}"
                                         ": it takes no new surveys."})
    if kind == SurveyKind.POST_SESSION:
        others = Survey.objects.filter(cohort=cohort, kind=SurveyKind.POST_SESSION,
                                       is_template=False)
        if exclude is not None:
            others = others.exclude(pk=exclude.pk)
        if others.exists():
            raise ValidationError({"cohort": "This cohort already has its after-session "
                                             "survey: edit or copy that one."})


@transaction.atomic
def survey_create(*, cohort: Cohort, actor: User | None, template: str | Survey,
                  title: str = "", opens_on=None, closes_on=None,
                  reminder_days: int = 2) -> Survey:
    """A cohort's survey, its questions copied from a built-in template (its key) or from one
    of the organization's templates or surveys. It stays a draft until published."""
    if isinstance(template, Survey):
        if template.organization_id != cohort.organization_id:
            raise ValidationError({"template": "No such template."})
        kind, anonymous = template.kind, template.anonymous
        default_title, intro = template.title, template.intro
    else:
        builtin = _builtin(template)
        kind, anonymous = builtin.kind, builtin.anonymous
        default_title, intro = builtin.title, builtin.intro
    _check_dates(opens_on=opens_on, closes_on=closes_on)
    _check_cohort_takes_surveys(cohort=cohort, kind=kind)
    survey = Survey(organization=cohort.organization, cohort=cohort, kind=kind,
                    title=(title or default_title).strip(), intro=intro,
                    anonymous=anonymous and kind != SurveyKind.POST_SESSION,
                    opens_on=opens_on, closes_on=closes_on, reminder_days=reminder_days,
                    copied_from=template if isinstance(template, Survey) else None,
                    created_by=actor)
    survey.full_clean()
    survey.save()
    if isinstance(template, Survey):
        _copy_questions(source=template, target=survey)
    else:
        _copy_builtin_questions(survey=survey, template=builtin)
    return survey


@transaction.atomic
def survey_copy(*, survey: Survey, actor: User | None, cohort: Cohort | None,
                title: str = "") -> Survey:
    """A new draft with the same questions, for ``cohort`` (or, without one, a template):
    how a survey is changed once answers are in."""
    if cohort is not None and cohort.organization_id != survey.organization_id:
        raise ValidationError({"cohort": "No such cohort."})
    if cohort is not None:
        _check_cohort_takes_surveys(cohort=cohort, kind=survey.kind)
    copy = Survey(organization=survey.organization, cohort=cohort, is_template=cohort is None,
                  kind=survey.kind, title=(title or f"{survey.title} (copy)").strip()[:160],
                  intro=survey.intro, anonymous=survey.anonymous,
                  opens_on=None if cohort is None else survey.opens_on,
                  closes_on=None if cohort is None else survey.closes_on,
                  reminder_days=survey.reminder_days, copied_from=survey, created_by=actor)
    copy.full_clean()
    copy.save()
    _copy_questions(source=survey, target=copy)
    return copy


def survey_has_responses(survey: Survey) -> bool:
    return Response.objects.filter(survey=survey).exists()


_UNCHANGED = object()


@transaction.atomic
def survey_update(*, survey: Survey, title=_UNCHANGED, intro=_UNCHANGED, anonymous=_UNCHANGED,
                  opens_on=_UNCHANGED, closes_on=_UNCHANGED,
                  reminder_days=_UNCHANGED) -> Survey:
    """Change a survey's settings (arguments left out stay as they are).

    Once published, it stays anonymous or named as it was; once anyone has responded, it
    keeps its opening day; a closed survey does not change.
    """
    survey = Survey.objects.select_for_update(of=("self",)).select_related(
        "organization", "cohort").get(pk=survey.pk)
    status = survey.status
    if status == SurveyStatus.CLOSED:
        raise ValidationError("This survey is closed: copy it to run it again.")
    errors = {}
    if anonymous is not _UNCHANGED and anonymous != survey.anonymous:
        if survey.published_at is not None:
            errors["anonymous"] = ("A published survey stays as it was announced (anonymous or "
                                   "not): copy it to change this.")
        elif anonymous and survey.kind == SurveyKind.POST_SESSION:
            errors["anonymous"] = ("The after-session rating is read by HR with the person's "
                                   "name (never by the partner); use another survey kind for "
                                   "anonymous questions.")
    if opens_on is not _UNCHANGED and opens_on != survey.opens_on and \
            survey_has_responses(survey):
        errors["opens_on"] = "People have already answered: the opening day stays."
    if reminder_days is not _UNCHANGED and not 0 <= int(reminder_days) <= MAX_REMINDER_DAYS:
        errors["reminder_days"] = f"Choose between 0 and {MAX_REMINDER_DAYS} days."
    if errors:
        raise ValidationError(errors)
    for name, value in (("title", title), ("intro", intro), ("anonymous", anonymous),
                        ("opens_on", opens_on), ("closes_on", closes_on),
                        ("reminder_days", reminder_days)):
        if value is not _UNCHANGED:
            setattr(survey, name, value.strip() if isinstance(value, str) else value)
    if survey.published_at is not None and not survey.is_template:
        today = organization_today(survey.organization)
        if survey.closes_on is None or survey.opens_on is None:
            raise ValidationError({"closes_on": "A published survey needs both dates."})
        if survey.closes_on < today:
            raise ValidationError({"closes_on": "Pick today or a later day (to end the survey "
                                                "now, close it)."})
    _check_dates(opens_on=survey.opens_on, closes_on=survey.closes_on)
    survey.full_clean()
    survey.save()
    return survey


@transaction.atomic
def survey_delete(*, survey: Survey) -> None:
    """Delete a template or a survey nobody has answered."""
    if survey_has_responses(survey):
        raise ValidationError("People have answered this survey: it stays (close it instead).")
    survey.delete()


def _question_problems(survey: Survey, questions: Sequence[Question]) -> list[str]:
    problems = []
    if not questions:
        problems.append("Add at least one question.")
    for number, question in enumerate(questions, start=1):
        if question.kind in CHOICE_KINDS and len(question.choices) < 2:
            problems.append(f"Question {number} needs at least two options.")
    if survey.cohort_id is None:
        problems.append("A template is not sent: create a cohort's survey from it.")
    return problems


@transaction.atomic
def survey_publish(*, survey: Survey, actor: User | None) -> Survey:
    """Announce a draft: from its opening day, everyone it is for is invited through the
    outbox (the beat scan, or right away when it is already open), with one reminder before
    it closes."""
    survey = Survey.objects.select_for_update(of=("self",)).select_related(
        "organization", "cohort").get(pk=survey.pk)
    if survey.published_at is not None:
        return survey
    errors = {}
    problems = _question_problems(survey, list(survey.questions.all()))
    if problems:
        errors["questions"] = problems
    today = organization_today(survey.organization)
    if survey.opens_on is None:
        errors["opens_on"] = "Choose the day the survey opens."
    if survey.closes_on is None:
        errors["closes_on"] = "Choose the day the survey closes."
    elif survey.closes_on < today:
        errors["closes_on"] = "The closing day has passed: choose today or a later day."
    if survey.kind == SurveyKind.POST_SESSION:
        errors["kind"] = ("The after-session rating is asked after each session, not sent: it "
                          "needs no publishing.")
    if errors:
        raise ValidationError(errors)
    survey.published_at = timezone.now()
    survey.save(update_fields=["published_at"])
    organization_id = survey.organization_id

    def scan() -> None:
        from feedback.tasks import survey_notifications_enqueue_for

        survey_notifications_enqueue_for(organization_id=organization_id)

    # invite at once when it is already open, once the admin's page has been answered
    transaction.on_commit(lambda: run_after_response(scan))
    return survey


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    """Close a survey now (or confirm that its closing day has passed) and release what is
    still pending: generalised until every group reaches k, the rest withheld for good.
    Idempotent."""
    survey = Survey.objects.select_for_update(of=("self",)).select_related(
        "organization").get(pk=survey.pk)
    if survey.closed_at is not None:
        return survey
    if survey.published_at is None and not survey.is_template:
        raise ValidationError("This survey was never published: delete it instead.")
    if survey.is_template:
        raise ValidationError("A template is never open.")
    today = organization_today(survey.organization)
    survey.closed_at = timezone.now()
    update = ["closed_at"]
    if survey.closes_on is None or survey.closes_on > today:
        survey.closes_on = max(today, survey.opens_on or today)
        update.append("closes_on")
    survey.save(update_fields=update)
    survey_release_pending(survey=survey, final=True)
    return survey


# --- questions -------------------------------------------------------------------------------

def _require_questions_editable(survey: Survey) -> None:
    if survey_has_responses(survey):
        raise ValidationError("People have answered this survey, so its questions stay as they "
                              "are: copy the survey to change them.")
    if survey.closed_at is not None:
        raise ValidationError("This survey is closed: copy it to change the questions.")


def _clean_choices(kind: str, choices: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(str(c).split()) for c in choices if str(c).strip()))
    if kind not in CHOICE_KINDS:
        return []
    if len(cleaned) < 2:
        raise ValidationError({"choices": "Give at least two options, one per line."})
    if len(cleaned) > MAX_CHOICES:
        raise ValidationError({"choices": f"Give at most {MAX_CHOICES} options."})
    if any(len(c) > MAX_CHOICE_LENGTH for c in cleaned):
        raise ValidationError({"choices": f"Keep each option under {MAX_CHOICE_LENGTH} "
                                          "characters."})
    return cleaned


def _check_question_kind(kind: str, audience: str) -> None:
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": "Choose a question type from the list."})
    if audience not in Audience.values:
        raise ValidationError({"audience": "Choose mentors, mentees or everyone."})


@transaction.atomic
def question_create(*, survey: Survey, kind: str, text: str, help_text: str = "",
                    required: bool = True, audience: str = Audience.BOTH,
                    choices: Sequence[str] = ()) -> Question:
    _require_questions_editable(survey)
    _check_question_kind(kind, audience)
    last = Question.objects.filter(survey=survey).aggregate(last=Max("position"))["last"] or 0
    question = Question(organization=survey.organization, survey=survey, position=last + 1,
                        kind=kind, text=" ".join(text.split()), help_text=help_text.strip(),
                        required=required, audience=audience,
                        choices=_clean_choices(kind, choices))
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_update(*, question: Question, kind: str, text: str, help_text: str = "",
                    required: bool = True, audience: str = Audience.BOTH,
                    choices: Sequence[str] = ()) -> Question:
    """Change a question while nobody has answered its survey. A question whose type changes
    no longer measures its built-in measure (its before/after link is dropped)."""
    _require_questions_editable(question.survey)
    _check_question_kind(kind, audience)
    if kind != question.kind:
        question.builtin_key = ""
    question.kind, question.text = kind, " ".join(text.split())
    question.help_text, question.required, question.audience = help_text.strip(), required, \
        audience
    question.choices = _clean_choices(kind, choices)
    question.full_clean()
    question.save(update_fields=["kind", "text", "help_text", "required", "audience",
                                 "choices", "builtin_key"])
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    _require_questions_editable(question.survey)
    question.delete()


@transaction.atomic
def question_move(*, question: Question, direction: str) -> None:
    """Move a question one place up or down."""
    _require_questions_editable(question.survey)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a question up or down."})
    ordered = list(Question.objects.select_for_update(of=("self",))
                   .filter(survey_id=question.survey_id).order_by("position", "id"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    Question.objects.bulk_update(ordered, ["position"])


# --- answering -------------------------------------------------------------------------------

def respondent_check(*, survey: Survey, participant: Participant, session=None) -> None:
    """Refuse (``ValidationError``) unless ``participant`` may answer ``survey`` now: it is
    open, they hold an active place in its cohort, some question is meant for their role, and
    an after-session rating names one of their own sessions (other surveys name none)."""
    if survey.is_template or survey.cohort_id != participant.cohort_id:
        raise ValidationError("This survey is not for you.")
    if participant.status != ParticipantStatus.ACTIVE:
        raise ValidationError("Only people enrolled in the cohort answer its surveys.")
    status = survey.status
    if status == SurveyStatus.CLOSED:
        raise ValidationError("This survey has closed: answers are no longer taken.")
    if status != SurveyStatus.OPEN:
        raise ValidationError("This survey is not open yet.")
    if not selectors.questions_for_respondent(survey=survey, participant=participant):
        raise ValidationError("This survey has no questions for you.")
    if survey.kind == SurveyKind.POST_SESSION:
        pair = getattr(session, "pair", None)
        if pair is None or participant.pk not in (pair.mentor_id, pair.mentee_id):
            raise ValidationError("Rate one of your own sessions.")
    elif session is not None:
        raise ValidationError("Only the after-session rating is about a session.")


@transaction.atomic
def draft_save(*, survey: Survey, participant: Participant, data: dict) -> SurveyDraft:
    """Keep a respondent's unsent answers (their own; deleted when they submit)."""
    respondent_check(survey=survey, participant=participant)
    draft, _ = SurveyDraft.objects.update_or_create(
        survey=survey, participant=participant,
        defaults={"organization": survey.organization, "data": data})
    return draft


def _number(value, low: int, high: int, key: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({key: f"Choose a number from {low} to {high}."}) from None
    if (isinstance(value, float) and value != number) or isinstance(value, bool):
        raise ValidationError({key: f"Choose a whole number from {low} to {high}."})
    if not low <= number <= high:
        raise ValidationError({key: f"Choose a number from {low} to {high}."})
    return number


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    topic_id: int | None
    number: int | None = None
    choices: tuple[str, ...] = ()
    text: str = ""


def _clean_one(question: Question, value, key: str) -> CleanAnswer | None:
    if question.kind in (QuestionKind.SCALE, QuestionKind.NPS):
        number = _number(value, *question.number_range, key)
        return None if number is None else CleanAnswer(question, None, number=number)
    if question.kind == QuestionKind.SINGLE:
        if value in (None, "", []):
            return None
        if not isinstance(value, str) or value not in question.choices:
            raise ValidationError({key: "Choose one of the options."})
        return CleanAnswer(question, None, choices=(value,))
    if question.kind == QuestionKind.MULTIPLE:
        if value in (None, "", []):
            return None
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values) \
                or not set(values) <= set(question.choices):
            raise ValidationError({key: "Choose among the options shown."})
        chosen = tuple(option for option in question.choices if option in set(values))
        return CleanAnswer(question, None, choices=chosen)
    if question.kind == QuestionKind.TEXT:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValidationError({key: "Write your answer as text."})
        text = value.replace("\x00", "").strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise ValidationError({key: f"Keep your answer under {MAX_TEXT_ANSWER} characters "
                                        f"(it has {len(text)})."})
        return CleanAnswer(question, None, text=text) if text else None
    raise ValidationError({key: "This question cannot be answered here."})


def answers_clean(*, survey: Survey, participant: Participant,
                  answers: Sequence[AnswerInput]) -> list[CleanAnswer]:
    """Check a respondent's answers against the questions meant for them: every required
    question answered (each focus topic of a per-topic question), numbers in range, options
    from the list. Raises one ``ValidationError`` with every problem, keyed by field."""
    questions = selectors.questions_for_respondent(survey=survey, participant=participant)
    by_id = {q.pk: q for q in questions}
    topics = {t.pk for t in selectors.respondent_topics(participant=participant)}
    given: dict[tuple[int, int | None], object] = {}
    errors: dict[str, list[str]] = defaultdict(list)
    for answer in answers:
        if answer.question_id not in by_id:
            errors["answers"].append(f"Question {answer.question_id} is not one of this survey's "
                                     "questions for you.")
            continue
        question = by_id[answer.question_id]
        topic_id = answer.topic_id if question.kind == QuestionKind.TOPIC_SCALE else None
        if question.kind == QuestionKind.TOPIC_SCALE and topic_id not in topics:
            errors["answers"].append(f"Question {question.pk}: answer for one of your focus "
                                     "topics.")
            continue
        if (question.pk, topic_id) in given:
            errors["answers"].append(f"Question {question.pk} is answered twice.")
            continue
        given[(question.pk, topic_id)] = answer.value
    cleaned: list[CleanAnswer] = []
    for question in questions:
        if question.kind == QuestionKind.TOPIC_SCALE:
            for topic_id in sorted(topics):
                key = f"q{question.pk}_t{topic_id}"
                try:
                    number = _number(given.get((question.pk, topic_id)), 1, 5, key)
                except ValidationError as error:
                    errors[key].extend(error.message_dict[key])
                    continue
                if number is None and question.required:
                    errors[key].append("Choose a number from 1 to 5 for this topic.")
                elif number is not None:
                    cleaned.append(CleanAnswer(question, topic_id, number=number))
            continue
        key = f"q{question.pk}"
        try:
            clean = _clean_one(question, given.get((question.pk, None)), key)
        except ValidationError as error:
            errors[key].extend(error.message_dict[key])
            continue
        if clean is None and question.required:
            errors[key].append("This question needs an answer.")
        elif clean is not None:
            cleaned.append(clean)
    if errors:
        raise ValidationError(dict(errors))
    return cleaned


@transaction.atomic
def response_submit(*, survey: Survey, participant: Participant,
                    answers: Sequence[AnswerInput], session=None) -> list[CleanAnswer]:
    """Record that ``participant`` responded and store their answers; returns the answers as
    stored (the respondent's receipt).

    Anonymous survey: the :class:`Response` row (who, which day) and the answers (pending,
    with only the person's role and department) are written with nothing in common, then
    whatever groups reached k are released. Named survey (after-session rating): the answers
    are stored with the response. Answering twice is refused; the draft is deleted.
    """
    survey = Survey.objects.select_for_update(of=("self",)).select_related(
        "organization", "cohort").get(pk=survey.pk)
    respondent_check(survey=survey, participant=participant, session=session)
    cleaned = answers_clean(survey=survey, participant=participant, answers=answers)
    if not cleaned:
        raise ValidationError({"answers": "Answer at least one question before you submit."})
    today = organization_today(survey.organization)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                organization=survey.organization, survey=survey, participant=participant,
                session=session, responded_on=today)
    except IntegrityError:
        raise ValidationError("You have already answered this survey. Thank you!") from None
    if survey.anonymous:
        role, department = participant.role, selectors.department_label(participant)
        pending = [PendingAnswer(organization=survey.organization, survey=survey,
                                 question=a.question, topic_id=a.topic_id, role=role,
                                 department=department, number=a.number,
                                 choices=list(a.choices), text=a.text) for a in cleaned]
        secrets.SystemRandom().shuffle(pending)
        PendingAnswer.objects.bulk_create(pending)
        survey_release_pending(survey=survey, final=False,
                               question_ids={a.question.pk for a in cleaned})
    else:
        AttributedAnswer.objects.bulk_create([
            AttributedAnswer(organization=survey.organization, response=response,
                             survey=survey, question=a.question, topic_id=a.topic_id,
                             number=a.number, choices=list(a.choices), text=a.text)
            for a in cleaned])
    SurveyDraft.objects.filter(survey=survey, participant=participant).delete()
    return cleaned


def _release_label(question: Question, row: PendingAnswer) -> tuple[str, ...]:
    if question.kind == QuestionKind.TOPIC_SCALE:
        return (str(row.topic_id), row.role, row.department)
    return (row.role, row.department)


@transaction.atomic
def survey_release_pending(*, survey: Survey, final: bool,
                           question_ids: set[int] | None = None) -> int:
    """Move pending anonymous answers into the released store in blocks of at least k
    (2k for free text), per question; at the close (``final``) generalise the rest and drop
    what still cannot reach k. Each block is written at once, shuffled, with the release day.
    Returns how many answers were released. Callers hold the survey's row lock."""
    organization = survey.organization
    k = suppression.effective_k(organization.anonymity_threshold)
    rows = PendingAnswer.objects.filter(survey=survey).select_related("question")
    if question_ids is not None:
        rows = rows.filter(question_id__in=question_ids)
    by_question: dict[int, list[PendingAnswer]] = defaultdict(list)
    questions: dict[int, Question] = {}
    for row in rows:
        by_question[row.question_id].append(row)
        questions[row.question_id] = row.question
    today = organization_today(organization)
    released: list[Answer] = []
    done: list = []
    for question_id, pending in by_question.items():
        question = questions[question_id]
        threshold = suppression.text_k(k) if question.kind == QuestionKind.TEXT else k
        is_topic = question.kind == QuestionKind.TOPIC_SCALE
        result = suppression.release(
            [(row.pk, _release_label(question, row)) for row in pending], threshold,
            final=final, fixed=1 if is_topic else 0)
        by_id = {row.pk: row for row in pending}
        for block in result.blocks:
            role, department = block.label[-2:]
            for member in block.members:
                row = by_id[member]
                released.append(Answer(
                    organization=organization, survey=survey, question=question,
                    topic_id=row.topic_id, role=role, department=department,
                    released_on=today, number=row.number, choices=row.choices, text=row.text))
                done.append(member)
        done.extend(result.withheld)
    secrets.SystemRandom().shuffle(released)
    Answer.objects.bulk_create(released)
    if done:
        PendingAnswer.objects.filter(pk__in=done).delete()
    return len(released)


# --- notifications ---------------------------------------------------------------------------

def survey_notify(*, survey_id: int, participant_id: int, kind: str) -> bool:
    """Invite one participant to an open survey, or remind them once before it closes.
    Returns whether a message was queued now.

    Idempotent: the outbox key ``<kind>:<survey>:<participant>`` is unique, so a repeated
    scan, a retried task or a duplicate delivery queues nothing twice; nobody who has
    responded (or is no longer enrolled) is asked.
    """
    if kind not in (SURVEY_OPEN_KIND, SURVEY_REMINDER_KIND):
        raise ValueError(f"Unknown survey notification kind {kind!r}.")
    survey = Survey.objects.select_related("organization", "cohort__program").filter(
        pk=survey_id).first()
    participant = Participant.objects.select_related("membership__user").filter(
        pk=participant_id).first()
    if survey is None or participant is None or not survey.is_open or \
            survey.kind == SurveyKind.POST_SESSION:
        return False
    if kind == SURVEY_REMINDER_KIND and not selectors.reminder_is_due(survey=survey):
        return False
    if participant.cohort_id != survey.cohort_id or \
            participant.status != ParticipantStatus.ACTIVE:
        return False
    if Response.objects.filter(survey=survey, participant=participant).exists():
        return False
    if not selectors.questions_for_respondent(survey=survey, participant=participant):
        return False
    key = f"{kind}:{survey.pk}:{participant.pk}"
    if Notification.objects.filter(key=key).exists():
        return False
    user = participant.membership.user
    link = reverse("feedback:answer", kwargs={"org_slug": survey.organization.slug,
                                              "survey_pk": survey.pk})
    template = "feedback/email/survey_open" if kind == SURVEY_OPEN_KIND \
        else "feedback/email/survey_reminder"
    notification = notification_enqueue(
        organization=survey.organization, recipient=user, email=user.email, kind=kind,
        key=key, template=template, link=link,
        context={"name": user.display_name, "title": survey.title,
                 "program": survey.cohort.program.name, "cohort": survey.cohort.name,
                 "closes_on": survey.closes_on, "anonymous": survey.anonymous,
                 "k": suppression.effective_k(survey.organization.anonymity_threshold),
                 "kind_label": SURVEY_KIND_LABELS[kind],
                 "unsubscribe_url": unsubscribe_url(user_id=user.pk, kind=kind),
                 "settings_url": settings.FLIPSIDE_SITE_URL + reverse("notification_preferences")})
    return notification is not None


# --- the after-session rating (called by the sessions app through feedback/hooks.py) --------

@transaction.atomic
def post_session_rating_record(*, session, participant: Participant, rating: int,
                               comment: str = "") -> Response:
    """Fold one person's 1–5 rating of a session (and an optional comment) into the cohort's
    after-session survey, created from the built-in template on first use. Named, never
    anonymous: HR admins may read it with the person's name, the partner never does. A second
    rating of the same session replaces the first (as the sessions app does)."""
    cohort = session.pair.cohort
    survey = Survey.objects.filter(cohort=cohort, kind=SurveyKind.POST_SESSION,
                                   is_template=False).first()
    if survey is None:
        survey = survey_create(cohort=cohort, actor=None, template="post_session")
    questions = {q.builtin_key: q for q in survey.questions.all() if q.builtin_key}
    rating_question = questions.get("session_rating")
    if rating_question is None or rating_question.kind != QuestionKind.SCALE:
        raise ValidationError({"rating": "The after-session survey has no 1–5 rating question "
                                         "any more: restore it to collect ratings."})
    answers = [AnswerInput(question_id=rating_question.pk, value=rating)]
    if comment and "session_comment" in questions:
        answers.append(AnswerInput(question_id=questions["session_comment"].pk, value=comment))
    existing = Response.objects.filter(survey=survey, participant=participant,
                                       session=session).first()
    if existing is None:
        response_submit(survey=survey, participant=participant, answers=answers,
                        session=session)
        return Response.objects.get(survey=survey, participant=participant, session=session)
    cleaned = answers_clean(survey=survey, participant=participant, answers=answers)
    AttributedAnswer.objects.filter(response=existing).delete()
    AttributedAnswer.objects.bulk_create([
        AttributedAnswer(organization=survey.organization, response=existing, survey=survey,
                         question=a.question, topic_id=a.topic_id, number=a.number,
                         choices=list(a.choices), text=a.text) for a in cleaned])
    existing.responded_on = organization_today(survey.organization)
    existing.save(update_fields=["responded_on"])
    return existing
