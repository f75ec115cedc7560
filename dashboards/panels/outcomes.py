"""Dashboard section: outcomes (docs/dashboards.md, "Outcomes").

Survey figures come only from *released* anonymous answers (``feedback.models.Answer``: each
released in a block of at least k answers, ``feedback/suppression.py``) of the surveys of the
cohorts in scope, read with one GROUP BY over every such survey (by block label and release
day, as ``feedback.selectors.survey_results`` reads one survey) and published through the
one k implementation, ``feedback.suppression.select``. The questions are the built-in
measures (``feedback/catalog.py``), found by their ``builtin_key``:

* ``topic_confidence`` — confidence before vs after per focus topic: a cohort's baseline
  against its final evaluation, or its midpoint while it has no final answers yet, for the
  cohorts that have both (whole surveys: the date range does not cut a before/after apart);
* ``recommend`` — the Net Promoter Score per survey stage, answers released in the range;
* ``psychological_safety`` — mean and distribution per survey stage, released in the range.

Satisfaction over time is the after-session rating (``sessions.models.SessionRating``, the
same 1–5 value the after-session survey stores) per week of the session, shown for weeks
with at least k raters. The most-covered topics are ``SessionTopic`` rows of the sessions
held in the range, a topic listed on its own once sessions of at least k pairs covered it.

Five queries whatever the number of surveys, answers, pairs and sessions. Nothing here reads
a free-text answer, a name, a note or a summary.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek

from dashboards.figures import (
    SUPPRESSED,
    Chart,
    Column,
    Figure,
    Panel,
    Series,
    Table,
    Value,
    rate,
)
from dashboards.panels._topic_cells import OTHER_TOPICS, TopicCount, shown_topics
from dashboards.queries import organization_zone, range_bounds, scoped_cohorts, scoped_pairs
from dashboards.scope import DashboardScope
from feedback import suppression
from feedback.models import Answer, QuestionKind, SurveyKind
from feedback.selectors import Nps
from sessions.models import SessionRating, SessionStatus, SessionTopic

KEYS: tuple[str, ...] = ("confidence_by_topic", "nps", "satisfaction_trend",
                         "psychological_safety", "topics_covered")

#: Headline figures (page top and weekly digest), by key.
NPS_SCORE = "nps"
CONFIDENCE_CHANGE = "confidence_change"
PSYCHOLOGICAL_SAFETY = "psychological_safety"

CONFIDENCE, SAFETY, RECOMMEND = "topic_confidence", "psychological_safety", "recommend"
#: The built-in measures read here, with the kind each must have.
MEASURES = {CONFIDENCE: QuestionKind.TOPIC_SCALE, SAFETY: QuestionKind.SCALE,
            RECOMMEND: QuestionKind.NPS}
#: Survey stages in the order a cohort goes through them (rows of the per-stage tables).
STAGES = ((SurveyKind.BASELINE, "Baseline"), (SurveyKind.MIDPOINT, "Midpoint"),
          (SurveyKind.FINAL, "Final evaluation"), (SurveyKind.CUSTOM, "Other surveys"))
ALL_STAGES = "All surveys"
#: How many topics "what our leaders are learning" lists before combining the rest.
TOP_TOPICS = 10


def outcomes_panels(*, scope: DashboardScope) -> list[Panel]:
    zone = organization_zone(scope)
    pools, topic_names = _released_answers(scope)
    return [_confidence_panel(scope, pools, topic_names), _nps_panel(scope, pools),
            _satisfaction_panel(scope, zone), _safety_panel(scope, pools),
            _topics_panel(scope, zone)]


# --- released answers, as published groups ---------------------------------------------------

class Pool:
    """Released answers as ``suppression.Group`` rows (label, release day) with their values;
    :meth:`publish` returns what ``suppression.select`` lets through."""

    def __init__(self) -> None:
        self.values: dict[tuple[tuple[str, ...], date], Counter] = defaultdict(Counter)

    def add(self, label: tuple[str, ...], day: date, number: int, count: int) -> None:
        self.values[(label, day)][number] += count

    @classmethod
    def union(cls, pools: Iterable[Pool]) -> Pool:
        merged = cls()
        for pool in pools:
            for key, values in pool.values.items():
                merged.values[key].update(values)
        return merged

    def publish(self, query: suppression.Query, k: int
                ) -> tuple[int, list[tuple[suppression.Cell, Counter]] | None]:
        """(answers matching ``query``, the published cells with their values — ``None``
        when the k rule hides them all)."""
        keys = list(self.values)
        groups = [suppression.Group(label=label, day=day, count=sum(self.values[(label,
                                                                                 day)].values()))
                  for label, day in keys]
        selection = suppression.select(groups, query, k)
        if selection.suppressed:
            return selection.total, None
        cells = []
        for selected in selection.cells:
            values: Counter = Counter()
            for index in selected.groups:
                values.update(self.values[keys[index]])
            cells.append((selected.cell, values))
        return selection.total, cells


def _released_answers(scope: DashboardScope
                      ) -> tuple[dict[tuple[str, int, str], Pool], dict[int, str]]:
    """Pools by (measure, cohort id, survey kind) and the names of the topics answered about,
    from one GROUP BY of the released answers of every survey of the cohorts in scope."""
    measures = Q()
    for key, kind in MEASURES.items():
        measures |= Q(question__builtin_key=key, question__kind=kind)
    rows = (Answer.objects.filter(measures, survey__cohort__in=scoped_cohorts(scope),
                                  survey__is_template=False, number__isnull=False)
            .values_list("question__builtin_key", "survey__cohort_id", "survey__kind",
                         "topic_id", "topic__name", "role", "department", "released_on",
                         "number")
            .annotate(n=Count("id")).order_by())
    pools: dict[tuple[str, int, str], Pool] = defaultdict(Pool)
    topic_names: dict[int, str] = {}
    for key, cohort_id, kind, topic_id, topic_name, role, department, day, number, n in rows:
        if key == CONFIDENCE:
            if topic_id is None:
                continue
            topic_names[topic_id] = topic_name
            label = (str(topic_id), role, department)
        else:
            label = (role, department)
        pools[(key, cohort_id, kind)].add(label, day, number, n)
    return pools, topic_names


def _mean(values: Counter) -> float | None:
    answered = sum(values.values())
    if not answered:
        return None
    return round(sum(number * count for number, count in values.items()) / answered, 2)


def _stage_pools(pools, measure: str) -> list[tuple[str, Pool]]:
    """(row label, pool) for each survey stage with answers to ``measure``, then all of them."""
    found = []
    for kind, label in STAGES:
        of_stage = [pool for (key, _, stage), pool in pools.items()
                    if key == measure and stage == kind]
        if of_stage:
            found.append((label, Pool.union(of_stage)))
    if found:
        found.append((ALL_STAGES, Pool.union(pool for _, pool in found)))
    return found


def _in_range(scope: DashboardScope) -> suppression.Query:
    return suppression.Query(since=scope.date_from, until=scope.date_to)


# --- confidence before vs after, per topic ---------------------------------------------------

def _confidence_panel(scope: DashboardScope, pools, topic_names: dict[int, str]) -> Panel:
    of_cohort: dict[int, dict[str, Pool]] = defaultdict(dict)
    for (key, cohort_id, kind), pool in pools.items():
        if key == CONFIDENCE:
            of_cohort[cohort_id][kind] = pool
    before_pools, after_pools = [], []
    for stages in of_cohort.values():
        after = stages.get(SurveyKind.FINAL) or stages.get(SurveyKind.MIDPOINT)
        if SurveyKind.BASELINE in stages and after is not None:
            before_pools.append(stages[SurveyKind.BASELINE])
            after_pools.append(after)
    before, after = Pool.union(before_pools), Pool.union(after_pools)
    by_topic = suppression.Query(by=0)
    before_cells = _topic_means(before.publish(by_topic, scope.k)[1])
    after_cells = _topic_means(after.publish(by_topic, scope.k)[1])
    before_topics, after_topics = _topics_of(before), _topics_of(after)
    answered = before_topics | after_topics
    rows: list[tuple[Value, ...]] = []
    for topic_id in sorted(answered, key=lambda pk: (topic_names.get(pk, ""), pk)):
        was = before_cells.get(topic_id) or (SUPPRESSED if topic_id in before_topics else None)
        now = after_cells.get(topic_id) or (SUPPRESSED if topic_id in after_topics else None)
        rows.append((topic_names.get(topic_id, ""), *_before_after(was, now)))
    overall_before = _overall_mean(before, scope.k)
    overall_after = _overall_mean(after, scope.k)
    rows.append(("All focus topics", *_before_after(overall_before, overall_after)))
    change = rows[-1][-1]
    if not answered:
        rows, change = [], None
    return Panel(
        key="confidence_by_topic", title="Confidence before and after, per focus topic",
        description="Mean confidence (1 to 5) in each focus topic in the baseline survey and "
                    "in the final evaluation (the midpoint until a cohort has one), for the "
                    "cohorts in scope that have both.",
        table=Table(columns=(Column("topic", "Topic"), Column("before", "Before", "/5"),
                             Column("before_n", "Answers before"),
                             Column("after", "After", "/5"),
                             Column("after_n", "Answers after"),
                             Column("change", "Change")),
                    rows=tuple(rows)),
        chart=Chart(kind="bar", labels=tuple(str(row[0]) for row in rows),
                    series=(Series("Before", tuple(_point(row[1]) for row in rows)),
                            Series("After", tuple(_point(row[3]) for row in rows))),
                    unit="/5", max=5),
        headline=(Figure(CONFIDENCE_CHANGE, "Confidence change (before to after)", change),),
        notes=(f"Only answers released in groups of at least {scope.k} people are counted; "
               f"a topic with fewer than {scope.k} answers on one side is hidden there.",))


def _topics_of(pool: Pool) -> set[int]:
    return {int(label[0]) for label, _ in pool.values}


def _topic_means(cells) -> dict[int, tuple[float | None, int]]:
    if cells is None:
        return {}
    return {int(cell.key): (_mean(values), cell.count) for cell, values in cells
            if not cell.is_other}


def _overall_mean(pool: Pool, k: int):
    total, cells = pool.publish(suppression.Query(), k)
    if not total:
        return None
    if cells is None:
        return SUPPRESSED
    [(cell, values)] = cells
    return _mean(values), cell.count


def _before_after(was, now) -> tuple[Value, ...]:
    """(before mean, its answers, after mean, its answers, change): each side a (mean, n),
    SUPPRESSED (hidden by the k rule) or None (no answers)."""
    def side(value) -> tuple[Value, Value]:
        if value is None or value is SUPPRESSED:
            return value, value
        return value

    before_mean, before_n = side(was)
    after_mean, after_n = side(now)
    change: Value = None
    if isinstance(before_mean, float) and isinstance(after_mean, float):
        change = round(after_mean - before_mean, 2)
    elif SUPPRESSED in (before_mean, after_mean):
        change = SUPPRESSED
    return before_mean, before_n, after_mean, after_n, change


def _point(value: Value) -> float | None:
    return value if isinstance(value, int | float) else None


# --- NPS -------------------------------------------------------------------------------------

def _nps_panel(scope: DashboardScope, pools) -> Panel:
    rows: list[tuple[Value, ...]] = []
    score: Value = None
    for label, pool in _stage_pools(pools, RECOMMEND):
        total, cells = pool.publish(_in_range(scope), scope.k)
        if not total:
            continue
        if cells is None:
            rows.append((label, *(SUPPRESSED,) * 5))
            if label == ALL_STAGES:
                score = SUPPRESSED
            continue
        [(_, values)] = cells
        nps = Nps(promoters=values[9] + values[10], passives=values[7] + values[8],
                  detractors=sum(values[n] for n in range(7)))
        rows.append((label, nps.total, rate(nps.promoters, nps.total),
                     rate(nps.passives, nps.total), rate(nps.detractors, nps.total),
                     nps.score))
        if label == ALL_STAGES:
            score = nps.score
    return Panel(
        key="nps", title="Net Promoter Score",
        description="Would people recommend the program (0 to 10)? Promoters answer 9 or 10, "
                    "passives 7 or 8, detractors 0 to 6; the score is promoters' share minus "
                    "detractors' (-100 to 100). Answers released in the range.",
        table=Table(columns=(Column("stage", "Survey"), Column("answers", "Answers"),
                             Column("promoters", "Promoters", "%"),
                             Column("passives", "Passives", "%"),
                             Column("detractors", "Detractors", "%"),
                             Column("score", "NPS", "NPS")),
                    rows=tuple(rows)),
        chart=Chart(kind="stacked_bar", labels=tuple(str(row[0]) for row in rows),
                    series=tuple(Series(name, tuple(_point(row[index]) for row in rows))
                                 for index, name in ((2, "Promoters"), (3, "Passives"),
                                                     (4, "Detractors"))),
                    unit="%", max=100),
        headline=(Figure(NPS_SCORE, "Net Promoter Score", score, "NPS"),),
        notes=(f"Only answers released in groups of at least {scope.k} people are counted.",))


# --- psychological safety --------------------------------------------------------------------

def _safety_panel(scope: DashboardScope, pools) -> Panel:
    rows: list[tuple[Value, ...]] = []
    overall: Value = None
    for label, pool in _stage_pools(pools, SAFETY):
        total, cells = pool.publish(_in_range(scope), scope.k)
        if not total:
            continue
        if cells is None:
            rows.append((label, *(SUPPRESSED,) * 7))
            if label == ALL_STAGES:
                overall = SUPPRESSED
            continue
        [(cell, values)] = cells
        mean = _mean(values)
        rows.append((label, mean, cell.count, *(values[n] for n in range(1, 6))))
        if label == ALL_STAGES:
            overall = mean
    return Panel(
        key="psychological_safety", title="Psychological safety",
        description="\u201cI can speak candidly with my partner without worrying about "
                    "repercussions\u201d (1 = strongly disagree, 5 = strongly agree): the mean "
                    "and how many gave each answer, per survey; answers released in the range.",
        table=Table(columns=(Column("stage", "Survey"), Column("mean", "Mean", "/5"),
                             Column("answers", "Answers"),
                             *(Column(f"n{n}", f"Answered {n}") for n in range(1, 6))),
                    rows=tuple(rows)),
        chart=Chart(kind="stacked_bar", labels=tuple(str(row[0]) for row in rows),
                    series=tuple(Series(str(n), tuple(_point(row[2 + n]) for row in rows))
                                 for n in range(1, 6))),
        headline=(Figure(PSYCHOLOGICAL_SAFETY, "Psychological safety", overall, "/5"),),
        notes=(f"Only answers released in groups of at least {scope.k} people are counted.",))


# --- satisfaction over time (session ratings) ------------------------------------------------

def _weeks(scope: DashboardScope) -> list[date]:
    """The Monday of every week that overlaps the range."""
    first = scope.date_from - timedelta(days=scope.date_from.weekday())
    return [first + timedelta(weeks=n) for n in range((scope.date_to - first).days // 7 + 1)]


def _weekly_ratings(scope: DashboardScope, zone: ZoneInfo, weeks: list[date]) -> dict:
    """Per Monday: the ratings, distinct raters and sum of the ratings of the sessions held
    in that week, each week whole even where it crosses an end of the range (two ranges that
    cut one week differently never publish two figures whose difference is a day's few
    ratings)."""
    if not weeks:
        return {}
    start = datetime.combine(weeks[0], time.min, tzinfo=zone)
    end = datetime.combine(weeks[-1] + timedelta(days=7), time.min, tzinfo=zone)
    found = {}
    for row in (SessionRating.objects.filter(
            session__pair__in=scoped_pairs(scope), session__status=SessionStatus.HAPPENED,
            session__starts_at__gte=start, session__starts_at__lt=end)
            .annotate(week=TruncWeek("session__starts_at", tzinfo=zone)).values("week")
            .annotate(ratings=Count("id"), raters=Count("participant", distinct=True),
                      total=Sum("value")).order_by()):
        week = row["week"]
        found[week.astimezone(zone).date() if isinstance(week, datetime) else week] = row
    return found


def _satisfaction_panel(scope: DashboardScope, zone: ZoneInfo) -> Panel:
    weeks = _weeks(scope)
    found = _weekly_ratings(scope, zone, weeks)
    rows: list[tuple[Value, ...]] = []
    for monday in weeks:
        row = found.get(monday)
        if row is None:
            rows.append((monday.isoformat(), None, 0))
        elif suppression.publishable(row["raters"], scope.k):
            rows.append((monday.isoformat(), round(row["total"] / row["ratings"], 2),
                         row["ratings"]))
        else:
            rows.append((monday.isoformat(), SUPPRESSED, SUPPRESSED))
    return Panel(
        key="satisfaction_trend", title="Satisfaction with the sessions, week by week",
        description="The mean after-session rating (\u201cHow valuable was this session?\u201d, "
                    "1 to 5) of the sessions held in each week (Monday to Sunday, the "
                    "organization's time zone; the first and last week whole).",
        table=Table(columns=(Column("week", "Week of"), Column("mean", "Mean rating", "/5"),
                             Column("ratings", "Ratings")),
                    rows=tuple(rows)),
        chart=Chart(kind="line", labels=tuple(str(row[0]) for row in rows),
                    series=(Series("Mean rating", tuple(_point(row[1]) for row in rows)),),
                    unit="/5", max=5),
        notes=(f"A week is shown when at least {scope.k} people rated its sessions.",))


# --- what our leaders are learning -----------------------------------------------------------

def _topics_panel(scope: DashboardScope, zone: ZoneInfo) -> Panel:
    start, end = range_bounds(scope, zone)
    # one join to the sessions (for the filter and the pairs), not a subquery of them as well
    links = SessionTopic.objects.filter(
        session__pair__in=scoped_pairs(scope), session__status=SessionStatus.HAPPENED,
        session__starts_at__gte=start, session__starts_at__lt=end)
    # (session, topic) is unique: a topic's rows are its sessions
    per_topic = {row["topic_id"]: row for row in links.values("topic_id", "topic__name")
                 .annotate(sessions=Count("id"),
                           pairs=Count("session__pair", distinct=True)).order_by()}
    shown = shown_topics(
        [TopicCount(topic_id, row["topic__name"], row["pairs"])
         for topic_id, row in per_topic.items()], scope.k, limit=TOP_TOPICS,
        order=lambda count: (-per_topic[count.topic_id]["sessions"], count.name,
                             count.topic_id))
    other = links.exclude(topic_id__in=[count.topic_id for count in shown]).aggregate(
        topics=Count("topic", distinct=True), sessions=Count("session", distinct=True),
        pairs=Count("session__pair", distinct=True))
    rows: list[tuple[Value, ...]] = [
        (count.name, per_topic[count.topic_id]["sessions"], per_topic[count.topic_id]["pairs"])
        for count in shown]
    if other["topics"]:
        if suppression.publishable(other["pairs"], scope.k):
            rows.append((OTHER_TOPICS, other["sessions"], other["pairs"]))
        else:
            rows.append((OTHER_TOPICS, SUPPRESSED, SUPPRESSED))
    return Panel(
        key="topics_covered", title="What our leaders are learning",
        description="The topics covered most in the sessions held in the range: how many "
                    "sessions covered each and how many pairs.",
        table=Table(columns=(Column("topic", "Topic"), Column("sessions", "Sessions",
                                                              "sessions"),
                             Column("pairs", "Pairs", "pairs")),
                    rows=tuple(rows)),
        chart=Chart(kind="horizontal_bar", labels=tuple(str(row[0]) for row in rows),
                    series=(Series("Sessions", tuple(_point(row[1]) for row in rows)),),
                    unit="sessions"),
        notes=(f"A topic is listed on its own when sessions of at least {scope.k} pairs "
               f"covered it (the {TOP_TOPICS} most covered); the others are combined, and "
               f"the combination is hidden below {scope.k} pairs.",))
