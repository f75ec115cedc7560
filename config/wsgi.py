"""WSGI entry point (gunicorn config.wsgi). Defaults to the production settings, which refuse
to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL: never debug, never a
known key."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
