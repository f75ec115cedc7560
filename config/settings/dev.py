"""Embedded default (`make run`): SQLite under var/, eager tasks, email to the console.

Never the default of manage.py, wsgi, asgi or Celery: choose it with
``DJANGO_SETTINGS_MODULE=config.settings.dev`` (the Makefile does)."""

import os
import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, SQLITE_SERVER_OPTIONS, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
VAR_DIR.mkdir(exist_ok=True)
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_SERVER_OPTIONS)


def _local_secret_key(path: Path) -> str:
    """This checkout's own random key: made once, kept in var/ (git- and docker-ignored), so
    sessions survive a restart and no two checkouts share a key."""
    if path.exists():
        return path.read_text().strip()
    fresh = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fresh.write_text(secrets.token_urlsafe(50) + "\n")
    fresh.chmod(0o600)
    try:
        os.link(fresh, path)  # atomic: a second process starting now keeps the first key
    except FileExistsError:
        pass
    finally:
        fresh.unlink()
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _local_secret_key(VAR_DIR / "dev-secret-key")
