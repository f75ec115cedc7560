"""Embedded default: SQLite under var/, eager tasks, email to the console."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
VAR_DIR.mkdir(exist_ok=True)
