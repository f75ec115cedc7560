"""Celery application: broker from REDIS_URL, eager when there is no broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("flipside")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
