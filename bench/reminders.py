"""Benchmark of the reminder scans: every kind's scan over 100,000 participants in 50,000
pairs, then the same scans again (which must record nothing).

    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app_reminders \\
        .venv/bin/python bench/reminders.py                 # 50,000 pairs
    .venv/bin/python bench/reminders.py --pairs 2000        # embedded SQLite file

It creates a throwaway test database (``test_<name>`` on PostgreSQL, a file under var/ on
SQLite), migrates it, fills one organization with active cohorts in three time zones (every
pair has a past session; a few per cent have something due now: a session tomorrow, a session
to log, one to rate, an action item or a commitment due today, a long gap), and prints, per
kind, the time and SQL queries of the scan (loading the facts, the pure core, recording the
outbox rows) and how many notifications it recorded; then the second round. Handing the rows
to the workers happens after commit and is not measured here (the ids are counted).

Timing never fails the run: the numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import run_on_throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    run_on_throwaway_database("reminders", lambda: run(args), quiet_loggers=("sessions.reminders",))


def fill(args, now: dt.datetime) -> dict[str, int]:
    from django.db import connection

    from accounts.models import Membership, Organization, Role, User
    from core.tenancy import organization_scope
    from matching.models import Pair
    from programs.models import Cohort, CohortStatus, DirectedPrompt, Participant, Profile, Program
    from sessions.models import (
        ActionItem,
        Commitment,
        MentoringSession,
        SessionRating,
        SessionStatus,
    )

    rng = random.Random(args.seed)
    organization = Organization.objects.create(name="Bench Retail", slug="bench",
                                               time_zone="Europe/London")
    today = now.date()
    counts = {}
    with organization_scope(organization):
        admin = User.objects.create(email="hr@bench.example", full_name="HR Admin",
                                    quiet_hours_start=None, quiet_hours_end=None)
        Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)
        program = Program.objects.create(organization=organization, name="Digital skills",
                                         slug="digital-skills", purpose="Learn both ways")
        DirectedPrompt.objects.create(organization=organization, program=program, phase="mid",
                                      text="What would you change first, and why?")
        start = today - dt.timedelta(days=120)
        cohorts = [Cohort.objects.create(
            organization=organization, program=program, name=f"Cohort {zone}",
            slug=f"c{index}", start_date=start, end_date=start + dt.timedelta(days=240),
            status=CohortStatus.ACTIVE, cadence_days=14) for index, zone in enumerate(ZONES)]
        count = args.pairs
        # a third keeps the default quiet hours (20:00-08:00 in their zone): what is due for
        # them now depends on the hour the bench runs; the rest have none
        users = User.objects.bulk_create([
            User(email=f"{side}{n:06d}@bench.example", full_name=f"{side.title()} {n:06d}",
                 **({} if n % 3 == 0 else {"quiet_hours_start": None, "quiet_hours_end": None}))
            for side in ("mentor", "mentee") for n in range(count)], batch_size=2000)
        memberships = Membership.objects.bulk_create([
            Membership(organization=organization, user=user, role=Role.MEMBER)
            for user in users], batch_size=2000)
        profiles = Profile.objects.bulk_create([
            Profile(organization=organization, membership=m, time_zone=ZONES[i % count % 3])
            for i, m in enumerate(memberships)], batch_size=2000)
        people = Participant.objects.bulk_create([
            Participant(organization=organization, cohort=cohorts[(i % count) % 3],
                        membership=m, profile=p, role="mentor" if i < count else "mentee")
            for i, (m, p) in enumerate(zip(memberships, profiles, strict=True))],
            batch_size=2000)
        pairs = Pair.objects.bulk_create([
            Pair(organization=organization, cohort=cohorts[n % 3], mentor=people[n],
                 mentee=people[count + n], score=0.7) for n in range(count)], batch_size=2000)
        Pair.objects.filter(organization=organization).update(
            created_at=now - dt.timedelta(days=118))
        sessions, items, commitments = [], [], []
        for pair in pairs:
            roll = rng.random()
            gap = roll < 0.01  # stopped meeting 40 days ago: get started again, at risk
            held_at = now - dt.timedelta(days=40 if gap else rng.randint(2, 10), hours=3)
            sessions.append(MentoringSession(
                organization=organization, pair=pair, starts_at=held_at, duration_minutes=45,
                status=SessionStatus.HAPPENED, actual_minutes=45, logged_at=held_at
                + dt.timedelta(hours=2), logged_by=pair.mentor))
            if 0.01 <= roll < 0.03:  # tomorrow, a little less than 24 hours ahead
                sessions.append(MentoringSession(
                    organization=organization, pair=pair, duration_minutes=45,
                    starts_at=now + dt.timedelta(hours=23, minutes=rng.randint(1, 14))))
            elif 0.03 <= roll < 0.05:  # ended three hours ago, not logged
                sessions.append(MentoringSession(
                    organization=organization, pair=pair, duration_minutes=45,
                    starts_at=now - dt.timedelta(hours=3, minutes=45)))
            elif not gap:  # booked ahead
                sessions.append(MentoringSession(
                    organization=organization, pair=pair, duration_minutes=45,
                    starts_at=now + dt.timedelta(days=rng.randint(3, 12))))
        sessions = MentoringSession.objects.bulk_create(sessions, batch_size=5000)
        held = [s for s in sessions if s.status == SessionStatus.HAPPENED]
        by_pair = {s.pair_id: s for s in held}
        ratings = []
        pair_people = {p.pk: (p.mentor, p.mentee) for p in pairs}
        for session in held:
            mentor, mentee = pair_people[session.pair_id]
            ratings.append(SessionRating(organization=organization, session=session,
                                         participant=mentor, value=4))
            if rng.random() >= 0.02:  # 2 % of mentees have not rated: rate your session
                ratings.append(SessionRating(organization=organization, session=session,
                                             participant=mentee, value=5))
        SessionRating.objects.bulk_create(ratings, batch_size=5000)
        for pair in pairs:
            roll = rng.random()
            if roll < 0.02:
                items.append(ActionItem(organization=organization, pair=pair,
                                        session=by_pair[pair.pk], text="Try the new tool",
                                        owner=pair.mentee, due_date=today))
            elif roll < 0.04:
                commitments.append(Commitment(organization=organization, pair=pair,
                                              owner=pair.mentee, text="Share the deck",
                                              due_date=today))
            else:
                items.append(ActionItem(organization=organization, pair=pair,
                                        session=by_pair[pair.pk], text="Later", owner=pair.mentor,
                                        due_date=today + dt.timedelta(days=20)))
        ActionItem.objects.bulk_create(items, batch_size=5000)
        Commitment.objects.bulk_create(commitments, batch_size=5000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts.update(participants=len(people), pairs=len(pairs), sessions=len(sessions),
                      ratings=len(ratings), action_items=len(items),
                      commitments=len(commitments))
    return counts


def scan_round(label: str, now: dt.datetime) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import core.notifications as outbox
    from sessions.reminders import SCAN_KINDS, reminders_scan

    handed: list[int] = []
    outbox.notifications_send_after_response = lambda *, notification_ids: handed.extend(
        notification_ids)
    print(f"\n{label}")
    print(f"  {'kind':<18}{'time':>9}{'load':>7}{'decide':>8}{'queries':>9}{'pairs':>8}"
          f"{'due':>7}{'recorded':>10}{'held':>6}")
    total_time, total_queries, total_recorded = 0.0, 0, 0
    for kind in SCAN_KINDS:
        with CaptureQueriesContext(connection) as queries:
            started = perf_counter()
            report = reminders_scan(kind=kind, now=now)
            took = perf_counter() - started
        total_time += took
        total_queries += len(queries.captured_queries)
        total_recorded += report.recorded
        print(f"  {kind:<18}{took:>8.2f}s{report.load_seconds:>6.2f}s"
              f"{report.decide_seconds:>7.2f}s{len(queries.captured_queries):>9}"
              f"{report.pairs:>8,}{report.due:>7,}{report.recorded:>10,}{report.held:>6,}")
    print(f"  {'all kinds':<18}{total_time:>8.2f}s{'':>15}{total_queries:>9}{'':>8}{'':>7}"
          f"{total_recorded:>10,}")
    print(f"  handed to the outbox's send tasks after commit: {len(handed):,} ids")
    return total_time, total_queries, total_recorded


def run(args) -> None:
    from django.conf import settings
    from django.utils import timezone

    settings.DEBUG = False
    now = timezone.now().replace(microsecond=0)
    started = perf_counter()
    counts = fill(args, now)
    print(f"filled in {perf_counter() - started:.1f} s: " + ", ".join(
        f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items()))
    now = timezone.now()  # after the rows were written (their created_at)
    print(f"now: {now:%Y-%m-%d %H:%M} UTC (a third of the people have 20:00-08:00 quiet "
          "hours in London, New York or Tokyo)")
    scan_round("first round (decides what is due and records it)", now)
    _, _, again = scan_round("second round right after (records nothing)",
                             now + dt.timedelta(minutes=1))
    print(f"\nsecond round recorded {again} notifications")


if __name__ == "__main__":
    main()
