"""Dashboard section: what needs HR today (HR admins only; ``SECTIONS`` marks it ``hr_only``).

Seven operational lists, each a :class:`Panel` whose rows name pairs and people, which HR may
see (shared/design.md's privacy table) — never a private note, a check-in or survey answer, a
session summary, nor a goal's or commitment's text: pair health gives counts, dates and its
reasons (plain words and numbers), alerts give reason codes (never the text a person shared
with HR), surveys give response counts, commitments give counts per pair (the texts shared
with the program stay on the cohort's commitments page, one click away).

Lists are "as of today" in the organization's zone, over the cohorts in scope (those of the
chosen program or cohort that overlap the date range); the people lists (profiles, topics,
spare capacity) leave out cohorts that are completed or archived. Each list shows its first
:data:`ROW_LIMIT` rows, most urgent first; the headline says how many there are in all and how
many are not shown, and links the full page where one exists (one cohort in scope: that
cohort's list; the first column of each row links the pair, person or survey, and the cohort
column that cohort's list).

Queries: a fixed number whatever the number of pairs, people, sessions, alerts and surveys
(counts grouped in SQL; names read for the shown rows only, in one query per list).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import Organization
from dashboards.figures import Column, Figure, Link, Panel, Table
from dashboards.queries import scoped_cohorts, scoped_pair_health
from dashboards.scope import DashboardScope
from feedback.models import Question, Response, Survey, SurveyKind
from matching import health
from matching.models import LIVE_PAIR_STATUSES, Pair
from programs.models import (
    Audience,
    CohortStatus,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    TopicInterest,
)
from programs.selectors import participant_completeness
from sessions.checkins.selectors import hr_alerts
from sessions.models import AlertKind, AlertReason, AlertStatus, Commitment, CommitmentOutcome

PAIRS_AT_RISK = "ops_pairs_at_risk"
OPEN_ALERTS = "ops_open_alerts"
SURVEYS_OUTSTANDING = "ops_surveys_outstanding"
PROFILES_INCOMPLETE = "ops_profiles_incomplete"
TOPICS_WITHOUT_MENTOR = "ops_topics_without_mentor"
MENTOR_CAPACITY = "ops_mentor_capacity"
COMMITMENTS_OVERDUE = "ops_commitments_overdue"

KEYS: tuple[str, ...] = (PAIRS_AT_RISK, OPEN_ALERTS, SURVEYS_OUTSTANDING, PROFILES_INCOMPLETE,
                         TOPICS_WITHOUT_MENTOR, MENTOR_CAPACITY, COMMITMENTS_OVERDUE)

#: Rows shown per list; the rest are counted in the headline.
ROW_LIMIT = 20

#: Cohorts whose people still need HR (a completed or archived cohort's do not).
RUNNING = (CohortStatus.ENROLLING, CohortStatus.MATCHING, CohortStatus.ACTIVE)

_USER = ("full_name", "first_name", "last_name", "email")


@dataclass(frozen=True)
class _Context:
    """What every list needs: the organization's slug and zone, the cohorts in scope."""

    scope: DashboardScope
    organization: Organization
    slug: str
    zone: ZoneInfo
    cohorts: dict[int, tuple[str, str]]  # id -> (name, status)

    def url(self, name: str, query: dict | None = None, **kwargs) -> str:
        url = reverse(name, kwargs={"org_slug": self.slug, **kwargs})
        return f"{url}?{urlencode(query)}" if query else url

    def cohort_link(self, cohort_id: int, name: str, query: dict | None = None) -> Link:
        return Link(self.cohorts[cohort_id][0], self.url(name, query, cohort_pk=cohort_id))

    def only_cohort(self, ids) -> int | None:
        """The one cohort of ``ids`` when there is exactly one (its page is the full list)."""
        ids = set(ids)
        return next(iter(ids)) if len(ids) == 1 else None

    @property
    def running(self) -> list[int]:
        return [pk for pk, (_, status) in self.cohorts.items() if status in RUNNING]


def _context(scope: DashboardScope) -> _Context:
    organization = Organization.objects.only("slug", "time_zone").get(pk=scope.organization_id)
    cohorts = {pk: (name, status) for pk, name, status in
               scoped_cohorts(scope).order_by("pk").values_list("pk", "name", "status")}
    return _Context(scope=scope, organization=organization, slug=organization.slug,
                    zone=ZoneInfo(organization.time_zone or "UTC"), cohorts=cohorts)


def _name(values: dict, prefix: str) -> str:
    full = values[f"{prefix}full_name"]
    first_last = f"{values[f'{prefix}first_name']} {values[f'{prefix}last_name']}".strip()
    return full or first_last or values[f"{prefix}email"]


def _pair_names(pair_ids) -> dict[int, str]:
    """``{pair_id: "Mentor & Mentee"}`` in one query."""
    fields = [f"{side}__membership__user__{name}" for side in ("mentor", "mentee")
              for name in _USER]
    return {values["pk"]: f"{_name(values, 'mentor__membership__user__')} & "
                          f"{_name(values, 'mentee__membership__user__')}"
            for values in Pair.objects.filter(pk__in=list(pair_ids)).values("pk", *fields)}


def _headline(total: int, unit: str, label: str, full: Link | None) -> tuple[Figure, ...]:
    figures = [Figure("total", label, total, unit),
               Figure("not_shown", "Not shown here", max(0, total - ROW_LIMIT), unit)]
    if full is not None:
        figures.append(Figure("full_list", "Full list", full))
    return tuple(figures)


def _notes(total: int, what: str, elsewhere: str) -> tuple[str, ...]:
    if total <= ROW_LIMIT:
        return ()
    return (f"The first {ROW_LIMIT} of {total} {what}, most urgent first; {elsewhere}",)


# --- the lists -------------------------------------------------------------------------------

def pairs_at_risk(context: _Context) -> Panel:
    """Pairs at risk or slipping by the pair health rule, with its reasons."""
    urgent = [row for row in scoped_pair_health(context.scope, context.zone)
              if row.health.status in (health.AT_RISK, health.SLIPPING)]
    urgent.sort(key=lambda r: (health.URGENCY[r.health.status], -r.health.behind,
                               -(r.health.days_since_last or 0), r.pair_id))
    shown = urgent[:ROW_LIMIT]
    names = _pair_names(row.pair_id for row in shown)
    rows = tuple((
        Link(names[row.pair_id], context.url("matching:pair_hr", pair_pk=row.pair_id)),
        context.cohort_link(row.cohort_id, "matching:pair_health"),
        row.health.label, "; ".join(row.health.reasons), row.health.held,
        row.health.expected, row.health.days_since_last) for row in shown)
    only = context.only_cohort(row.cohort_id for row in urgent)
    full = context.cohort_link(only, "matching:pair_health",
                               {"health": health.AT_RISK}) if only else None
    return Panel(
        key=PAIRS_AT_RISK, title="Pairs at risk",
        description="Pairs two or more sessions behind their cohort's cadence or long without "
                    "a session (at risk), or one behind (slipping), today; why, in counts "
                    "and days.",
        table=Table(columns=(
            Column("pair", "Pair"), Column("cohort", "Cohort"), Column("health", "Health"),
            Column("why", "Why"), Column("held", "Sessions held", "sessions"),
            Column("expected", "Sessions expected", "sessions"),
            Column("days_since_last", "Days since the last session")), rows=rows),
        headline=(*_headline(len(urgent), "pairs", "Pairs at risk or slipping", full),
                  Figure("at_risk", "At risk", sum(
                      1 for r in urgent if r.health.status == health.AT_RISK), "pairs")),
        notes=_notes(len(urgent), "pairs", "each cohort's pair health list has them all."))


def open_alerts(context: _Context) -> Panel:
    """Alerts not resolved yet (open first, then acknowledged; newest first, as the alerts
    list): the pair, the reason codes' labels, never the text a person shared with HR."""
    alerts = (hr_alerts(organization=context.organization)
              .filter(cohort_id__in=list(context.cohorts))
              .exclude(status=AlertStatus.RESOLVED))
    total = alerts.count()
    reasons = dict(AlertReason.choices)
    kinds = dict(AlertKind.choices)
    statuses = dict(AlertStatus.choices)
    shown = list(alerts.values("pk", "pair_id", "cohort_id", "kind", "reasons", "status",
                               "created_at")[:ROW_LIMIT])
    names = _pair_names(alert["pair_id"] for alert in shown)
    today = context.scope.today
    rows = []
    for alert in shown:
        raised = alert["created_at"].astimezone(context.zone).date()
        rows.append((
            Link(names[alert["pair_id"]], context.url("checkins:hr_alert",
                                                       alert_pk=alert["pk"])),
            context.cohort_link(alert["cohort_id"], "checkins:hr_alerts"),
            str(kinds.get(alert["kind"], alert["kind"])),
            "; ".join(str(reasons.get(code, code)) for code in alert["reasons"]),
            str(statuses[alert["status"]]), raised.isoformat(), (today - raised).days))
    only = context.only_cohort(context.cohorts)
    full = (context.cohort_link(only, "checkins:hr_alerts") if only
            else Link("All alerts", context.url("checkins:hr_alerts_all")))
    return Panel(
        key=OPEN_ALERTS, title="Open alerts",
        description="Alerts raised by check-ins and fit checks that are not resolved yet, "
                    "with their reasons (the codes people chose, never their words).",
        table=Table(columns=(
            Column("pair", "Pair"), Column("cohort", "Cohort"), Column("kind", "Raised by"),
            Column("reasons", "Reasons"), Column("status", "Status"),
            Column("raised_on", "Raised on"), Column("days_open", "Days open")),
            rows=tuple(rows)),
        headline=_headline(total, "", "Alerts not resolved", full),
        notes=_notes(total, "alerts", "the alerts list has them all."))


def _response_counts(surveys: list[dict]) -> dict[int, tuple[int, int]]:
    """``{survey_id: (responded, asked)}`` by feedback.selectors.response_rate's rule (those
    asked: enrolled people of the survey's cohort with a question for their role), for all
    ``surveys`` at once: three queries, counts only."""
    ids = [survey["pk"] for survey in surveys]
    audiences: dict[int, set[str]] = defaultdict(set)
    for survey_id, audience in (Question.objects.filter(survey_id__in=ids)
                                .values_list("survey_id", "audience").distinct()):
        audiences[survey_id].add(audience)
    eligible = {(cohort_id, role): n for cohort_id, role, n in (
        Participant.objects.filter(cohort_id__in={s["cohort_id"] for s in surveys},
                                   status=ParticipantStatus.ACTIVE)
        .values_list("cohort_id", "role").annotate(n=Count("pk")).order_by())}
    responded = {(survey_id, role): n for survey_id, role, n in (
        Response.objects.filter(survey_id__in=ids)
        .values_list("survey_id", "participant__role")
        .annotate(n=Count("participant", distinct=True)).order_by())}
    counts = {}
    for survey in surveys:
        asked = audiences[survey["pk"]]
        roles = [role for role in ParticipantRole.values if Audience.BOTH in asked
                 or role in asked]
        counts[survey["pk"]] = (sum(responded.get((survey["pk"], r), 0) for r in roles),
                                sum(eligible.get((survey["cohort_id"], r), 0) for r in roles))
    return counts


def surveys_outstanding(context: _Context) -> Panel:
    """Surveys open today (published, not closed, within their dates), closing soonest first,
    with how many of those asked have responded."""
    today = context.scope.today
    surveys = list(
        Survey.objects.filter(cohort_id__in=list(context.cohorts), is_template=False,
                              published_at__isnull=False, closed_at__isnull=True)
        .exclude(kind=SurveyKind.POST_SESSION)
        .filter(Q(opens_on__isnull=True) | Q(opens_on__lte=today))
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .values("pk", "title", "cohort_id", "closes_on"))
    counts = _response_counts(surveys)

    def rate(survey) -> float | None:
        responded, asked = counts[survey["pk"]]
        return round(100.0 * responded / asked, 1) if asked else None

    surveys.sort(key=lambda s: (s["closes_on"] is None, s["closes_on"] or today,
                                rate(s) if rate(s) is not None else 100.0, s["pk"]))
    rows = tuple((
        Link(survey["title"], context.url("feedback:survey_detail", survey_pk=survey["pk"])),
        context.cohorts[survey["cohort_id"]][0], counts[survey["pk"]][0],
        counts[survey["pk"]][1], rate(survey),
        survey["closes_on"].isoformat() if survey["closes_on"] else None,
        (survey["closes_on"] - today).days if survey["closes_on"] else None)
        for survey in surveys[:ROW_LIMIT])
    return Panel(
        key=SURVEYS_OUTSTANDING, title="Surveys open now",
        description="Surveys open today, closing soonest first: of the enrolled people asked, "
                    "how many have responded (counts only; who answered what is never shown).",
        table=Table(columns=(
            Column("survey", "Survey"), Column("cohort", "Cohort"),
            Column("responded", "Responded", "people"), Column("asked", "Asked", "people"),
            Column("response_rate", "Response rate", "%"), Column("closes_on", "Closes on"),
            Column("days_to_close", "Days to close")), rows=rows),
        headline=_headline(len(surveys), "", "Surveys open",
                           Link("All surveys", context.url("feedback:survey_list"))),
        notes=_notes(len(surveys), "surveys", "the surveys page has them all."))


_ROLE_LABELS = dict(ParticipantRole.choices)


def profiles_incomplete(context: _Context) -> Panel:
    """Enrolled people of running cohorts whose profile is below 100 %, least complete first,
    with what is missing (programs.completeness's checks)."""
    incomplete = Participant.objects.filter(
        cohort_id__in=context.running, status=ParticipantStatus.ACTIVE, completeness__lt=100)
    total = incomplete.count()
    shown = list(incomplete.select_related("membership__user", "profile")
                 .order_by("completeness", "membership__user__name_key", "pk")[:ROW_LIMIT])
    topics: dict[tuple[int, str], int] = {
        (pk, interest): n for pk, interest, n in
        ParticipantTopic.objects.filter(participant_id__in=[p.pk for p in shown])
        .values_list("participant_id", "interest").annotate(n=Count("pk")).order_by()}
    rows = []
    for person in shown:
        completeness = participant_completeness(
            participant=person, teach_count=topics.get((person.pk, TopicInterest.TEACH), 0),
            learn_count=topics.get((person.pk, TopicInterest.LEARN), 0))
        rows.append((
            Link(person.membership.user.display_name,
                 context.url("programs:participant_profile", participant_pk=person.pk)),
            context.cohort_link(person.cohort_id, "programs:cohort_roster", _ROSTER_INCOMPLETE),
            str(_ROLE_LABELS[person.role]), person.completeness,
            ", ".join(completeness.missing)))
    only = context.only_cohort(context.running)
    full = (context.cohort_link(only, "programs:cohort_roster", _ROSTER_INCOMPLETE)
            if only else None)
    return Panel(
        key=PROFILES_INCOMPLETE, title="Profiles incomplete",
        description="Enrolled people of running cohorts whose profile is not complete yet "
                    "(matching needs it), least complete first, with what is missing.",
        table=Table(columns=(
            Column("person", "Person"), Column("cohort", "Cohort"), Column("role", "Role"),
            Column("completeness", "Complete", "%"), Column("missing", "Missing")),
            rows=tuple(rows)),
        headline=_headline(total, "people", "Profiles incomplete", full),
        notes=_notes(total, "people", "each cohort's roster, filtered, has them all."))


_ROSTER_INCOMPLETE = {"status": ParticipantStatus.ACTIVE, "completeness_below": 100,
                      "sort": "completeness"}


def topics_without_mentor(context: _Context) -> Panel:
    """Topics enrolled mentees of a running cohort want to learn that no enrolled mentor of
    that cohort offers to teach, most wanted first."""
    rows = list(
        ParticipantTopic.objects.filter(participant__cohort_id__in=context.running,
                                        participant__status=ParticipantStatus.ACTIVE)
        .filter(Q(interest=TopicInterest.LEARN, participant__role=ParticipantRole.MENTEE)
                | Q(interest=TopicInterest.TEACH, participant__role=ParticipantRole.MENTOR))
        .values("participant__cohort_id", "topic_id", "topic__name")
        .annotate(wanted=Count("pk", filter=Q(interest=TopicInterest.LEARN)),
                  teachable=Count("pk", filter=Q(interest=TopicInterest.TEACH)))
        .filter(wanted__gt=0, teachable=0).order_by())
    rows.sort(key=lambda r: (-r["wanted"], r["topic__name"].lower(),
                             r["participant__cohort_id"]))
    table_rows = tuple((
        row["topic__name"],
        context.cohort_link(row["participant__cohort_id"], "programs:cohort_roster"),
        row["wanted"]) for row in rows[:ROW_LIMIT])
    return Panel(
        key=TOPICS_WITHOUT_MENTOR, title="Topics in demand with no mentor",
        description="Topics enrolled mentees want to learn that no enrolled mentor of their "
                    "cohort offers to teach: recruit a mentor, or suggest a nearby topic.",
        table=Table(columns=(Column("topic", "Topic"), Column("cohort", "Cohort"),
                             Column("wanted_by", "Mentees who want it", "people")),
                    rows=table_rows),
        headline=_headline(len(rows), "", "Topics without a mentor", None),
        notes=_notes(len(rows), "topics", "each cohort's roster shows its topic balance."))


def mentor_capacity(context: _Context) -> Panel:
    """Enrolled mentors of running cohorts with room for another mentee (their capacity, or
    the cohort's default, minus their live pairs), most room first."""
    mentors = (Participant.objects.filter(cohort_id__in=context.running,
                                          status=ParticipantStatus.ACTIVE,
                                          role=ParticipantRole.MENTOR)
               .annotate(live=Count("pairs_as_mentor", filter=Q(
                   pairs_as_mentor__status__in=LIVE_PAIR_STATUSES)),
                   places=Coalesce("capacity", "cohort__default_mentor_capacity"))
               .annotate(spare=ExpressionWrapper(F("places") - F("live"),
                                                 output_field=IntegerField()))
               .filter(spare__gt=0))
    total = mentors.count()
    shown = list(mentors.order_by("-spare", "membership__user__name_key", "pk").values(
        "pk", "cohort_id", "places", "live", "spare",
        *(f"membership__user__{name}" for name in _USER))[:ROW_LIMIT])
    rows = tuple((
        Link(_name(values, "membership__user__"),
             context.url("programs:participant_profile", participant_pk=values["pk"])),
        context.cohort_link(values["cohort_id"], "programs:cohort_roster",
                            {"role": ParticipantRole.MENTOR, "status": ParticipantStatus.ACTIVE}),
        values["places"], values["live"], values["spare"]) for values in shown)
    return Panel(
        key=MENTOR_CAPACITY, title="Mentors with spare capacity",
        description="Enrolled mentors of running cohorts who could take another mentee: "
                    "their capacity minus their live (active or paused) pairs.",
        table=Table(columns=(
            Column("mentor", "Mentor"), Column("cohort", "Cohort"),
            Column("capacity", "Capacity", "pairs"), Column("live", "Live pairs", "pairs"),
            Column("spare", "Spare places", "pairs")), rows=rows),
        headline=_headline(total, "people", "Mentors with room", None),
        notes=_notes(total, "mentors", "each cohort's roster lists its mentors."))


def commitments_overdue(context: _Context) -> Panel:
    """Pairs with commitments past their due date and not answered yet: counts per pair, the
    oldest due date, and how many of them their owner shared with the program (whose texts
    the cohort's commitments page shows); never a commitment's text here."""
    today = context.scope.today
    overdue = Commitment.objects.filter(pair__cohort_id__in=list(context.cohorts),
                                        outcome=CommitmentOutcome.PENDING,
                                        due_date__lt=today)
    total = overdue.aggregate(pairs=Count("pair_id", distinct=True))["pairs"]
    shown = list(overdue.values("pair_id", "pair__cohort_id")
                 .annotate(n=Count("pk"), oldest=Min("due_date"),
                           shared=Count("pk", filter=Q(shared_with_program=True)))
                 .order_by("oldest", "-n", "pair_id")[:ROW_LIMIT])
    names = _pair_names(row["pair_id"] for row in shown)
    rows = tuple((
        Link(names[row["pair_id"]], context.url("matching:pair_hr", pair_pk=row["pair_id"])),
        context.cohort_link(row["pair__cohort_id"], "sessions:cohort_commitments"),
        row["n"], row["oldest"].isoformat(), (today - row["oldest"]).days, row["shared"])
        for row in shown)
    only = context.only_cohort(context.cohorts)
    full = context.cohort_link(only, "sessions:cohort_commitments") if only else None
    return Panel(
        key=COMMITMENTS_OVERDUE, title="Commitments overdue",
        description="Pairs whose commitments are past their due date with no answer yet, "
                    "oldest first: counts only (the texts their owners shared with the "
                    "program are on the cohort's commitments page).",
        table=Table(columns=(
            Column("pair", "Pair"), Column("cohort", "Cohort"),
            Column("overdue", "Overdue"), Column("oldest_due", "Oldest due date"),
            Column("days_overdue", "Days overdue"),
            Column("shared", "Shared with the program")), rows=rows),
        headline=_headline(total, "pairs", "Pairs with overdue commitments", full),
        notes=_notes(total, "pairs", "each cohort's commitments page has them all."))


def operations_panels(*, scope: DashboardScope) -> list[Panel]:
    context = _context(scope)
    return [pairs_at_risk(context), open_alerts(context), surveys_outstanding(context),
            profiles_incomplete(context), topics_without_mentor(context),
            mentor_capacity(context), commitments_overdue(context)]

