"""Benchmark of the participant CSV import: validate, import, re-import, and the real pages.

    .venv/bin/python bench/import_csv.py                 # 10,000 rows, embedded SQLite file
    DATABASE_URL=postgres://… .venv/bin/python bench/import_csv.py --rows 20000

It generates a realistic, seeded file (mentors L1–L4, mentees L6–C-suite, managers inside
the file, time zones, languages, 1–4 topics each with strengths), creates a throwaway test
database (``test_<name>`` on PostgreSQL, a file under var/ on SQLite), migrates it, and prints:

1. the service, phase by phase: wall time and SQL queries. The welcome emails are rendered
   and written to the outbox in bulk during the import; sending them is stubbed out (counted)
   unless ``--send-eagerly`` is given, in which case "commit+handover" includes sending every
   email through the eager path into the in-memory mail box;
2. the real views, as an HR admin's browser drives them (upload → preview → confirm, through
   the whole middleware stack with Django's test client), with a second file of new people:
   the time to response of each request, and then how long the welcome emails take to go out
   after the response (embedded mode: the background sender thread; tasks are eager), read as
   the result page's progress does. ``--skip-views`` leaves this part out.

Emails go to the in-memory mail box (``make run`` prints them to the console instead).
Timing never fails the run: the numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import run_on_throwaway_database  # noqa: E402

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


def generate_csv(rows: int, topics: list[str], seed: int, domain: str = "bench.example"
                 ) -> bytes:
    """One row per person; about a third are mentees (senior), the rest mentors (junior)."""
    rng = random.Random(seed)
    mentee_levels = [("L6", 6), ("L7", 7), ("L8", 8), ("C-suite", 9)]
    people = []
    for n in range(rows):
        mentee = n % 3 == 0
        level, rank = (rng.choice(mentee_levels) if mentee
                       else rng.choice([("L1", 1), ("L2", 2), ("L3", 3), ("L4", 4)]))
        people.append({"email": f"person{n:05d}@{domain}", "rank": rank, "level": level,
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
                        help="service phases: deliver the welcome emails after commit (eager, "
                             "locmem)")
    parser.add_argument("--skip-views", action="store_true",
                        help="leave out the import through the real pages")
    args = parser.parse_args()

    def run_with_django() -> None:
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        run(args, connection, transaction, CaptureQueriesContext)

    run_on_throwaway_database("import", run_with_django)


def run(args, connection, transaction, capture_queries) -> None:
    import datetime as dt

    from django.core import mail

    from accounts.models import Membership, Role, User
    from accounts.services import organization_create
    from core import notifications
    from core.models import Notification
    from core.tenancy import organization_scope
    from programs.imports.services import participants_import_csv
    from programs.models import Participant, Topic
    from programs.services import cohort_create, program_create
    from programs.services import participants as participant_services

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
    send_welcome = participant_services.participants_send_welcome_bulk

    def timed_welcome(**kwargs):
        started = perf_counter()
        try:
            return send_welcome(**kwargs)
        finally:
            welcome_seconds.append(perf_counter() - started)

    participant_services.participants_send_welcome_bulk = timed_welcome
    send_after_response = notifications.notifications_send_after_response
    if not args.send_eagerly:
        def count_only(*, notification_ids):
            handed_over.extend(notification_ids)

        notifications.notifications_send_after_response = count_only

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

    participant_services.participants_send_welcome_bulk = send_welcome
    notifications.notifications_send_after_response = send_after_response
    if not args.skip_views:
        with organization_scope(organization):
            second = cohort_create(program=program, name="Wave 2",
                                   start_date=dt.date(2027, 7, 5),
                                   end_date=dt.date(2027, 12, 17), min_seniority_gap=2)
        through_the_views(args, admin=admin, organization=organization, cohort=second,
                          data=generate_csv(args.rows, topics, args.seed + 1, "view.example"))


def through_the_views(args, *, admin, organization, cohort, data: bytes) -> None:
    """Upload, preview and confirm through the real views; then wait for the emails."""
    import time

    from django.core import mail
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from core.after_response import wait_for_after_response_work
    from core.tenancy import organization_scope
    from programs.imports.services import import_email_progress
    from programs.models import ImportBatch

    mail.outbox = []
    client = Client()
    client.force_login(admin)
    kwargs = {"org_slug": organization.slug, "cohort_pk": cohort.pk}
    figures = []

    def timed(label, send):
        started, cpu = perf_counter(), time.process_time()
        response = send()
        figures.append((label, perf_counter() - started, time.process_time() - cpu,
                        response.status_code, len(response.content)))
        return response

    upload = timed("upload (check the file)", lambda: client.post(
        reverse("programs:cohort_import", kwargs=kwargs),
        {"file": SimpleUploadedFile("people.csv", data, content_type="text/csv")}))
    assert upload.status_code == 302, upload.content[:2000]
    timed("preview page", lambda: client.get(upload["Location"]))
    with organization_scope(organization):
        batch = ImportBatch.objects.filter(cohort=cohort).get()
    confirm = timed("confirm (import)", lambda: client.post(
        reverse("programs:cohort_import_confirm", kwargs={**kwargs, "batch_pk": batch.pk}),
        {"sha256": batch.content_sha256}))
    answered = perf_counter()
    assert confirm.status_code == 302, confirm.content[:2000]
    timed("result page", lambda: client.get(confirm["Location"]))
    timed("progress poll (htmx)", lambda: client.get(confirm["Location"],
                                                     {"fragment": "progress"}))
    batch.refresh_from_db()
    emails = batch.result["emails"]
    samples = []
    while True:
        progress = import_email_progress(planned=emails["planned"],
                                         notification_ids=emails["ids"])
        samples.append((perf_counter() - answered, progress.sent))
        if progress.done or perf_counter() - answered > 3600:
            break
        time.sleep(1)
    wait_for_after_response_work(timeout=60)
    sent_after = perf_counter() - answered

    print(f"\nthrough the real views ({args.rows:,} new people, {len(data) / 1e6:.2f} MB):")
    print("(CPU s: this process's processor time during the request, a guide to the time to "
          "response on an idle machine; the database server's own time is not in it)")
    print(f"{'request':<26}{'time to response s':>19}{'CPU s':>7}{'status':>7}{'body KB':>9}")
    for label, seconds, cpu, status, size in figures:
        print(f"{label:<26}{seconds:>19.2f}{cpu:>7.2f}{status:>7}{size / 1024:>9.1f}")
    first = next((t for t, sent in samples if sent), None)
    print(f"welcome emails after the response: {progress.sent:,} of {progress.planned:,} "
          f"sent ({len(mail.outbox):,} in the mail box), all gone {sent_after:.1f} s after "
          f"the confirm answered"
          + (f"; the first seen {first:.1f} s after" if first is not None else "")
          + f"; {progress.planned / max(sent_after, 1e-9):.0f} emails/s")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load}")


if __name__ == "__main__":
    main()
