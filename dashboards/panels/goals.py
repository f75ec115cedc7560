"""Dashboard section: goals and commitments (docs/dashboards.md, "Goals and commitments").

Counts and rates only: no query here reads a goal's title, why or measure, a commitment's
text or its outcome note, or anyone's name (every read is an aggregate of ids and statuses).

* Goals are a state: every goal of the pairs in scope (``scoped_pairs``), as it is today
  (a goal stores no date it was achieved). Achieved % = achieved / goals set (dropped goals
  included in the goals set).
* Goals by focus topic (``GoalTopic``): one row per topic with at least k goal owners, the
  rest combined (``_topic_cells``: ``feedback.suppression.breakdown``).
* Commitments are dated: those due within the range. Followed through = done / answered
  (done, partly or not yet), partly = partly / answered; shown only when the commitments
  behind the figure belong to at least k owners (design.md: executives see rates >= k).

Four queries whatever the number of pairs, goals and commitments.
"""

from __future__ import annotations

from django.db.models import Count, Q

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
from dashboards.queries import scoped_pairs
from dashboards.scope import DashboardScope
from feedback.suppression import publishable
from sessions.models import Commitment, CommitmentOutcome, Goal, GoalStatus, GoalTopic

KEYS: tuple[str, ...] = ("goals_status", "goals_by_topic", "commitments")

#: Headline figures (page top and weekly digest), by key.
GOALS_ACHIEVED = "goals_achieved"
FOLLOW_THROUGH = "commitments_follow_through"

GOAL_STATUSES = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS, GoalStatus.ACHIEVED,
                 GoalStatus.DROPPED)
ANSWERED = (CommitmentOutcome.DONE, CommitmentOutcome.PARTLY, CommitmentOutcome.NOT_YET)


def _k_note(k: int, whom: str) -> str:
    return f"Figures behind which there are fewer than {k} {whom} are hidden."


def goals_panels(*, scope: DashboardScope) -> list[Panel]:
    goals = Goal.objects.filter(pair__in=scoped_pairs(scope))
    return [_status_panel(scope, goals), _topic_panel(scope, goals),
            _commitments_panel(scope)]


# --- goals set, in progress, achieved --------------------------------------------------------

def _status_panel(scope: DashboardScope, goals) -> Panel:
    counts = goals.aggregate(
        total=Count("id"), owners=Count("owner", distinct=True),
        **{status.value: Count("id", filter=Q(status=status)) for status in GOAL_STATUSES})
    total = counts["total"]
    visible = publishable(counts["owners"], scope.k)

    def cell(value: Value) -> Value:
        return value if visible else SUPPRESSED

    rows: list[tuple[Value, ...]] = [("Goals set", cell(total), None)]
    for status in GOAL_STATUSES:
        rows.append((status.label, cell(counts[status.value]),
                     cell(rate(counts[status.value], total))))
    achieved = cell(rate(counts[GoalStatus.ACHIEVED.value], total))
    chart = Chart(kind="bar", labels=tuple(status.label for status in GOAL_STATUSES),
                  series=(Series("Goals", tuple(counts[status.value] if visible else None
                                                for status in GOAL_STATUSES)),))
    return Panel(
        key="goals_status", title="Learning goals",
        description="Every goal the people of the pairs in scope have set, by its status "
                    "today; the share is of all goals set.",
        table=Table(columns=(Column("status", "Status"), Column("goals", "Goals"),
                             Column("share", "Share of goals set", "%")),
                    rows=tuple(rows)),
        chart=chart,
        headline=(Figure(GOALS_ACHIEVED, "Goals achieved", achieved, "%"),),
        notes=(_k_note(scope.k, "goal owners"),))


# --- achievement by focus topic --------------------------------------------------------------

def _topic_panel(scope: DashboardScope, goals) -> Panel:
    links = GoalTopic.objects.filter(goal__in=goals)
    per_topic = {row["topic_id"]: row for row in links.values("topic_id", "topic__name").annotate(
        owners=Count("goal__owner", distinct=True), goals=Count("goal", distinct=True),
        achieved=Count("goal", distinct=True, filter=Q(goal__status=GoalStatus.ACHIEVED)))
        .order_by()}
    shown = shown_topics([TopicCount(topic_id, row["topic__name"], row["owners"])
                          for topic_id, row in per_topic.items()], scope.k)
    other = links.exclude(topic_id__in=[count.topic_id for count in shown]).aggregate(
        topics=Count("topic", distinct=True), owners=Count("goal__owner", distinct=True),
        goals=Count("goal", distinct=True),
        achieved=Count("goal", distinct=True, filter=Q(goal__status=GoalStatus.ACHIEVED)))
    rows: list[tuple[Value, ...]] = []
    for count in shown:
        row = per_topic[count.topic_id]
        rows.append((count.name, row["goals"], row["achieved"],
                     rate(row["achieved"], row["goals"])))
    if other["topics"]:
        if publishable(other["owners"], scope.k):
            rows.append((OTHER_TOPICS, other["goals"], other["achieved"],
                         rate(other["achieved"], other["goals"])))
        else:
            rows.append((OTHER_TOPICS, SUPPRESSED, SUPPRESSED, SUPPRESSED))
    chart = Chart(kind="horizontal_bar", labels=tuple(str(row[0]) for row in rows),
                  series=(Series("Achieved", tuple(None if row[3] is SUPPRESSED else row[3]
                                                   for row in rows)),),
                  unit="%", max=100)
    return Panel(
        key="goals_by_topic", title="Goals achieved by focus topic",
        description="Goals tagged with each focus topic and the share of them achieved "
                    "(a goal with several topics counts in each).",
        table=Table(columns=(Column("topic", "Topic"), Column("goals", "Goals"),
                             Column("achieved", "Achieved"),
                             Column("rate", "Achieved", "%")),
                    rows=tuple(rows)),
        chart=chart,
        notes=(f"A topic is shown on its own when at least {scope.k} people have goals on "
               "it; smaller topics are combined, and the combination is hidden below "
               f"{scope.k} people.",))


# --- commitments -----------------------------------------------------------------------------

def _commitments_panel(scope: DashboardScope) -> Panel:
    commitments = Commitment.objects.filter(pair__in=scoped_pairs(scope),
                                            due_date__gte=scope.date_from,
                                            due_date__lte=scope.date_to)
    answered_q = Q(outcome__in=ANSWERED)
    counts = commitments.aggregate(
        made=Count("id"), owners=Count("owner", distinct=True),
        answered=Count("id", filter=answered_q),
        answered_owners=Count("owner", distinct=True, filter=answered_q),
        **{outcome.value: Count("id", filter=Q(outcome=outcome))
           for outcome in (*ANSWERED, CommitmentOutcome.PENDING)})
    made_visible = publishable(counts["owners"], scope.k)
    answers_visible = publishable(counts["answered_owners"], scope.k)
    made, answered = counts["made"], counts["answered"]

    def of_made(value: Value) -> Value:
        return value if made_visible and answers_visible else SUPPRESSED

    def of_answers(value: Value) -> Value:
        return value if answers_visible else SUPPRESSED

    rows: list[tuple[Value, ...]] = [
        ("Made (due in the range)", made if made_visible else SUPPRESSED, None, None),
        ("Answered", of_made(answered), of_made(rate(answered, made)), None),
        ("Not answered yet", of_made(counts[CommitmentOutcome.PENDING.value]),
         of_made(rate(counts[CommitmentOutcome.PENDING.value], made)), None),
    ]
    for outcome in ANSWERED:
        rows.append((outcome.label, of_answers(counts[outcome.value]), None,
                     of_answers(rate(counts[outcome.value], answered))))
    follow_through = of_answers(rate(counts[CommitmentOutcome.DONE.value], answered))
    partly = of_answers(rate(counts[CommitmentOutcome.PARTLY.value], answered))
    chart = Chart(kind="bar", labels=tuple(outcome.label for outcome in ANSWERED),
                  series=(Series("Commitments", tuple(
                      counts[outcome.value] if answers_visible else None
                      for outcome in ANSWERED)),))
    return Panel(
        key="commitments", title="Commitments followed through",
        description="Commitments due within the range and what their owners answered when "
                    "asked; followed through is done out of those answered.",
        table=Table(columns=(Column("outcome", "Commitments"), Column("count", "Number"),
                             Column("of_made", "Share of made", "%"),
                             Column("of_answered", "Share of answered", "%")),
                    rows=tuple(rows)),
        chart=chart,
        headline=(Figure(FOLLOW_THROUGH, "Commitments followed through", follow_through, "%"),
                  Figure("commitments_partly", "Commitments partly done", partly, "%")),
        notes=(_k_note(scope.k, "people making or answering the commitments"),
               "The text of a commitment is never shown here, whoever it is shared with."))
