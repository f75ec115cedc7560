"""Benchmark of the Celery matching job (``matching.services.runs.run_execute``) on a real database.

    .venv/bin/python bench/matching_job.py                    # 1,000 mentees, 1,000 mentors
    .venv/bin/python bench/matching_job.py --mentees 300 --mentors 300
    source /tmp/fs-env.sh && .venv/bin/python bench/matching_job.py   # on PostgreSQL

It creates a throwaway database (``flipside_bench_matching`` on the configured server when
DATABASE_URL points at PostgreSQL, else an SQLite file under var/), fills one organization
with a cohort in bulk, then times one run from loading the cohort to saved proposals and
prints the figure, the stage timings and the number of SQL queries. Timing never fails the
run: the numbers are reported, not asserted. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)

DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "HR", "Legal", "Operations",
               "Product", "Design", "Support", "Data", "Security"]
LANGUAGES = [("en", 0.95), ("de", 0.2), ("fr", 0.15), ("es", 0.15), ("hi", 0.05)]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
JUNIOR_TOPICS = [f"Digital {k}" for k in range(25)]
SENIOR_TOPICS = [f"Leadership {k}" for k in range(15)]


@contextmanager
def throwaway_database():
    """A fresh, migrated database of its own, dropped afterwards."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        database["TEST"]["NAME"] = str(var / "bench_matching_job.sqlite3")
    else:
        database["TEST"]["NAME"] = "flipside_bench_matching"
    started = perf_counter()
    config = setup_databases(verbosity=0, interactive=False)
    print(f"database     {connection.vendor} ({database['TEST']['NAME']}), migrated in "
          f"{perf_counter() - started:.1f} s")
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


def _windows(rng: random.Random) -> list[dict]:
    windows = []
    for _ in range(rng.randint(2, 4)):
        start = rng.randrange(8 * 60, 17 * 60, 30)
        end = start + rng.choice([60, 60, 90, 120])
        windows.append({"weekday": rng.randrange(5), "start": f"{start // 60:02d}:{start % 60:02d}",
                        "end": f"{end // 60:02d}:{end % 60:02d}"})
    return windows


def create_cohort(mentees: int, mentors: int, capacity: int, seed: int):
    """One organization with a matching-phase cohort, everything inserted in bulk."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Membership, Organization, Role, User
    from core.tenancy import organization_scope
    from programs.models import (
        Cohort,
        CohortStatus,
        Participant,
        ParticipantTopic,
        Profile,
        Program,
        SeniorityLevel,
        Topic,
    )

    rng = random.Random(seed)
    organization = Organization.objects.create(name="Bench Corp", slug="bench")
    with organization_scope(organization):
        levels = SeniorityLevel.objects.bulk_create([
            SeniorityLevel(organization=organization, name=f"L{rank}", rank=rank)
            for rank in range(1, 10)])
        topics = {t.name: t for t in Topic.objects.bulk_create([
            Topic(organization=organization, name=name, slug=name.lower().replace(" ", "-"))
            for name in JUNIOR_TOPICS + SENIOR_TOPICS])}
        program = Program.objects.create(organization=organization, name="Bench program",
                                         slug="bench", purpose="Benchmark.")
        cohort = Cohort.objects.create(
            organization=organization, program=program, name="Big cohort", slug="big",
            start_date="2027-01-11", end_date="2027-06-30", status=CohortStatus.MATCHING,
            default_mentor_capacity=capacity)
        roles = ["mentee"] * mentees + ["mentor"] * mentors
        users = User.objects.bulk_create([
            User(email=f"person{i}@bench.example", full_name=f"Person {i}",
                 password=make_password(None))
            for i in range(len(roles))], batch_size=1000)
        memberships = Membership.objects.bulk_create([
            Membership(organization=organization, user=user, role=Role.MEMBER)
            for user in users], batch_size=1000)
        leaders = memberships[:mentees]
        profiles = Profile.objects.bulk_create([
            Profile(
                organization=organization, membership=membership,
                job_title="Director" if role == "mentee" else "Analyst",
                department=rng.choice(DEPARTMENTS),
                level=levels[rng.randint(5, 8) if role == "mentee" else rng.randint(0, 3)],
                # juniors report to a random leader: the manager-chain rule has work to do
                manager=rng.choice(leaders) if role == "mentor" and rng.random() < 0.3 else None,
                time_zone=rng.choice(ZONES),
                languages=sorted({lang for lang, p in LANGUAGES if rng.random() < p} or {"en"}),
            ) for membership, role in zip(memberships, roles, strict=True)], batch_size=1000)
        participants = Participant.objects.bulk_create([
            Participant(organization=organization, cohort=cohort, membership=membership,
                        profile=profile, role=role, availability=_windows(rng))
            for membership, profile, role in zip(memberships, profiles, roles, strict=True)],
            batch_size=1000)
        rows = []
        for participant in participants:
            junior = participant.role == "mentor"
            teach, learn = (JUNIOR_TOPICS, SENIOR_TOPICS) if junior else \
                (SENIOR_TOPICS, JUNIOR_TOPICS)
            for interest, pool in (("teach", teach), ("learn", learn)):
                rows.extend(ParticipantTopic(
                    organization=organization, participant=participant, topic=topics[name],
                    interest=interest, strength=rng.randint(1, 3))
                    for name in rng.sample(pool, 3))
        ParticipantTopic.objects.bulk_create(rows, batch_size=2000)
    return organization, cohort, len(rows)


def time_job(organization, cohort) -> None:
    from core.tenancy import organization_scope
    from matching import selectors
    from matching.models import MatchingRun, Proposal
    from matching.services import runs

    stages: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + perf_counter() - started
        return wrapper

    runs.selectors.cohort_problem = timed("load", selectors.cohort_problem)
    runs._save_result = timed("save", runs._save_result)
    runs.solve = timed("solve (score + optimise)", runs.solve)

    with organization_scope(organization):
        run = MatchingRun.objects.create(organization=organization, cohort=cohort, number=1)
        with CaptureQueriesContext(connection) as queries:
            started = perf_counter()
            outcome = runs.run_execute(run_id=run.pk)
            elapsed = perf_counter() - started
        run.refresh_from_db()
        saved = Proposal.objects.filter(run=run).count()

    print(f"outcome      {outcome}: {run.matched_count} of {run.mentee_count} mentees matched "
          f"({run.mentor_count} mentors), {saved} proposals saved, "
          f"total score {run.total_score:.1f}, worst pair {run.min_score}, "
          f"topic coverage {run.topic_coverage}")
    print(f"FIGURE       run_execute, load → saved proposals: {elapsed:.2f} s "
          f"({len(queries.captured_queries)} SQL queries)")
    timings = run.stats.get("timings", {})
    print("stages       " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in
                                      stages.items()))
    print(f"engine       scoring {timings.get('scoring_s', 0):.2f} s, solving "
          f"{timings.get('solving_s', 0):.2f} s, certified {run.stats.get('certified')}")
    other = elapsed - sum(stages.values())
    print(f"other        claim, snapshot and progress updates {other:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentees", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=1, choices=[1, 2, 3])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with throwaway_database():
        started = perf_counter()
        organization, cohort, topic_rows = create_cohort(args.mentees, args.mentors,
                                                         args.capacity, args.seed)
        print(f"data         {args.mentees} mentees, {args.mentors} mentors (capacity "
              f"{args.capacity}), {topic_rows} topic rows, created in "
              f"{perf_counter() - started:.1f} s")
        time_job(organization, cohort)


if __name__ == "__main__":
    main()
