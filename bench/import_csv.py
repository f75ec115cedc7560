"""Benchmark of the participant CSV import: validate, import, re-import, and the real pages.

    .venv/bin/python bench/import_csv.py                 # 10,000 rows, embedded SQLite file
    DATABASE_URL=postgres://… .venv/bin/python bench/import_csv.py --rows 20000

It generates a realistic, seeded file (mentors L1–L4, mentees L6–C-suite, managers inside
the file, time zones, languages, 1–4 topics each with strengths), creates a throwaway test
database (``test_<name>`` on PostgreSQL, a file under var/ on SQLite), migrates it, and prints:

1. the service, phase by phase: time (to the end of the writes), this process's CPU time,
   the commit and the SQL queries, for two kinds of file:

   - people who are not members of the organization: each is invited into the cohort (an
     invitation holding the file's cells, and an invitation email); imported, re-imported
     unchanged (the open invitations stay) and with 10 % of the titles changed;
   - 10,000 members (their accounts and memberships written directly first, not timed, as if
     each had accepted an invitation) imported into a second cohort (profiles, places,
     topics, welcome emails), re-imported unchanged and with 10 % changed.

   The emails are rendered and written to the outbox in bulk during the import; sending them
   is stubbed out (counted) unless ``--send-eagerly`` is given, in which case "commit"
   includes sending every email through the eager path into the in-memory mail box;
2. the real views, as an HR admin's browser drives them (upload → preview → confirm, through
   the whole middleware stack with Django's test client), with a third file of new people:
   the time to response of each request, and then how long the emails take to go out after
   the response (embedded mode: the background sender thread; tasks are eager), read as the
   result page's progress does. ``--skip-views`` leaves this part out.

Emails go to the in-memory mail box (``make run`` prints them to the console instead).
Timing never fails the run: the numbers are reported, not asserted.

Figures, 10,000 rows (December 2026, a shared machine: 2 CPUs, load average 2.3–4.1 from other
work during these runs, so wall times wander by a second or more; the CPU column is steadier).
"Before" is commit 522f2e5 run with this same script, where a new address got an account, a
membership, a profile, a place and a welcome email at import (so its "new people" rows do more
than today's invitations); the members rows do the same work before and after. After: the
import never creates accounts (shared/design.md), writes through core/bulk.py (multi-row
INSERT … RETURNING and UPDATE … FROM VALUES, no model instance per row, instead of
bulk_create/bulk_update, whose CASE WHEN took 16 s under the profiler just to fill 10,000
members' blank names), the outbox rows too, one reverse() for the invitation links, and
planning reads stored topics and levels as plain values.

    seconds: time / CPU             SQLite before  SQLite after  PostgreSQL before  after
    validate (dry run)                0.44 / 0.43   0.76 / 0.47        0.59 / 0.58  0.50 / 0.47
    import, new people               10.94 / 7.09   3.25 / 2.58        7.79 / 5.57  3.12 / 2.14
    re-import, same file              3.34 / 2.19   1.47 / 1.06        2.39 / 1.98  1.18 / 1.05
    re-import, 10 % changed           3.44 / 2.14   1.80 / 1.23        2.38 / 1.95  1.30 / 1.16
    import, members                  13.93 / 5.87   6.04 / 3.91        6.83 / 4.51  5.01 / 2.95
    re-import members, same           4.67 / 2.41   2.56 / 1.76        2.48 / 1.97  1.77 / 1.38
    re-import members, 10 % changed   4.40 / 2.63   1.78 / 1.76        2.54 / 1.98  1.86 / 1.46
    views: confirm (import)          10.21 / 6.43   2.31 / 2.22        8.39 / 5.21  3.17 / 1.85
    views: emails all gone after            29.9          17.7               28.0         20.4

Before these changes the script's first version measured the 10,000-person import at
16.9 s on PostgreSQL (9.5 s of it writing the welcome emails) and 7.0 s on SQLite, load 2.7.
What is left on PostgreSQL is mostly the database server's: the outbox's 10,000 rendered
emails in a few large INSERTs and the commit's WAL flush (about 2 s of "import, members"); in
this process, planning (~1 s: parsing and checking every cell, loading the members, places
and topics) and rendering the emails (~0.5 s).
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
    import time

    from django.core import mail

    from accounts.models import Membership, Role, User
    from accounts.services import organization_create
    from core import notifications
    from core.models import Notification
    from core.tenancy import organization_scope
    from programs.imports.services import participants_import_csv
    from programs.models import CohortInvitation, Participant, Topic
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
    send_after_response = notifications.notifications_send_after_response
    if not args.send_eagerly:
        def count_only(*, notification_ids):
            handed_over.extend(notification_ids)

        notifications.notifications_send_after_response = count_only

    def phase(label, dry_run, payload=data, target=cohort):
        mail.outbox = []
        handed_over.clear()
        connection.queries_log.clear()
        with organization_scope(organization), capture_queries(connection) as queries:
            started, cpu = perf_counter(), time.process_time()
            with transaction.atomic():
                report = participants_import_csv(cohort=target, file=payload, actor=admin,
                                                 dry_run=dry_run)
                written = perf_counter()
            committed = perf_counter()
            cpu = time.process_time() - cpu
        assert report.ok, report.errors[:5]
        figures.append((label, written - started, cpu, committed - written, len(queries),
                        report.summary, len(mail.outbox) or len(handed_over)))
        return report

    changed = data.replace(b",Analyst,", b",Senior analyst,", args.rows // 10)
    # 1. people who are not members: each is invited into the cohort with the file's cells
    phase("validate (dry run)", True)
    phase("import, new people", False)
    phase("re-import, same file", False)
    phase("re-import, 10% changed", False, payload=changed)
    # 2. people who are members already (their accounts and memberships written directly,
    # not timed: as if each had accepted an invitation), imported into a second cohort:
    # profiles, places, topics and welcome emails
    staff = generate_csv(args.rows, topics, args.seed + 2, "members.example")
    people = list(csv.reader(io.StringIO(staff.decode())))[1:]
    users = [User(email=person[0], full_name=person[1]) for person in people]
    for user in users:
        user.set_unusable_password()
        user.refresh_name_key()
    User.objects.bulk_create(users, batch_size=2000)
    with organization_scope(organization):
        Membership.objects.bulk_create([
            Membership(organization=organization, user=user, role=Role.MEMBER)
            for user in User.objects.filter(email__endswith="@members.example")],
            batch_size=2000)
        second = cohort_create(program=program, name="Wave 2", start_date=dt.date(2027, 7, 5),
                               end_date=dt.date(2027, 12, 17), min_seniority_gap=2)
    phase("import, members", False, payload=staff, target=second)
    phase("re-import members, same", False, payload=staff, target=second)
    phase("re-import members, 10% ch.", False, target=second,
          payload=staff.replace(b",Analyst,", b",Senior analyst,", args.rows // 10))

    print("\nemails: " + ("sent eagerly to locmem" if args.send_eagerly
                         else "queued; hand-over to Celery stubbed (counted)"))
    print("(CPU s: this process's processor time, without the database server's)")
    print(f"{'phase':<27}{'total s':>8}{'CPU s':>7}{'commit s':>9}{'queries':>8}"
          f"{'invited':>8}{'enrolled':>9}{'updated':>8}{'unchanged':>10}{'emails':>7}")
    for label, work, cpu, commit, queries, summary, sent in figures:
        print(f"{label:<27}{work:>8.2f}{cpu:>7.2f}{commit:>9.2f}{queries:>8}"
              f"{summary['new_people']:>8}{summary['enrolled']:>9}{summary['updated']:>8}"
              f"{summary['unchanged']:>10}{sent:>7}")
    with organization_scope(organization):
        print(f"\nparticipants: {Participant.objects.count():,}; invitations: "
              f"{CohortInvitation.objects.count():,}; emails in the outbox: "
              f"{Notification.objects.count():,}")

    notifications.notifications_send_after_response = send_after_response
    if not args.skip_views:
        with organization_scope(organization):
            third = cohort_create(program=program, name="Wave 3",
                                  start_date=dt.date(2028, 1, 10),
                                  end_date=dt.date(2028, 6, 30), min_seniority_gap=2)
        through_the_views(args, admin=admin, organization=organization, cohort=third,
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

    print(f"\nthrough the real views ({args.rows:,} new people, invited; "
          f"{len(data) / 1e6:.2f} MB):")
    print("(CPU s: this process's processor time during the request, a guide to the time to "
          "response on an idle machine; the database server's own time is not in it)")
    print(f"{'request':<26}{'time to response s':>19}{'CPU s':>7}{'status':>7}{'body KB':>9}")
    for label, seconds, cpu, status, size in figures:
        print(f"{label:<26}{seconds:>19.2f}{cpu:>7.2f}{status:>7}{size / 1024:>9.1f}")
    first = next((t for t, sent in samples if sent), None)
    print(f"invitation emails after the response: {progress.sent:,} of {progress.planned:,} "
          f"sent ({len(mail.outbox):,} in the mail box), all gone {sent_after:.1f} s after "
          f"the confirm answered"
          + (f"; the first seen {first:.1f} s after" if first is not None else "")
          + f"; {progress.planned / max(sent_after, 1e-9):.0f} emails/s")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load}")


if __name__ == "__main__":
    main()
