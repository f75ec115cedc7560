"""Reads for HR's pair health: every pair of a cohort with its health (matching/health.py),
last session, sessions held vs expected, share of goals with progress and open commitments;
filtered, sorted and paginated on the server; the rows of the CSV export; one pair's history.

Privacy: only counts and dates. Session counts come from the registered activity source
(matching/activity.py), which hands over no text; nothing here reads a summary, a note, a goal's
or commitment's text, or anyone's rating.

Queries: a fixed number whatever the cohort's size: one for the pairs (with both people's
names), the activity source's own (a constant number), none per pair. Filters and sort are
applied to the computed health in Python, because health depends on today's date and on
another app's counts; a cohort holds at most a few thousand pairs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from matching import health
from matching.activity import NO_ACTIVITY, PairActivity, pair_activity
from matching.models import LIVE_PAIR_STATUSES, Pair, PairEndReason, PairEvent, PairStatus
from matching.pair_lifecycle import iso_week, organization_today
from programs.models import Cohort, Participant, ParticipantStatus
from programs.selectors import people_search

PAGE_SIZE = 50

#: Filter values of the list (``health``): the health statuses, and pairs one of whose people
#: asked to end them.
END_REQUESTED = "end_requested"
HEALTH_FILTERS = {**health.LABELS, END_REQUESTED: "Asked to end"}

SORTS = {
    "attention": "Needs attention first",
    "last_session": "Longest without a session first",
    "-last_session": "Most recent session first",
    "held": "Fewest sessions first",
    "mentor": "Mentor A–Z",
    "mentee": "Mentee A–Z",
}

_PERSON = ("full_name", "first_name", "last_name", "email", "name_key")
_FIELDS = ("pk", "status", "created_at", "paused_at", "paused_until", "paused_days",
           "resumed_at", "extended_until", "end_reason", "ended_at", "end_requested_at",
           "last_nudged_at", "mentor_id", "mentee_id",
           *(f"{side}__membership__user__{name}" for side in ("mentor", "mentee")
             for name in _PERSON))


@dataclass(frozen=True)
class HealthRow:
    """One pair on the pair health list (counts and dates only)."""

    pair_id: int
    status: str  # the lifecycle state: active / paused / ended
    health: health.Health
    activity: PairActivity
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str
    mentor_email: str
    mentee_email: str
    mentor_key: str
    mentee_key: str
    paused_until: date | None
    extended_until: date | None
    end_reason: str
    ended_on: date | None
    end_requested: bool
    nudged_this_week: bool

    @property
    def goal_share_percent(self) -> int | None:
        share = self.activity.goal_progress_share
        return None if share is None else round(share * 100)

    @property
    def end_reason_label(self) -> str:
        return str(PairEndReason(self.end_reason).label) if self.end_reason else ""

    @property
    def can_nudge(self) -> bool:
        return self.status == PairStatus.ACTIVE and not self.nudged_this_week


@dataclass(frozen=True)
class HealthFilters:
    q: str = ""
    health: str = ""
    sort: str = "attention"


@dataclass(frozen=True)
class HealthList:
    rows: list[HealthRow]  # every pair matching the filters, sorted
    counts: dict[str, int]  # pairs of the cohort per health status (before filters)
    total: int  # pairs of the cohort


def _name(values: dict, side: str) -> str:
    prefix = f"{side}__membership__user__"
    full = values[f"{prefix}full_name"]
    first_last = f"{values[f'{prefix}first_name']} {values[f'{prefix}last_name']}".strip()
    return full or first_last or values[f"{prefix}email"]


def _local(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def pairs_for_health(*, cohort: Cohort, q: str = "") -> QuerySet[Pair]:
    """The cohort's pairs, optionally those whose mentor or mentee ``q`` finds (name in any
    case and accents, or email)."""
    queryset = Pair.objects.filter(cohort=cohort)
    if q.strip():
        queryset = queryset.filter(people_search(q, prefix="mentor__membership__user__")
                                   | people_search(q, prefix="mentee__membership__user__"))
    return queryset


def _rows(cohort: Cohort, pairs: QuerySet[Pair], today: date) -> list[HealthRow]:
    zone = ZoneInfo(cohort.organization.time_zone or "UTC")
    activity = pair_activity(pairs)
    week = iso_week(today)
    rows = []
    for values in pairs.order_by("pk").values(*_FIELDS):
        created = _local(values["created_at"], zone) or today
        counts = activity.get(values["pk"], NO_ACTIVITY)
        facts = health.PairFacts(
            status=values["status"], started=max(cohort.start_date, created),
            runs_until=values["extended_until"] or cohort.end_date,
            cadence_days=cohort.cadence_days, sessions_held=counts.sessions_held,
            last_session=counts.last_session, paused_days=values["paused_days"],
            ended_on=_local(values["ended_at"], zone),
            paused_since=_local(values["paused_at"], zone),
            resumed_on=_local(values["resumed_at"], zone))
        nudged = _local(values["last_nudged_at"], zone)
        rows.append(HealthRow(
            pair_id=values["pk"], status=values["status"], health=health.assess(facts, today),
            activity=counts, mentor_id=values["mentor_id"], mentee_id=values["mentee_id"],
            mentor_name=_name(values, "mentor"), mentee_name=_name(values, "mentee"),
            mentor_email=values["mentor__membership__user__email"],
            mentee_email=values["mentee__membership__user__email"],
            mentor_key=values["mentor__membership__user__name_key"],
            mentee_key=values["mentee__membership__user__name_key"],
            paused_until=values["paused_until"], extended_until=values["extended_until"],
            end_reason=values["end_reason"], ended_on=facts.ended_on,
            end_requested=values["end_requested_at"] is not None,
            nudged_this_week=nudged is not None and iso_week(nudged) == week))
    return rows


def _sort_key(sort: str):
    never = date.min
    keys = {
        "attention": lambda r: (health.URGENCY[r.health.status], -r.health.behind,
                                -(r.health.days_since_last or 0), r.mentee_key, r.pair_id),
        "last_session": lambda r: (r.activity.last_session or never, r.pair_id),
        "-last_session": lambda r: (-(r.activity.last_session or never).toordinal(),
                                    r.pair_id),
        "held": lambda r: (r.activity.sessions_held, r.pair_id),
        "mentor": lambda r: (r.mentor_key, r.mentee_key, r.pair_id),
        "mentee": lambda r: (r.mentee_key, r.mentor_key, r.pair_id),
    }
    return keys.get(sort, keys["attention"])


def health_list(*, cohort: Cohort, filters: HealthFilters | None = None,
                today: date | None = None) -> HealthList:
    """Every pair of ``cohort`` matching ``filters``, sorted, with the cohort's counts per
    health status (for the filter's labels)."""
    filters = filters or HealthFilters()
    today = today or organization_today(cohort.organization)
    everyone = _rows(cohort, pairs_for_health(cohort=cohort), today)
    counts = Counter(row.health.status for row in everyone)
    counts[END_REQUESTED] = sum(1 for row in everyone if row.end_requested and
                                row.status != PairStatus.ENDED)
    rows = everyone
    if filters.q.strip():
        found = set(pairs_for_health(cohort=cohort, q=filters.q).values_list("pk", flat=True))
        rows = [row for row in rows if row.pair_id in found]
    if filters.health == END_REQUESTED:
        rows = [row for row in rows if row.end_requested and row.status != PairStatus.ENDED]
    elif filters.health in health.LABELS:
        rows = [row for row in rows if row.health.status == filters.health]
    rows.sort(key=_sort_key(filters.sort))
    return HealthList(rows=rows, counts={key: counts.get(key, 0) for key in HEALTH_FILTERS},
                      total=len(everyone))


def health_row(*, pair: Pair, today: date | None = None) -> HealthRow:
    """The health of one pair (the HR pair page)."""
    today = today or organization_today(pair.cohort.organization)
    return _rows(pair.cohort, Pair.objects.filter(pk=pair.pk), today)[0]


CSV_HEADER = ["Pair", "Mentor", "Mentor email", "Mentee", "Mentee email", "State", "Health",
              "Why", "Last session", "Sessions held", "Sessions expected",
              "Goals with progress (%)", "Open commitments", "Paused until", "Extended until",
              "Asked to end", "Ended on", "End reason"]


def csv_rows(rows: list[HealthRow]):
    """The CSV export's rows (cells are neutralised by programs.csv_safety when written)."""
    for row in rows:
        yield [row.pair_id, row.mentor_name, row.mentor_email, row.mentee_name,
               row.mentee_email, str(PairStatus(row.status).label), row.health.label,
               "; ".join(row.health.reasons), row.activity.last_session or "",
               row.activity.sessions_held, row.health.expected,
               "" if row.goal_share_percent is None else row.goal_share_percent,
               row.activity.open_commitments, row.paused_until or "",
               row.extended_until or "", "yes" if row.end_requested else "",
               row.ended_on or "", row.end_reason_label]


# --- one pair, for HR ----------------------------------------------------------------------------

def pair_for_hr(*, pair_pk: int) -> Pair:
    """A pair of the open tenant scope with its cohort, program and people (404 upstream)."""
    return Pair.objects.select_related(
        "cohort__program", "cohort__organization", "mentor__membership__user",
        "mentee__membership__user", "mentor__profile", "mentee__profile",
        "end_requested_by__membership__user", "repaired_from__mentor__membership__user",
        "repaired_from__mentee__membership__user").get(pk=pair_pk)


def pair_history(*, pair: Pair) -> QuerySet[PairEvent]:
    """The pair's lifecycle events, oldest first, with who made each (one query)."""
    return PairEvent.objects.filter(pair=pair).select_related("actor").order_by("at", "id")


def repaired_into(*, pair: Pair) -> QuerySet[Pair]:
    return Pair.objects.filter(repaired_from=pair).select_related(
        "mentor__membership__user", "mentee__membership__user").order_by("pk")


# --- the re-pair pickers ---------------------------------------------------------------------

PICKER_LIMIT = 20


@dataclass(frozen=True)
class RepairOption:
    """One person the re-pair form offers: enough to tell namesakes apart, and how busy they
    are (a mentor's live mentees of their capacity; whether a mentee has a live pair)."""

    pk: int
    name: str
    detail: str
    load: str
    available: bool


def repair_options(*, cohort: Cohort, role: str, q: str = "", selected: int | None = None,
                   exclude: int | None = None, limit: int = PICKER_LIMIT
                   ) -> tuple[list[RepairOption], bool]:
    """At most ``limit`` enrolled people of ``role`` whose name, email, title or department
    contains ``q``, the ``selected`` one first, never ``exclude`` (the pair's own), and whether
    there were more. One query per picker (two with a selected person); none without
    ``q``/``selected``."""
    relation = "pairs_as_mentor" if role == "mentor" else "pairs_as_mentee"
    base = Participant.objects.filter(cohort=cohort, role=role,
                                      status=ParticipantStatus.ACTIVE).select_related(
        "membership__user", "profile").annotate(
        live=Count(relation, filter=Q(**{f"{relation}__status__in": LIVE_PAIR_STATUSES})))
    if exclude:
        base = base.exclude(pk=exclude)
    people = []
    if selected:
        people.extend(base.filter(pk=selected))
    text = q.strip()
    more = False
    if text:
        found = base.filter(people_search(text) | Q(profile__job_title__icontains=text)
                            | Q(profile__department__icontains=text)).exclude(pk=selected or 0)
        found = list(found.order_by("membership__user__name_key", "pk")[:limit + 1])
        more = len(found) > limit
        people.extend(found[:limit])
    options = []
    for person in people:
        person.cohort = cohort  # effective_capacity reads it: no query
        user, profile = person.membership.user, person.profile
        if role == "mentor":
            capacity = person.effective_capacity
            load = f"{person.live} of {capacity} mentee{'s' if capacity != 1 else ''}"
            available = person.live < capacity
        else:
            load = "already in a pair" if person.live else "no pair"
            available = not person.live
        options.append(RepairOption(
            pk=person.pk, name=user.display_name,
            detail=" · ".join(x for x in (profile.job_title, profile.department, user.email)
                              if x), load=load, available=available))
    return options, more
