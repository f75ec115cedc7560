"""Load test: the real pages against a hello-world view under the same gunicorn.

    .venv/bin/python bench/load.py                       # throwaway SQLite, 2,000 people
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --people 10000 --seconds 5 --pages start,roster

What it does, all on 127.0.0.1 and bounded in time:

1. a throwaway database (an SQLite file in a temporary directory, or ``flipside_bench_load``
   on the PostgreSQL server of DATABASE_URL, dropped afterwards), migrated, collectstatic'd;
2. seeds one organization in bulk: ``--people`` participants (half mentors, half mentees,
   names in several scripts, profiles, topics, availability), a real matching run over
   them (the engine), its proposals published as pairs, one HR admin;
3. signs in a participant (a mentor with a pair) and the HR admin (sessions in the
   database, as a sign-in would leave them);
4. starts gunicorn with bench/settings.py (= production settings, DEBUG off, plus
   /bench/hello), 2 sync workers, requests marked as HTTPS by X-Forwarded-Proto;
5. measures each page for ``--seconds`` with ``--clients`` concurrent connections: wrk
   (Debian package) when installed, else a thread pool of http.client connections;
   The pages: the start page, My pairs and the pair's workspace (a participant with a
   pair), the roster, the matching review and the participants API list (the HR admin);
   the API throttles run as in production (counting in Redis) with rates no run reaches;
6. prints req/s, p50/p95/p99 and the ratio to hello-world of the same run, and whether
   the goal holds (participant pages ≥ 1/5 of hello-world with p95 < 150 ms, admin pages
   ≥ 1/10); and the CPU each request cost the server (gunicorn workers, plus their
   PostgreSQL server processes) with its ratio to hello-world's, which a busy machine
   distorts far less than req/s.

The machine may be shared: compare the ratios, which hello-world measured in the same run
makes meaningful, more than absolute figures. Nothing is asserted; figures are printed.

The signed-in requests carry a CSRF cookie, as a browser does after its first page (without
it every answer made a new CSRF secret and set its cookie). Each run has a database of its own
(flipside_bench_load_<pid>), so two runs on one server do not drop each other's.

Figures (2 December 2026, PostgreSQL, 2,000 people, 2-core machine, quiet: load average
0.7-2.5; req/s, p95 ms, ratio to hello-world, CPU ms per request of gunicorn + PostgreSQL).
Start of the day: ee2d9ac; now: dfcc8b5 (issue 8 §3: the roster's summary, departments,
counts, cohort and page compiled once per process, core/compiled.py, the page as a sliced
statement; the roster's and the review's 50 rows rendered by Jinja2 fragments, core/jinja.py;
the start page's places and surveys compiled; the review's keys compiled). The two were run
back to back from separate checkouts; CPU per request is the figure to compare, req/s moves
with whatever else the machine runs (My pairs, workspace and the API list did not change: their
differences are the run's noise, as in-process measures show: 2.8-3.7, 4.3-4.9, 8.1-10.4 ms).

    page              start of day (ee2d9ac)          now (dfcc8b5)
    hello-world       3747   4.4   1/1      0.5     3731   4.7   1/1      0.5
    signed-in floor   1080    10   1/3.5    1.8     1020    11   1/3.7    1.9
    start              255    42   1/15     7.6      493    22   1/7.6    3.9
    my-pairs           594    19   1/6.3    3.3      524    21   1/7.1    3.7
    workspace          417    26   1/9.0    4.7      402    27   1/9.3    4.8
    roster              41   272   1/91    48.1       89   120   1/42    22.3
    review             111   102   1/34    17.7      160    75   1/23    12.3
    api-participants   171    70   1/22    10.9      151    83   1/25    12.1

The goals (participant pages at least 1/5 of hello-world with p95 < 150 ms, admin pages at
least 1/10) are still missed, and cannot be met by pages of this kind: the signed-in floor
alone (a page with the layout, the session, the user, their memberships and the unread count:
four queries) is 1/3.7 of hello-world on a quiet machine, so a participant page may add a
quarter of the floor at most, and an admin page one and a half floors. Against the issue's own
hello-world (898 req/s: a fifth is 180, a tenth 90), every participant page serves 2.2 to 2.9
times that fifth with p95 under 30 ms, the review and the API list 1.7 times that tenth, the
roster about that tenth. What is left on the roster is PostgreSQL's: the topic balance of
its summary (4 ms at 2,000 people, 22 ms at 10,000) and sorting every row for the page
(4 ms; 11-15 ms at 10,000).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: One per run: two runs at once (a shared machine) never drop each other's database.
BENCH_DATABASE = f"flipside_bench_load_{os.getpid()}"
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "HR", "Legal", "Operations",
               "Product", "Design", "Support", "Data", "Security"]
ZONES = ["Europe/London", "Europe/Berlin", "Europe/Warsaw", "America/New_York",
         "Asia/Kolkata", "Asia/Tokyo", "America/Sao_Paulo"]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Đorđe", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jin",
         "Kofi", "Lena", "Łukasz", "Mo", "Nia", "Ñuño", "Omar", "Pia", "Ravi", "Sara", "Tomás",
         "Uma", "Zoë", "Мария", "Γιώργος", "سارة", "美咲"]
LAST = ["Okafor", "Schmidt", "López", "Tanaka", "Singh", "Dubois", "Rossi", "Kowalski",
        "Nguyen", "Haddad", "Silva", "Johansson", "Østergaard", "Petrović", "Kim", "Ito",
        "Żak", "Иванова"]
JUNIOR_TOPICS = ["AI tools", "TikTok", "Gen Z consumers", "Remote collaboration",
                 "Inclusive language", "Creator economy", "No-code automation", "Data literacy",
                 "Cybersecurity habits", "Sustainability at work", "Mobile-first design",
                 "Social listening"]
SENIOR_TOPICS = ["Strategy", "Board communication", "Budgeting", "Negotiation",
                 "Leading change", "Stakeholder management", "Career navigation", "M&A basics"]


# --- database and settings -----------------------------------------------------------------

def _maintenance(given: str, sql: str) -> None:
    """Run ``sql`` on the server's ``postgres`` database (the database ``given`` names may
    not exist yet)."""
    import psycopg2

    connection = psycopg2.connect(urlunsplit(urlsplit(given)._replace(path="/postgres")))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def bench_database_url(given: str, workdir: Path) -> str:
    """The throwaway database: a fresh SQLite file, or a fresh database of its own on the
    server of a PostgreSQL ``given`` URL (never the database ``given`` names)."""
    if not given or given.startswith("sqlite"):
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    _maintenance(given, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    _maintenance(given, f'CREATE DATABASE "{BENCH_DATABASE}"')
    return urlunsplit(urlsplit(given)._replace(path=f"/{BENCH_DATABASE}"))


def drop_bench_database(given: str) -> None:
    if given and not given.startswith("sqlite"):
        _maintenance(given, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def bench_environment(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        # Nothing measured here enqueues a task; the API throttles count here (production's
        # "throttle" cache), so that Redis must answer: it falls back to the database cache.
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "BENCH_STATIC_ROOT": str(workdir / "static"),
        # The API throttles run (counting in Redis, as in production) but never refuse: the
        # API list is measured, not 429 answers (120 a minute would refuse most of them).
        "API_THROTTLE_USER": "100000000/hour",
        "API_THROTTLE_USER_BURST": "100000000/min",
        # Keep each worker's connection (and its server process) for the whole run, so that
        # the CPU it spends can be measured; production's default (60 s) only reconnects.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "3600"),
        "LOG_LEVEL": "WARNING",
    }


# --- seeding -------------------------------------------------------------------------------

@dataclass
class World:
    organization_slug: str
    cohort_pk: int
    run_pk: int
    participant_email: str
    admin_email: str
    people: int
    pairs: int
    pair_pk: int | None = None  # the participant's pair (its workspace is measured)


def _windows(rng: random.Random) -> list[dict]:
    windows = []
    for weekday in rng.sample(range(5), rng.randint(1, 3)):
        start = rng.randrange(8 * 60, 16 * 60, 30)
        end = start + rng.choice([60, 90, 120])
        windows.append({"weekday": weekday, "start": f"{start // 60:02d}:{start % 60:02d}",
                        "end": f"{end // 60:02d}:{end % 60:02d}"})
    return sorted(windows, key=lambda w: (w["weekday"], w["start"]))


def seed(people: int, *, seed_value: int = 11, match: bool = True, log=print) -> World:
    """One organization with a matching-phase cohort of ``people``, inserted in bulk; with
    ``match``, a real matching run over it whose proposals are published as pairs."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Membership, Organization, Role, User
    from core.tenancy import organization_scope
    from matching.models import MatchingRun, Pair, Proposal
    from matching.services import runs as matching_runs
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

    rng = random.Random(seed_value)
    started = time.perf_counter()
    organization = Organization.objects.create(name="Bench Corp", slug="bench",
                                               time_zone="Europe/Berlin")
    password = make_password("bench-password-not-secret")
    with organization_scope(organization):
        levels = SeniorityLevel.objects.bulk_create([
            SeniorityLevel(organization=organization, name=f"L{rank}", rank=rank)
            for rank in range(1, 10)])
        topics = {t.name: t for t in Topic.objects.bulk_create([
            Topic(organization=organization, name=name,
                  slug=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
            for name in JUNIOR_TOPICS + SENIOR_TOPICS])}
        program = Program.objects.create(organization=organization, name="Flip the Script",
                                         slug="flip", purpose="Leaders learn from juniors.")
        today = timezone.localdate()
        cohort = Cohort.objects.create(
            organization=organization, program=program, name="Global rollout", slug="global",
            start_date=today, end_date=today.replace(year=today.year + 1),
            status=CohortStatus.MATCHING, default_mentor_capacity=1)
        admin = User.objects.create(email="hr@bench.example", full_name="Hana HR",
                                    password=password)
        Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)
        roles = ["mentor" if i % 2 == 0 else "mentee" for i in range(people)]
        users = User.objects.bulk_create([
            User(email=f"person{i:05d}@bench.example",
                 full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", password=password)
            for i in range(people)], batch_size=2000)
        memberships = Membership.objects.bulk_create([
            Membership(organization=organization, user=user, role=Role.MEMBER)
            for user in users], batch_size=2000)
        leaders = [m for m, role in zip(memberships, roles, strict=True) if role == "mentee"]
        profiles = Profile.objects.bulk_create([
            Profile(organization=organization, membership=membership,
                    job_title="Director" if role == "mentee" else "Analyst",
                    department=rng.choice(DEPARTMENTS),
                    level=levels[rng.randint(5, 8) if role == "mentee" else rng.randint(0, 3)],
                    manager=(rng.choice(leaders) if role == "mentor" and leaders
                             and rng.random() < 0.3 else None),
                    location="Berlin HQ", time_zone=rng.choice(ZONES),
                    languages=["en"] + (["de"] if rng.random() < 0.3 else []),
                    bio="I like learning from people who see the world differently.")
            for membership, role in zip(memberships, roles, strict=True)], batch_size=2000)
        participants = Participant.objects.bulk_create([
            Participant(organization=organization, cohort=cohort, membership=membership,
                        profile=profile, role=role, availability=_windows(rng),
                        learning_goals="Understand how my partner works.", completeness=100)
            for membership, profile, role in zip(memberships, profiles, roles, strict=True)],
            batch_size=2000)
        rows = []
        for participant in participants:
            junior = participant.role == "mentor"
            teach, learn = (JUNIOR_TOPICS, SENIOR_TOPICS) if junior else (SENIOR_TOPICS,
                                                                          JUNIOR_TOPICS)
            for interest, pool in (("teach", teach), ("learn", learn)):
                rows.extend(ParticipantTopic(organization=organization, participant=participant,
                                             topic=topics[name], interest=interest,
                                             strength=rng.randint(1, 3))
                            for name in rng.sample(pool, 3))
        ParticipantTopic.objects.bulk_create(rows, batch_size=5000)
        log(f"seeded       {people:,} participants, {len(rows):,} topic choices in "
            f"{time.perf_counter() - started:.1f} s")
        run = MatchingRun.objects.create(organization=organization, cohort=cohort, number=1,
                                         started_by=admin)
        pairs = 0
        if match:
            started = time.perf_counter()
            matching_runs.run_execute(run_id=run.pk)
            proposals = list(Proposal.objects.filter(run=run))
            Pair.objects.bulk_create([
                Pair(organization=organization, cohort=cohort, mentor_id=p.mentor_id,
                     mentee_id=p.mentee_id, run=run, score=p.score, explanation=p.explanation)
                for p in proposals], batch_size=2000)
            MatchingRun.objects.filter(pk=run.pk).update(published_at=timezone.now())
            pairs = len(proposals)
            log(f"matched      {pairs:,} pairs by the engine in "
                f"{time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum keeps
            cursor.execute("ANALYZE")
        paired = set(Pair.objects.values_list("mentor_id", flat=True))
        participant = next((p for p in participants if p.pk in paired), participants[0])
        pair = Pair.objects.filter(mentor=participant).first()
    return World(organization_slug=organization.slug, cohort_pk=cohort.pk, run_pk=run.pk,
                 participant_email=participant.membership.user.email,
                 admin_email=admin.email, people=people, pairs=pairs,
                 pair_pk=pair.pk if pair else None)


def session_cookie(email: str) -> str:
    """A signed-in session for ``email``, stored as a real sign-in stores it, with the CSRF
    cookie a browser holds from its first page (without it every answer would make a new
    CSRF secret and set its cookie, which no signed-in browser causes)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    from accounts.models import User

    user = User.objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return (f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={get_random_string(32)}")


@dataclass
class Target:
    name: str
    path: str
    cookie: str | None
    audience: str  # "baseline", "floor", "participant" or "admin"


def targets(world: World, participant_cookie: str, admin_cookie: str) -> list[Target]:
    org = f"/o/{world.organization_slug}"
    return [
        Target("hello-world", "/bench/hello", None, "baseline"),
        Target("signed-in floor", f"/bench{org}/floor", participant_cookie, "floor"),
        Target("start", f"{org}/", participant_cookie, "participant"),
        Target("my-pairs", f"{org}/matching/mine/", participant_cookie, "participant"),
        *([Target("workspace", f"{org}/pairs/{world.pair_pk}/", participant_cookie,
                  "participant")] if world.pair_pk else []),
        Target("roster", f"{org}/programs/cohorts/{world.cohort_pk}/roster/", admin_cookie,
               "admin"),
        Target("review", f"{org}/matching/runs/{world.run_pk}/", admin_cookie, "admin"),
        Target("api-participants", f"/api/v1{org}/participants/", admin_cookie, "admin"),
    ]


# --- gunicorn ------------------------------------------------------------------------------

def start_gunicorn(env: dict[str, str], port: int, workers: int, log_path: Path):
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--worker-class", "sync", "--error-logfile", str(log_path),
               "--log-level", "warning", "--timeout", "60"]
    process = subprocess.Popen(command, cwd=ROOT, env=env,  # noqa: S603  fixed arguments
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            status, _, _ = fetch(port, "/healthz", None)
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def settle(port: int) -> None:
    """Wait until the workers are idle again (hello-world answers quickly)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        _, _, first_byte = fetch(port, "/bench/hello", None, timeout=300)
        if first_byte < 0.05:
            return
        time.sleep(0.5)


def headers(cookie: str | None) -> dict[str, str]:
    found = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https",
             "User-Agent": "flipside-bench"}
    if cookie:
        found["Cookie"] = cookie
    return found


def fetch(port: int, path: str, cookie: str | None, *, timeout: float = 30
          ) -> tuple[int, bytes, float]:
    """One GET: status, body and time to the first byte of the answer (seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    connection.request("GET", path, headers=headers(cookie))
    response = connection.getresponse()
    first_byte = time.perf_counter() - started
    body = response.read()
    connection.close()
    return response.status, body, first_byte


# --- load generators -----------------------------------------------------------------------

@dataclass
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    failures: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d failures=%d p50=%d p95=%d p99=%d\\n",
    summary.requests, summary.duration,
    errors.status + errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def load_with_wrk(port: int, target: Target, clients: int, seconds: float,
                  script: Path) -> Figures:
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "10s",
               "-s", str(script)]
    for name, value in headers(target.cookie).items():
        if name != "Host":
            command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{target.path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603
                            timeout=seconds + 60).stdout
    found = re.search(r"BENCH requests=(\d+) duration_us=(\d+) failures=(\d+) p50=(\d+) "
                      r"p95=(\d+) p99=(\d+)", output)
    if found is None:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    requests, duration, failures, p50, p95, p99 = map(int, found.groups())
    return Figures(requests=requests, seconds=duration / 1e6, p50_ms=p50 / 1000,
                   p95_ms=p95 / 1000, p99_ms=p99 / 1000, failures=failures)


def load_with_threads(port: int, target: Target, clients: int, seconds: float) -> Figures:
    """The fallback: ``clients`` threads, each sending one request after another."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, _, _ = fetch(port, target.path, target.cookie)
            except OSError:
                status = 0
            mine.append(time.perf_counter() - started)
            failed += status != 200
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000

    return Figures(requests=len(latencies), seconds=elapsed, p50_ms=percentile(50),
                   p95_ms=percentile(95), p99_ms=percentile(99), failures=failures[0])


# --- main ----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8017)
    parser.add_argument("--pages", default="",
                        help="comma-separated subset: start,my-pairs,workspace,roster,"
                             "review,api-participants (hello-world and the signed-in floor are "
                             "always measured)")
    parser.add_argument("--threads", action="store_true",
                        help="use the Python load generator even when wrk is installed")
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="flipside-bench-load-"))
    try:
        database_url = bench_database_url(given, workdir)
        env = bench_environment(database_url, workdir)
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"database     {connection.vendor}, migrated and static files collected in "
              f"{time.perf_counter() - started:.1f} s")
        world = seed(args.people)
        participant_cookie = session_cookie(world.participant_email)
        admin_cookie = session_cookie(world.admin_email)
        connection.close()

        chosen = {name.strip() for name in args.pages.split(",") if name.strip()}
        pages = [t for t in targets(world, participant_cookie, admin_cookie)
                 if t.audience in ("baseline", "floor") or not chosen or t.name in chosen]
        process = start_gunicorn(env, args.port, args.workers, workdir / "gunicorn.log")
        try:
            run_pages(args, pages, workdir, master=process.pid, database_url=database_url)
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        close_connections()
        drop_bench_database(given)
        shutil.rmtree(workdir, ignore_errors=True)


def close_connections() -> None:
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()


# --- CPU accounting --------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def server_pids(master: int, database_url: str) -> list[int]:
    """The gunicorn workers and, on PostgreSQL, the server processes of their connections
    (persistent with the production settings), whose CPU a page also costs."""
    pids = []
    for task in Path(f"/proc/{master}/task").glob("*/children"):
        pids += [int(pid) for pid in task.read_text().split()]
    if database_url.startswith("postgres"):
        import psycopg2

        connection = psycopg2.connect(database_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                               "AND pid <> pg_backend_pid()", [BENCH_DATABASE])
                pids += [row[0] for row in cursor.fetchall()]
        finally:
            connection.close()
    return pids


def run_pages(args, pages: list[Target], workdir: Path, *, master: int = 0,
              database_url: str = "") -> None:
    wrk = None if args.threads else shutil.which("wrk")
    script = workdir / "percentiles.lua"
    script.write_text(WRK_SCRIPT)
    print(f"load         {'wrk' if wrk else 'Python threads (install wrk for less overhead)'}"
          f", {args.clients} clients, {args.seconds:g} s per page, gunicorn {args.workers} "
          f"sync workers on 127.0.0.1:{args.port}, bench.settings (production, DEBUG off)")
    print(f"{'page':<18}{'single':>9}{'size':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}{'ratio':>9}{'CPU/req':>10}{'CPU ratio':>11}  goal")
    baseline = baseline_cpu = None
    for target in pages:
        settle(args.port)
        for _ in range(3):  # warm both workers: templates, URL resolver, connections
            status, body, first_byte = fetch(args.port, target.path, target.cookie,
                                             timeout=300)
        if status != 200:
            print(f"{target.name:<18} HTTP {status} for {target.path}: skipped")
            continue
        # A page that takes seconds would leave the workers busy with queued requests long
        # after the measurement: measure it with as many clients as workers.
        clients = args.clients if first_byte < 2 else args.workers
        pids = server_pids(master, database_url) if master else []
        cpu_before = {pid: process_cpu(pid) for pid in pids}
        if wrk:
            figures = load_with_wrk(args.port, target, clients, args.seconds, script)
        else:
            figures = load_with_threads(args.port, target, clients, args.seconds)
        cpu_after = {pid: process_cpu(pid) for pid in pids}
        gone = any(cpu_after[pid] < cpu_before[pid] for pid in pids)  # a process was replaced
        cpu = (float("nan") if gone or not pids else
               (sum(cpu_after.values()) - sum(cpu_before.values())) / max(figures.requests, 1))
        if baseline is None:
            baseline, baseline_cpu = figures.rate, cpu
        ratio = baseline / figures.rate if figures.rate else float("inf")
        cpu_ratio = cpu / baseline_cpu if baseline_cpu else float("nan")
        goal = ""
        if target.audience == "participant":
            ok = ratio <= 5 and figures.p95_ms < 150
            goal = f"{'met' if ok else 'MISSED'} (≤ 5×, p95 < 150 ms)"
        elif target.audience == "admin":
            goal = f"{'met' if ratio <= 10 else 'MISSED'} (≤ 10×)"
        failures = f"  {figures.failures} failed" if figures.failures else ""
        if clients != args.clients:
            failures += f"  (measured with {clients} clients: one request takes seconds)"
        print(f"{target.name:<18}{first_byte * 1000:>7.0f}ms{len(body) / 1024:>8.0f}KB"
              f"{figures.rate:>9.1f}{figures.p50_ms:>9.1f}{figures.p95_ms:>9.1f}"
              f"{figures.p99_ms:>9.1f}{'1/' + format(ratio, '.1f'):>9}{cpu * 1000:>8.1f}ms"
              f"{'1/' + format(cpu_ratio, '.1f'):>11}  {goal}{failures}")
    print("CPU/req      CPU seconds of the gunicorn workers (and, on PostgreSQL, of their "
          "database server processes) per request served: unlike req/s it hardly depends on "
          "what else the machine runs. CPU ratio = a page's CPU/req against hello-world's: "
          "the throughput ratio to expect on a machine of its own.")


if __name__ == "__main__":
    main()
