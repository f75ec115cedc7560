"""Production: every secret and host comes from the environment; passes check --deploy.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL: no SQLite
fallback, no published key, and no tasks run inside the web request."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL, env

_DEV_HINT = "(for a local demo use DJANGO_SETTINGS_MODULE=config.settings.dev, as `make run` does)"


def _required(name: str, meaning: str) -> str:
    value = env(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable: production needs {meaning} {_DEV_HINT}.")
    return value


DEBUG = False
SECRET_KEY = _required(
    "SECRET_KEY", "a long random secret, e.g. python3 -c 'import secrets; "
    "print(secrets.token_urlsafe(50))'")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# base.py parsed DATABASE_URL already; here it must be set (sqlite:// only when said so).
_required("DATABASE_URL", "the database, e.g. postgres://user:password@host:5432/flipside")
_required("REDIS_URL", "the Celery broker, e.g. redis://host:6379/0 (no task runs in a request)")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
# The API throttles' counters (accounts/throttles.py) live in Redis: shared by every worker
# like the database cache, but a few sub-millisecond round trips per request instead of about
# twenty queries. Short socket timeouts: while Redis is down or frozen, the throttles count in
# the database cache (the default cache) and leave Redis alone for a while.
CACHES = {
    **CACHES,
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "flipside",
        "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
    },
}

# Persistent database connections: opening one per request costs more than a page's queries
# (each gunicorn sync worker keeps one). The health check replaces a connection the server
# closed (restart, idle timeout) before a request uses it. CONN_MAX_AGE=0 turns them off.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# The reads every page makes (core/compiled.py) are prepared once per connection, so that
# PostgreSQL plans each once instead of on every request. Turn off behind a connection
# pooler in transaction mode (PgBouncer's pool_mode=transaction), whose server connections
# do not keep a client's prepared statements.
FLIPSIDE_PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
# Templates: Django's cached loader is on whenever TEMPLATES sets no "loaders" (base.py sets
# none), so each worker compiles a template once; tests/test_production_performance.py
# checks that it stays so.

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
# includeSubDomains and preload are opt-in: they bind every subdomain of the registered domain,
# and a preload-list entry takes months to undo. Only the operator of the domain can decide.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# check --deploy warns about each of the two while it is off (security.W005, security.W021);
# that is this opt-in by design, so exactly those two are silenced, and only while off.
SILENCED_SYSTEM_CHECKS = [
    *globals().get("SILENCED_SYSTEM_CHECKS", []),
    *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),
    *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
