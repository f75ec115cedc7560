"""Production settings pass ``check --deploy``; docker-compose.yml and the Dockerfile refer to
things that exist (no Docker engine here, so they are read and their commands checked)."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.conf import settings
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(settings.BASE_DIR)
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
BIN = Path(sys.executable).parent
REQUIRED_SERVICES = {"postgres", "redis", "web", "worker", "beat"}


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "flipside.example.com",
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


# --- settings --------------------------------------------------------------------------------

def test_production_settings_pass_check_deploy_without_warnings():
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNINGS" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]

    result = _run([sys.executable, "manage.py", "check"], env)

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


# --- docker-compose.yml ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE.exists(), "docker-compose.yml is missing at the repository root"
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def app_services(compose) -> dict[str, dict]:
    """Services built from this repository (the others run stock images)."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def _dockerfile_cmd() -> list[str]:
    match = re.search(r"^CMD\s+(\[.*\])\s*$", DOCKERFILE.read_text(), re.MULTILINE)
    assert match, "the Dockerfile has no CMD in exec form"
    return yaml.safe_load(match.group(1))


def _command(service: dict) -> list[str]:
    command = service.get("command") or _dockerfile_cmd()
    return shlex.split(command) if isinstance(command, str) else list(command)


def _simple_commands(argv: list[str]) -> list[list[str]]:
    """Split ``sh -c "a && b"`` into its commands; anything else is one command."""
    if len(argv) >= 3 and Path(argv[0]).name in {"sh", "bash"} and argv[1] == "-c":
        parts = re.split(r"&&|\|\||;|\|", argv[2])
        return [shlex.split(part) for part in parts if part.strip()]
    return [argv]


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def _check_python(argv: list[str]) -> None:
    if argv[1:2] == ["-c"]:
        return
    if argv[1:2] == ["-m"]:
        assert importlib.util.find_spec(argv[2]), f"no module {argv[2]}"
        return
    script = ROOT / argv[1]
    assert script.exists(), f"{argv[1]} does not exist"
    if argv[1] == "manage.py":
        assert argv[2] in get_commands(), f"manage.py has no command {argv[2]!r}"


def _check_gunicorn(argv: list[str]) -> None:
    assert (BIN / "gunicorn").exists(), "gunicorn is not installed"
    target = next(arg for arg in argv[1:] if not arg.startswith("-") and ":" in arg)
    module, attribute = target.split(":")
    assert hasattr(importlib.import_module(module), attribute), f"{target} does not exist"


def _check_celery(argv: list[str]) -> None:
    from celery.bin.celery import celery as celery_cli

    assert (BIN / "celery").exists(), "celery is not installed"
    app_index = next(i for i, arg in enumerate(argv) if arg in ("-A", "--app")) + 1
    module = importlib.import_module(argv[app_index])
    assert any(isinstance(value, Celery) for value in vars(module).values()), (
        f"{argv[app_index]} has no Celery app")
    subcommand = next(arg for arg in argv[app_index + 1:] if not arg.startswith("-"))
    assert subcommand in celery_cli.commands, f"celery has no command {subcommand!r}"


CHECKERS = {"python": _check_python, "python3": _check_python, "gunicorn": _check_gunicorn,
            "celery": _check_celery}


def test_compose_file_parses_and_has_the_services(compose, app_services):
    assert set(compose["services"]) >= REQUIRED_SERVICES
    assert {"web", "worker", "beat"} <= set(app_services)
    assert DOCKERFILE.exists()


def test_app_service_commands_refer_to_things_that_exist(app_services):
    checked = []
    for name, service in app_services.items():
        commands = _simple_commands(_command(service))
        health = (service.get("healthcheck") or {}).get("test")
        if isinstance(health, list) and health[0] == "CMD":
            commands += _simple_commands(health[1:])
        elif isinstance(health, list) and health[0] == "CMD-SHELL":
            commands += _simple_commands(["sh", "-c", health[1]])
        for argv in commands:
            executable = Path(argv[0]).name
            assert executable in CHECKERS, (
                f"service {name} runs {argv[0]!r}, which this test cannot check: teach it "
                f"(tests/test_production.py)")
            CHECKERS[executable](argv)
            checked.append((name, executable))
    assert ("web", "gunicorn") in checked
    assert ("worker", "celery") in checked
    assert ("beat", "celery") in checked


def test_health_checks_probe_urls_that_exist(app_services):
    for name, service in app_services.items():
        test = " ".join(map(str, (service.get("healthcheck") or {}).get("test") or []))
        for path in re.findall(r"https?://[\w.-]+(?::\d+)?(/[^'\"\s)]*)", test):
            try:
                resolve(path)
            except Resolver404:
                pytest.fail(f"service {name}'s healthcheck probes {path}, which does not exist")


def test_app_services_set_the_settings_the_app_reads(app_services):
    source = "\n".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    read_by_settings = set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z0-9_]+)["']""", source))
    for name, service in app_services.items():
        environment = _environment(service)
        unknown = set(environment) - read_by_settings - {"DJANGO_SETTINGS_MODULE"}
        assert not unknown, f"service {name} sets {sorted(unknown)}, which no setting reads"
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(environment)
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_beat_schedule_file_is_in_a_directory_the_image_creates(app_services):
    dockerfile = DOCKERFILE.read_text()
    workdir = re.findall(r"^WORKDIR\s+(\S+)", dockerfile, re.MULTILINE)[-1]
    for name, service in app_services.items():
        for arg in _command(service):
            path = arg.split("=", 1)[-1]
            if path.startswith(f"{workdir}/"):
                folder = str(Path(path).parent)
                relative = Path(folder).relative_to(workdir)
                assert folder in dockerfile or (ROOT / relative).is_dir(), (
                    f"service {name} uses {path}, but the image has no {folder}")


def test_the_worker_command_loads_the_app_with_production_settings():
    """``celery -A config`` from the repository root with production settings."""
    result = _run([str(BIN / "celery"), "-A", "config", "report"],
                  _production_env(REDIS_URL="redis://redis.invalid:6379/0"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "transport:redis" in result.stdout
    assert "CELERY_BROKER_URL: 'redis://redis.invalid:6379/0'" in result.stdout
    assert "CELERY_TASK_ALWAYS_EAGER: False" in result.stdout


def test_the_web_command_loads_the_wsgi_app_with_production_settings():
    result = _run([str(BIN / "gunicorn"), "--check-config", "config.wsgi:application"],
                  _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
