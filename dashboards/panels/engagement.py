"""Dashboard section: engagement — how the pairs meet.

Panels (keys in :data:`KEYS`):

- ``engagement_cadence``: sessions held per pair against what the cohort's cadence expects
  (matching/health.py ``expected_sessions``, the figures of HR's pair health);
- ``engagement_weekly``: sessions per week (weeks start on Monday in the organization's
  zone) within the range;
- ``engagement_health``: the share of live pairs on track / slipping / at risk / paused
  (matching/health.py ``assess``);
- ``engagement_length``: the length of the sessions held within the range;
- ``engagement_cancellations``: the share of the range's logged sessions cancelled by each
  side (leaders are the mentees, juniors the mentors).

The k rule: these are counts of sessions and pairs, not anyone's answers, but a figure drawn
from fewer than k pairs would describe one or two pairs' meetings, so every cell of a panel
whose pairs number fewer than k is :data:`~dashboards.figures.SUPPRESSED` (the base of each
panel is said in its notes). Nothing here names a pair or a person.

Queries: four whatever the number of pairs and sessions (the organization's zone, the pairs
with their sessions aggregated in one GROUP BY, one aggregate over the range's sessions, the
weekly counts grouped in SQL).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Max, Q
from django.db.models.functions import Coalesce, TruncWeek

from dashboards.figures import (
    SUPPRESSED,
    Chart,
    Column,
    Figure,
    Panel,
    Series,
    Table,
    Value,
    mean,
    rate,
)
from dashboards.queries import organization_zone, scoped_pairs, scoped_sessions
from dashboards.scope import DashboardScope
from matching import health
from matching.models import PairStatus
from sessions.models import LOGGED_STATUSES, SessionStatus

KEYS: tuple[str, ...] = ("engagement_cadence", "engagement_weekly", "engagement_health",
                         "engagement_length", "engagement_cancellations")


# --- the pairs with their health: one query ------------------------------------------------

@dataclass(frozen=True)
class PairState:
    """One pair in scope as the dashboards count it: the places of its two people, its
    lifecycle state and its health on ``scope.today`` (counts and dates only)."""

    pair_id: int
    mentor_id: int
    mentee_id: int
    status: str  # active / paused / ended
    end_reason: str
    health: health.Health


def _local(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def pair_states(scope: DashboardScope, zone: ZoneInfo) -> list[PairState]:
    """Every pair in scope (ended ones too) with :func:`matching.health.assess` applied on
    ``scope.today``, in ONE query: the pairs with their cohort's dates and cadence, and their
    sessions that happened counted (and the last one's start) in a GROUP BY per pair. The
    facts are those of HR's pair health (matching/pair_health.py), so the two pages agree."""
    happened = Q(mentoring_sessions__status=SessionStatus.HAPPENED)
    rows = (scoped_pairs(scope)
            .values("pk", "mentor_id", "mentee_id", "status", "end_reason", "created_at",
                    "paused_at", "resumed_at", "paused_days", "ended_at", "extended_until",
                    "cohort__start_date", "cohort__end_date", "cohort__cadence_days")
            .annotate(held=Count("mentoring_sessions", filter=happened),
                      last=Max("mentoring_sessions__starts_at", filter=happened))
            .order_by("pk"))
    states = []
    for row in rows:
        facts = health.PairFacts(
            status=row["status"],
            started=max(row["cohort__start_date"], _local(row["created_at"], zone)),
            runs_until=row["extended_until"] or row["cohort__end_date"],
            cadence_days=row["cohort__cadence_days"], sessions_held=row["held"],
            last_session=_local(row["last"], zone), paused_days=row["paused_days"],
            ended_on=_local(row["ended_at"], zone), paused_since=_local(row["paused_at"], zone),
            resumed_on=_local(row["resumed_at"], zone))
        states.append(PairState(
            pair_id=row["pk"], mentor_id=row["mentor_id"], mentee_id=row["mentee_id"],
            status=row["status"], end_reason=row["end_reason"],
            health=health.assess(facts, scope.today)))
    return states



# --- the panels ------------------------------------------------------------------------------

def _guarded(values: tuple[Value, ...], pairs: int, k: int) -> tuple[Value, ...]:
    """``values`` when at least ``k`` pairs are behind them, else every one suppressed."""
    return values if pairs >= k else tuple(SUPPRESSED for _ in values)


def _points(values: tuple[Value, ...]) -> tuple[float | int | None, ...]:
    """A chart series: a suppressed (or missing) value is a gap."""
    return tuple(None if value is SUPPRESSED or value is None else value for value in values)


def _k_note(k: int, base: str) -> str:
    return (f"Counted over {base}; every figure is hidden when fewer than {k} pairs are behind "
            "it.")


CADENCE_BANDS = (
    ("behind_2", "Two or more sessions behind"),
    ("behind_1", "One session behind"),
    ("on_pace", "On pace"),
    ("ahead", "Ahead of the cadence"),
)


def _cadence_band(held: int, expected: int) -> str:
    gap = expected - held
    if gap >= 2:
        return "behind_2"
    if gap == 1:
        return "behind_1"
    return "on_pace" if gap == 0 else "ahead"


def cadence_panel(*, scope: DashboardScope, states: list[PairState]) -> Panel:
    """Sessions held per pair against the sessions its cohort's cadence expects by today."""
    k, pairs = scope.k, len(states)
    counts = dict.fromkeys((key for key, _ in CADENCE_BANDS), 0)
    for state in states:
        counts[_cadence_band(state.health.held, state.health.expected)] += 1
    rows = tuple((label, *_guarded((counts[key], rate(counts[key], pairs)), pairs, k))
                 for key, label in CADENCE_BANDS)
    held = [state.health.held for state in states]
    expected = [state.health.expected for state in states]
    keeping = sum(1 for state in states if state.health.held >= state.health.expected)
    figures = _guarded((mean(held), mean(expected),
                        statistics.median(held) if held else None, rate(keeping, pairs)),
                       pairs, k)
    return Panel(
        key="engagement_cadence", title="Sessions per pair against the cadence",
        description=(
            "Every pair of the cohorts in scope (ended ones too), by the sessions it has held "
            "so far against the sessions its cohort's cadence expects by today (one per "
            "cadence from the pair's start, not counting paused days, up to its end: the "
            "figures of HR's pair health); hidden when fewer than k pairs are counted."),
        table=Table(columns=(Column("band", "Sessions held against expected"),
                             Column("pairs", "Pairs", "pairs"), Column("share", "Share", "%")),
                    rows=rows),
        chart=Chart(kind="bar", labels=tuple(label for _, label in CADENCE_BANDS),
                    series=(Series("Pairs", _points(tuple(row[1] for row in rows))),),
                    unit="pairs"),
        headline=(Figure("sessions_per_pair", "Sessions held per pair (mean)", figures[0],
                         "sessions"),
                  Figure("expected_per_pair", "Sessions expected per pair (mean)", figures[1],
                         "sessions"),
                  Figure("median_sessions_per_pair", "Sessions held per pair (median)",
                         figures[2], "sessions"),
                  Figure("meeting_cadence", "Pairs keeping the cadence", figures[3], "%")),
        notes=(_k_note(k, f"{pairs} pairs" if pairs >= k else "the pairs in scope"),))


def _weeks(scope: DashboardScope) -> list[date]:
    """The Monday of every week that overlaps the range."""
    first = scope.date_from - timedelta(days=scope.date_from.weekday())
    return [first + timedelta(weeks=n)
            for n in range((scope.date_to - first).days // 7 + 1)]


def weekly_panel(*, scope: DashboardScope, zone: ZoneInfo, pairs: int, held: int) -> Panel:
    """Sessions held, and cancelled or missed, per week of the range (one GROUP BY query)."""
    k = scope.k
    found = {}
    for row in (scoped_sessions(scope, zone).filter(status__in=LOGGED_STATUSES)
                .annotate(week=TruncWeek("starts_at", tzinfo=zone)).values("week")
                .annotate(held=Count("pk", filter=Q(status=SessionStatus.HAPPENED)),
                          missed=Count("pk", filter=~Q(status=SessionStatus.HAPPENED)))
                .order_by("week")):
        week = row["week"]
        day = week.astimezone(zone).date() if isinstance(week, datetime) else week
        found[day] = (row["held"], row["missed"])
    weeks = _weeks(scope)
    rows = tuple((monday.isoformat(), *_guarded(found.get(monday, (0, 0)), pairs, k))
                 for monday in weeks)
    return Panel(
        key="engagement_weekly", title="Sessions per week",
        description=(
            "Sessions of the pairs in scope that started in each week of the range (weeks "
            "start on Monday in the organization's time zone; the first and last may be "
            "partial), held and cancelled or missed; hidden when fewer than k pairs logged a "
            "session in the range."),
        table=Table(columns=(Column("week", "Week of"),
                             Column("held", "Held", "sessions"),
                             Column("missed", "Cancelled or missed", "sessions")),
                    rows=rows),
        chart=Chart(kind="line", labels=tuple(row[0] for row in rows),
                    series=(Series("Held", _points(tuple(row[1] for row in rows))),
                            Series("Cancelled or missed",
                                   _points(tuple(row[2] for row in rows)))),
                    unit="sessions"),
        headline=(Figure("sessions_held", "Sessions held in the range",
                         _guarded((held,), pairs, k)[0], "sessions"),),
        notes=(_k_note(k, "the pairs with a session logged in the range"),))


HEALTH_ROWS = (health.ON_TRACK, health.SLIPPING, health.AT_RISK, health.PAUSED)


def health_panel(*, scope: DashboardScope, states: list[PairState]) -> Panel:
    """The live pairs by health today (matching/health.py's rule)."""
    k = scope.k
    live = [state for state in states if state.status != PairStatus.ENDED]
    pairs = len(live)
    counts = {status: sum(1 for state in live if state.health.status == status)
              for status in HEALTH_ROWS}
    rows = tuple((health.LABELS[status],
                  *_guarded((counts[status], rate(counts[status], pairs)), pairs, k))
                 for status in HEALTH_ROWS)
    return Panel(
        key="engagement_health", title="Pairs on track, slipping and at risk",
        description=(
            "The live pairs (active or paused) of the cohorts in scope by their health today, "
            "the rule of HR's pair health: at risk when two or more expected sessions behind "
            "or without a session for over two cadences, slipping when one behind or quiet for "
            "over one cadence, on track otherwise; hidden when fewer than k pairs are live."),
        table=Table(columns=(Column("health", "Health"), Column("pairs", "Pairs", "pairs"),
                             Column("share", "Share of live pairs", "%")),
                    rows=rows),
        chart=Chart(kind="bar", labels=tuple(row[0] for row in rows),
                    series=(Series("Share of live pairs", _points(tuple(row[2] for row in rows))),),
                    unit="%", max=100),
        headline=(Figure("on_track_share", "Pairs on track", rows[0][2], "%"),
                  Figure("at_risk_share", "Pairs at risk", rows[2][2], "%")),
        notes=(_k_note(k, "the live pairs; ended pairs are not counted"),))


LENGTH_BANDS = (
    ("under_30", "Under 30 minutes", 0, 30),
    ("30_44", "30–44 minutes", 30, 45),
    ("45_59", "45–59 minutes", 45, 60),
    ("60_89", "60–89 minutes", 60, 90),
    ("90_plus", "90 minutes or more", 90, None),
)


def length_panel(*, scope: DashboardScope, totals: dict) -> Panel:
    """The length of the sessions held in the range (from the one sessions aggregate)."""
    k, pairs, held = scope.k, totals["pairs_held"], totals["held"]
    rows = tuple((label, *_guarded((totals[f"band_{key}"], rate(totals[f"band_{key}"], held)),
                                   pairs, k))
                 for key, label, _, _ in LENGTH_BANDS)
    minutes = None if totals["minutes"] is None else round(totals["minutes"], 1)
    return Panel(
        key="engagement_length", title="Session length",
        description=(
            "Sessions held in the range by their length: the minutes logged after the session, "
            "else the minutes it was planned for; hidden when fewer than k pairs held a "
            "session in the range."),
        table=Table(columns=(Column("band", "Length"),
                             Column("sessions", "Sessions", "sessions"),
                             Column("share", "Share", "%")),
                    rows=rows),
        chart=Chart(kind="bar", labels=tuple(row[0] for row in rows),
                    series=(Series("Sessions", _points(tuple(row[1] for row in rows))),),
                    unit="sessions"),
        headline=(Figure("avg_session_minutes", "Average session length",
                         _guarded((minutes,), pairs, k)[0], "min"),),
        notes=(_k_note(k, "the pairs that held a session in the range"),))


def cancellations_panel(*, scope: DashboardScope, totals: dict) -> Panel:
    """Who cancels: the share of the range's logged sessions cancelled by each side."""
    k, pairs, logged = scope.k, totals["pairs_logged"], totals["logged"]
    unattributed = totals["cancelled"] - totals["by_leaders"] - totals["by_juniors"]
    sides = (("Leaders (mentees)", totals["by_leaders"]),
             ("Juniors (mentors)", totals["by_juniors"]),
             ("Not attributed (e.g. cancelled as the pair ended)", unattributed),
             ("All cancellations", totals["cancelled"]))
    rows = tuple((label, *_guarded((count, rate(count, logged)), pairs, k))
                 for label, count in sides)
    return Panel(
        key="engagement_cancellations", title="Cancellations by side",
        description=(
            "Sessions in the range cancelled by the leader (the mentee: senior leaders are "
            "the mentees in reverse mentoring) or by the junior (the mentor), as a share of the "
            "range's logged sessions (held, cancelled or no-show); hidden when fewer than k "
            "pairs logged a session in the range."),
        table=Table(columns=(Column("side", "Cancelled by"),
                             Column("cancelled", "Cancelled", "sessions"),
                             Column("rate", "Share of logged sessions", "%")),
                    rows=rows),
        chart=Chart(kind="bar", labels=tuple(row[0] for row in rows[:2]),
                    series=(Series("Cancellation rate",
                                   _points(tuple(row[2] for row in rows[:2]))),),
                    unit="%"),
        headline=(Figure("cancellation_rate_leaders", "Sessions cancelled by leaders",
                         rows[0][2], "%"),
                  Figure("cancellation_rate_juniors", "Sessions cancelled by juniors",
                         rows[1][2], "%")),
        notes=(_k_note(k, "the pairs with a session logged in the range"),))


def session_totals(scope: DashboardScope, zone: ZoneInfo) -> dict:
    """One aggregate over the range's sessions: held and logged sessions and the pairs behind
    them, the mean length and the length bands of the held ones, cancellations by side."""
    held = Q(status=SessionStatus.HAPPENED)
    cancelled = Q(status=SessionStatus.CANCELLED)
    bands = {}
    for key, _, low, high in LENGTH_BANDS:
        band = held & Q(length__gte=low)
        if high is not None:
            band &= Q(length__lt=high)
        bands[f"band_{key}"] = Count("pk", filter=band)
    return (scoped_sessions(scope, zone)
            .annotate(length=Coalesce("actual_minutes", "duration_minutes"))
            .aggregate(
                held=Count("pk", filter=held),
                logged=Count("pk", filter=Q(status__in=LOGGED_STATUSES)),
                pairs_held=Count("pair", distinct=True, filter=held),
                pairs_logged=Count("pair", distinct=True,
                                   filter=Q(status__in=LOGGED_STATUSES)),
                minutes=Avg("length", filter=held),
                cancelled=Count("pk", filter=cancelled),
                by_leaders=Count("pk", filter=cancelled
                                 & Q(cancelled_by_id=F("pair__mentee_id"))),
                by_juniors=Count("pk", filter=cancelled
                                 & Q(cancelled_by_id=F("pair__mentor_id"))),
                **bands))


def engagement_panels(*, scope: DashboardScope) -> list[Panel]:
    zone = organization_zone(scope)
    states = pair_states(scope, zone)
    totals = session_totals(scope, zone)
    return [
        cadence_panel(scope=scope, states=states),
        weekly_panel(scope=scope, zone=zone, pairs=totals["pairs_logged"],
                     held=totals["held"]),
        health_panel(scope=scope, states=states),
        length_panel(scope=scope, totals=totals),
        cancellations_panel(scope=scope, totals=totals),
    ]
