"""Single-page figures at scale: time to first byte, size and SQL queries, optionally profiled.

    .venv/bin/python bench/pages.py                          # roster at 10,000 people
    .venv/bin/python bench/pages.py --people 2000 --profile start,roster
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/pages.py

Seeds a throwaway database exactly like bench/load.py (``--people`` participants, a real
matching run published as pairs unless ``--no-match``), then requests each page in-process
through the whole middleware stack with the benchmark settings (production, DEBUG off) and
prints, per page, the median of ``--repeat`` requests: time until the response is complete
(a server-side time to first byte: Django renders a page completely before sending it),
the CPU time of this process for it (the figure to trust on a shared machine; the
database's own CPU is not in it on PostgreSQL), its size and its number of SQL queries.
``--profile name,...`` profiles ``--profile-requests`` more requests to each named page
with pyinstrument (cProfile's top 25 functions by own time with ``--cprofile`` or when
pyinstrument is not installed). Nothing is asserted.

Figures (2 December 2026, PostgreSQL, 10,000 people and 5,000 pairs, dfcc8b5; time to the
complete response, in-process CPU, size, queries): roster 61 ms, 13 ms, 72 KB, 14; matching
review 22 ms, 11 ms, 118 KB, 9; start page 10 ms, 4 ms, 5 KB, 12; participants API 20 ms,
9 ms, 36 KB, 6 (the issue measured 57 s for the roster and 23 s and 10 MB for the review).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (
    bench_database_url,
    bench_environment,
    close_connections,
    drop_bench_database,
    seed,
    session_cookie,
    targets,
)


def profile(client, target, requests: int, *, use_cprofile: bool = False) -> None:
    """Profile ``requests`` requests to ``target`` together (one request is too short for
    a sampling profiler to see more than noise)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if use_cprofile:
        Profiler = None
    if Profiler is not None:
        profiler = Profiler(interval=0.001)
        profiler.start()
        for _ in range(requests):
            client.get(target.path, secure=True)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    import cProfile
    import pstats

    found = cProfile.Profile()
    found.enable()
    for _ in range(requests):
        client.get(target.path, secure=True)
    found.disable()
    stats = pstats.Stats(found)
    stats.sort_stats("tottime").print_stats(25)
    # and the project's own functions by cumulative time: which of them costs what
    stats.sort_stats("cumulative").print_stats(r"^(?!.*(site-packages|python3\.\d+/)).*\.py", 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", default="roster",
                        help="comma-separated: start,my-pairs,roster,review,api-participants "
                             "or 'all'")
    parser.add_argument("--profile", default="", help="pages to profile, comma-separated")
    parser.add_argument("--profile-requests", type=int, default=20)
    parser.add_argument("--queries", action="store_true",
                        help="print the SQL of each page's last request")
    parser.add_argument("--cprofile", action="store_true",
                        help="profile with cProfile (functions by own time) instead")
    parser.add_argument("--no-match", action="store_true",
                        help="skip the matching run (no pairs, an empty review)")
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="flipside-bench-pages-"))
    try:
        env = bench_environment(bench_database_url(given, workdir), workdir)
        env["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        world = seed(args.people, match=not args.no_match)
        cookies = {"participant": session_cookie(world.participant_email),
                   "admin": session_cookie(world.admin_email)}
        wanted = {name.strip() for name in args.pages.split(",") if name.strip()}
        profiled = {name.strip() for name in args.profile.split(",") if name.strip()}
        print(f"database     {connection.vendor}; {world.people:,} participants, "
              f"{world.pairs:,} pairs")
        print(f"{'page':<18}{'TTFB ms':>9}{'min ms':>9}{'CPU ms':>9}{'size KB':>9}"
              f"{'queries':>9}  path")
        for target in targets(world, cookies["participant"], cookies["admin"]):
            if target.audience not in ("baseline", "floor") and not (
                    "all" in wanted or target.name in wanted or target.name in profiled):
                continue
            client = Client(HTTP_HOST="127.0.0.1")
            if target.cookie:
                for part in target.cookie.split("; "):
                    name, value = part.split("=", 1)
                    client.cookies[name] = value
            response = client.get(target.path, secure=True)  # warm-up
            if response.status_code != 200:
                print(f"{target.name:<18} HTTP {response.status_code}: skipped")
                continue
            times, cpu = [], []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = client.get(target.path, secure=True)
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - started_cpu)
            print(f"{target.name:<18}{statistics.median(times) * 1000:>9.0f}"
                  f"{min(times) * 1000:>9.0f}{statistics.median(cpu) * 1000:>9.1f}"
                  f"{len(response.content) / 1024:>9.0f}{len(queries.captured_queries):>9}"
                  f"  {target.path}")
            if args.queries:
                for number, query in enumerate(queries.captured_queries, 1):
                    print(f"  {number:>2}. {float(query['time']) * 1000:>7.1f} ms  "
                          f"{query['sql'][:300]}")
            if target.name in profiled:
                profile(client, target, args.profile_requests, use_cprofile=args.cprofile)
    finally:
        close_connections()
        drop_bench_database(given)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
