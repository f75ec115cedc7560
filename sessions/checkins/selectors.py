"""Reads of check-ins, fit checks and HR alerts, each in a fixed number of queries.

Security boundary: a check-in or fit check is only ever read filtered by its ``participant``
(the signed-in person's own place in the pair, :func:`my_check_ins`, :func:`my_fit_checks`,
:func:`open_check_in`, :func:`open_fit_check`): the partner, HR and executives never read an
answer. HR reads :class:`~sessions.models.HRAlert` rows (who raised it, the pair, the reason
codes, the text only when it was shared) and counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Membership, Organization, Role
from core.compiled import CompiledInstances
from matching.models import Pair, PairStatus
from programs.models import Cohort, CohortStatus
from sessions.checkins import rules
from sessions.due import DEFAULT_INACTIVITY_DAYS
from sessions.models import (
    DEFAULT_CHECK_IN_CADENCE_DAYS,
    AlertStatus,
    CheckIn,
    CheckInSchedule,
    CheckInStatus,
    FitCheck,
    HRAlert,
    MentoringSession,
    SessionStatus,
)

ALERT_RELATED = ("pair__mentor__membership__user", "pair__mentee__membership__user",
                 "participant__membership__user", "cohort", "acknowledged_by", "resolved_by")


def organization_today(organization: Organization, now: datetime | None = None) -> date:
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(organization.time_zone or "UTC")).date()


def cadence_of(*, cohort: Cohort) -> int:
    schedule = CheckInSchedule.objects.filter(cohort=cohort).first()
    return schedule.cadence_days if schedule else DEFAULT_CHECK_IN_CADENCE_DAYS


def inactivity_days_of(*, cohort: Cohort) -> int:
    """After how many days without activity the cohort's pairs are warned."""
    schedule = CheckInSchedule.objects.filter(cohort=cohort).first()
    return schedule.inactivity_days if schedule else DEFAULT_INACTIVITY_DAYS


def _live_pairs(organization: Organization) -> QuerySet[Pair]:
    """Active pairs of active cohorts: a paused or ended pair is asked nothing."""
    return Pair.objects.filter(organization=organization, status=PairStatus.ACTIVE,
                               cohort__status=CohortStatus.ACTIVE)


def _first_held() -> QuerySet[MentoringSession]:
    return MentoringSession.objects.filter(pair=OuterRef("pk"), status=SessionStatus.HAPPENED,
                                           logged_at__isnull=False).order_by("starts_at", "id")


# --- what is due (for the reminder scans) -----------------------------------------------------

def check_ins_due(*, organization: Organization, now: datetime | None = None
                  ) -> list[rules.CheckInDue]:
    """The check-ins to open now in ``organization`` (every cohort cadence from each live
    pair's first session that happened, once per person and period). Two queries, whatever
    the number of pairs; the decision is :func:`sessions.checkins.rules.check_ins_due`."""
    now = now or timezone.now()
    pairs = list(_live_pairs(organization).annotate(
        first_held=Min("mentoring_sessions__starts_at",
                       filter=Q(mentoring_sessions__status=SessionStatus.HAPPENED)),
        cadence=F("cohort__check_in_schedule__cadence_days"),
    ).values("pk", "mentor_id", "mentee_id", "first_held", "cadence"))
    asked: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for pair_id, participant_id, period in CheckIn.objects.filter(
            pair_id__in=[p["pk"] for p in pairs if p["first_held"] is not None]
    ).values_list("pair_id", "participant_id", "period"):
        asked[pair_id].add((participant_id, period))
    facts = [rules.PairFacts(
        pair_id=p["pk"], participant_ids=(p["mentor_id"], p["mentee_id"]),
        first_session_at=p["first_held"],
        cadence_days=p["cadence"] or DEFAULT_CHECK_IN_CADENCE_DAYS,
        asked=frozenset(asked[p["pk"]])) for p in pairs]
    return rules.check_ins_due(facts, now=now)


@dataclass(frozen=True)
class FitCheckDue:
    pair_id: int
    participant_id: int


def fit_checks_due(*, organization: Organization, now: datetime | None = None
                   ) -> list[FitCheckDue]:
    """The fit checks to ask now: 48 hours after the end of each live pair's first logged
    session, each person not yet asked. Two queries."""
    now = now or timezone.now()
    pairs = list(_live_pairs(organization).annotate(
        first_start=Subquery(_first_held().values("starts_at")[:1]),
        first_minutes=Subquery(_first_held().values("duration_minutes")[:1]),
    ).filter(first_start__isnull=False).values("pk", "mentor_id", "mentee_id", "first_start",
                                                "first_minutes"))
    asked = set(FitCheck.objects.filter(pair_id__in=[p["pk"] for p in pairs])
                .values_list("pair_id", "participant_id"))
    due = []
    for p in pairs:
        ended = p["first_start"] + timedelta(minutes=p["first_minutes"])
        if not rules.fit_check_is_due(first_session_ended_at=ended, now=now):
            continue
        due.extend(FitCheckDue(p["pk"], person) for person in (p["mentor_id"], p["mentee_id"])
                   if (p["pk"], person) not in asked)
    return due


def check_ins_unanswered(*, organization: Organization, due_before: date) -> QuerySet[CheckIn]:
    """Pending check-ins of live pairs due before ``due_before`` (for the reminder 3 days
    later): ids and dates only, never an answer."""
    return CheckIn.objects.filter(
        organization=organization, status=CheckInStatus.PENDING, due_on__lt=due_before,
        pair__status=PairStatus.ACTIVE).only("pk", "pair_id", "participant_id", "period",
                                             "due_on")


# --- the person's own ----------------------------------------------------------------------

def _my_places(membership: Membership) -> QuerySet:
    from programs.models import Participant

    return Participant.objects.filter(membership=membership).values("pk")


def my_check_ins(*, membership: Membership) -> QuerySet[CheckIn]:
    """The signed-in person's own check-ins (pending first), never anyone else's."""
    return (CheckIn.objects.filter(participant__in=_my_places(membership))
            .select_related("pair__mentor__membership__user", "pair__mentee__membership__user",
                            "pair__cohort__program")
            .order_by("-status", "-due_on", "-id"))


def my_fit_checks(*, membership: Membership) -> QuerySet[FitCheck]:
    return (FitCheck.objects.filter(participant__in=_my_places(membership))
            .select_related("pair__mentor__membership__user", "pair__mentee__membership__user",
                            "pair__cohort__program")
            .order_by("-created_at", "-id"))


def open_check_in(*, pair: Pair, participant) -> CheckIn | None:
    """``participant``'s pending check-in on ``pair`` (the latest), else ``None``."""
    return (CheckIn.objects.filter(pair=pair, participant=participant,
                                   status=CheckInStatus.PENDING)
            .order_by("-period").first())


def last_check_in(*, pair: Pair, participant) -> CheckIn | None:
    return (CheckIn.objects.filter(pair=pair, participant=participant)
            .order_by("-period").first())


def open_fit_check(*, pair: Pair, participant) -> FitCheck | None:
    return FitCheck.objects.filter(pair=pair, participant=participant).first()


@dataclass(frozen=True)
class DueAnswer:
    """A check-in or fit check waiting for the signed-in person (the start-page panel)."""

    kind: str  # "check_in" or "fit_check"
    pair: Pair
    partner_name: str
    due_on: date | None

    @property
    def is_check_in(self) -> bool:
        return self.kind == "check_in"


#: What the start page's panel reads of a waiting check-in or fit check: the pair and the
#: names of its two people (the partner's is shown).
_NAMES = ("full_name", "first_name", "last_name", "email")
_WAITING_RELATED = {
    "pair": ("mentor", "mentee", "status"),
    "pair__mentor": ("membership",), "pair__mentee": ("membership",),
    "pair__mentor__membership": ("user",), "pair__mentee__membership": ("user",),
    "pair__mentor__membership__user": _NAMES, "pair__mentee__membership__user": _NAMES,
}


def _places_of(membership_id: int) -> QuerySet:
    from programs.models import Participant

    return Participant.objects.filter(membership_id=membership_id).values("pk")


_waiting_check_ins = CompiledInstances(
    lambda membership_id: CheckIn.objects.filter(
        participant__in=_places_of(membership_id), status=CheckInStatus.PENDING,
        pair__status=PairStatus.ACTIVE).order_by("due_on", "id"),
    fields=("pair", "participant", "due_on"), related=_WAITING_RELATED, membership_id=int)
_waiting_fit_checks = CompiledInstances(
    lambda membership_id: FitCheck.objects.filter(
        participant__in=_places_of(membership_id), answer="",
        pair__status=PairStatus.ACTIVE).order_by("created_at", "id"),
    fields=("pair", "participant"), related=_WAITING_RELATED, membership_id=int)


def waiting_for(*, membership: Membership) -> list[DueAnswer]:
    """The person's pending check-ins and fit checks on live pairs. Two queries, compiled
    once (core.compiled): every start page runs them."""
    found = [DueAnswer("check_in", check_in.pair,
                       _partner_name(check_in.pair, check_in.participant_id), check_in.due_on)
             for check_in in _waiting_check_ins(membership_id=membership.pk)]
    found.extend(DueAnswer("fit_check", fit.pair, _partner_name(fit.pair, fit.participant_id),
                           None)
                 for fit in _waiting_fit_checks(membership_id=membership.pk))
    return found


def _partner_name(pair: Pair, participant_id: int) -> str:
    partner = pair.mentee if participant_id == pair.mentor_id else pair.mentor
    return partner.membership.user.display_name


# --- HR ------------------------------------------------------------------------------------

def cohort_admins(*, organization: Organization) -> QuerySet[Membership]:
    """Who is told about an HR alert: the organization's HR admins (active accounts)."""
    return (Membership.objects.filter(organization=organization, role=Role.ADMIN,
                                      user__is_active=True)
            .select_related("user").order_by("pk"))


def hr_alerts_of_cohort(*, cohort: Cohort, status: str | None = None) -> QuerySet[HRAlert]:
    """A cohort's alerts (open first, newest first) with the names they show: one query per
    page whatever the number of rows."""
    alerts = HRAlert.objects.filter(cohort=cohort).select_related(*ALERT_RELATED)
    if status:
        alerts = alerts.filter(status=status)
    return alerts.order_by(_status_order(), "-created_at", "-id")


def _status_order():
    from django.db.models import Case, IntegerField, Value, When

    return Case(When(status=AlertStatus.OPEN, then=Value(0)),
                When(status=AlertStatus.ACKNOWLEDGED, then=Value(1)),
                default=Value(2), output_field=IntegerField())


def hr_alerts(*, organization: Organization, status: str | None = None) -> QuerySet[HRAlert]:
    """Every alert of the organization (open first), in one query per page."""
    alerts = HRAlert.objects.filter(organization=organization).select_related(*ALERT_RELATED)
    if status:
        alerts = alerts.filter(status=status)
    return alerts.order_by(_status_order(), "-created_at", "-id")


def hr_alert(*, alert_pk: int) -> HRAlert:
    """One alert of the open tenant scope (``HRAlert.DoesNotExist`` otherwise)."""
    return HRAlert.objects.select_related(*ALERT_RELATED).get(pk=alert_pk)


def alert_counts(*, cohort: Cohort) -> dict[str, int]:
    counts = dict(HRAlert.objects.filter(cohort=cohort).values_list("status")
                  .annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in AlertStatus.values}


@dataclass(frozen=True)
class CheckInAggregate:
    """A cohort's answered check-ins in figures. The means and the share that set the agenda
    together are ``None`` below the organization's k (``anonymity_threshold``) answers: no
    figure describes fewer than k people's answers."""

    answered: int
    k: int
    mean_score: float | None
    mean_candour: float | None
    together_percent: int | None


def check_in_aggregate(*, cohort: Cohort) -> CheckInAggregate:
    """One query: counts and means over the cohort's answered check-ins."""
    from django.db.models import Avg

    k = cohort.organization.anonymity_threshold
    row = CheckIn.objects.filter(pair__cohort=cohort, status=CheckInStatus.ANSWERED).aggregate(
        n=Count("pk"), score=Avg("score"), candour=Avg("candour"),
        together=Count("pk", filter=Q(agenda_set_by="together")))
    shown = row["n"] >= k
    return CheckInAggregate(
        answered=row["n"], k=k,
        mean_score=round(row["score"], 1) if shown else None,
        mean_candour=round(row["candour"], 1) if shown else None,
        together_percent=round(100 * row["together"] / row["n"]) if shown else None)


def check_in_participation(*, cohort: Cohort) -> dict[str, int]:
    """Counts only (HR's aggregate): check-ins asked, answered, waiting."""
    rows = dict(CheckIn.objects.filter(pair__cohort=cohort).values_list("status")
                .annotate(n=Count("pk")).values_list("status", "n"))
    answered = rows.get(CheckInStatus.ANSWERED, 0)
    pending = rows.get(CheckInStatus.PENDING, 0)
    return {"asked": answered + pending, "answered": answered, "pending": pending}
