"""The throwaway database the bench scripts fill: PostgreSQL when DATABASE_URL points at it,
else an SQLite file under var/ (served with the options `make run` uses). It is created and
migrated before the run and dropped after it, whatever happens, so a bench never touches a real
database."""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent


def run_on_throwaway_database(name: str, run: Callable[[], None], *,
                              quiet_loggers: tuple[str, ...] = ()) -> None:
    """Set Django up on a fresh test database named after ``name`` and call ``run()`` on it."""
    import django

    using_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    sqlite_file = ROOT / "var" / f"bench_{name}.sqlite3"
    if not using_postgres:
        sqlite_file.parent.mkdir(exist_ok=True)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{sqlite_file}")
    django.setup()
    for logger in ("celery", *quiet_loggers):
        logging.getLogger(logger).setLevel(logging.WARNING)
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    if not using_postgres:
        connection.settings_dict["TEST"]["NAME"] = str(sqlite_file)
        connection.settings_dict.setdefault("OPTIONS", {}).update(
            settings.SQLITE_SERVER_OPTIONS)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)")
    print(f"database: {connection.vendor}; creating a throwaway test database…", flush=True)
    started = perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"  migrated in {perf_counter() - started:.1f} s")
    try:
        run()
    finally:
        connection.creation.destroy_test_db(database["NAME"], verbosity=0)
