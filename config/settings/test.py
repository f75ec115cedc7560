"""Tests: PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set (CI), else SQLite.

Tasks always run eagerly (see below)."""

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR

# A new random key per test run, published in the environment so that the processes the run
# starts (manage.py, gunicorn, workers on these settings) sign and verify with the same one.
SECRET_KEY = os.environ.setdefault("FLIPSIDE_TEST_SECRET_KEY", secrets.token_urlsafe(50))

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
VAR_DIR.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tasks run eagerly even when REDIS_URL is set (CI): nothing consumes the broker during a test
# run, so a published task would never run and its effects (emails, matching runs) would be
# missing. Tests that exercise the real broker switch this off themselves
# (tests/test_celery.py, tests/test_notifications.py).
CELERY_TASK_ALWAYS_EAGER = True
