"""Settings of the real Celery worker that tests/sessions/test_reminders_worker.py starts as a
subprocess: the test settings (the run's database and Redis, from the environment the test
passes), a worker that does not run tasks eagerly, a private queue, and an email backend that
records every SMTP hand-over to files (and can die right after one)."""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["FLIPSIDE_TEST_QUEUE"]
EMAIL_BACKEND = "tests.mail_recorder.RecordingBackend"
