"""A small hand-counted cohort for the participation and engagement panels (d1's tests).

The "pilot" cohort of Acme (Europe/London, which is UTC in winter: every session starts at
10:00 UTC = 10:00 local) runs from Monday 11 January 2027 to 30 June 2027, cadence 14 days.
Today is Monday 8 March 2027: 56 days after the start, so a pair that started with the cohort
is expected to have held 56 // 14 = 4 sessions. The range is 11 January – 7 March 2027.

People (places of the cohort), every name and address distinctive so a test can look for them:

- enrolled, profile complete (completeness 100): m1..m6 (mentors), e1, e2, e3, e5, e6
  (mentees) and u1 (mentor, never paired)                         → 12
- enrolled, profile incomplete (completeness 60): e4 (paired), u2 (not) →  2
- applied (not enrolled): a1; withdrawn: w1                        →  2
- cohort invitations that count: 3 pending and 1 expired unanswered addresses  →  4
- cohort invitations that do not count: one withdrawn (revoked), one whose address is already
  a place (m1's), one accepted by the account that holds place u2 (another address), and the
  same address as a counted pending one in capitals (counted once per cohort and address).

Pairs (all created 4 January 2027, so they start with the cohort on 11 January):

| pair | people | state | held sessions (day: minutes logged, else planned) | health today |
|---|---|---|---|---|
| P0 | m1–e3 | ended "re-paired" 20 Jan | none | ended (expected 9 // 14 = 0) |
| P1 | m1–e1 | active | 18 Jan, 1 Feb, 15 Feb, 1 Mar: 60 each | on track (4 of 4) |
| P2 | m2–e2 | active | 12 Jan, 26 Jan, 9 Feb, 23 Feb, 4 Mar: planned 45 | on track (5 of 4) |
| P3 | m3–e3 | active | 18 Jan: 20 | at risk (1 of 4) |
| P4 | m4–e4 | active | 19 Jan, 2 Feb, 1 Mar: 30 each | slipping (3 of 4) |
| P5 | m5–e5 | ended "goals completed" 22 Feb | 13, 27 Jan, 10 Feb: 90 each | ended (42 // 14 = 3) |
| P6 | m6–e6 | paused since 15 Feb | 25 Jan, 8 Feb: planned 30 | paused (35 // 14 = 2) |

Sessions that did not happen: P1 cancelled by its leader (e1) on 10 Feb and on 8 Mar (outside
the range); P3 cancelled by its leader (e3) on 25 Jan and 8 Feb, no-show on 22 Feb; P4
cancelled by its junior (m4) on 15 Feb; P6 cancelled by nobody (when it paused) on 20 Feb;
P2 still scheduled on 5 Mar (not logged).

A second cohort of the same program that ended before the range (with a place and a pair)
and a draft cohort (with a place) are out of scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from dashboards.scope import DashboardScope
from matching.models import Pair, PairEndReason, PairStatus
from programs.models import Cohort, CohortStatus, Participant, ParticipantStatus
from sessions.models import SessionStatus
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import (
    CohortFactory,
    CohortInvitationFactory,
    ParticipantFactory,
    ProgramFactory,
)
from tests.factories.sessions import MentoringSessionFactory

TODAY = dt.date(2027, 3, 8)
START = dt.date(2027, 1, 11)
RANGE = (dt.date(2027, 1, 11), dt.date(2027, 3, 7))
UTC = dt.UTC


def at(day: str, hour: int = 10) -> dt.datetime:
    """``"2027-01-18"`` at ``hour``:00 UTC."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=UTC)


def scope_of(organization, *, k: int = 3, cohort: Cohort | None = None,
             date_from: dt.date = RANGE[0], date_to: dt.date = RANGE[1],
             today: dt.date = TODAY) -> DashboardScope:
    return DashboardScope(organization_id=organization.pk, k=k, today=today,
                          date_from=date_from, date_to=date_to,
                          program_id=cohort.program_id if cohort else None,
                          cohort_id=cohort.pk if cohort else None)


@dataclass
class Pilot:
    cohort: Cohort
    people: dict[str, Participant] = field(default_factory=dict)
    pairs: dict[str, Pair] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.membership.user.full_name for p in self.people.values()]

    @property
    def emails(self) -> list[str]:
        return [p.membership.user.email for p in self.people.values()]


def person(cohort: Cohort, key: str, *, role: str, complete: bool = True,
           status: str = ParticipantStatus.ACTIVE) -> Participant:
    user = UserFactory(full_name=f"Zephyrine {key.upper()} Quillfeather",
                       email=f"zq-{key}-{cohort.pk}@pilot.example")
    membership = MembershipFactory(organization=cohort.organization, user=user)
    return ParticipantFactory(cohort=cohort, membership=membership, role=role, status=status,
                              completeness=100 if complete else 60)


def pair(cohort: Cohort, mentor: Participant, mentee: Participant, *,
         status: str = PairStatus.ACTIVE, **fields) -> Pair:
    made = PairFactory(cohort=cohort, mentor=mentor, mentee=mentee, status=status, **fields)
    Pair.objects.filter(pk=made.pk).update(created_at=at("2027-01-04"))
    return made


def session(made: Pair, day: str, *, status: str = SessionStatus.HAPPENED,
            actual: int | None = None, planned: int = 45, cancelled_by=None, hour: int = 10):
    return MentoringSessionFactory(pair=made, starts_at=at(day, hour), status=status,
                                   actual_minutes=actual, duration_minutes=planned,
                                   cancelled_by=cancelled_by)


def pilot_cohort(organization) -> Pilot:
    """The cohort described in the module docstring (call inside the tenant scope)."""
    program = ProgramFactory(organization=organization)
    cohort = CohortFactory(program=program, status=CohortStatus.ACTIVE, start_date=START,
                           end_date=dt.date(2027, 6, 30), cadence_days=14)
    built = Pilot(cohort=cohort)
    people = built.people
    for key in ("m1", "m2", "m3", "m4", "m5", "m6", "u1"):
        people[key] = person(cohort, key, role="mentor")
    for key in ("e1", "e2", "e3", "e5", "e6"):
        people[key] = person(cohort, key, role="mentee")
    people["e4"] = person(cohort, "e4", role="mentee", complete=False)
    people["u2"] = person(cohort, "u2", role="mentor", complete=False)
    people["a1"] = person(cohort, "a1", role="mentee", status=ParticipantStatus.APPLIED)
    people["w1"] = person(cohort, "w1", role="mentee", status=ParticipantStatus.WITHDRAWN)

    # invitations: 3 pending + 1 expired count; the rest do not
    past = timezone.now() - dt.timedelta(days=1)
    for address in ("pending-1@pilot.example", "pending-2@pilot.example",
                    "pending-3@pilot.example"):
        CohortInvitationFactory(cohort=cohort, invitation__email=address)
    CohortInvitationFactory(cohort=cohort, invitation__email="expired@pilot.example",
                            invitation__expires_at=past)
    CohortInvitationFactory(cohort=cohort, invitation__email="PENDING-1@pilot.example")
    CohortInvitationFactory(cohort=cohort, invitation__email="withdrawn@pilot.example",
                            invitation__revoked_at=past)
    CohortInvitationFactory(cohort=cohort, invitation__email=people["m1"].membership.user.email)
    CohortInvitationFactory(cohort=cohort, invitation__email="old-address@pilot.example",
                            invitation__accepted_at=past,
                            invitation__accepted_by=people["u2"].membership.user)

    p = built.pairs
    p["P0"] = pair(cohort, people["m1"], people["e3"], status=PairStatus.ENDED,
                   end_reason=PairEndReason.RE_PAIRED, ended_at=at("2027-01-20"))
    p["P1"] = pair(cohort, people["m1"], people["e1"])
    for day in ("2027-01-18", "2027-02-01", "2027-02-15", "2027-03-01"):
        session(p["P1"], day, actual=60)
    p["P2"] = pair(cohort, people["m2"], people["e2"])
    for day in ("2027-01-12", "2027-01-26", "2027-02-09", "2027-02-23", "2027-03-04"):
        session(p["P2"], day)
    p["P3"] = pair(cohort, people["m3"], people["e3"])
    session(p["P3"], "2027-01-18", actual=20)
    p["P4"] = pair(cohort, people["m4"], people["e4"])
    for day in ("2027-01-19", "2027-02-02", "2027-03-01"):
        session(p["P4"], day, actual=30)
    p["P5"] = pair(cohort, people["m5"], people["e5"], status=PairStatus.ENDED,
                   end_reason=PairEndReason.GOALS_COMPLETED, ended_at=at("2027-02-22"))
    for day in ("2027-01-13", "2027-01-27", "2027-02-10"):
        session(p["P5"], day, actual=90)
    p["P6"] = pair(cohort, people["m6"], people["e6"], status=PairStatus.PAUSED,
                   paused_at=at("2027-02-15"), paused_until=dt.date(2027, 3, 29))
    for day in ("2027-01-25", "2027-02-08"):
        session(p["P6"], day, planned=30)

    cancelled = SessionStatus.CANCELLED
    session(p["P1"], "2027-02-10", status=cancelled, cancelled_by=people["e1"])
    session(p["P1"], "2027-03-08", status=cancelled, cancelled_by=people["e1"])
    session(p["P3"], "2027-01-25", status=cancelled, cancelled_by=people["e3"])
    session(p["P3"], "2027-02-08", status=cancelled, cancelled_by=people["e3"])
    session(p["P3"], "2027-02-22", status=SessionStatus.NO_SHOW)
    session(p["P4"], "2027-02-15", status=cancelled, cancelled_by=people["m4"])
    session(p["P6"], "2027-02-20", status=cancelled)
    session(p["P2"], "2027-03-05", status=SessionStatus.SCHEDULED)

    # out of scope: a cohort that ended before the range, and a draft
    earlier = CohortFactory(program=program, status=CohortStatus.COMPLETED,
                            start_date=dt.date(2026, 1, 12), end_date=dt.date(2026, 6, 30))
    old = pair(earlier, person(earlier, "o1", role="mentor"),
               person(earlier, "o2", role="mentee"), status=PairStatus.ENDED,
               end_reason=PairEndReason.COHORT_COMPLETED, ended_at=at("2026-06-30"))
    session(old, "2026-02-02")
    draft = CohortFactory(program=program, status=CohortStatus.DRAFT, start_date=START,
                          end_date=dt.date(2027, 6, 30))
    person(draft, "d1", role="mentor")
    return built
