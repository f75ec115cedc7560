"""Which settings each entry point runs: the suite always the test settings; manage.py, wsgi,
asgi and Celery production unless told otherwise (never debug, never a known key); the
Makefile's demo targets the dev settings, with a key of the checkout's own."""

import ast
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings


def test_the_suite_runs_with_the_test_settings():
    # dev settings would hash every factory password with PBKDF2 and send real email
    assert settings.SETTINGS_MODULE == "config.settings.test"
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- which settings each entry point picks ---------------------------------------------------

ROOT = Path(settings.BASE_DIR)
PUBLISHED_DEV_KEY = "dev-insecure-secret-key-change-me-0123456789abcdef"  # in git history
PRINT_SETTINGS = ("from django.conf import settings; "
                  "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.SECRET_KEY)")
ENTRY_POINTS = {
    "wsgi": [sys.executable, "-c", f"import config.wsgi; {PRINT_SETTINGS}"],
    "asgi": [sys.executable, "-c", f"import config.asgi; {PRINT_SETTINGS}"],
    "celery": [sys.executable, "-c",
               f"from config.celery import app; app.conf.broker_url; {PRINT_SETTINGS}"],
    "manage.py": [sys.executable, "manage.py", "shell", "-c", PRINT_SETTINGS],
}


def _bare_env(**extra: str) -> dict[str, str]:
    """No DJANGO_SETTINGS_MODULE: what a bare ``gunicorn config.wsgi`` gets. Variables set to
    "" count as unset (and keep a developer's .env file from filling them in)."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)),
           "SECRET_KEY": "", "DATABASE_URL": "", "REDIS_URL": "", "DEBUG": "1"}
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
                          check=False)


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_entry_points_default_to_production_and_refuse_to_start_without_a_key(entry_point):
    result = _run(ENTRY_POINTS[entry_point], _bare_env())

    assert result.returncode != 0, result.stdout
    assert "Set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_entry_points_default_to_production_settings_without_debug(entry_point, tmp_path):
    key = "k" * 60
    env = _bare_env(SECRET_KEY=key, ALLOWED_HOSTS="flipside.example.com",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                    REDIS_URL="redis://broker.invalid:6379/0")

    result = _run(ENTRY_POINTS[entry_point], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[-3:] == ["config.settings.production", "False", key]


def test_no_settings_module_publishes_a_secret_key():
    import config.settings.base as base

    assert not hasattr(base, "SECRET_KEY")
    for path in (ROOT / "config" / "settings").glob("*.py"):
        assert PUBLISHED_DEV_KEY not in path.read_text(), path


def test_the_test_settings_use_a_random_key_shared_with_the_processes_they_start():
    assert os.environ["FLIPSIDE_TEST_SECRET_KEY"] == settings.SECRET_KEY
    assert len(settings.SECRET_KEY) >= 50
    assert settings.SECRET_KEY != PUBLISHED_DEV_KEY


def test_the_dev_key_is_made_once_per_checkout_and_kept_private(tmp_path):
    from config.settings.dev import _local_secret_key

    path = tmp_path / "dev-secret-key"
    first = _local_secret_key(path)
    again = _local_secret_key(path)
    other_checkout = _local_secret_key(tmp_path / "elsewhere")

    assert first == again == path.read_text().strip()
    assert len(first) >= 50
    assert other_checkout != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev-secret-key", "elsewhere"]


def test_dev_settings_take_their_key_from_var_unless_one_is_set(tmp_path):
    script = "import config.settings.dev as s; print(s.SECRET_KEY, s.DEBUG)"

    database = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    generated = _run([sys.executable, "-c", script], _bare_env(DATABASE_URL=database))
    chosen = _run([sys.executable, "-c", script],
                  _bare_env(DATABASE_URL=database, SECRET_KEY="chosen-" + "x" * 50))

    assert generated.returncode == 0, generated.stderr
    key, debug = generated.stdout.split()
    assert key == (ROOT / "var" / "dev-secret-key").read_text().strip()
    assert debug == "True"
    assert chosen.stdout.split()[0] == "chosen-" + "x" * 50


# --- the Makefile: `make run` installs only what serving needs --------------------------------

FAKE_TOOL = """#!/bin/sh
echo "${DJANGO_SETTINGS_MODULE:-unset} $(basename "$0") $*" >> "$(dirname "$0")/../../calls.log"
"""


@pytest.fixture
def make_checkout(tmp_path):
    """The Makefile and pyproject.toml beside a venv whose tools only record their calls."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed (the README's start commands need it)")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for tool in ("python", "ruff", "celery"):
        fake = tmp_path / ".venv" / "bin" / tool
        fake.write_text(FAKE_TOOL)
        fake.chmod(0o755)
    log = tmp_path / "calls.log"

    def make(target: str) -> list[str]:
        log.write_text("")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
               "DJANGO_SETTINGS_MODULE": "config.settings.production"}  # the targets choose
        result = subprocess.run(["make", "-s", target], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return log.read_text().splitlines()

    return make


def test_make_run_installs_the_runtime_only_and_serves_the_dev_settings(make_checkout):
    calls = make_checkout("run")

    assert calls == [
        "config.settings.dev python scripts/requirements.py",
        "config.settings.dev python -m pip install --quiet --no-compile -r "
        ".venv/requirements-serve.txt",
        "config.settings.dev python manage.py migrate --noinput",
        "config.settings.dev python manage.py seed_demo",
        "config.settings.dev python manage.py runserver 127.0.0.1:8000",
    ]


def test_make_test_after_make_run_adds_the_dev_extras_and_make_run_then_installs_nothing(
        make_checkout):
    make_checkout("run")

    test_calls = make_checkout("test")
    run_calls = make_checkout("run")
    lint_calls = make_checkout("lint")

    assert test_calls == [
        "config.settings.test python scripts/requirements.py dev",
        "config.settings.test python -m pip install --quiet --no-compile -r "
        ".venv/requirements-dev.txt",
        "config.settings.test python -m pytest",
    ]
    assert not [call for call in run_calls + lint_calls if "install" in call or "requirem" in call]
    assert lint_calls == ["config.settings.test ruff check .",
                          "config.settings.test python manage.py makemigrations --check --dry-run"]


def test_make_run_after_a_fresh_make_test_installs_nothing(make_checkout):
    make_checkout("test")

    assert not [call for call in make_checkout("run") if "install" in call or "requirem" in call]


def test_make_worker_and_beat_run_celery_on_the_dev_settings(make_checkout):
    worker = make_checkout("worker")
    beat = make_checkout("beat")

    assert worker[-1] == "config.settings.dev celery -A config worker --loglevel=info"
    assert beat[-1] == "config.settings.dev celery -A config beat --loglevel=info"


DEV_ONLY = {"pytest", "pytest_django", "factory", "hypothesis", "playwright", "ruff"}


def test_the_runtime_requirements_leave_out_the_dev_extras():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from requirements import requirements
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    def names(lines):
        return {re.split(r"[\[<>=!~ ;]", line, maxsplit=1)[0].lower() for line in lines}

    serve, dev = names(requirements([])), names(requirements(["dev"]))
    assert {"django", "gunicorn", "celery", "whitenoise"} <= serve
    assert {"pytest", "playwright", "hypothesis", "ruff"} <= dev - serve
    assert serve < dev


def test_the_served_code_imports_no_dev_only_package():
    """`make run` installs the runtime requirements only: app code must not need the extras."""
    offenders = []
    served = [entry for entry in ROOT.iterdir()
              if not entry.name.startswith(".") and entry.name not in {"tests", "bench", "var"}]
    paths = [p for entry in served for p in ([entry] if entry.is_file() else entry.rglob("*"))]
    for path in paths:
        if path.suffix != ".py":
            continue
        relative = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(), str(relative))):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{relative}: {m}" for m in modules if m.split(".")[0] in DEV_ONLY]
    assert not offenders, offenders
