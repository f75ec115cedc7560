"""Benchmark of HR's pair health: the first page for a cohort of 1,000 pairs with 20,000
sessions (plus goals, progress updates and commitments), through the real view.

    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app_k_lifecycle \\
        .venv/bin/python bench/pair_health.py               # 1,000 pairs, 20,000 sessions
    .venv/bin/python bench/pair_health.py --pairs 200       # embedded SQLite file

It creates a throwaway test database (``test_<name>`` on PostgreSQL, a file under var/ on
SQLite), migrates it, fills one active cohort (seeded: some pairs meet on time, some slip,
some stopped meeting, a few are paused or ended), and prints, for the first page, the second
page, a filter, a sort, the CSV export and the API list: the median and best wall time of
several requests through the whole middleware stack (Django's test client, signed in as the
HR admin) and the SQL queries of one. The session counts come from the activity source the
sessions app registered (matching/activity.py), or, while it has none, from the reference
source of the tests (tests/matching/activity_sources.py); the script says which.

Timing never fails the run: the numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import run_on_throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true",
                        help="also print where the first page spends its time (cProfile)")
    args = parser.parse_args()

    run_on_throwaway_database("pair_health", lambda: run(args))


def fill(args):
    """One organization, an HR admin, one active cohort of ``args.pairs`` pairs and their
    sessions, goals, progress updates and commitments, with bulk inserts."""
    from django.utils import timezone

    from accounts.models import Membership, Organization, Role, User
    from core.tenancy import organization_scope
    from matching.models import Pair, PairEndReason, PairStatus
    from programs.models import Cohort, CohortStatus, Participant, Profile, Program
    from sessions.models import Commitment, Goal, GoalUpdate, MentoringSession, SessionStatus

    rng = random.Random(args.seed)
    organization = Organization.objects.create(name="Bench Retail", slug="bench")
    admin = User.objects.create(email="hr@bench.example", full_name="HR Admin")
    now = timezone.now()
    today = timezone.localdate()
    with organization_scope(organization):
        Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)
        program = Program.objects.create(organization=organization, name="Digital skills",
                                         slug="digital-skills", purpose="Learn both ways")
        start = today - dt.timedelta(days=120)
        cohort = Cohort.objects.create(organization=organization, program=program,
                                       name="Spring", slug="spring", start_date=start,
                                       end_date=start + dt.timedelta(days=240),
                                       status=CohortStatus.ACTIVE, cadence_days=14)
        count = args.pairs
        users = User.objects.bulk_create([
            User(email=f"{side}{n:05d}@bench.example", full_name=f"{side.title()} {n:05d}")
            for side in ("mentor", "mentee") for n in range(count)], batch_size=1000)
        memberships = Membership.objects.bulk_create([
            Membership(organization=organization, user=user, role=Role.MEMBER)
            for user in users], batch_size=1000)
        profiles = Profile.objects.bulk_create([
            Profile(organization=organization, membership=m, job_title="Analyst",
                    department="Sales", time_zone="Europe/London", languages=["en"])
            for m in memberships], batch_size=1000)
        people = Participant.objects.bulk_create([
            Participant(organization=organization, cohort=cohort, membership=m, profile=p,
                        role="mentor" if index < count else "mentee")
            for index, (m, p) in enumerate(zip(memberships, profiles, strict=True))],
            batch_size=1000)
        pairs = []
        for n in range(count):
            status, reason, ended_at, paused_until = PairStatus.ACTIVE, "", None, None
            roll = rng.random()
            if roll < 0.03:
                status, reason, ended_at = PairStatus.ENDED, PairEndReason.NOT_A_GOOD_FIT, now
            elif roll < 0.06:
                status, paused_until = PairStatus.PAUSED, today + dt.timedelta(days=10)
            pairs.append(Pair(organization=organization, cohort=cohort, mentor=people[n],
                              mentee=people[count + n], status=status, end_reason=reason,
                              ended_at=ended_at, paused_until=paused_until,
                              paused_at=now if paused_until else None, score=0.7))
        pairs = Pair.objects.bulk_create(pairs, batch_size=1000)
        Pair.objects.filter(cohort=cohort).update(created_at=now - dt.timedelta(days=125))
        # sessions: most pairs meet on time, some slip, some stopped after a while
        sessions, per_pair = [], max(1, args.sessions // count)
        for index, pair in enumerate(pairs):
            habit = rng.random()
            held = per_pair if habit < 0.6 else per_pair // 2 if habit < 0.85 else 2
            for k in range(per_pair):
                days_ago = 118 - k * (118 // per_pair)
                happened = k < held
                sessions.append(MentoringSession(
                    organization=organization, pair=pair,
                    starts_at=now - dt.timedelta(days=days_ago, hours=index % 7),
                    duration_minutes=45,
                    status=SessionStatus.HAPPENED if happened else SessionStatus.CANCELLED,
                    actual_minutes=45 if happened else None,
                    summary="What we covered." if happened else "",
                    logged_at=now if happened else None))
        MentoringSession.objects.bulk_create(sessions, batch_size=2000)
        goals = Goal.objects.bulk_create([
            Goal(organization=organization, pair=pair, owner=owner, title="A goal")
            for pair in pairs for owner in (pair.mentee, pair.mentor)], batch_size=2000)
        GoalUpdate.objects.bulk_create([
            GoalUpdate(organization=organization, goal=goal, author=goal.owner, percent=30)
            for goal in goals if rng.random() < 0.5], batch_size=2000)
        Commitment.objects.bulk_create([
            Commitment(organization=organization, pair=pair, owner=pair.mentee,
                       text="Try something", due_date=today + dt.timedelta(days=7))
            for pair in pairs for _ in range(rng.randint(0, 3))], batch_size=2000)
    return organization, admin, cohort, len(sessions)


def measure(client, url: str, repeat: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        started = perf_counter()
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming \
            else response.content
        times.append((perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), min(times), len(queries.captured_queries), len(content)


def run(args) -> None:
    from django.test import Client
    from django.urls import reverse

    from matching import activity

    started = perf_counter()
    organization, admin, cohort, sessions = fill(args)
    print(f"filled {args.pairs:,} pairs, {sessions:,} sessions in "
          f"{perf_counter() - started:.1f} s")
    if activity._source:
        source = activity._source[0]
        print(f"activity source: {source.__module__}.{source.__qualname__} (registered)")
        context = None
    else:
        from tests.matching.activity_sources import activity_source, sessions_activity

        print("activity source: tests/matching/activity_sources.sessions_activity (the "
              "sessions app has not registered one yet)")
        context = activity_source(sessions_activity)
        context.__enter__()
    try:
        client = Client()
        client.force_login(admin)
        kwargs = {"org_slug": organization.slug, "cohort_pk": cohort.pk}
        page = reverse("matching:pair_health", kwargs=kwargs)
        cases = [
            ("first page (needs attention first)", page),
            ("second page", f"{page}?page=2"),
            ("filter: slipping", f"{page}?health=slipping"),
            ("sort: mentee A–Z, page 5", f"{page}?sort=mentee&page=5"),
            ("search: a name", f"{page}?q=Mentee+00042"),
            ("CSV export (every pair)", reverse("matching:pair_health_csv", kwargs=kwargs)),
            ("API list, first page", reverse("api_matching_pair_health", kwargs=kwargs)),
        ]
        from django.db import connection

        started = perf_counter()
        client.get(page)
        print(f"first page before the planner has statistics of the new rows: "
              f"{(perf_counter() - started) * 1000:.0f} ms")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
                cursor.execute("ANALYZE")
            print("ANALYZE done (as autovacuum would after the bulk load)")
        print(f"\n{'request':40} {'median ms':>10} {'best ms':>9} {'queries':>8} {'bytes':>10}")
        for label, url in cases:
            median, best, queries, size = measure(client, url, args.repeat)
            print(f"{label:40} {median:10.1f} {best:9.1f} {queries:8d} {size:10,d}")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            client.get(page)
            profiler.disable()
            print("\nfirst page, by own time:")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                client.get(page)
            print("first page, its queries (ms, SQL):")
            for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"])):
                print(f"  {float(query['time']) * 1000:7.1f}  {query['sql'][:150]}")
    finally:
        if context is not None:
            context.__exit__(None, None, None)


if __name__ == "__main__":
    main()
