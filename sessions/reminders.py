"""The reminder scans: load plain facts, ask the pure core (``sessions/due.py``), enqueue.

One beat task per kind (:func:`scan_reminders`, ``CELERY_BEAT_SCHEDULE`` in the settings) runs
:func:`reminders_scan`: it loads every active pair's facts in a fixed number of queries
(whatever the number of pairs), computes what is due *now*, and writes one outbox row per due
notification with :func:`core.notifications.notifications_enqueue_bulk`. After commit the
outbox hands each row to a worker as its own small ``core.tasks.send_notification`` task.

Exactly once, and where it is only at least once:

- the row's unique ``key`` (``<kind>:<pair>:<recipient>:<subject>:<period>``, from the core)
  makes a second scan, two racing scans or a retried scan add nothing (``bulk_create`` with
  ``ignore_conflicts``: the loser of a race inserts nothing);
- ``send_notification`` claims the row with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks it
  sent in the same transaction as the SMTP hand-over, so a duplicate delivery of the task by
  the broker, or two workers, find it sent or locked and skip it;
- a worker that dies *before* the hand-over leaves the row pending: the task is redelivered
  (``acks_late``, ``reject_on_worker_lost``) or the outbox drain sends it later;
- the one known corner: a worker killed *after* the SMTP server accepted the message but
  *before* its transaction committed leaves the row pending, and the redelivered task sends
  it again. No database can close that window (the mail server is not in our transaction);
  both copies carry the same ``Message-ID`` header (``<key>@flipside``, added by
  :func:`reminder_headers`), so mail systems that deduplicate on it show one. The test
  ``tests/sessions/test_reminders_worker.py`` kills a worker in exactly that window and
  checks one outbox row, sent, and two SMTP hand-overs with one Message-ID.

Batching: at most one reminder email per person per local day, except "session soon"
(``due.plan_batches``). A scan's dues of one kind for one person become one email listing them
all (the first row carries it; the others are in-app entries); anything more that day waits
for the next day's scans. The decision runs with the recipients' user rows locked, so two scans
of different kinds cannot both take a person's email of the day.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

from celery import shared_task
from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, User
from accounts.unsubscribe import unsubscribe_url
from core.broker import publish_task
from core.models import Notification, NotificationPreference
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from core.tenancy import organization_scope, scopes_disabled
from matching.models import Pair, PairEvent, PairEventKind, PairStatus
from programs.models import DirectedPrompt, Phase
from sessions import due as core
from sessions.models import (
    ActionItem,
    Commitment,
    CommitmentOutcome,
    GoalUpdate,
    MentoringSession,
    PrivateNote,
    SessionChange,
    SessionRating,
)

logger = logging.getLogger(__name__)

TEMPLATE = "sessions/email/reminder"

KIND_LABELS = {
    core.SESSION_SOON: "Reminders: your session is tomorrow",
    core.SESSION_LOG: "Reminders: log your session",
    core.SESSION_RATE: "Reminders: rate your session",
    core.PAIR_RESTART: "Reminders: get started again",
    core.PAIR_AT_RISK: "HR: a pair at risk",
    core.PAIR_INACTIVE: "Reminders: an inactive pair",
    core.COMMITMENT_DUE: "Reminders: a commitment is due",
    core.ACTION_ITEM_DUE: "Reminders: an action item is due",
}
#: The kinds whose scan writes its own messages here (check-ins are opened by
#: ``sessions.checkins.services``, which writes theirs with the same keys).
OWN_KINDS = tuple(KIND_LABELS)
SCAN_KINDS = (*OWN_KINDS, core.CHECK_IN_DUE)
#: Kinds whose emails count toward "one reminder email per person per day".
CAPPED_KINDS = tuple(k for k in SCAN_KINDS if k not in core.UNCAPPED_KINDS)
CHECK_IN_DUE_KIND = core.CHECK_IN_DUE

ACTIVITY_SOURCES = ("sessions", "ratings", "items", "activity", "check_ins")
NEEDS: dict[str, set[str]] = {
    core.SESSION_SOON: {"sessions"},
    core.SESSION_LOG: {"sessions"},
    core.SESSION_RATE: {"sessions", "ratings"},
    core.PAIR_RESTART: {"sessions"},
    core.PAIR_AT_RISK: {"sessions", "admins"},
    core.PAIR_INACTIVE: {*ACTIVITY_SOURCES, "admins"},
    core.CHECK_IN_DUE: {"sessions", "check_ins"},
    core.COMMITMENT_DUE: {"commitments"},
    core.ACTION_ITEM_DUE: {"items"},
}


def register_reminder_kinds() -> None:
    """``SessionsConfig.ready``: the kinds (preferences page) and their unsubscribe headers."""
    from core.notifications import register_notification_headers, register_notification_kind

    for kind, label in KIND_LABELS.items():
        register_notification_kind(kind, label)
        register_notification_headers(kind, reminder_headers)
    # the check-in reminder's kind is sessions.checkins'; its emails get the same headers
    register_notification_headers(core.CHECK_IN_DUE, reminder_headers)


def reminder_headers(notification: Notification) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe for this kind, and a Message-ID made from the outbox key
    (a resend after a worker died mid-send carries the same one)."""
    from accounts.unsubscribe import unsubscribe_headers

    digest = notification.key.replace(":", ".")
    return {**unsubscribe_headers(notification), "Message-ID": f"<{digest}@flipside>"}


# --- loading facts -------------------------------------------------------------------------------

@dataclass
class PairInfo:
    """What the messages of a pair need besides the facts (names, links)."""

    organization_id: int
    org_slug: str
    program: str
    program_id: int
    cohort: str
    mentor_id: int
    mentor_name: str
    mentee_name: str
    emails: dict[int, str] = field(default_factory=dict)  # user id -> address
    names: dict[int, str] = field(default_factory=dict)  # user id -> display name


@dataclass
class Loaded:
    facts: list[core.PairFacts]
    info: dict[int, PairInfo]  # built lazily (_InfoOf)
    queries: int = 0


def _name(full_name: str, first: str, last: str, email: str) -> str:
    return full_name or f"{first} {last}".strip() or email


def _quiet(row: dict, prefix: str) -> tuple:
    return row[f"{prefix}quiet_hours_start"], row[f"{prefix}quiet_hours_end"]


def pair_facts_load(*, kinds: Iterable[str], now: datetime,
                    pair_ids: Sequence[int] | None = None) -> Loaded:
    """Every active pair's facts that ``kinds`` need (or those of ``pair_ids``), in a fixed
    number of queries (one per kind of fact, however many pairs). Reads every tenant: the scan
    is the platform's, and nothing leaves it but plain facts and the keys of messages to each
    tenant's own people."""
    needs = set().union(*(NEEDS[kind] for kind in kinds))

    def only(prefix: str = "") -> dict:
        return {} if pair_ids is None else {f"{prefix}pair_id__in": list(pair_ids)}

    people = ("membership__user_id", "membership__user__email", "membership__user__full_name",
              "membership__user__first_name", "membership__user__last_name",
              "membership__user__quiet_hours_start", "membership__user__quiet_hours_end",
              "profile__time_zone")
    with scopes_disabled():  # one scan over every tenant (see the docstring)
        pairs = Pair.objects.filter(status=PairStatus.ACTIVE)
        if pair_ids is not None:
            pairs = pairs.filter(pk__in=list(pair_ids))
        rows = list(pairs.values(
            "pk", "organization_id", "organization__slug", "organization__time_zone",
            "created_at", "resumed_at", "cohort_id", "cohort__name", "cohort__start_date",
            "cohort__end_date", "cohort__cadence_days", "cohort__program_id",
            "cohort__check_in_schedule__inactivity_days",
            "cohort__program__name", "mentor_id", "mentee_id",
            *(f"{side}__{f}" for side in ("mentor", "mentee") for f in people)).order_by("pk"))
        queries = 1
        by_pair: dict[str, dict[int, list]] = {}
        if "sessions" in needs:
            sessions = defaultdict(list)
            for s in MentoringSession.objects.filter(
                    pair__status=PairStatus.ACTIVE, **only()).values_list(
                    "pk", "pair_id", "starts_at", "duration_minutes", "status", "created_at",
                    "logged_at", "updated_at", "cancelled_by_id").iterator(chunk_size=5000):
                sessions[s[1]].append(s)
            by_pair["sessions"] = sessions
            queries += 1
        ratings: dict[int, dict[int, datetime]] = defaultdict(dict)
        if "ratings" in needs:
            for session_id, participant_id, at in SessionRating.objects.filter(
                    session__pair__status=PairStatus.ACTIVE, **only("session__")).values_list(
                    "session_id", "participant_id", "updated_at").iterator(chunk_size=5000):
                ratings[session_id][participant_id] = at
            queries += 1
        commitments = defaultdict(list)
        if "commitments" in needs:
            for c in Commitment.objects.filter(
                    pair__status=PairStatus.ACTIVE, **only(),
                    outcome__in=(CommitmentOutcome.PENDING, CommitmentOutcome.NOT_YET)
            ).values_list("pk", "pair_id", "owner_id", "due_date", "created_at",
                          "asked_at").iterator(chunk_size=5000):
                commitments[c[1]].append(core.DatedFacts(
                    id=c[0], owner=c[2], due_date=c[3], created_at=c[4], closed_at=c[5]))
            queries += 1
        items = defaultdict(list)
        if "items" in needs:
            for a in ActionItem.objects.filter(
                    pair__status=PairStatus.ACTIVE, due_date__isnull=False, **only()).values_list(
                    "pk", "pair_id", "owner_id", "due_date", "created_at",
                    "done_at").iterator(chunk_size=5000):
                items[a[1]].append(core.DatedFacts(id=a[0], owner=a[2], due_date=a[3],
                                                   created_at=a[4], closed_at=a[5]))
            queries += 1
        activity: dict[int, list[datetime]] = defaultdict(list)
        if "activity" in needs:
            live = {"pair__status": PairStatus.ACTIVE, **only()}
            for query in (
                GoalUpdate.objects.filter(goal__pair__status=PairStatus.ACTIVE, **only("goal__"))
                .values("goal__pair_id").annotate(at=Max("created_at"))
                .values_list("goal__pair_id", "at"),
                PrivateNote.objects.filter(**live).values("pair_id")
                .annotate(at=Max("updated_at")).values_list("pair_id", "at"),
                SessionChange.objects.filter(session__pair__status=PairStatus.ACTIVE,
                                             **only("session__"))
                .values("session__pair_id").annotate(at=Max("at"))
                .values_list("session__pair_id", "at"),
                PairEvent.objects.filter(**live).exclude(kind=PairEventKind.NUDGED)
                .values("pair_id").annotate(at=Max("at")).values_list("pair_id", "at"),
            ):
                for pair_id, at in query.order_by():
                    activity[pair_id].append(at)
                queries += 1
        check_ins: dict[int, dict] = defaultdict(dict)
        check_ins_opened: dict[int, dict] = defaultdict(dict)
        cadences: dict[int, int] = {}
        if "check_ins" in needs:
            check_in_model, schedule_model = _check_in_models()
            if check_in_model is not None:
                for pair_id, participant_id, period, opened, answered in \
                        check_in_model.objects.filter(
                            pair__status=PairStatus.ACTIVE, **only()).values_list(
                            "pair_id", "participant_id", "period", "created_at", "answered_at"
                        ).iterator(chunk_size=5000):
                    check_ins_opened[pair_id][(participant_id, period)] = opened
                    if answered is not None:
                        check_ins[pair_id][(participant_id, period)] = answered
                cadences = dict(schedule_model.objects.values_list("cohort_id", "cadence_days"))
                queries += 2
        admins: dict[int, list[core.Person]] = defaultdict(list)
        admin_names: dict[int, tuple[str, str]] = {}
        if "admins" in needs:
            for org_id, tz, user_id, email, full, first, last, q_start, q_end in (
                    Membership.objects.filter(role=Role.ADMIN, user__is_active=True).values_list(
                        "organization_id", "organization__time_zone", "user_id", "user__email",
                        "user__full_name", "user__first_name", "user__last_name",
                        "user__quiet_hours_start", "user__quiet_hours_end")):
                admins[org_id].append(core.Person(user_id=user_id, time_zone=tz or "UTC",
                                                  quiet_start=q_start, quiet_end=q_end))
                admin_names[user_id] = (email, _name(full, first, last, email))
            queries += 1

    facts = []
    keys = {side: {f: f"{side}__membership__user__{f}" for f in (
        "quiet_hours_start", "quiet_hours_end")} for side in ("mentor", "mentee")}
    sessions_of = by_pair.get("sessions", {})
    for row in rows:
        pk, org_tz = row["pk"], row["organization__time_zone"] or "UTC"
        persons = {}
        for side in ("mentor", "mentee"):
            persons[side] = core.Person(
                user_id=row[f"{side}__membership__user_id"], participant_id=row[f"{side}_id"],
                time_zone=row[f"{side}__profile__time_zone"] or org_tz,
                quiet_start=row[keys[side]["quiet_hours_start"]],
                quiet_end=row[keys[side]["quiet_hours_end"]])
        people_ids = (persons["mentor"].user_id, persons["mentee"].user_id)
        pair_admins = tuple(a for a in admins.get(row["organization_id"], ())
                            if a.user_id not in people_ids)
        sessions = tuple(
            core.SessionFacts(
                id=s[0], starts_at=s[2], minutes=s[3], status=s[4], created_at=s[5],
                logged_at=s[6], cancelled_at=s[7] if s[4] == core.CANCELLED else None,
                cancelled_by=s[8], rated_at=ratings.get(s[0], {}))
            for s in sessions_of.get(pk, ()))
        started = max(row["created_at"], row["resumed_at"] or row["created_at"])
        facts.append(core.PairFacts(
            id=pk, status=core.LIVE, mentor=persons["mentor"], mentee=persons["mentee"],
            started_at=started, cohort_start=row["cohort__start_date"],
            cohort_end=row["cohort__end_date"], cadence_days=row["cohort__cadence_days"],
            check_in_days=cadences.get(row["cohort_id"], core.DEFAULT_CHECK_IN_DAYS),
            inactivity_days=(row["cohort__check_in_schedule__inactivity_days"]
                             or core.DEFAULT_INACTIVITY_DAYS),
            admins=pair_admins, sessions=sessions,
            commitments=tuple(commitments.get(pk, ())), action_items=tuple(items.get(pk, ())),
            activity=tuple(activity.get(pk, ())), check_ins=check_ins.get(pk, {}),
            check_ins_opened=check_ins_opened.get(pk, {})))
    info = _InfoOf({row["pk"]: row for row in rows}, admin_names)
    return Loaded(facts=facts, info=info, queries=queries)


class _InfoOf(dict):
    """pair id -> :class:`PairInfo`, built on first use: only the pairs with something due
    need names and addresses (a scan over 50,000 pairs builds a few hundred)."""

    def __init__(self, rows: dict[int, dict], admin_names: dict[int, tuple[str, str]]):
        super().__init__()
        self.rows, self.admin_names = rows, admin_names

    def __missing__(self, pk: int) -> PairInfo:
        row = self.rows[pk]
        emails, names = {}, {}
        for side in ("mentor", "mentee"):
            user_id = row[f"{side}__membership__user_id"]
            emails[user_id] = row[f"{side}__membership__user__email"]
            names[user_id] = _name(*(row[f"{side}__membership__user__{f}"] for f in
                                     ("full_name", "first_name", "last_name", "email")))
        for user_id, (address, name) in self.admin_names.items():
            emails.setdefault(user_id, address)
            names.setdefault(user_id, name)
        info = self[pk] = PairInfo(
            organization_id=row["organization_id"], org_slug=row["organization__slug"],
            program=row["cohort__program__name"], program_id=row["cohort__program_id"],
            cohort=row["cohort__name"], mentor_id=row["mentor_id"],
            mentor_name=names[row["mentor__membership__user_id"]],
            mentee_name=names[row["mentee__membership__user_id"]], emails=emails, names=names)
        return info


def _check_in_models():
    """The check-in models of ``sessions.checkins`` (None, None before they exist)."""
    try:
        return (django_apps.get_model("mentoring_sessions", "CheckIn"),
                django_apps.get_model("mentoring_sessions", "CheckInSchedule"))
    except LookupError:
        return None, None


# --- the messages ---------------------------------------------------------------------------------

def _when(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%A %-d %B at %H:%M} ({local.tzname()})"


def _day(moment, tz: str | None = None) -> str:
    day = moment.astimezone(ZoneInfo(tz)).date() if tz else moment
    return f"{day:%A %-d %B}"


@dataclass(frozen=True)
class Message:
    subject: str
    headline: str
    line: str
    link: str
    action: str


def _message(due: core.Due, info: PairInfo, prompts: dict) -> Message:
    person = due.recipient
    tz = person.time_zone
    partner = info.mentee_name if person.participant_id == info.mentor_id else info.mentor_name
    slug, pair_id, data = info.org_slug, due.pair_id, due.data
    workspace = reverse("sessions:workspace", kwargs={"org_slug": slug, "pair_pk": pair_id})

    def session_link(name: str = "sessions:session_detail") -> str:
        return reverse(name, kwargs={"org_slug": slug, "pair_pk": pair_id,
                                     "session_pk": data["session_id"]})

    kind = due.kind
    if kind == core.SESSION_SOON:
        return Message(f"Tomorrow: your mentoring session with {partner}",
                       "Your session is coming up.",
                       f"You meet {partner} on {_when(data['starts_at'], tz)}.",
                       session_link(), "Open the session")
    if kind == core.SESSION_LOG:
        return Message(f"How did your session with {partner} go?",
                       "Log your session: it takes a minute.",
                       f"Your session with {partner} on {_when(data['starts_at'], tz)} has "
                       "not been logged yet. Say whether it happened and what you covered.",
                       session_link("sessions:session_log"), "Log the session")
    if kind == core.SESSION_RATE:
        return Message(f"Rate your session with {partner}",
                       "How valuable was your session?",
                       f"Your session with {partner} on {_day(data['starts_at'], tz)} is "
                       "logged. Your rating (1 to 5) is yours alone: your partner never sees "
                       "it.", session_link(), "Rate the session")
    if kind == core.PAIR_RESTART:
        prompt = prompts.get((info.program_id, data["phase"]), "")
        line = (f"You and {partner} have not logged a session for a while. Pick a time that "
                "suits you both.")
        if prompt:
            line += f" Something to talk about ({Phase(data['phase']).label.lower()}): {prompt}"
        return Message(f"Time to meet {partner} again", "Get started again.", line,
                       workspace, "Book a session")
    pair_name = f"{info.mentor_name} and {info.mentee_name} ({info.cohort})"
    hr_link = reverse("matching:pair_hr", kwargs={"org_slug": slug, "pair_pk": pair_id})
    if kind == core.PAIR_AT_RISK:
        why = ("two sessions in a row were cancelled by the same person"
               if data["reason"] == "cancellations" else "they have not met for twice the "
               "cohort's cadence")
        return Message(f"A pair may need help: {pair_name}", "A pair at risk.",
                       f"The pair {pair_name} may need help: {why}.", hr_link, "Open the pair")
    if kind == core.PAIR_INACTIVE:
        close = _day(data["close_at"], tz)
        if data["audience"] == "hr":
            return Message(f"Inactive pair: {pair_name}", "A pair has gone quiet.",
                           f"Nothing has happened in the pair {pair_name} for a long time. "
                           f"It will be closed as inactive on {close} unless someone acts.",
                           hr_link, "Open the pair")
        return Message(f"Your mentoring pair with {partner} has gone quiet",
                       "Is your mentoring pair still going?",
                       f"Nothing has happened in your pair with {partner} for a long time. "
                       f"Book a session, log one or update a goal: otherwise the pair will be "
                       f"closed as inactive on {close}.", workspace, "Open your pair")
    if kind == core.COMMITMENT_DUE:
        link = reverse("sessions:commitment", kwargs={"org_slug": slug, "pair_pk": pair_id,
                                                      "commitment_pk": data["item_id"]})
        return Message("Your commitment is due today", "Has it happened?",
                       f"A commitment you made is due on {_day(data['due_date'])}: "
                       f"“{data['text']}”. Say whether it happened.", link, "Answer")
    link = reverse("sessions:action_item", kwargs={"org_slug": slug, "pair_pk": pair_id,
                                                   "action_pk": data["item_id"]})
    return Message("An action item is due today", "An action item is due.",
                   f"Due on {_day(data['due_date'])}: “{data['text']}”.", link,
                   "Open the action item")


def _texts(kind: str, dues: Sequence[core.Due]) -> dict[int, str]:
    """Item texts (commitments, action items) of the dues, for their owners' emails only."""
    if kind == core.COMMITMENT_DUE:
        model = Commitment
    elif kind == core.ACTION_ITEM_DUE:
        model = ActionItem
    else:
        return {}
    ids = [d.data["item_id"] for d in dues]
    with scopes_disabled():  # the ids come from this scan; each text goes to its owner only
        return dict(model.objects.filter(pk__in=ids).values_list("pk", "text"))


def _prompts(kind: str, dues: Sequence[core.Due],
             info: dict[int, PairInfo]) -> dict[tuple[int, str], str]:
    if kind != core.PAIR_RESTART:
        return {}
    programs = {info[d.pair_id].program_id for d in dues}
    found: dict[tuple[int, str], str] = {}
    with scopes_disabled():  # prompts of the programs of this scan's pairs
        for program_id, phase, text in DirectedPrompt.objects.filter(
                program_id__in=programs).order_by("program", "phase", "position", "id") \
                .values_list("program_id", "phase", "text"):
            found.setdefault((program_id, phase), text)
    return found


# --- the scan ---------------------------------------------------------------------------------

@dataclass
class ScanReport:
    """What a scan found. ``recorded`` counts the rows it asked the outbox to write: under a
    race with another scan both may count a row that only one of them inserted."""

    kind: str
    pairs: int = 0
    due: int = 0
    recorded: int = 0
    held: int = 0
    closed: int = 0
    load_queries: int = 0
    load_seconds: float = 0.0
    decide_seconds: float = 0.0


def _chunks(values: Sequence, size: int = 2000):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _taken(keys: Sequence[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in _chunks(list(keys)):
        taken.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))
    return taken


def _emailed_today(people: dict[int, core.Person], now: datetime) -> set[int]:
    """Users who already got a capped reminder email on their current local day."""
    found: set[int] = set()
    for chunk in _chunks(sorted(people)):
        for user_id, created in Notification.objects.filter(
                recipient_id__in=chunk, kind__in=CAPPED_KINDS, send_email=True,
                created_at__gte=now - timedelta(hours=30)).values_list(
                "recipient_id", "created_at"):
            person = people[user_id]
            if core.local_day(person, created) == core.local_day(person, now):
                found.add(user_id)
    return found


def _channels(user_ids: Iterable[int], kind: str) -> dict[tuple[int, str], str]:
    channels: dict[tuple[int, str], str] = {}
    for chunk in _chunks(sorted(set(user_ids))):
        for user_id, channel in NotificationPreference.objects.filter(
                user_id__in=chunk, kind=kind).values_list("user_id", "channel"):
            channels[(user_id, kind)] = channel
    return channels


def reminders_scan(*, kind: str, now: datetime | None = None) -> ScanReport:
    """Find what ``kind`` has due now across every tenant and record it in the outbox (the
    emails go out after commit, one task each). Safe to run twice or concurrently: what the
    outbox holds already is skipped, and a key is recorded once."""
    now = now or timezone.now()
    started = perf_counter()
    loaded = pair_facts_load(kinds=[kind], now=now)
    report = ScanReport(kind=kind, pairs=len(loaded.facts), load_queries=loaded.queries)
    report.load_seconds = perf_counter() - started
    dues = [d for pair in loaded.facts for d in core.due_for_pair(pair, now, kinds=[kind])]
    closes = [d for d in dues if d.kind == core.PAIR_CLOSE_INACTIVE]
    dues = [d for d in dues if d.recipient is not None]
    report.due = len(dues)
    taken = _taken([d.key for d in dues])
    dues = [d for d in dues if d.key not in taken]
    report.decide_seconds = perf_counter() - started - report.load_seconds
    if dues:
        with transaction.atomic():
            report.recorded, report.held = _record(kind, dues, loaded.info, now)
    for close in closes:
        report.closed += 1
        _publish_close(close.pair_id, close.data["last_activity"])
    return report


def _record(kind: str, dues: list[core.Due], info: dict[int, PairInfo],
            now: datetime) -> tuple[int, int]:
    people = {d.recipient.user_id: d.recipient for d in dues}
    if kind in CAPPED_KINDS:
        # serialise the day's email decision per person across racing scans of any kind
        for chunk in _chunks(sorted(people)):
            list(User.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
                 .values_list("pk", flat=True))
        emailed = _emailed_today(people, now)
        # a racing scan of this kind may have recorded some of them meanwhile
        taken = _taken([d.key for d in dues])
        dues = [d for d in dues if d.key not in taken]
    else:
        emailed = set()
    batches, held = core.plan_batches(dues, now=now, channels=_channels(people, kind),
                                      emailed_today=emailed)
    if kind == core.CHECK_IN_DUE:
        return _record_check_ins(batches), len(held)
    texts = _texts(kind, dues)
    prompts = _prompts(kind, dues, info)
    drafts: dict[int, list[NotificationDraft]] = defaultdict(list)
    for batch in batches:
        messages = []
        for item in batch.items:
            if "item_id" in item.data:
                item.data["text"] = texts.get(item.data["item_id"], "")
            messages.append((item, _message(item, info[item.pair_id], prompts)))
        recipient = batch.recipient
        user_id = recipient.user_id
        first_info = info[batch.items[0].pair_id]
        name = first_info.names[user_id]
        for index, (item, message) in enumerate(messages):
            pair_info = info[item.pair_id]
            others = [m for _, m in messages] if index == 0 else [message]
            context = {
                "name": name, "program": pair_info.program, "subject": message.subject,
                "headline": message.headline,
                "items": [{"line": m.line, "url": settings.FLIPSIDE_SITE_URL + m.link}
                          for m in others],
                "action_label": message.action,
                "kind_label": KIND_LABELS[kind],
                "unsubscribe_url": unsubscribe_url(user_id=user_id, kind=kind),
                "settings_url": settings.FLIPSIDE_SITE_URL + reverse("notification_preferences"),
            }
            drafts[pair_info.organization_id].append(NotificationDraft(
                recipient=user_id, email=pair_info.emails[user_id], key=item.key,
                context=context, link=message.link,
                email_allowed=batch.email and index == 0))
    recorded = 0
    organizations = _organizations(drafts)
    users: dict[int, User] = {}
    for chunk in _chunks(sorted(people)):
        users.update(User.objects.in_bulk(list(chunk)))
    for org_drafts in drafts.values():
        org_drafts[:] = [replace(d, recipient=users[d.recipient]) for d in org_drafts
                         if d.recipient in users]
    for organization_id, org_drafts in drafts.items():
        recorded += notifications_enqueue_bulk(
            organization=organizations[organization_id], kind=kind, template=TEMPLATE,
            drafts=org_drafts)
    if kind == core.COMMITMENT_DUE:
        asked = [d.data["item_id"] for batch in batches for d in batch.items]
        with scopes_disabled():  # this scan's commitments: the old check-in path skips them
            Commitment.objects.filter(pk__in=asked, asked_at__isnull=True).update(asked_at=now)
    return recorded, len(held)


def _organizations(drafts: dict) -> dict:
    from accounts.models import Organization

    return Organization.objects.in_bulk(list(drafts))


def _record_check_ins(batches: Sequence[core.Batch]) -> int:
    """Open (or remind) each due check-in through ``sessions.checkins.services``, which
    writes the email with the same outbox key."""
    from sessions.checkins import services as check_ins
    from sessions.models import CheckIn

    recorded = 0
    items = [item for batch in batches for item in batch.items]
    with scopes_disabled():  # the pairs of this scan's dues; each is then used in its scope
        pairs = {p.pk: p for p in Pair.objects.filter(pk__in={i.pair_id for i in items})
                 .select_related("cohort__organization", "cohort__program",
                                 "mentor__membership__user", "mentee__membership__user")}
    for item in items:
        pair = pairs.get(item.pair_id)
        if pair is None:
            continue
        participant = pair.mentor if item.recipient.participant_id == pair.mentor_id \
            else pair.mentee
        number = item.data["number"]
        with organization_scope(pair.cohort.organization):
            if item.data["reminder"]:
                check_in = CheckIn.objects.filter(pair=pair, participant=participant,
                                                  period=number).first()
                if check_in is not None and check_ins.check_in_remind(check_in=check_in):
                    recorded += 1
            else:
                due_on = item.due_at.astimezone(ZoneInfo(item.recipient.time_zone)).date()
                check_ins.check_in_open(pair=pair, participant=participant, period=number,
                                        due_on=due_on)
                recorded += 1
    return recorded


# --- closing inactive pairs ---------------------------------------------------------------------

def _publish_close(pair_id: int, last_activity: datetime) -> None:
    def publish() -> None:
        args = (pair_id, last_activity.isoformat())
        if not publish_task(close_inactive_pair, args, what=f"inactive close of pair {pair_id}"):
            close_inactive_pair.run(*args)

    transaction.on_commit(publish)


@shared_task(acks_late=True, ignore_result=True)
def close_inactive_pair(pair_id: int, last_activity: str) -> bool:
    """Close one pair as inactive (idempotent: a closed pair, or one where someone acted since
    ``last_activity``, is left alone)."""
    from matching.pair_lifecycle import pair_close_inactive

    with scopes_disabled():  # the id is all we have; the scope comes from the row
        pair = Pair.objects.select_related("cohort__organization").filter(pk=pair_id).first()
    if pair is None:
        return False
    seen = datetime.fromisoformat(last_activity)
    now = timezone.now()
    facts = pair_facts_load(kinds=[core.PAIR_INACTIVE], now=now, pair_ids=[pair_id]).facts
    if not facts or core.last_activity(facts[0], now) > seen:
        return False  # no longer active, or someone acted since the warning
    with organization_scope(pair.cohort.organization):
        return pair_close_inactive(pair=pair, last_activity=seen)


@shared_task(ignore_result=True)
def scan_reminders(kind: str) -> dict:
    """Beat: one reminder kind's scan (``CELERY_BEAT_SCHEDULE``: one entry per kind)."""
    report = reminders_scan(kind=kind)
    logger.info("reminder scan %s: %s", kind, report)
    return report.__dict__
