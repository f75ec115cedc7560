"""Benchmark of the participant CSV import: validate, import, re-import.

    .venv/bin/python bench/import_csv.py                 # 10,000 rows on throwaway SQLite
    DATABASE_URL=postgres://… .venv/bin/python bench/import_csv.py --rows 20000

It generates a realistic, seeded file (mentors L1–L4, mentees L6–C-suite, managers inside
the file, time zones, languages, 1–4 topics each with strengths), creates a throwaway test
database (``test_<name>`` on PostgreSQL, a file under var/ on SQLite), migrates it, and prints
wall time and SQL query counts for each phase. The welcome emails are rendered and queued
(outbox rows) in bulk during the import; handing them to Celery after commit is stubbed out
unless ``--send-eagerly`` is given, in which case "commit+handover" includes sending every
email through the eager Celery task into the in-memory mail box (what `make run` does).
Timing never fails the run: the numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import random
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "HR", "Legal", "Operations",
               "Product", "Design", "Support", "Data", "Security"]
TIME_ZONES = ["Europe/London", "Europe/Berlin", "Europe/Madrid", "America/New_York",
              "America/Chicago", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo",
              "Australia/Sydney", "America/Sao_Paulo"]
LANGUAGES = [("en", 0.95), ("de", 0.2), ("fr", 0.15), ("es", 0.15), ("hi", 0.06),
             ("ja", 0.05), ("pt", 0.06)]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jin", "Kofi",
         "Lena", "Mo", "Nia", "Omar", "Pia", "Quinn", "Ravi", "Sara", "Tomás", "Uma", "Vik"]
LAST = ["Okafor", "Schmidt", "López", "Tanaka", "Singh", "Dubois", "Rossi", "Kowalski",
        "Nguyen", "Haddad", "Silva", "Johansson", "Moreau", "Petrov", "Kim", "Ito"]
HEADER = ["Email", "Full name", "Role", "Job title", "Department", "Level", "Manager email",
          "Time zone", "Languages", "Teach topics", "Learn topics"]


def generate_csv(rows: int, topics: list[str], seed: int) -> bytes:
    """One row per person; about a third are mentees (senior), the rest mentors (junior)."""
    rng = random.Random(seed)
    mentee_levels = [("L6", 6), ("L7", 7), ("L8", 8), ("C-suite", 9)]
    people = []
    for n in range(rows):
        mentee = n % 3 == 0
        level, rank = (rng.choice(mentee_levels) if mentee
                       else rng.choice([("L1", 1), ("L2", 2), ("L3", 3), ("L4", 4)]))
        people.append({"email": f"person{n:05d}@bench.example", "rank": rank, "level": level,
                       "mentee": mentee})
    by_rank: dict[int, list[str]] = {}
    for person in people:
        if person["mentee"]:
            by_rank.setdefault(person["rank"], []).append(person["email"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for person in people:
        seniors = [e for r, emails in by_rank.items() if r > person["rank"] for e in emails[:50]]
        manager = rng.choice(seniors) if seniors and rng.random() < 0.8 else ""
        spoken = [code for code, p in LANGUAGES if rng.random() < p] or ["en"]
        teach = rng.sample(topics, rng.randint(1, 3))
        learn = rng.sample([t for t in topics if t not in teach], rng.randint(1, 3))
        writer.writerow([
            person["email"], f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "mentee" if person["mentee"] else "mentor",
            "Director" if person["mentee"] else "Analyst", rng.choice(DEPARTMENTS),
            person["level"], manager, rng.choice(TIME_ZONES), ";".join(spoken),
            ";".join(f"{t}:{rng.randint(1, 3)}" for t in teach),
            ";".join(f"{t}:{rng.randint(1, 3)}" for t in learn),
        ])
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--send-eagerly", action="store_true",
                        help="deliver the welcome emails after commit (eager Celery, locmem)")
    args = parser.parse_args()

    import django
    from django.conf import settings

    using_postgres = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
    if not using_postgres:
        (ROOT / "var").mkdir(exist_ok=True)
        sqlite_file = ROOT / "var" / "bench_import.sqlite3"
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{sqlite_file}")
    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    database = settings.DATABASES["default"]
    if not using_postgres:
        connection.settings_dict["TEST"]["NAME"] = str(sqlite_file)
    print(f"database: {connection.vendor}; creating a throwaway test database…", flush=True)
    started = perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"  migrated in {perf_counter() - started:.1f} s")
    try:
        run(args, connection, transaction, CaptureQueriesContext)
    finally:
        connection.creation.destroy_test_db(database["NAME"], verbosity=0)


def run(args, connection, transaction, capture_queries) -> None:
    import datetime as dt

    from django.core import mail

    from accounts import notifications
    from accounts.models import Membership, Notification, Role, User
    from accounts.services import organization_create
    from accounts.tenancy import organization_scope
    from programs import imports
    from programs.imports import participants_import_csv
    from programs.models import Participant, Topic
    from programs.services import cohort_create, program_create

    admin = User.objects.create_user("hr@bench.example")
    organization = organization_create(name="Bench Corp", slug="bench", admin=admin)
    with organization_scope(organization):
        program = program_create(organization=organization, actor=admin, name="Reverse",
                                 template_key="digital-ai")
        cohort = cohort_create(program=program, name="Wave 1", start_date=dt.date(2027, 1, 4),
                               end_date=dt.date(2027, 6, 30), min_seniority_gap=2)
        topics = list(Topic.objects.values_list("name", flat=True))
    data = generate_csv(args.rows, topics, args.seed)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.2f} MB, {len(topics)} topics, seed "
          f"{args.seed}")
    figures = []
    handed_over = []
    welcome_seconds = []
    send_welcome = imports.participants_send_welcome_bulk

    def timed_welcome(**kwargs):
        started = perf_counter()
        try:
            return send_welcome(**kwargs)
        finally:
            welcome_seconds.append(perf_counter() - started)

    imports.participants_send_welcome_bulk = timed_welcome
    if not args.send_eagerly:
        def count_only(*, notification_id):
            handed_over.append(notification_id)
            return True

        notifications.notification_dispatch = count_only

    def phase(label, dry_run, payload=data, split_commit=False):
        mail.outbox = []
        handed_over.clear()
        welcome_seconds.clear()
        connection.queries_log.clear()
        with organization_scope(organization), capture_queries(connection) as queries:
            started = perf_counter()
            if split_commit:
                with transaction.atomic():
                    report = participants_import_csv(cohort=cohort, file=payload, actor=admin,
                                                     dry_run=dry_run)
                    written = perf_counter()
                committed = perf_counter()
            else:
                report = participants_import_csv(cohort=cohort, file=payload, actor=admin,
                                                 dry_run=dry_run)
                written = committed = perf_counter()
        assert report.ok, report.errors[:5]
        figures.append((label, written - started, sum(welcome_seconds), committed - written,
                        len(queries), report.summary, len(mail.outbox) or len(handed_over)))
        return report

    phase("validate (dry run)", True)
    phase("import", False, split_commit=True)
    phase("re-import, same file", False, split_commit=True)
    changed = data.replace(b",Analyst,", b",Senior analyst,", args.rows // 10)
    phase("re-import, 10% changed", False, payload=changed, split_commit=True)

    print("\nemails: " + ("sent eagerly to locmem" if args.send_eagerly
                         else "queued; hand-over to Celery stubbed (counted)"))
    print(f"{'phase':<24}{'total s':>8}{'of which emails s':>18}{'commit+handover s':>19}"
          f"{'queries':>8}{'enrolled':>9}{'updated':>8}{'unchanged':>10}{'emails':>7}")
    for label, work, welcome, commit, queries, summary, emails in figures:
        print(f"{label:<24}{work:>8.2f}{welcome:>18.2f}{commit:>19.2f}{queries:>8}"
              f"{summary['enrolled']:>9}{summary['updated']:>8}{summary['unchanged']:>10}"
              f"{emails:>7}")
    with organization_scope(organization):
        members = Membership.objects.filter(role=Role.MEMBER).count()
        print(f"\nparticipants: {Participant.objects.count():,}; members: {members:,}; "
              f"welcome notifications: {Notification.objects.filter(kind='welcome').count():,}")


if __name__ == "__main__":
    main()
