"""Dashboard section: breakdowns — the same participation figures per group of people (by
department, seniority band, the voluntary generation band and role), with survey outcomes
where the anonymous answers carry the label (department and role only).

The k rule counts people. Each dimension's groups go through
:func:`feedback.suppression.breakdown` (the one implementation): a group under k joins
"Other (groups under k)", and when "Other" would still be under k the smallest shown groups
join it too, so the total minus the shown rows is always a group of k or more, never a hidden
one. A row is shown only for a group of k people or more; nothing at all when the whole slice
is under k. Survey figures go through :func:`feedback.suppression.select` over the released
blocks (each of k answers or more) and appear only on a row whose group is a published cell
of its own.

A constant number of queries whatever the number of people, pairs, sessions and answers: per
dimension one GROUP BY of the people and one of the pairs (grouped by both sides' groups),
plus the seniority ladder and one GROUP BY of the released answers. Nothing here names a
person, a pair or says what anyone wrote.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from dashboards.figures import (
    SUPPRESSED,
    Chart,
    Column,
    Panel,
    Series,
    Table,
    Value,
    rate,
)
from dashboards.queries import organization_zone, range_bounds, scoped_cohorts
from dashboards.scope import DashboardScope
from feedback import suppression
from feedback.models import Answer, SurveyKind
from feedback.selectors import NO_DEPARTMENT
from matching.models import Pair
from programs.models import (
    Participant,
    ParticipantRole,
    ParticipantStatus,
    SeniorityLevel,
)
from programs.participant_forms import GENERATION_BAND_CHOICES
from sessions.models import MentoringSession, SessionStatus

KEYS: tuple[str, ...] = ("by_department", "by_seniority", "by_generation", "by_role")

NOT_GIVEN = "Not given"
ALL_LABEL = "All participants"
#: The answers' breakdown label is (role, department): the index of each attribute.
ROLE_INDEX, DEPARTMENT_INDEX = 0, 1
GENERATION_LABELS = {value: label for value, label in GENERATION_BAND_CHOICES if value}
GENERATION_ORDER = [value for value, _ in GENERATION_BAND_CHOICES if value]
ROLE_LABELS = {ParticipantRole.MENTOR.value: "Mentors (juniors)",
               ParticipantRole.MENTEE.value: "Mentees (senior leaders)"}

#: Survey measures shown beside the participation figures: (column, built-in question keys,
#: survey kinds, figure). "Before" is the baseline's focus-topic confidence, "after" the
#: midpoint's and final's.
CONFIDENCE_AFTER_KINDS = (SurveyKind.MIDPOINT, SurveyKind.FINAL)


@dataclass(frozen=True)
class _Measure:
    column: Column
    builtin_key: str
    kinds: tuple[str, ...] | None  # None: any survey kind
    figure: str  # "mean" or "nps"


MEASURES = (
    _Measure(Column("nps", "NPS (would recommend)", "NPS"), "recommend", None, "nps"),
    _Measure(Column("psychological_safety", "Psychological safety", "/5"),
             "psychological_safety", None, "mean"),
    _Measure(Column("confidence_before", "Confidence before (baseline)", "/5"),
             "topic_confidence", (SurveyKind.BASELINE,), "mean"),
    _Measure(Column("confidence_after", "Confidence after (midpoint, final)", "/5"),
             "topic_confidence", CONFIDENCE_AFTER_KINDS, "mean"),
)

PEOPLE_COLUMNS = (
    Column("group", "Group"),
    Column("enrolled", "Participants enrolled", "people"),
    Column("matched", "Matched", "%"),
    Column("first_session", "Pairs with a first session", "%"),
    Column("sessions_per_pair", "Sessions held per pair", "sessions"),
)


@dataclass(frozen=True)
class _Dimension:
    key: str  # the panel's key
    title: str
    noun: str  # "department", in sentences
    path: str  # the participant's field the groups are made of
    survey_index: int | None  # the answers' label attribute, when they carry this one
    notes: tuple[str, ...] = ()


DIMENSIONS = (
    _Dimension("by_department", "By department", "department", "profile__department",
               DEPARTMENT_INDEX),
    _Dimension("by_seniority", "By seniority band", "seniority band", "profile__level__name",
               None, notes=("Seniority bands are the organization's seniority levels, from "
                            "each person's profile; people without a level are under "
                            f"“{NOT_GIVEN}”.",)),
    _Dimension("by_generation", "By generation", "generation band",
               "profile__generation_band", None,
               notes=("The generation band is voluntary; people who did not give one are "
                      f"counted under “{NOT_GIVEN}”.",)),
    _Dimension("by_role", "Mentors and mentees", "role", "role", ROLE_INDEX,
               notes=("A person who is a mentor in one cohort and a mentee in another counts "
                      "in both rows.",)),
)


@dataclass(frozen=True)
class _Tally:
    """The participation figures of one group, of several merged, or of everyone."""

    enrolled: int = 0
    matched: int = 0
    pairs: int = 0
    met: int = 0
    sessions: int = 0


@dataclass
class _Counts:
    """One dimension's GROUP BY rows: people per group, and pairs per set of the groups of
    their enrolled people (one or two groups)."""

    people: dict[str, tuple[int, int]] = field(default_factory=dict)  # enrolled, matched
    pairs: list[tuple[frozenset[str], int, int, int]] = field(default_factory=list)

    def tally(self, groups: Iterable[str] | None = None) -> _Tally:
        """The figures of the union of ``groups`` (every group when ``None``): a pair counts
        once when either of its people is in the union."""
        wanted = set(self.people) if groups is None else set(groups)
        pairs = [row for row in self.pairs if row[0] & wanted]
        return _Tally(enrolled=sum(self.people[g][0] for g in wanted if g in self.people),
                      matched=sum(self.people[g][1] for g in wanted if g in self.people),
                      pairs=sum(row[1] for row in pairs), met=sum(row[2] for row in pairs),
                      sessions=sum(row[3] for row in pairs))


@dataclass
class _Answers:
    """Released answers of one measure: per (label, day) their count and values."""

    counts: dict[tuple[tuple[str, str], object], int] = field(
        default_factory=lambda: defaultdict(int))
    values: dict[tuple[tuple[str, str], object], Counter] = field(
        default_factory=lambda: defaultdict(Counter))


# --- the figures ---------------------------------------------------------------------------

def breakdowns_panels(*, scope: DashboardScope) -> list[Panel]:
    zone = organization_zone(scope)
    answers = _released_answers(scope)
    ranks = dict(SeniorityLevel.objects.values_list("name", "rank"))
    return [_panel(scope, dimension, _counts(scope, dimension, zone), answers, ranks)
            for dimension in DIMENSIONS]


def _group_key(dimension: _Dimension, raw) -> str:
    if dimension.path == "profile__department":
        return " ".join((raw or "").split()) or NOT_GIVEN
    return raw or NOT_GIVEN


def _label(dimension: _Dimension, key: str) -> str:
    if dimension.key == "by_generation":
        return GENERATION_LABELS.get(key, key)
    if dimension.key == "by_role":
        return ROLE_LABELS.get(key, key)
    return key


def _sort_key(dimension: _Dimension, ranks: dict[str, int]) -> Callable[[str], tuple]:
    def key(group: str) -> tuple:
        if group == NOT_GIVEN:
            return (1, 0, "")
        if dimension.key == "by_seniority":
            return (0, ranks.get(group, 0), group)
        if dimension.key == "by_generation":
            return (0, GENERATION_ORDER.index(group) if group in GENERATION_ORDER else 99,
                    group)
        if dimension.key == "by_role":
            return (0, list(ROLE_LABELS).index(group) if group in ROLE_LABELS else 9, group)
        return (0, 0, group.casefold())
    return key


def _counts(scope: DashboardScope, dimension: _Dimension, zone: ZoneInfo) -> _Counts:
    """Per group: distinct people enrolled and matched (one query); the pairs of the cohorts
    in view grouped by their two people's groups (people with an active place only), with
    how many have ever held a session and their sessions held in the range (one query)."""
    cohorts = scoped_cohorts(scope)
    in_pair = Pair.objects.filter(cohort__in=cohorts).filter(
        Q(mentor_id=OuterRef("pk")) | Q(mentee_id=OuterRef("pk")))
    people = (Participant.objects.filter(cohort__in=cohorts, status=ParticipantStatus.ACTIVE)
              .annotate(paired=Exists(in_pair))
              .values(group=F(dimension.path))
              .annotate(enrolled=Count("profile_id", distinct=True),
                        matched=Count("profile_id", distinct=True, filter=Q(paired=True)))
              .order_by())
    counts = _Counts()
    for row in people:
        key = _group_key(dimension, row["group"])
        enrolled, matched = counts.people.get(key, (0, 0))
        counts.people[key] = (enrolled + row["enrolled"], matched + row["matched"])

    start, end = range_bounds(scope, zone)
    happened = MentoringSession.objects.filter(pair_id=OuterRef("pk"),
                                               status=SessionStatus.HAPPENED)
    held = (happened.filter(starts_at__gte=start, starts_at__lt=end).order_by()
            .values("pair_id").annotate(n=Count("id")).values("n"))
    pairs = (Pair.objects.filter(cohort__in=cohorts)
             .annotate(held_in_range=Coalesce(Subquery(held, output_field=IntegerField()), 0),
                       has_met=Exists(happened))
             .values(mentor_group=F(f"mentor__{dimension.path}"),
                     mentee_group=F(f"mentee__{dimension.path}"),
                     mentor_status=F("mentor__status"), mentee_status=F("mentee__status"))
             .annotate(pairs=Count("id"), met=Count("id", filter=Q(has_met=True)),
                       sessions=Sum("held_in_range"))
             .order_by())
    for row in pairs:
        groups = frozenset(_group_key(dimension, row[f"{side}_group"])
                           for side in ("mentor", "mentee")
                           if row[f"{side}_status"] == ParticipantStatus.ACTIVE)
        if groups:
            counts.pairs.append((groups, row["pairs"], row["met"], row["sessions"] or 0))
    return counts


def _panel(scope: DashboardScope, dimension: _Dimension, counts: _Counts,
           answers: dict[str, _Answers], ranks: dict[str, int]) -> Panel:
    k = scope.k
    result = suppression.breakdown({group: enrolled for group, (enrolled, _) in
                                    counts.people.items()}, k)
    measures = MEASURES if dimension.survey_index is not None else ()
    columns = (*PEOPLE_COLUMNS, *(measure.column for measure in measures))
    published = {measure.column.key: _published(answers.get(measure.column.key), measure,
                                                dimension, k) for measure in measures}
    other_label = f"Other (groups under {k})"
    rows: list[tuple[Value, ...]] = []
    labels: list[str] = []
    if not result.suppressed:
        order = _sort_key(dimension, ranks)
        for cell in sorted(result.cells, key=lambda cell: order(cell.key)):
            labels.append(_label(dimension, cell.key))
            rows.append((labels[-1], *_people_values(counts.tally((cell.key,))),
                         *(published[m.column.key][0].get(cell.key, _absent(
                             answers.get(m.column.key), dimension, (cell.key,)))
                           for m in measures)))
        if result.other is not None:
            labels.append(other_label)
            rows.append((other_label, *_people_values(counts.tally(result.other.keys)),
                         *(_absent(answers.get(m.column.key), dimension, result.other.keys)
                           for m in measures)))
        rows.append((ALL_LABEL, *_people_values(counts.tally()),
                     *(_overall(published[m.column.key][1], answers.get(m.column.key))
                       for m in measures)))
    notes = [
        f"Groups of fewer than {k} people are merged into “{other_label}”; when that would "
        f"still have fewer than {k}, the smallest groups join it too, so no group can be "
        "worked out by subtracting the rows shown from the total.",
        "Enrolled: people with an active place in a cohort in view; matched: of them, those "
        "in a pair; a first session: pairs of the group's people that have held at least one "
        "session; sessions held per pair: sessions held in the date range divided by those "
        "pairs.",
        *dimension.notes,
    ]
    if result.suppressed:
        notes.insert(0, f"Fewer than {k} people are in view: nothing is broken down.")
    if measures:
        notes.append(
            f"Survey figures come from released anonymous answers, which carry the "
            f"respondent's role and department only; a group's survey figures are shown when "
            f"its answers form a published group of at least {k} of their own (NPS from the "
            "‘would recommend’ question; confidence: each person's focus topics, baseline "
            "before, midpoint and final after).")
    else:
        notes.append(
            f"No survey outcomes by {dimension.noun}: anonymous survey answers carry only the "
            "respondent's role and department, so they cannot be broken down this way.")
    chart = Chart(kind="horizontal_bar", labels=tuple(labels), unit="%", max=100,
                  series=(Series("Matched", tuple(row[2] for row in rows[:len(labels)])),
                          Series("Pairs with a first session",
                                 tuple(row[3] for row in rows[:len(labels)])))) \
        if labels else None
    return Panel(
        key=dimension.key, title=dimension.title,
        description=f"Participation per {dimension.noun}: people enrolled, the share matched, "
                    "the share of their pairs that have met, and sessions held per pair"
                    + (", with survey outcomes" if measures else "") + f"; groups of at least "
                    f"{k} people only.",
        table=Table(columns=columns, rows=tuple(rows)), chart=chart, notes=tuple(notes))


def _people_values(tally: _Tally) -> tuple[Value, ...]:
    per_pair = round(tally.sessions / tally.pairs, 2) if tally.pairs else None
    return (tally.enrolled, rate(tally.matched, tally.enrolled), rate(tally.met, tally.pairs),
            per_pair)


# --- survey outcomes -----------------------------------------------------------------------

def _released_answers(scope: DashboardScope) -> dict[str, _Answers]:
    """Released anonymous answers of the cohorts in view, released in the range, grouped by
    measure, block label (role, department), release day and value: one query."""
    keys = sorted({measure.builtin_key for measure in MEASURES})
    rows = (Answer.objects.filter(survey__cohort__in=scoped_cohorts(scope),
                                  survey__is_template=False,
                                  question__builtin_key__in=keys,
                                  released_on__gte=scope.date_from,
                                  released_on__lte=scope.date_to, number__isnull=False)
            .values_list("question__builtin_key", "survey__kind", "role", "department",
                         "released_on", "number")
            .annotate(n=Count("id")).order_by())
    found: dict[str, _Answers] = defaultdict(_Answers)
    for builtin_key, kind, role, department, day, number, n in rows:
        label = (role, _answer_department(department))
        for measure in MEASURES:
            if measure.builtin_key != builtin_key or (measure.kinds is not None
                                                      and kind not in measure.kinds):
                continue
            measured = found[measure.column.key]
            measured.counts[(label, day)] += n
            measured.values[(label, day)][number] += n
    return found


def _answer_department(value: str) -> str:
    """An answer's department as a group key ("" stays "grouped to protect anonymity")."""
    if value == suppression.GROUPED:
        return value
    return NOT_GIVEN if value == NO_DEPARTMENT else " ".join(value.split())


def _published(answers: _Answers | None, measure: _Measure, dimension: _Dimension,
               k: int) -> tuple[dict[str, Value], Value | None]:
    """The measure's figure for each group that is a published cell of its own, and for
    everyone (``None`` when that is not published)."""
    if answers is None:
        return {}, None
    keys = list(answers.counts)
    groups = [suppression.Group(label=label, day=day, count=answers.counts[(label, day)])
              for label, day in keys]

    def figure_of(selected: suppression.SelectedCell) -> Value:
        values: Counter = Counter()
        for index in selected.groups:
            values.update(answers.values[keys[index]])
        return _figure(measure, values)

    by_group = {selected.cell.key: figure_of(selected) for selected in suppression.select(
        groups, suppression.Query(by=dimension.survey_index), k).cells
        if not selected.cell.is_other}
    overall = suppression.select(groups, suppression.Query(), k)
    return by_group, (figure_of(overall.cells[0]) if overall.cells else None)


def _absent(answers: _Answers | None, dimension: _Dimension, groups: Iterable[str]) -> Value:
    """A survey cell not published on its own: withheld when the groups have answers, no
    data when they have none."""
    if answers is None:
        return None
    wanted = set(groups)
    has_answers = any(label[dimension.survey_index] in wanted for label, _ in answers.counts)
    return SUPPRESSED if has_answers else None


def _overall(figure: Value | None, answers: _Answers | None) -> Value:
    if figure is not None:
        return figure
    return SUPPRESSED if answers is not None and answers.counts else None


def _figure(measure: _Measure, values: Counter) -> Value:
    answered = sum(values.values())
    if not answered:
        return None
    if measure.figure == "nps":
        promoters = values.get(9, 0) + values.get(10, 0)
        detractors = sum(count for value, count in values.items() if value <= 6)
        return round(100 * (promoters - detractors) / answered)
    return round(sum(value * count for value, count in values.items()) / answered, 2)
