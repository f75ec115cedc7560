# Flipside: `make run` serves the demo, `make test` runs the whole suite.
# `make run` installs only what serving needs; `make test` / `make lint` add the dev extras
# (pytest, Playwright, Hypothesis, ruff, ...). One stamp each: `make test` after `make run` adds
# the extras, `make run` after `make test` installs nothing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.installed-serve
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint venv migrate seed worker beat bench clean

# manage.py, wsgi and Celery default to the production settings; these targets are the
# embedded demo (SQLite under var/, eager tasks unless REDIS_URL is set, email to the console).
run seed migrate worker beat: export DJANGO_SETTINGS_MODULE := config.settings.dev
test lint: export DJANGO_SETTINGS_MODULE := config.settings.test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Requirements straight from pyproject.toml (scripts/requirements.py): nothing to build, and
# no byte-compiling of every installed file (Python compiles what it imports, once).
PIP_INSTALL := $(BIN)/python -m pip install --quiet --no-compile

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python scripts/requirements.py > $(VENV)/requirements-serve.txt
	$(PIP_INSTALL) -r $(VENV)/requirements-serve.txt
	touch $@

# The runtime requirements plus the dev extras: this stamp renews both.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python scripts/requirements.py dev > $(VENV)/requirements-dev.txt
	$(PIP_INSTALL) -r $(VENV)/requirements-dev.txt
	touch $(SERVE_STAMP) $@

venv: $(SERVE_STAMP)

migrate: $(SERVE_STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving the demo on http://127.0.0.1:8000 (logins above; Ctrl-C stops)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

worker: $(SERVE_STAMP)
	$(BIN)/celery -A config worker --loglevel=info

beat: $(SERVE_STAMP)
	$(BIN)/celery -A config beat --loglevel=info

bench: $(SERVE_STAMP)
	$(BIN)/python bench/matching.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
