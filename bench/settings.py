"""Benchmark-only settings: production, plus a hello-world view at /bench/hello.

Used by bench/load.py for the gunicorn it starts on 127.0.0.1; never by a deployment (the
normal URL map has no /bench/ route). Everything else is config.settings.production, so the
figures are those of production: DEBUG off, cached templates, persistent connections,
WhiteNoise with the manifest (bench/load.py runs collectstatic into BENCH_STATIC_ROOT)."""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = env("BENCH_STATIC_ROOT", default=str(STATIC_ROOT))  # noqa: F405
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
