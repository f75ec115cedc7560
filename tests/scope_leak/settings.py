"""Test settings plus the scope-leak probes (tests/test_scope_guard.py, gunicorn run)."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.scope_leak.urls"
