"""Celery application: broker from REDIS_URL. Defaults to the production settings (which
require REDIS_URL); `make worker`/`make beat` choose config.settings.dev."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("flipside")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
