"""Reads of the surveys, each with a fixed number of queries whatever the number of surveys,
questions, participants or answers.

:func:`survey_results` is the one implementation of every aggregate of answers: the results
page, its CSV export and the API all call it, and it publishes only what
``feedback/suppression.py`` allows for the organization's k (2k for free text). Anonymous
answers are read only from the released store, grouped by their block labels and release day;
no read here ever joins answers to responses or people.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Role
from core.compiled import ALL, CompiledInstances, CompiledQuery
from core.models import Notification
from feedback import due, suppression
from feedback.models import (
    CHOICE_KINDS,
    Answer,
    AttributedAnswer,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyDraft,
    SurveyKind,
    SurveyStatus,
    organization_today,
)
from programs.models import (
    Audience,
    Cohort,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Topic,
    TopicInterest,
)

NO_DEPARTMENT = "No department given"
GROUPED_LABEL = "Grouped to protect anonymity"
OTHER_LABEL = "Other (small groups combined)"
ROLE_LABELS = {ParticipantRole.MENTOR.value: "Mentors", ParticipantRole.MENTEE.value: "Mentees"}
NUMBER_KINDS = (QuestionKind.SCALE, QuestionKind.NPS, QuestionKind.TOPIC_SCALE)


# --- respondents -----------------------------------------------------------------------------

def department_label(participant: Participant) -> str:
    """The department a respondent's answers may be broken down by (whitespace tidied)."""
    return _department(participant.profile.department)


def _department(value: str) -> str:
    return " ".join((value or "").split())[:120] or NO_DEPARTMENT


def respondent_topics(*, participant: Participant) -> list[Topic]:
    """The person's focus topics for per-topic questions: the topics they want to learn, or
    else the program's focus areas."""
    own = [pt.topic for pt in participant.topics.filter(
        interest=TopicInterest.LEARN, topic__is_retired=False).select_related("topic")
        .order_by("-strength", "topic__name")]
    if own:
        return own
    return list(participant.cohort.program.focus_areas.filter(is_retired=False)
                .order_by("name"))


def questions_for_respondent(*, survey: Survey, participant: Participant) -> list[Question]:
    return list(survey.questions.filter(audience__in=(Audience.BOTH, participant.role))
                .order_by("position", "id"))


def respondent_place(*, survey: Survey, membership: Membership) -> Participant | None:
    """The membership's active place in the survey's cohort, or ``None``."""
    if survey.cohort_id is None:
        return None
    return (Participant.objects.select_related("profile", "cohort__program")
            .filter(cohort_id=survey.cohort_id, membership=membership,
                    status=ParticipantStatus.ACTIVE).first())


def has_responded(*, survey: Survey, participant: Participant) -> bool:
    return Response.objects.filter(survey=survey, participant=participant).exists()


def response_of(*, survey: Survey, participant: Participant) -> Response | None:
    return Response.objects.filter(survey=survey, participant=participant,
                                   session__isnull=True).first()


def draft_of(*, survey: Survey, participant: Participant) -> SurveyDraft | None:
    return SurveyDraft.objects.filter(survey=survey, participant=participant).first()


def answerable_survey(*, survey_pk: int, membership: Membership) -> tuple[Survey, Participant]:
    """A published survey of a cohort the membership takes part in, with their place; else
    ``Survey.DoesNotExist`` (the same for someone else's survey and no survey at all)."""
    survey = (Survey.objects.select_related("organization", "cohort__program")
              .filter(pk=survey_pk, is_template=False)
              .exclude(kind=SurveyKind.POST_SESSION).exclude(published_at__isnull=True)
              .get())
    participant = respondent_place(survey=survey, membership=membership)
    if participant is None:
        raise Survey.DoesNotExist
    return survey, participant


@dataclass
class MySurvey:
    survey: Survey
    participant: Participant
    status: str
    responded_on: dt.date | None
    question_count: int

    @property
    def can_answer(self) -> bool:
        return self.status == SurveyStatus.OPEN and self.responded_on is None \
            and self.question_count > 0


_member_surveys = CompiledInstances(
    lambda cohort_ids: Survey.objects.filter(cohort_id__in=cohort_ids, is_template=False)
    .exclude(kind=SurveyKind.POST_SESSION).exclude(published_at__isnull=True),
    fields=ALL, related={"organization": ALL, "cohort": ALL, "cohort__program": ALL},
    cohort_ids=list)
_question_counts = CompiledQuery(
    lambda survey_ids: Question.objects.filter(survey_id__in=survey_ids).order_by()
    .values("survey_id")
    .annotate(mentor=Count("pk", filter=Q(audience__in=(Audience.BOTH, Audience.MENTOR))),
              mentee=Count("pk", filter=Q(audience__in=(Audience.BOTH, Audience.MENTEE))))
    .values_list("survey_id", "mentor", "mentee"),
    survey_ids=list)
_responded_on = CompiledQuery(
    lambda place_ids, survey_ids: Response.objects.filter(
        participant_id__in=place_ids, survey_id__in=survey_ids, session__isnull=True)
    .order_by().values_list("survey_id", "responded_on"),
    place_ids=list, survey_ids=list)


def surveys_for_member(*, membership: Membership,
                       places: list[Participant] | None = None) -> list[MySurvey]:
    """The published surveys of every cohort the membership takes part in (open first), with
    whether they have responded; four queries, or three when ``places`` are the membership's
    participant rows already loaded with their cohorts (the start page shares them), each
    compiled once (core.compiled); none without an active place, two without a survey."""
    if places is None:
        places = list(Participant.objects.filter(membership=membership).select_related("cohort"))
    places = {p.cohort_id: p for p in places if p.status == ParticipantStatus.ACTIVE}
    if not places:
        return []
    surveys = _member_surveys(cohort_ids=list(places))
    if not surveys:
        return []
    survey_ids = [survey.pk for survey in surveys]
    questions = {survey_id: (mentor, mentee)
                 for survey_id, mentor, mentee in _question_counts(survey_ids=survey_ids)}
    responded = dict(_responded_on(place_ids=[place.pk for place in places.values()],
                                   survey_ids=survey_ids))
    now = timezone.now()
    mine = []
    for survey in surveys:
        place = places[survey.cohort_id]
        mentor_count, mentee_count = questions.get(survey.pk, (0, 0))
        count = mentor_count if place.role == ParticipantRole.MENTOR else mentee_count
        mine.append(MySurvey(survey=survey, participant=place, status=survey.status_at(now),
                             responded_on=responded.get(survey.pk), question_count=count))
    order = {SurveyStatus.OPEN: 0, SurveyStatus.SCHEDULED: 1, SurveyStatus.CLOSED: 2}
    mine.sort(key=lambda m: (order.get(m.status, 3), m.survey.closes_on or dt.date.max,
                             m.survey.pk))
    return mine


# --- what is visible to whom -----------------------------------------------------------------

def visibility(*, survey: Survey, question: Question) -> str:
    """Who will see an answer to ``question``, in the respondent's words (the preview and the
    receipt say it next to every answer)."""
    k = suppression.effective_k(survey.organization.anonymity_threshold)
    if not survey.anonymous:
        return ("HR admins see this answer with your name. Your partner never sees it, and "
                "executives see only totals of at least " f"{k} people.")
    if question.kind == QuestionKind.TEXT:
        return (f"Stored without your name. HR admins read it word for word, among the "
                f"answers of at least {suppression.text_k(k)} people, in a random order. Your "
                "partner and executives never see it. Leave out details that would identify "
                "you.")
    return (f"Stored without your name. HR admins and executives see it only inside totals "
            f"of at least {k} people's answers. Your partner never sees it.")


# --- lists for HR admins ---------------------------------------------------------------------

def surveys_for_admin(*, cohort: Cohort | None = None) -> QuerySet[Survey]:
    """Every survey (not templates), newest opening first, with its number of responses."""
    surveys = (Survey.objects.filter(is_template=False)
               .select_related("organization", "cohort__program")
               .annotate(response_count=Count("responses", distinct=True),
                         question_count=Count("questions", distinct=True)))
    if cohort is not None:
        surveys = surveys.filter(cohort=cohort)
    return surveys.order_by("-opens_on", "-created_at", "-id")


def surveys_with_results() -> QuerySet[Survey]:
    """Surveys whose results may be read (admins and executives): sent ones and the
    after-session surveys, never drafts or templates, newest opening first. No counts here:
    each survey's results page applies the k rules to every figure."""
    return (Survey.objects.filter(is_template=False)
            .filter(Q(published_at__isnull=False) | Q(kind=SurveyKind.POST_SESSION))
            .select_related("organization", "cohort__program")
            .order_by("-opens_on", "-created_at", "-id"))


def templates_for_admin() -> QuerySet[Survey]:
    return (Survey.objects.filter(is_template=True).select_related("organization")
            .annotate(question_count=Count("questions")).order_by("title", "id"))


def survey_for_admin(*, survey_pk: int) -> Survey:
    return (Survey.objects.select_related("organization", "cohort__program")
            .annotate(response_count=Count("responses"))
            .get(pk=survey_pk))


def survey_questions(*, survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position", "id"))


# --- response rate ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RoleRate:
    role: str
    label: str
    responded: int
    eligible: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.responded / self.eligible) if self.eligible else None


@dataclass(frozen=True)
class ResponseRate:
    responded: int
    eligible: int
    by_role: tuple[RoleRate, ...]

    @property
    def percent(self) -> int | None:
        return round(100 * self.responded / self.eligible) if self.eligible else None


def response_rate(*, survey: Survey) -> ResponseRate:
    """Who was asked (enrolled people with a question for their role) and how many of them
    responded, per role; counts only, never names. Three queries."""
    audiences = set(survey.questions.values_list("audience", flat=True))
    roles = [role for role in ParticipantRole.values
             if Audience.BOTH in audiences or role in audiences]
    if survey.cohort_id is None:
        return ResponseRate(0, 0, ())
    eligible = dict(Participant.objects.filter(
        cohort_id=survey.cohort_id, status=ParticipantStatus.ACTIVE, role__in=roles)
        .values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    responded = dict(Response.objects.filter(survey=survey, participant__role__in=roles)
                     .values_list("participant__role")
                     .annotate(n=Count("participant", distinct=True))
                     .values_list("participant__role", "n"))
    by_role = tuple(RoleRate(role, ROLE_LABELS[role], responded.get(role, 0),
                             eligible.get(role, 0)) for role in roles)
    return ResponseRate(sum(r.responded for r in by_role), sum(r.eligible for r in by_role),
                        by_role)


# --- notifications due (the beat scan) -------------------------------------------------------

def reminder_is_due(*, survey: Survey, today: dt.date | None = None) -> bool:
    today = today or organization_today(survey.organization)
    return due.REMINDER in due.survey_messages_due(
        today=today, opens_on=survey.opens_on, closes_on=survey.closes_on,
        reminder_days=survey.reminder_days)


def survey_notifications_due(*, organization, now: dt.datetime | None = None
                             ) -> list[tuple[int, int, str]]:
    """(survey id, participant id, kind) of every invitation and reminder due in this
    organization now that has not been queued yet: an invitation to everyone asked who has
    not responded, the one reminder from its day on to those invited on an earlier day.
    A fixed number of queries whatever the number of surveys and people."""
    now = now or timezone.now()
    today = organization_today(organization)
    surveys = [s for s in Survey.objects.filter(
        is_template=False, published_at__isnull=False, closed_at__isnull=True)
        .exclude(kind=SurveyKind.POST_SESSION).select_related("organization")
        if s.status_at(now) == SurveyStatus.OPEN]
    if not surveys:
        return []
    audiences: dict[int, set[str]] = defaultdict(set)
    for survey_id, audience in Question.objects.filter(survey__in=surveys).values_list(
            "survey_id", "audience"):
        audiences[survey_id].add(audience)
    people = defaultdict(list)
    for pk, cohort_id, role in Participant.objects.filter(
            cohort_id__in={s.cohort_id for s in surveys},
            status=ParticipantStatus.ACTIVE).values_list("pk", "cohort_id", "role"):
        people[cohort_id].append((pk, role))
    responded = set(Response.objects.filter(survey__in=surveys).values_list(
        "survey_id", "participant_id"))
    of_these_surveys = Q()
    for survey in surveys:
        for kind in (due.INVITATION, due.REMINDER):
            of_these_surveys |= Q(key__startswith=f"{kind}:{survey.pk}:")
    sent = dict(Notification.objects.filter(of_these_surveys).values_list("key", "created_at"))
    zone = surveys[0]._zone()
    found = []
    for survey in surveys:
        kinds = due.survey_messages_due(today=today, opens_on=survey.opens_on,
                                        closes_on=survey.closes_on,
                                        reminder_days=survey.reminder_days)
        wanted = audiences[survey.pk]
        for participant_id, role in people[survey.cohort_id]:
            if (survey.pk, participant_id) in responded or not (
                    Audience.BOTH in wanted or role in wanted):
                continue
            invited = sent.get(f"{due.INVITATION}:{survey.pk}:{participant_id}")
            if invited is None:
                found.append((survey.pk, participant_id, due.INVITATION))
            elif due.REMINDER in kinds and \
                    f"{due.REMINDER}:{survey.pk}:{participant_id}" not in sent and \
                    invited.astimezone(zone).date() < today:
                found.append((survey.pk, participant_id, due.REMINDER))
    return found


def surveys_due_to_close(*, now: dt.datetime | None = None) -> list[int]:
    """Published surveys of this organization whose closing day has passed but whose pending
    answers were not released yet."""
    now = now or timezone.now()
    return [s.pk for s in Survey.objects.filter(
        is_template=False, published_at__isnull=False, closed_at__isnull=True)
        .exclude(kind=SurveyKind.POST_SESSION).select_related("organization")
        if s.closes_at is not None and now >= s.closes_at]


# --- results ---------------------------------------------------------------------------------

BREAKDOWNS = {"role": "Role", "department": "Department"}


@dataclass(frozen=True)
class ResultsFilter:
    """What a reader of the results asks for: people of one role and/or department, answers
    released between two days (inclusive), and a breakdown by role or department."""

    role: str = ""
    department: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    by: str = ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.role or self.department or self.since or self.until)


@dataclass(frozen=True)
class Nps:
    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int:
        return round(100 * (self.promoters - self.detractors) / self.total)


@dataclass
class CellResult:
    """The aggregates of one published group of answers."""

    key: str
    label: str
    n: int
    distribution: list[tuple[str, int]] = field(default_factory=list)
    mean: float | None = None
    nps: Nps | None = None
    texts: list[str] | None = None
    merged: tuple[str, ...] = ()
    is_other: bool = False


@dataclass
class TopicResult:
    topic_id: int | None
    label: str
    cell: CellResult | None


@dataclass
class QuestionResult:
    question: Question
    n: int
    suppressed: bool
    cells: list[CellResult] = field(default_factory=list)
    topics: list[TopicResult] = field(default_factory=list)
    note: str = ""

    @property
    def threshold_kind(self) -> str:
        return "text" if self.question.kind == QuestionKind.TEXT else "number"


@dataclass
class BeforeAfter:
    label: str
    before: CellResult | None
    after: CellResult | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None or self.before.mean is None \
                or self.after.mean is None:
            return None
        return round(self.after.mean - self.before.mean, 2)


@dataclass
class Results:
    survey: Survey
    k: int
    text_k: int
    filter: ResultsFilter
    rate: ResponseRate
    questions: list[QuestionResult]
    departments: list[str]
    before_after: list[BeforeAfter]
    baseline: Survey | None
    texts_shown: bool
    pending_note: str


@dataclass
class _GroupStats:
    count: int = 0
    values: Counter = field(default_factory=Counter)


def _label(question: Question, topic_id, role: str, department: str) -> tuple[str, ...]:
    if question.kind == QuestionKind.TOPIC_SCALE:
        return (str(topic_id), role, department)
    return (role, department)


def _rows(survey: Survey, questions: dict[int, Question]) -> Iterable[tuple]:
    """(question id, topic id, role, department, day, number, choices, count) rows: released
    anonymous answers grouped by block label and release day, or a named survey's answers
    grouped by the respondent's role, department and day. Free texts are counted, not read."""
    if survey.anonymous:
        rows = (Answer.objects.filter(survey=survey)
                .values_list("question_id", "topic_id", "role", "department", "released_on",
                             "number", "choices")
                .annotate(n=Count("id")).order_by())
        for question_id, topic_id, role, department, day, number, choices, n in rows:
            yield question_id, topic_id, role, department, day, number, choices, n
        return
    rows = (AttributedAnswer.objects.filter(survey=survey)
            .values_list("question_id", "topic_id", "response__participant__role",
                         "response__participant__profile__department",
                         "response__responded_on", "number", "choices")
            .annotate(n=Count("id")).order_by())
    for question_id, topic_id, role, department, day, number, choices, n in rows:
        yield question_id, topic_id, role, _department(department), day, number, choices, n


def _texts(survey: Survey, question_ids: Sequence[int]) -> dict[tuple, list[str]]:
    """Free texts of the given questions by (question id, role, department, day), each list
    in a random but stable order (released answers have random UUID keys)."""
    found: dict[tuple, list[str]] = defaultdict(list)
    if not question_ids:
        return found
    if survey.anonymous:
        rows = (Answer.objects.filter(survey=survey, question_id__in=question_ids)
                .exclude(text="").order_by("id")
                .values_list("question_id", "role", "department", "released_on", "text"))
    else:
        rows = (AttributedAnswer.objects.filter(survey=survey, question_id__in=question_ids)
                .exclude(text="").order_by("?")
                .values_list("question_id", "response__participant__role",
                             "response__participant__profile__department",
                             "response__responded_on", "text"))
    for question_id, role, department, day, text in rows:
        department = department if survey.anonymous else _department(department)
        found[(question_id, role, department, day)].append(text)
    return found


def _query(question: Question, wanted: ResultsFilter) -> suppression.Query:
    offset = 1 if question.kind == QuestionKind.TOPIC_SCALE else 0
    where = {}
    if wanted.role:
        where[offset] = wanted.role
    if wanted.department:
        where[offset + 1] = wanted.department
    by = None
    if question.kind == QuestionKind.TOPIC_SCALE:
        by = 0
    elif wanted.by == "role":
        by = offset
    elif wanted.by == "department":
        by = offset + 1
    return suppression.Query(where=where, since=wanted.since, until=wanted.until, by=by)


def _value_labels(question: Question) -> list[str]:
    if question.kind in NUMBER_KINDS:
        low, high = question.number_range
        return [str(n) for n in range(low, high + 1)]
    if question.kind in CHOICE_KINDS:
        return list(question.choices)
    return []


def _cell(question: Question, key: str, label: str, n: int, values: Counter,
          texts: list[str] | None, merged=(), is_other=False) -> CellResult:
    cell = CellResult(key=key, label=label, n=n, merged=tuple(merged), is_other=is_other)
    if question.kind in NUMBER_KINDS:
        cell.distribution = [(v, values.get(int(v), 0)) for v in _value_labels(question)]
        answered = sum(count for _, count in cell.distribution)
        if answered:
            cell.mean = round(sum(int(v) * c for v, c in cell.distribution) / answered, 2)
        if question.kind == QuestionKind.NPS and answered:
            cell.nps = Nps(promoters=sum(values.get(v, 0) for v in (9, 10)),
                           passives=sum(values.get(v, 0) for v in (7, 8)),
                           detractors=sum(values.get(v, 0) for v in range(7)))
    elif question.kind in CHOICE_KINDS:
        cell.distribution = [(option, values.get(option, 0)) for option in question.choices]
    elif question.kind == QuestionKind.TEXT:
        cell.texts = texts
    return cell


def _cell_label(question: Question, by_index: int | None, key: str, topics: dict) -> str:
    if by_index is None:
        return "Everyone selected"
    offset = 1 if question.kind == QuestionKind.TOPIC_SCALE else 0
    if question.kind == QuestionKind.TOPIC_SCALE and by_index == 0:
        topic = topics.get(int(key)) if key.isdigit() else None
        return topic.name if topic else "A retired topic"
    if key == suppression.GROUPED:
        return GROUPED_LABEL
    if by_index == offset:
        return ROLE_LABELS.get(key, key)
    return key


def result_departments(*, survey: Survey) -> list[str]:
    """The departments the results can be filtered by: those that label released answers of
    an anonymous survey (each a block of k or more), or a named survey's respondents'."""
    if survey.anonymous:
        values = (Answer.objects.filter(survey=survey).exclude(department=suppression.GROUPED)
                  .values_list("department", flat=True).distinct())
    else:
        values = (AttributedAnswer.objects.filter(survey=survey)
                  .values_list("response__participant__profile__department", flat=True)
                  .distinct())
    return sorted({_department(value) for value in values})


def survey_results(*, survey: Survey, wanted: ResultsFilter | None = None,
                   viewer_role: str = Role.ADMIN, with_before_after: bool = True) -> Results:
    """Every aggregate of ``survey`` that may be published for ``wanted`` under the
    organization's k: response rate, per question the distribution, mean with its count, NPS
    (promoters, passives, detractors), per-topic means, free texts (HR admins only, groups of
    2k), and the final's before/after against the cohort's baseline. Each figure is over a
    selection of ``feedback.suppression.select`` (no group below k, no small group recoverable
    from the others). A fixed number of queries whatever the number of answers."""
    wanted = wanted or ResultsFilter()
    organization = survey.organization
    k = suppression.effective_k(organization.anonymity_threshold)
    k_text = suppression.text_k(k)
    questions = {q.pk: q for q in survey.questions.order_by("position", "id")}
    stats: dict[int, dict[tuple, _GroupStats]] = defaultdict(lambda: defaultdict(_GroupStats))
    departments: set[str] = set()
    topic_ids: set[int] = set()
    for question_id, topic_id, role, department, day, number, choices, n in _rows(
            survey, questions):
        question = questions.get(question_id)
        if question is None:
            continue
        group = stats[question_id][(_label(question, topic_id, role, department), day)]
        group.count += n
        if number is not None:
            group.values[number] += n
        for option in choices or ():
            group.values[option] += n
        if department and department != suppression.GROUPED:
            departments.add(department)
        if topic_id is not None:
            topic_ids.add(topic_id)
    topics = Topic.objects.in_bulk(topic_ids) if topic_ids else {}
    texts_shown = viewer_role == Role.ADMIN
    selections = {}
    for question_id, question in questions.items():
        keys = list(stats[question_id])
        groups = [suppression.Group(label=label, day=day, count=stats[question_id][
            (label, day)].count) for label, day in keys]
        threshold = k_text if question.kind == QuestionKind.TEXT else k
        selections[question_id] = (keys, suppression.select(groups, _query(question, wanted),
                                                            threshold))
    # one read of the free texts whatever is published (the same queries for any answers);
    # only the texts of published cells are put on the page below
    texts = _texts(survey, [qid for qid, q in questions.items()
                            if q.kind == QuestionKind.TEXT] if texts_shown else [])
    results = []
    for question_id, question in questions.items():
        keys, selection = selections[question_id]
        query = _query(question, wanted)
        result = QuestionResult(question=question, n=selection.total if not selection.suppressed
                                else 0, suppressed=selection.suppressed)
        if question.kind == QuestionKind.TEXT and not texts_shown:
            result.suppressed, result.note = True, "Free-text answers are shown to HR admins only."
        for selected in selection.cells:
            values: Counter = Counter()
            cell_texts: list[str] | None = [] if question.kind == QuestionKind.TEXT else None
            for index in selected.groups:
                label, day = keys[index]
                values.update(stats[question_id][(label, day)].values)
                if cell_texts is not None and texts_shown:
                    cell_texts.extend(texts.get((question_id, *label[-2:], day), []))
            cell = selected.cell
            label = OTHER_LABEL if cell.is_other else _cell_label(question, query.by, cell.key,
                                                                  topics)
            merged = tuple(_cell_label(question, query.by, key, topics) for key in cell.keys) \
                if cell.is_other else ()
            built = _cell(question, cell.key, label, cell.count, values, cell_texts, merged,
                          cell.is_other)
            if question.kind == QuestionKind.TOPIC_SCALE:
                result.topics.append(TopicResult(
                    topic_id=None if cell.is_other else int(cell.key), label=label, cell=built))
            else:
                result.cells.append(built)
        if question.kind == QuestionKind.TOPIC_SCALE:
            result.topics.sort(key=lambda t: (t.topic_id is None, t.label))
        results.append(result)
    baseline, before_after = None, []
    if with_before_after and survey.kind == SurveyKind.FINAL and survey.cohort_id:
        baseline = (Survey.objects.filter(cohort_id=survey.cohort_id, kind=SurveyKind.BASELINE,
                                          is_template=False)
                    .select_related("organization").order_by("-opens_on", "-id").first())
        if baseline is not None:
            before = survey_results(survey=baseline, wanted=ResultsFilter(
                role=wanted.role, department=wanted.department), viewer_role=viewer_role,
                with_before_after=False)
            before_after = _compare(before.questions, results)
    pending_note = ""
    if survey.anonymous and survey.status != SurveyStatus.CLOSED:
        pending_note = (f"Answers are released in groups of at least {k} (free text "
                        f"{k_text}) that share role and department; the rest is released, "
                        "grouped further, when the survey closes.")
    return Results(survey=survey, k=k, text_k=k_text, filter=wanted,
                   rate=response_rate(survey=survey), questions=results,
                   departments=sorted(departments), before_after=before_after,
                   baseline=baseline, texts_shown=texts_shown, pending_note=pending_note)


def _compare(before: list[QuestionResult], after: list[QuestionResult]) -> list[BeforeAfter]:
    """Before/after pairs: the same built-in measure in the baseline and the final, overall
    (first cell) for single numbers and per topic for per-topic confidence."""
    earlier = {r.question.builtin_key: r for r in before if r.question.builtin_key
               and r.question.kind in NUMBER_KINDS}
    pairs = []
    for result in after:
        match = earlier.get(result.question.builtin_key)
        if match is None or match.question.kind != result.question.kind:
            continue
        if result.question.kind == QuestionKind.TOPIC_SCALE:
            before_topics = {t.topic_id: t for t in match.topics if t.topic_id is not None}
            after_topics = {t.topic_id: t for t in result.topics if t.topic_id is not None}
            for topic_id in sorted(set(before_topics) | set(after_topics),
                                   key=lambda t: (before_topics.get(t) or after_topics[t]).label):
                one = before_topics.get(topic_id) or after_topics.get(topic_id)
                pairs.append(BeforeAfter(
                    label=f"{result.question.text} — {one.label}",
                    before=before_topics[topic_id].cell if topic_id in before_topics else None,
                    after=after_topics[topic_id].cell if topic_id in after_topics else None))
            continue
        pairs.append(BeforeAfter(
            label=result.question.text,
            before=_overall(match), after=_overall(result)))
    return pairs


def _overall(result: QuestionResult) -> CellResult | None:
    if result.suppressed or not result.cells:
        return None
    if len(result.cells) == 1:
        return result.cells[0]
    values = Counter()
    for cell in result.cells:
        for value, count in cell.distribution:
            values[int(value)] += count
    return _cell(result.question, suppression.ALL, "Everyone selected", result.n, values, None)
