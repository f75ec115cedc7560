"""sessions/due.py without a database: each kind fires when due, in the recipient's zone and
outside their quiet hours, across daylight saving changes, and never for a paused pair; and a
brute-force simulation stepping through a cohort every 15 minutes agrees with the analytic
due-dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions import due as d

LONDON, NEW_YORK = "Europe/London", "America/New_York"
STEP = timedelta(minutes=15)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def person(user_id, tz=LONDON, participant_id=None, quiet=(time(20), time(8))):
    return d.Person(user_id=user_id, time_zone=tz, quiet_start=quiet[0], quiet_end=quiet[1],
                    participant_id=participant_id if participant_id is not None else user_id)


def pair_facts(**overrides) -> d.PairFacts:
    values = {"id": 7, "status": d.LIVE, "mentor": person(1, LONDON), "mentee": person(2, NEW_YORK),
              "started_at": utc(2026, 1, 5, 9), "cohort_start": date(2026, 1, 5),
              "cohort_end": date(2026, 12, 18), "cadence_days": 14,
              "admins": (d.Person(user_id=9, time_zone=LONDON),)}
    values.update(overrides)
    return d.PairFacts(**values)


def first_fire(pair, kind, start, end, step=STEP):
    """key -> first step at which the rule reports it (what the outbox would record)."""
    seen: dict[str, datetime] = {}
    now = start
    while now <= end:
        for due in d.due_for_pair(pair, now, kinds=[kind]):
            seen.setdefault(due.key, now)
        now += step
    return seen


# --- quiet hours and zones ---------------------------------------------------------------------

def test_quiet_hours_push_to_their_end_in_the_persons_zone():
    maya = person(1, LONDON)
    # 21:30 London in winter is quiet: it waits until 08:00 London the next morning
    assert d.deliver_at(maya, utc(2026, 1, 10, 21, 30)) == utc(2026, 1, 11, 8)
    # 06:00 London: until 08:00 the same day; 12:00 is not quiet
    assert d.deliver_at(maya, utc(2026, 1, 10, 6)) == utc(2026, 1, 10, 8)
    assert d.deliver_at(maya, utc(2026, 1, 10, 12)) == utc(2026, 1, 10, 12)
    # in British summer time 08:00 London is 07:00 UTC
    assert d.deliver_at(maya, utc(2026, 7, 10, 5)) == utc(2026, 7, 10, 7)


@pytest.mark.parametrize(("tz", "night", "morning"), [
    # the night the clocks go forward and the night they go back
    (LONDON, utc(2026, 3, 28, 22), utc(2026, 3, 29, 7)),   # 08:00 BST
    (LONDON, utc(2026, 10, 24, 22), utc(2026, 10, 25, 8)),  # 08:00 GMT
    (NEW_YORK, utc(2026, 3, 8, 3), utc(2026, 3, 8, 12)),   # 08:00 EDT
    (NEW_YORK, utc(2026, 11, 1, 3), utc(2026, 11, 1, 13)),  # 08:00 EST
])
def test_quiet_hours_end_at_eight_local_across_dst(tz, night, morning):
    assert d.deliver_at(person(1, tz), night) == morning


def test_quiet_hours_that_do_not_wrap_midnight_and_none():
    lunch = person(1, "UTC", quiet=(time(12), time(13)))
    assert d.deliver_at(lunch, utc(2026, 1, 1, 12, 30)) == utc(2026, 1, 1, 13)
    assert d.deliver_at(lunch, utc(2026, 1, 1, 23)) == utc(2026, 1, 1, 23)
    never_quiet = person(1, "UTC", quiet=(None, None))
    assert d.deliver_at(never_quiet, utc(2026, 1, 1, 3)) == utc(2026, 1, 1, 3)


# --- each kind ---------------------------------------------------------------------------------

def session(sid=1, start=None, minutes=60, **kw):
    return d.SessionFacts(id=sid, starts_at=start or utc(2026, 2, 10, 14), minutes=minutes,
                          created_at=kw.pop("created_at", utc(2026, 1, 20, 12)), **kw)


def test_session_soon_fires_24_hours_before_for_both_once():
    pair = pair_facts(sessions=(session(start=utc(2026, 2, 10, 14)),))
    fired = first_fire(pair, d.SESSION_SOON, utc(2026, 2, 8), utc(2026, 2, 11))
    assert fired == {"session_soon:7:1:s1:20260210T1400": utc(2026, 2, 9, 14),
                     "session_soon:7:2:s1:20260210T1400": utc(2026, 2, 9, 14)}


def test_session_soon_in_the_night_waits_for_the_morning_and_drops_if_too_late():
    # a 07:30 London session: 24 h before is 07:30, quiet for Maya until 08:00; Edward (New
    # York, 02:30) would wait until 08:00 New York = 13:00 UTC, before the session: fine
    pair = pair_facts(sessions=(session(start=utc(2026, 2, 10, 7, 30)),))
    fired = first_fire(pair, d.SESSION_SOON, utc(2026, 2, 8), utc(2026, 2, 11))
    assert fired == {"session_soon:7:1:s1:20260210T0730": utc(2026, 2, 9, 8),
                     "session_soon:7:2:s1:20260210T0730": utc(2026, 2, 9, 13)}
    # booked at 22:00 London for 07:00 the next morning: Maya's quiet hours last past the
    # start, so she gets no "soon" (the invitation told her); Edward (17:00 NY) gets it at once
    late = pair_facts(sessions=(session(start=utc(2026, 2, 10, 7),
                                        created_at=utc(2026, 2, 9, 22)),))
    fired = first_fire(late, d.SESSION_SOON, utc(2026, 2, 9, 21), utc(2026, 2, 11))
    assert fired == {"session_soon:7:2:s1:20260210T0700": utc(2026, 2, 9, 22)}


def test_log_your_session_after_two_hours_and_again_after_three_days_unless_logged():
    s = session(start=utc(2026, 2, 10, 14))  # ends 15:00; due 17:00
    pair = pair_facts(sessions=(s,))
    fired = first_fire(pair, d.SESSION_LOG, utc(2026, 2, 10), utc(2026, 3, 10), step=STEP * 4)
    assert fired == {"session_log:7:1:s1:1": utc(2026, 2, 10, 17),
                     "session_log:7:2:s1:1": utc(2026, 2, 10, 17),
                     "session_log:7:1:s1:2": utc(2026, 2, 13, 17),
                     # 12:00 New York: outside Edward's quiet hours too
                     "session_log:7:2:s1:2": utc(2026, 2, 13, 17)}
    logged = pair_facts(sessions=(session(start=utc(2026, 2, 10, 14), status=d.HAPPENED,
                                          logged_at=utc(2026, 2, 11, 9)),))
    fired = first_fire(logged, d.SESSION_LOG, utc(2026, 2, 10), utc(2026, 3, 10), step=STEP * 4)
    assert set(fired) == {"session_log:7:1:s1:1", "session_log:7:2:s1:1"}


def test_rate_your_session_once_for_whoever_has_not_rated():
    s = session(status=d.HAPPENED, logged_at=utc(2026, 2, 10, 15, 30),
                rated_at={1: utc(2026, 2, 10, 15, 30)})
    fired = first_fire(pair_facts(sessions=(s,)), d.SESSION_RATE, utc(2026, 2, 10),
                       utc(2026, 3, 1))
    assert fired == {"session_rate:7:2:s1:once": utc(2026, 2, 10, 16, 30)}


def test_get_started_again_after_cadence_plus_seven_days_with_the_phase():
    s = session(start=utc(2026, 2, 2, 10), status=d.HAPPENED, logged_at=utc(2026, 2, 2, 12))
    pair = pair_facts(sessions=(s,))
    now = utc(2026, 2, 23, 11)  # 11:00 ends + 14 + 7 days
    found = d.due_for_pair(pair, now, kinds=[d.PAIR_RESTART])
    assert {due.key for due in found} == {"pair_restart:7:1:pair:20260202T1100"}
    assert found[0].data["phase"] == "early"
    later = d.due_for_pair(pair, utc(2026, 2, 23, 13), kinds=[d.PAIR_RESTART])
    assert {due.recipient.user_id for due in later} == {1, 2}  # 08:00 New York
    # a session booked ahead means they are on their way: nothing
    booked = pair_facts(sessions=(s, session(sid=2, start=utc(2026, 3, 1, 10))))
    assert d.due_for_pair(booked, now, kinds=[d.PAIR_RESTART]) == []


def test_pair_at_risk_for_admins_on_a_long_gap_or_two_cancellations_by_one_person():
    pair = pair_facts()
    gap = d.due_for_pair(pair, utc(2026, 2, 2, 9), kinds=[d.PAIR_AT_RISK])
    assert [(x.recipient.user_id, x.data["reason"]) for x in gap] == [(9, "no_session")]
    cancels = (
        session(sid=1, start=utc(2026, 1, 12, 10), status=d.CANCELLED, cancelled_by=2,
                cancelled_at=utc(2026, 1, 11, 10), created_at=utc(2026, 1, 6)),
        session(sid=2, start=utc(2026, 1, 19, 10), status=d.CANCELLED, cancelled_by=2,
                cancelled_at=utc(2026, 1, 18, 10), created_at=utc(2026, 1, 6)),
        session(sid=3, start=utc(2026, 1, 26, 10), created_at=utc(2026, 1, 6)),
    )
    found = d.due_for_pair(pair_facts(sessions=cancels), utc(2026, 1, 18, 10),
                           kinds=[d.PAIR_AT_RISK])
    assert [x.key for x in found] == ["pair_at_risk:7:9:pair:cancel2"]
    # cancelled by each of them once: not a pattern
    mixed = (cancels[0], d.SessionFacts(**{**cancels[1].__dict__, "cancelled_by": 1}))
    assert d.due_for_pair(pair_facts(sessions=mixed), utc(2026, 1, 18, 10),
                          kinds=[d.PAIR_AT_RISK]) == []


def test_inactive_pair_warns_both_and_hr_then_closes_unless_someone_acts():
    pair = pair_facts(inactivity_days=60)
    warn = utc(2026, 1, 5, 9) + timedelta(days=60)
    kinds = [d.PAIR_INACTIVE]
    assert d.due_for_pair(pair, warn - STEP, kinds=kinds) == []
    found = d.due_for_pair(pair, warn + timedelta(hours=4), kinds=kinds)  # 08:00 New York
    assert sorted((x.kind, x.recipient.user_id, x.data["audience"]) for x in found) == [
        ("pair_inactive", 1, "pair"), ("pair_inactive", 2, "pair"), ("pair_inactive", 9, "hr")]
    closing = d.due_for_pair(pair, warn + timedelta(days=7), kinds=kinds)
    assert [x.kind for x in closing] == ["pair_close_inactive"]
    acted = pair_facts(activity=(warn + timedelta(days=3),))
    assert d.due_for_pair(acted, warn + timedelta(days=7), kinds=kinds) == []


def test_check_in_at_the_cadence_from_the_first_session_and_one_reminder():
    first = session(start=utc(2026, 1, 12, 14), status=d.HAPPENED, logged_at=utc(2026, 1, 12, 16))
    pair = pair_facts(sessions=(first,), check_in_days=28,
                      check_ins={(1, 1): utc(2026, 2, 9, 15)},
                      check_ins_opened={(1, 1): utc(2026, 2, 9, 14),
                                        (2, 1): utc(2026, 2, 9, 14)})
    fired = first_fire(pair, d.CHECK_IN_DUE, utc(2026, 2, 1), utc(2026, 2, 20))
    assert fired == {"check_in_due:7:1:c1:1": utc(2026, 2, 9, 14),
                     "check_in_due:7:2:c1:1": utc(2026, 2, 9, 14),
                     "check_in_due:7:2:c1:1r": utc(2026, 2, 12, 14)}
    # opened late (a held day): reminded 3 days after it was asked, not at once
    late = pair_facts(sessions=(first,), check_in_days=28,
                      check_ins_opened={(2, 1): utc(2026, 2, 11, 14)})
    fired = first_fire(late, d.CHECK_IN_DUE, utc(2026, 2, 1), utc(2026, 2, 20))
    assert fired["check_in_due:7:2:c1:1r"] == utc(2026, 2, 14, 14)


@pytest.mark.parametrize("kind", [d.COMMITMENT_DUE, d.ACTION_ITEM_DUE])
def test_dated_items_at_nine_in_the_owners_zone_not_the_orgs(kind):
    item = d.DatedFacts(id=3, owner=2, due_date=date(2026, 3, 9), created_at=utc(2026, 2, 1))
    field = "commitments" if kind == d.COMMITMENT_DUE else "action_items"
    pair = pair_facts(**{field: (item,)})
    fired = first_fire(pair, kind, utc(2026, 3, 8), utc(2026, 3, 15))
    # 09:00 New York on 9 March 2026 is EDT (the clocks went forward on the 8th): 13:00 UTC
    assert fired == {f"{kind}:7:2:i3:2026-03-09": utc(2026, 3, 9, 13)}
    done = pair_facts(**{field: (d.DatedFacts(**{**item.__dict__,
                                                 "closed_at": utc(2026, 3, 8)}),)})
    assert first_fire(done, kind, utc(2026, 3, 8), utc(2026, 3, 15)) == {}


@pytest.mark.parametrize("status", [d.PAUSED, d.ENDED])
def test_a_paused_or_ended_pair_gets_nothing(status):
    s = session(start=utc(2026, 2, 10, 14))
    pair = pair_facts(status=status, sessions=(s,))
    assert d.due_for_pair(pair, utc(2026, 2, 9, 14)) == []
    assert d.due_for_pair(pair, utc(2026, 6, 1)) == []


def test_one_capped_email_per_person_per_day_session_soon_apart():
    maya = person(1)
    now = utc(2026, 2, 10, 12)

    def due(kind, subject):
        return d.Due(kind=kind, pair_id=7, recipient=maya, subject=subject, period="1",
                     due_at=now, deliver_at=now)

    dues = [due(d.SESSION_LOG, "s1"), due(d.SESSION_LOG, "s2"), due(d.SESSION_SOON, "s3")]
    batches, held = d.plan_batches(dues, now=now, channels={}, emailed_today=set())
    assert [(b.kind, len(b.items), b.email) for b in batches] == [
        (d.SESSION_LOG, 2, True), (d.SESSION_SOON, 1, True)]
    assert held == []
    batches, held = d.plan_batches(dues, now=now, channels={}, emailed_today={1})
    assert [(b.kind, b.email) for b in batches] == [(d.SESSION_SOON, True)]
    assert [x.subject for x in held] == ["s1", "s2"]
    batches, held = d.plan_batches(dues, now=now, emailed_today={1},
                                   channels={(1, d.SESSION_LOG): "in_app",
                                             (1, d.SESSION_SOON): "off"})
    assert [(b.kind, b.email) for b in batches] == [(d.SESSION_LOG, False)]


# --- property: the analytic core against a brute-force 15-minute simulation -----------------

ZONES = [LONDON, NEW_YORK, "UTC", "Asia/Kolkata", "Australia/Sydney"]
GRID_START = utc(2026, 2, 23)  # the cohort spans both 2026 spring changes (8 and 29 March)
GRID_DAYS = 70


def _grid(step_index: int) -> datetime:
    return GRID_START + step_index * STEP


@st.composite
def cohorts(draw):
    def who(uid):
        tz = draw(st.sampled_from(ZONES))
        start = time(draw(st.integers(18, 23)), draw(st.sampled_from([0, 15, 30, 45])))
        end = time(draw(st.integers(5, 9)), draw(st.sampled_from([0, 30])))
        return person(uid, tz, quiet=(start, end))

    mentor, mentee = who(1), who(2)
    steps = GRID_DAYS * 96
    sessions = []
    for sid in range(draw(st.integers(0, 4))):
        created = draw(st.integers(0, steps - 200))
        start = created + draw(st.integers(4, 2000))
        status = draw(st.sampled_from([d.SCHEDULED, d.HAPPENED, d.CANCELLED]))
        minutes = draw(st.sampled_from([30, 45, 60, 90]))
        settle = start + minutes // 15 + draw(st.integers(0, 600))
        rated = {p: _grid(settle + draw(st.integers(0, 40)))
                 for p in (1, 2) if status == d.HAPPENED and draw(st.booleans())}
        sessions.append(d.SessionFacts(
            id=sid + 1, starts_at=_grid(start), minutes=minutes, status=status,
            created_at=_grid(created),
            logged_at=_grid(settle) if status == d.HAPPENED else None,
            cancelled_at=_grid(created + 1) if status == d.CANCELLED else None,
            cancelled_by=draw(st.sampled_from([1, 2])) if status == d.CANCELLED else None,
            rated_at=rated))
    items = tuple(d.DatedFacts(id=i + 1, owner=draw(st.sampled_from([1, 2])),
                               due_date=(GRID_START + timedelta(days=draw(
                                   st.integers(1, GRID_DAYS - 5)))).date(),
                               created_at=GRID_START)
                  for i in range(draw(st.integers(0, 2))))
    answers = {(p, n): _grid(draw(st.integers(0, steps)))
               for p in (1, 2) for n in (1, 2) if draw(st.booleans())}
    opened = {(p, n): _grid(draw(st.integers(0, steps)))
              for p in (1, 2) for n in (1, 2) if draw(st.booleans())}
    return pair_facts(mentor=mentor, mentee=mentee, started_at=GRID_START,
                      cohort_start=GRID_START.date(), cohort_end=(GRID_START + timedelta(
                          days=GRID_DAYS)).date(), cadence_days=draw(st.sampled_from([7, 14])),
                      check_in_days=draw(st.sampled_from([14, 21, 28])), sessions=tuple(sessions),
                      action_items=items, check_ins=answers, check_ins_opened=opened)


def _quiet(p: d.Person, moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo(p.time_zone)).time()
    return local >= p.quiet_start or local < p.quiet_end


def _state(s: d.SessionFacts, t: datetime) -> str | None:
    if s.created_at > t:
        return None
    if s.status == d.CANCELLED and s.cancelled_at <= t:
        return d.CANCELLED
    if s.status == d.HAPPENED and s.logged_at <= t:
        return d.HAPPENED
    return d.SCHEDULED


def oracle(pair: d.PairFacts, t: datetime) -> set[str]:
    """Which keys a person could be told about at ``t``, written from the issue's table as
    conditions on the moment, and awake: no due-date arithmetic, no quiet-hours shift."""
    keys = set()
    people = {p.user_id: p for p in pair.people}
    happened = sorted((s for s in pair.sessions if _state(s, t) == d.HAPPENED),
                      key=lambda s: s.starts_at)
    for s in pair.sessions:
        state = _state(s, t)
        end = s.starts_at + timedelta(minutes=s.minutes)
        for uid, p in people.items():
            if _quiet(p, t):
                continue
            if state == d.SCHEDULED and timedelta(0) < s.starts_at - t <= timedelta(hours=24):
                keys.add(f"session_soon:7:{uid}:s{s.id}:{s.starts_at:%Y%m%dT%H%M}")
            for n, after in (("1", timedelta(hours=2)), ("2", timedelta(days=3, hours=2))):
                if state == d.SCHEDULED and timedelta(0) <= t - end - after < timedelta(days=14):
                    keys.add(f"session_log:7:{uid}:s{s.id}:{n}")
            if state == d.HAPPENED and not any(at <= t for q, at in s.rated_at.items()
                                               if q == p.participant_id) \
                    and timedelta(hours=1) <= t - s.logged_at < timedelta(days=14, hours=1):
                keys.add(f"session_rate:7:{uid}:s{s.id}:once")
    for item in pair.action_items:
        p = pair.person(item.owner)
        local = t.astimezone(ZoneInfo(p.time_zone))
        morning = datetime.combine(item.due_date, time(9), tzinfo=ZoneInfo(p.time_zone))
        if not _quiet(p, t) and morning <= local < morning + timedelta(days=3):
            keys.add(f"action_item_due:7:{p.user_id}:i{item.id}:{item.due_date}")
    if happened:
        first = min(s.starts_at for s in happened)
        days = timedelta(days=pair.check_in_days)
        n = int((t - first) / days)
        if n >= 1:
            for uid, p in people.items():
                answered = pair.check_ins.get((p.participant_id, n))
                if _quiet(p, t) or (answered is not None and answered <= t):
                    continue
                keys.add(f"check_in_due:7:{uid}:c{n}:{n}")
                asked = pair.check_ins_opened.get((p.participant_id, n))
                if asked is not None and asked <= t and t - (first + n * days) >= timedelta(
                        days=3) and t - asked >= timedelta(days=3):
                    keys.add(f"check_in_due:7:{uid}:c{n}:{n}r")
    return keys


PROPERTY_KINDS = [d.SESSION_SOON, d.SESSION_LOG, d.SESSION_RATE, d.ACTION_ITEM_DUE,
                  d.CHECK_IN_DUE]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_core_agrees_with_a_15_minute_simulation(pair):
    """Stepping every 15 minutes: the first moment each key is reported (what the outbox
    records, once) is the first moment the brute-force conditions hold while the person is
    awake; the core's ``deliver_at`` is that same moment (every fact is on the grid); and a
    key the core reports once is never reported for a second period of the same thing."""
    core_first: dict[str, datetime] = {}
    oracle_first: dict[str, datetime] = {}
    delivered: dict[str, datetime] = {}
    t = GRID_START
    while t <= GRID_START + timedelta(days=GRID_DAYS):
        for due in d.due_for_pair(pair, t, kinds=PROPERTY_KINDS):
            if due.key not in core_first:
                core_first[due.key], delivered[due.key] = t, due.deliver_at
        for key in oracle(pair, t):
            oracle_first.setdefault(key, t)
        t += STEP
    assert core_first == oracle_first
    for key, at in core_first.items():
        assert at - STEP < delivered[key] <= at, key
