"""Reminder due-dates: pure functions (no Django) from plain facts and a ``now`` to what is due.

The Celery layer (``sessions/reminders.py``) loads :class:`PairFacts` for many pairs in a
constant number of queries, calls :func:`due_for_pair` (or one ``*_due`` rule per kind) and
hands each due :class:`Due` to a worker through the outbox. A :class:`Due` carries its outbox
key ``<kind>:<pair>:<recipient>:<subject>:<period>``: whatever the number of scans, tasks or
deliveries, one key is one notification.

Every rule reads the facts *as they are at* ``now`` (a session logged later is not logged yet),
so that a brute-force simulation stepping through a cohort gets the same answers as the
analytic due-dates (``tests/sessions/test_due_property.py``).

Time: instants are aware datetimes (UTC or any zone). "The morning of a date" and quiet hours
are wall-clock times in the *recipient's* zone, so they follow each person across daylight
saving changes; nothing here adds hours to a local wall-clock time.

| kind | who | due at | until |
|---|---|---|---|
| ``session_soon`` | both | 24 h before start | the start |
| ``session_log`` | both | 2 h after the end if not logged (period 1); 3 days later (2) | 14 days |
| ``session_rate`` | each | 1 h after the session was logged as happened, if not rated | 14 days |
| ``pair_restart`` | both | last session (or the pair's start) + cadence + 7 days | next session |
| ``pair_at_risk`` | admins | no session for 2 × cadence; 2 cancels in a row by one | 14 days |
| ``pair_inactive`` | both and admins | no activity for the inactivity days (60) | 7 days |
| ``pair_close_inactive`` | (an action) | 7 days after the warning, unless someone acted | — |
| ``check_in_due`` | each | first session + n × check-in days; 3 days after asked | next period |
| ``commitment_due`` | owner | 09:00 on the due date in the owner's zone | 3 days |
| ``action_item_due`` | owner | 09:00 on the due date in the owner's zone | 3 days |

Delivery (:func:`deliver_at`): what falls inside the recipient's quiet hours (default 20:00 to
08:00 in their zone) waits until they end; a due that expires before that is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sessions.phases import cohort_phase

SESSION_SOON = "session_soon"
SESSION_LOG = "session_log"
SESSION_RATE = "session_rate"
PAIR_RESTART = "pair_restart"
PAIR_AT_RISK = "pair_at_risk"
PAIR_INACTIVE = "pair_inactive"
PAIR_CLOSE_INACTIVE = "pair_close_inactive"
CHECK_IN_DUE = "check_in_due"
COMMITMENT_DUE = "commitment_due"
ACTION_ITEM_DUE = "action_item_due"

#: The kinds people receive (PAIR_CLOSE_INACTIVE is an action, not a message).
REMINDER_KINDS = (SESSION_SOON, SESSION_LOG, SESSION_RATE, PAIR_RESTART, PAIR_AT_RISK,
                  PAIR_INACTIVE, CHECK_IN_DUE, COMMITMENT_DUE, ACTION_ITEM_DUE)
#: Kinds exempt from "at most one reminder email per person per day".
UNCAPPED_KINDS = frozenset({SESSION_SOON})

SOON_BEFORE = timedelta(hours=24)
LOG_AFTER = timedelta(hours=2)
LOG_AGAIN_AFTER = timedelta(days=3)
RATE_AFTER = timedelta(hours=1)
RESTART_GRACE = timedelta(days=7)
INACTIVE_CLOSE_AFTER = timedelta(days=7)
CHECK_IN_REMINDER_AFTER = timedelta(days=3)
STALE_AFTER = timedelta(days=14)
DATED_STALE_AFTER = timedelta(days=3)
MORNING = time(9, 0)
DEFAULT_QUIET_START = time(20, 0)
DEFAULT_QUIET_END = time(8, 0)
DEFAULT_INACTIVITY_DAYS = 60
DEFAULT_CHECK_IN_DAYS = 28

HAPPENED, CANCELLED, SCHEDULED = "happened", "cancelled", "scheduled"
LIVE, PAUSED, ENDED = "active", "paused", "ended"


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


@dataclass(frozen=True)
class Person:
    """Someone who receives reminders. ``participant_id`` is None for an admin."""

    user_id: int
    time_zone: str = "UTC"
    quiet_start: time | None = DEFAULT_QUIET_START
    quiet_end: time | None = DEFAULT_QUIET_END
    participant_id: int | None = None


@dataclass(frozen=True)
class SessionFacts:
    id: int
    starts_at: datetime
    minutes: int
    status: str = SCHEDULED
    created_at: datetime | None = None
    logged_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: int | None = None  # participant id
    #: participant id -> when they rated it
    rated_at: dict[int, datetime] = field(default_factory=dict)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class DatedFacts:
    """A commitment or an action item: its owner (participant id) and due date."""

    id: int
    owner: int
    due_date: date
    created_at: datetime
    closed_at: datetime | None = None  # done, answered (or asked before, for commitments)


@dataclass(frozen=True)
class PairFacts:
    id: int
    status: str
    mentor: Person
    mentee: Person
    started_at: datetime
    cohort_start: date
    cohort_end: date
    cadence_days: int
    inactivity_days: int = DEFAULT_INACTIVITY_DAYS
    check_in_days: int = DEFAULT_CHECK_IN_DAYS
    admins: tuple[Person, ...] = ()
    sessions: tuple[SessionFacts, ...] = ()
    commitments: tuple[DatedFacts, ...] = ()
    action_items: tuple[DatedFacts, ...] = ()
    #: other activity (goal updates, notes, action items changed, a resume): instants
    activity: tuple[datetime, ...] = ()
    #: (participant id, check-in period) -> answered at
    check_ins: dict[tuple[int, int], datetime] = field(default_factory=dict)
    #: (participant id, check-in period) -> when it was opened (asked): the reminder counts
    #: its 3 days from then, so a check-in opened late is not reminded at once
    check_ins_opened: dict[tuple[int, int], datetime] = field(default_factory=dict)

    @property
    def people(self) -> tuple[Person, Person]:
        return (self.mentor, self.mentee)

    def person(self, participant_id: int) -> Person | None:
        for person in self.people:
            if person.participant_id == participant_id:
                return person
        return None


@dataclass(frozen=True)
class Due:
    """One notification (or the inactive close) that is due. ``due_at`` is when the rule
    fires; ``deliver_at`` is when it may go out (after the recipient's quiet hours)."""

    kind: str
    pair_id: int
    recipient: Person | None
    subject: str
    period: str
    due_at: datetime
    deliver_at: datetime
    expires_at: datetime | None = None
    data: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        who = self.recipient.user_id if self.recipient is not None else "-"
        return f"{self.kind}:{self.pair_id}:{who}:{self.subject}:{self.period}"

    @property
    def capped(self) -> bool:
        return self.kind not in UNCAPPED_KINDS


# --- time ------------------------------------------------------------------------------------

def _in_quiet(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def in_quiet_hours(person: Person, moment: datetime) -> bool:
    """Whether ``moment`` is inside ``person``'s quiet hours (their own zone)."""
    if person.quiet_start is None or person.quiet_end is None:
        return False
    local = moment.astimezone(zone(person.time_zone)).time()
    return _in_quiet(local, person.quiet_start, person.quiet_end)


def deliver_at(person: Person | None, moment: datetime) -> datetime:
    """The first instant at or after ``moment`` outside ``person``'s quiet hours."""
    if person is None or not in_quiet_hours(person, moment):
        return moment
    tz = zone(person.time_zone)
    local = moment.astimezone(tz)
    end_day = local.date()
    if local.time() >= person.quiet_end:  # quiet hours end tomorrow morning
        end_day += timedelta(days=1)
    candidate = datetime.combine(end_day, person.quiet_end, tzinfo=tz)
    # a wall-clock end inside a spring-forward gap maps past the gap; never before moment
    return max(candidate.astimezone(moment.tzinfo), moment)


def local_moment(person: Person, day: date, at: time) -> datetime:
    """``at`` o'clock on ``day`` in ``person``'s zone."""
    return datetime.combine(day, at, tzinfo=zone(person.time_zone))


def local_day(person: Person, moment: datetime) -> date:
    return moment.astimezone(zone(person.time_zone)).date()


def _due(kind: str, pair: PairFacts, recipient: Person | None, subject: str, period: str,
         due_at: datetime, expires_at: datetime | None, now: datetime,
         since: datetime | None = None, **data) -> Due | None:
    """A :class:`Due` when it may go out at ``now``, else None. ``since`` is when its subject
    came to be (a session booked inside the 24 hours): nothing is due before it exists."""
    if since is not None and since > due_at:
        due_at = since
    if due_at > now:
        return None
    when = deliver_at(recipient, due_at)
    if when > now or (recipient is not None and in_quiet_hours(recipient, now)):
        return None  # not yet, or it waited (held, a late scan) into the next quiet hours
    if expires_at is not None and now >= expires_at:
        return None
    return Due(kind=kind, pair_id=pair.id, recipient=recipient, subject=subject, period=period,
               due_at=due_at, deliver_at=when, expires_at=expires_at, data=data)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(zone("UTC")).strftime("%Y%m%dT%H%M")


# --- facts as they are at now -------------------------------------------------------------------

def _settled_before(session: SessionFacts, now: datetime) -> bool:
    """Whether :func:`_known` would return ``session`` unchanged at ``now``."""
    if any(at > now for at in session.rated_at.values()):
        return False
    logged, cancelled = session.logged_at, session.cancelled_at
    if (cancelled is not None and cancelled > now) or (logged is not None and logged > now):
        return False
    if cancelled is None and session.cancelled_by is not None:
        return False
    if session.status == SCHEDULED:
        return logged is None and cancelled is None
    if session.status == CANCELLED:
        return cancelled is not None
    return logged is not None


def _known(pair: PairFacts, now: datetime) -> list[SessionFacts]:
    """Sessions that exist at ``now``, with what was known then."""
    known = []
    for session in pair.sessions:
        if session.created_at is not None and session.created_at > now:
            continue
        if _settled_before(session, now):
            known.append(session)  # nothing about it lies after now: as it is
            continue
        logged = session.logged_at is not None and session.logged_at <= now
        cancelled = session.cancelled_at is not None and session.cancelled_at <= now
        if session.status == CANCELLED and cancelled:
            status = CANCELLED
        elif session.status not in (SCHEDULED, CANCELLED) and logged:
            status = session.status
        else:
            status = SCHEDULED
        known.append(SessionFacts(
            id=session.id, starts_at=session.starts_at, minutes=session.minutes, status=status,
            created_at=session.created_at, logged_at=session.logged_at if logged else None,
            cancelled_at=session.cancelled_at if cancelled else None,
            cancelled_by=session.cancelled_by if cancelled else None,
            rated_at={p: at for p, at in session.rated_at.items() if at <= now}))
    known.sort(key=lambda s: (s.starts_at, s.id))
    return known


def _last_happened(sessions: Sequence[SessionFacts]) -> SessionFacts | None:
    happened = [s for s in sessions if s.status == HAPPENED]
    return happened[-1] if happened else None


def _baseline(pair: PairFacts, sessions: Sequence[SessionFacts]) -> datetime:
    """When the pair last met (a happened session's end), or started or resumed."""
    moments = [pair.started_at]
    last = _last_happened(sessions)
    if last is not None:
        moments.append(min(last.ends_at, last.logged_at or last.ends_at))
    return max(moments)


def last_activity(pair: PairFacts, now: datetime) -> datetime:
    """The latest thing either person did, as known at ``now`` (or the pair's start)."""
    moments = [pair.started_at, *(at for at in pair.activity if at <= now)]
    for session in _known(pair, now):
        moments.extend(m for m in (session.created_at, session.logged_at, session.cancelled_at,
                                   *session.rated_at.values()) if m is not None)
    for item in (*pair.commitments, *pair.action_items):
        moments.extend(m for m in (item.created_at, item.closed_at)
                       if m is not None and m <= now)
    moments.extend(pair.check_ins.values())
    known = [m for m in moments if m <= now]
    return max(known) if known else pair.started_at


# --- one rule per kind ---------------------------------------------------------------------

def session_soon_due(pair: PairFacts, now: datetime) -> list[Due]:
    found = []
    for session in _known(pair, now):
        if session.status != SCHEDULED:
            continue
        for person in pair.people:
            due = _due(SESSION_SOON, pair, person, f"s{session.id}", _stamp(session.starts_at),
                       session.starts_at - SOON_BEFORE, session.starts_at, now,
                       since=session.created_at, session_id=session.id, starts_at=session.starts_at)
            if due:
                found.append(due)
    return found


def session_log_due(pair: PairFacts, now: datetime) -> list[Due]:
    found = []
    for session in _known(pair, now):
        if session.status != SCHEDULED:
            continue
        first = session.ends_at + LOG_AFTER
        for period, due_at in (("1", first), ("2", first + LOG_AGAIN_AFTER)):
            for person in pair.people:
                due = _due(SESSION_LOG, pair, person, f"s{session.id}", period, due_at,
                           due_at + STALE_AFTER, now, session_id=session.id,
                           starts_at=session.starts_at)
                if due:
                    found.append(due)
    return found


def session_rate_due(pair: PairFacts, now: datetime) -> list[Due]:
    found = []
    for session in _known(pair, now):
        if session.status != HAPPENED or session.logged_at is None:
            continue
        due_at = session.logged_at + RATE_AFTER
        for person in pair.people:
            if person.participant_id in session.rated_at:
                continue
            due = _due(SESSION_RATE, pair, person, f"s{session.id}", "once", due_at,
                       due_at + STALE_AFTER, now, session_id=session.id,
                       starts_at=session.starts_at)
            if due:
                found.append(due)
    return found


def _upcoming(sessions: Sequence[SessionFacts], now: datetime) -> bool:
    return any(s.status == SCHEDULED and s.starts_at > now for s in sessions)


def pair_restart_due(pair: PairFacts, now: datetime) -> list[Due]:
    sessions = _known(pair, now)
    if _upcoming(sessions, now):
        return []
    baseline = _baseline(pair, sessions)
    due_at = baseline + timedelta(days=pair.cadence_days) + RESTART_GRACE
    found = []
    for person in pair.people:
        today = local_day(person, max(due_at, deliver_at(person, due_at)))
        phase = cohort_phase(start=pair.cohort_start, end=pair.cohort_end, today=today)
        due = _due(PAIR_RESTART, pair, person, "pair", _stamp(baseline), due_at, None, now,
                   phase=phase)
        if due:
            found.append(due)
    return found


def _two_cancellations(sessions: Sequence[SessionFacts]) -> tuple[SessionFacts, int] | None:
    """The second of the last two settled sessions when both were cancelled by one person."""
    settled = [s for s in sessions if s.status != SCHEDULED]
    if len(settled) < 2:
        return None
    first, second = settled[-2], settled[-1]
    if first.status == second.status == CANCELLED and first.cancelled_by is not None \
            and first.cancelled_by == second.cancelled_by:
        return second, first.cancelled_by
    return None


def pair_at_risk_due(pair: PairFacts, now: datetime) -> list[Due]:
    sessions = _known(pair, now)
    found = []
    baseline = _baseline(pair, sessions)
    gap_due = baseline + timedelta(days=2 * pair.cadence_days)
    cancels = _two_cancellations(sessions)
    reasons = [("no_session", f"gap{_stamp(baseline)}", gap_due)]
    if cancels is not None:
        second, _who = cancels
        reasons.append(("cancellations", f"cancel{second.id}",
                        second.cancelled_at or second.starts_at))
    for reason, period, due_at in reasons:
        if reason == "no_session" and _upcoming(sessions, now):
            continue
        for admin in pair.admins:
            due = _due(PAIR_AT_RISK, pair, admin, "pair", period, due_at,
                       due_at + STALE_AFTER, now, reason=reason)
            if due:
                found.append(due)
    return found


def pair_inactive_due(pair: PairFacts, now: datetime) -> list[Due]:
    """The warning (both people, then the cohort's admins) and, 7 days on, the close."""
    since = last_activity(pair, now)
    warn_at = since + timedelta(days=pair.inactivity_days)
    close_at = warn_at + INACTIVE_CLOSE_AFTER
    period = _stamp(since)
    found = []
    for person in (*pair.people, *pair.admins):
        due = _due(PAIR_INACTIVE, pair, person, "pair", period, warn_at, close_at, now,
                   close_at=close_at, audience="hr" if person.participant_id is None
                   else "pair")
        if due:
            found.append(due)
    if close_at <= now:
        found.append(Due(kind=PAIR_CLOSE_INACTIVE, pair_id=pair.id, recipient=None,
                         subject="pair", period=period, due_at=close_at, deliver_at=close_at,
                         data={"last_activity": since}))
    return found


def check_in_period(pair: PairFacts, now: datetime) -> tuple[int, datetime] | None:
    """The current check-in period (1, 2, …) and when it began: every ``check_in_days``
    from the pair's first session that happened; None before the first period."""
    sessions = _known(pair, now)
    first = next((s for s in sessions if s.status == HAPPENED), None)
    if first is None or pair.check_in_days <= 0:
        return None
    step = timedelta(days=pair.check_in_days)
    number = int((now - first.starts_at) / step)
    if number < 1:
        return None
    return number, first.starts_at + number * step


def check_in_due(pair: PairFacts, now: datetime) -> list[Due]:
    current = check_in_period(pair, now)
    if current is None:
        return []
    number, began = current
    ends = began + timedelta(days=pair.check_in_days)
    found = []
    for person in pair.people:
        answered = pair.check_ins.get((person.participant_id, number))
        if answered is not None and answered <= now:
            continue
        moments = [(f"{number}", began)]
        opened = pair.check_ins_opened.get((person.participant_id, number))
        if opened is not None and opened <= now:
            moments.append((f"{number}r", max(began, opened) + CHECK_IN_REMINDER_AFTER))
        for period, due_at in moments:
            due = _due(CHECK_IN_DUE, pair, person, f"c{number}", period, due_at, ends, now,
                       number=number, reminder=period.endswith("r"))
            if due:
                found.append(due)
    return found


def _dated_due(kind: str, pair: PairFacts, items: Iterable[DatedFacts],
               now: datetime) -> list[Due]:
    found = []
    for item in items:
        if item.created_at > now or (item.closed_at is not None and item.closed_at <= now):
            continue
        owner = pair.person(item.owner)
        if owner is None:
            continue
        due_at = local_moment(owner, item.due_date, MORNING)
        due = _due(kind, pair, owner, f"i{item.id}", item.due_date.isoformat(), due_at,
                   due_at + DATED_STALE_AFTER, now, since=item.created_at, item_id=item.id,
                   due_date=item.due_date)
        if due:
            found.append(due)
    return found


def commitment_due(pair: PairFacts, now: datetime) -> list[Due]:
    return _dated_due(COMMITMENT_DUE, pair, pair.commitments, now)


def action_item_due(pair: PairFacts, now: datetime) -> list[Due]:
    return _dated_due(ACTION_ITEM_DUE, pair, pair.action_items, now)


RULES = {
    SESSION_SOON: session_soon_due,
    SESSION_LOG: session_log_due,
    SESSION_RATE: session_rate_due,
    PAIR_RESTART: pair_restart_due,
    PAIR_AT_RISK: pair_at_risk_due,
    PAIR_INACTIVE: pair_inactive_due,
    CHECK_IN_DUE: check_in_due,
    COMMITMENT_DUE: commitment_due,
    ACTION_ITEM_DUE: action_item_due,
}


def due_for_pair(pair: PairFacts, now: datetime, kinds: Iterable[str] = RULES) -> list[Due]:
    """Everything due for ``pair`` at ``now`` (nothing for a paused or ended pair)."""
    if pair.status != LIVE:
        return []
    return [due for kind in kinds for due in RULES[kind](pair, now)]


# --- at most one reminder email per person per day ----------------------------------------------

@dataclass(frozen=True)
class Batch:
    """What one recipient gets now: one email listing ``items`` (or in-app entries only)."""

    recipient: Person
    kind: str
    items: tuple[Due, ...]
    email: bool


def plan_batches(dues: Iterable[Due], *, now: datetime, channels: dict[tuple[int, str], str],
                 emailed_today: set[int]) -> tuple[list[Batch], list[Due]]:
    """Group a scan's dues by recipient and kind into batches, and hold back what would be a
    second capped reminder email of the recipient's day. ``channels`` maps (user id, kind) to
    "email" (default), "in_app" or "off"; ``emailed_today`` holds the users who already got a
    capped reminder email on their current local day. Returns (batches, held): held dues
    wait, and are found due again by a later scan (the next day)."""
    grouped: dict[tuple[int, str], list[Due]] = {}
    people: dict[int, Person] = {}
    for due in dues:
        if due.recipient is None:
            continue
        grouped.setdefault((due.recipient.user_id, due.kind), []).append(due)
        people[due.recipient.user_id] = due.recipient
    batches, held = [], []
    emailed = set(emailed_today)
    for (user_id, kind), items in sorted(grouped.items(), key=lambda entry: entry[0]):
        channel = channels.get((user_id, kind), "email")
        if channel == "off":
            continue
        items.sort(key=lambda d: (d.due_at, d.key))
        if channel != "email":
            batches.append(Batch(people[user_id], kind, tuple(items), email=False))
            continue
        if kind in UNCAPPED_KINDS:
            batches.extend(Batch(people[user_id], kind, (item,), email=True) for item in items)
            continue
        if user_id in emailed:
            held.extend(items)
            continue
        emailed.add(user_id)
        batches.append(Batch(people[user_id], kind, tuple(items), email=True))
    return batches, held
