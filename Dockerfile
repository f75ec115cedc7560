# Production image: gunicorn serves the app, whitenoise the static files.
# Secrets never enter the image: .dockerignore keeps .env (and .git, var/) out of the build
# context, and SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL come from the environment
# at run time (docker-compose.yml); the production settings refuse to start without them.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 flipside
# Runtime dependencies only (no dev extras), in their own layer: a code change reuses it.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && rm -rf build ./*.egg-info
COPY . .
# collectstatic reads no database and no broker: the values below only satisfy the settings'
# checks for this one command and are not kept in the image's environment.
RUN SECRET_KEY=collectstatic-build-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@database.invalid/build REDIS_URL=redis://broker.invalid:6379/0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R flipside /app/var
USER flipside
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
