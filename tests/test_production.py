"""Production settings pass ``check --deploy`` and refuse unsafe defaults; the production build
(collectstatic with the Dockerfile's build step, then gunicorn with ``DEBUG=0``) serves pages
and their hashed static files; docker-compose.yml and the Dockerfile refer to things that
exist (no Docker engine here, so they are read and their commands checked)."""

from __future__ import annotations

import http.client
import importlib
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import environ
import pytest
import yaml
from celery import Celery
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(settings.BASE_DIR)
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
BIN = Path(sys.executable).parent
REQUIRED_SERVICES = {"postgres", "redis", "web", "worker", "beat"}
HOST = "flipside.example.com"
# Settings the production mode must refuse to start without.
REQUIRED_ENV = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")


def _production_env(**extra: str) -> dict[str, str]:
    """A complete production environment, and nothing of the caller's. A variable this test
    wants unset is set to "" instead: the settings also read a developer's .env file, which
    never overrides a variable the environment already has."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        # Read by no command these tests run except migrate and gunicorn, which get their own.
        "DATABASE_URL": "postgres://flipside@database.invalid:5432/flipside",
        "REDIS_URL": "redis://broker.invalid:6379/0",
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _production_values(env: dict[str, str], *names: str) -> dict:
    """The named values of config.settings.production, imported in a fresh process."""
    script = ("import json, config.settings.production as s; "
              f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}))")
    result = _run([sys.executable, "-c", script], env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- settings --------------------------------------------------------------------------------

def test_production_settings_pass_check_deploy_without_warnings():
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    # Only the two HSTS checks whose subject is opt-in by design (see production.py).
    assert result.stdout.strip() == "System check identified no issues (2 silenced)."
    assert "WARNINGS" not in result.stderr


def test_check_deploy_silences_nothing_once_hsts_subdomains_and_preload_are_opted_in():
    env = _production_env(SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")

    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_hsts_subdomains_and_preload_are_opt_in():
    names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
             "SILENCED_SYSTEM_CHECKS")

    default = _production_values(_production_env(), *names)
    opted_in = _production_values(
        _production_env(SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true"),
        *names)

    assert default["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert default["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert default["SECURE_HSTS_PRELOAD"] is False
    assert sorted(default["SILENCED_SYSTEM_CHECKS"]) == ["security.W005", "security.W021"]
    assert opted_in["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert opted_in["SECURE_HSTS_PRELOAD"] is True
    assert opted_in["SILENCED_SYSTEM_CHECKS"] == []


@pytest.mark.parametrize("name", REQUIRED_ENV)
def test_production_refuses_to_start_without(name):
    result = _run([sys.executable, "-c", "import config.settings.production"],
                  _production_env(**{name: ""}))

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " in result.stderr
    assert f"Set the {name} environment variable: production needs" in result.stderr
    assert "DJANGO_SETTINGS_MODULE=config.settings.dev" in result.stderr  # the way out


def test_manage_py_refuses_to_run_production_without_a_secret_key():
    result = _run([sys.executable, "manage.py", "check"], _production_env(SECRET_KEY=""))

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_never_runs_tasks_eagerly_and_never_debugs():
    values = _production_values(
        _production_env(DEBUG="1", REDIS_URL="redis://broker.invalid:6379/3"),
        "DEBUG", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "DATABASES")

    assert values["DEBUG"] is False
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CELERY_BROKER_URL"] == "redis://broker.invalid:6379/3"
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASES"]["default"]["HOST"] == "database.invalid"


def test_an_explicit_sqlite_url_is_allowed(tmp_path):
    values = _production_values(
        _production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'flipside.sqlite3'}"), "DATABASES")

    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASES"]["default"]["NAME"] == str(tmp_path / "flipside.sqlite3")


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


# --- .dockerignore ---------------------------------------------------------------------------

def _dockerignore_rules() -> list[tuple[bool, re.Pattern]]:
    """(excludes?, regex) per line, in Docker's syntax: ``*`` and ``?`` stay within one path
    segment, ``**`` spans any number, ``!`` re-includes; the last matching line wins."""
    rules = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex = ""
        for part in re.split(r"(\*\*/?|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                part, re.escape(part))
        rules.append((not negated, re.compile(regex + r"\Z")))
    return rules


def _docker_excludes(path: str, rules) -> bool:
    """A path is left out when it or one of its parent folders is."""
    parts = path.split("/")
    excluded = False
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        for excludes, regex in rules:
            if regex.match(prefix):
                excluded = excludes
        if excluded:
            return True
    return excluded


@pytest.mark.parametrize("path", [
    ".env", ".env.production", "config/.env", ".git/config", "var/dev-secret-key",
    "var/flipside.sqlite3", "var/media/upload.csv", "flipside.sqlite3", ".venv/bin/python",
    "staticfiles/staticfiles.json", "test-results/trace.zip", ".pytest_cache/README.md",
    ".hypothesis/examples/x", "accounts/__pycache__/models.cpython-311.pyc",
])
def test_the_docker_build_context_leaves_out_secrets_and_local_state(path):
    assert _docker_excludes(path, _dockerignore_rules()), f".dockerignore lets {path} in"


@pytest.mark.parametrize("path", [
    "manage.py", "pyproject.toml", "config/settings/production.py", "config/wsgi.py",
    "static/vendor/chartjs/chart.umd.min.js.map", "templates/base.html",
    "accounts/migrations/0001_initial.py",
])
def test_the_docker_build_context_keeps_what_the_image_needs(path):
    assert (ROOT / path).exists()
    assert not _docker_excludes(path, _dockerignore_rules()), f".dockerignore leaves {path} out"


# --- static files ----------------------------------------------------------------------------

SOURCE_MAP = re.compile(r"[#@] sourceMappingURL=(?P<url>[^\s*]+)")


def test_every_source_map_a_static_file_names_is_there():
    """The manifest storage follows each sourceMappingURL comment; a missing map fails
    collectstatic (and so the image build)."""
    named = []
    for path in sorted((ROOT / "static").rglob("*")):
        if path.suffix not in {".js", ".css"}:
            continue
        for match in SOURCE_MAP.finditer(path.read_text(errors="replace")):
            url = match.group("url")
            if url.startswith("data:"):
                continue
            named.append(path.name)
            assert (path.parent / url).is_file(), (
                f"{path.relative_to(ROOT)} names {url}, which is not vendored beside it")
    assert "chart.umd.min.js" in named  # the check sees the vendored files


def test_every_static_file_a_template_names_exists():
    """``{% static %}`` raises on a name the manifest does not have: a 500 on that page."""
    template_dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    names = set()
    for folder in template_dirs:
        for template in folder.rglob("*.html"):
            names.update(re.findall(r"""\{%\s*static\s+['"]([^'"]+)['"]""",
                                    template.read_text()))
    assert "css/flipside.css" in names
    missing = sorted(name for name in names if not finders.find(name))
    assert not missing, f"templates name static files that do not exist: {missing}"


# --- the production build, served by gunicorn ------------------------------------------------

def _dockerfile_instructions(keyword: str) -> list[str]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [line.split(None, 1)[1] for line in text.splitlines()
            if line.split(None, 1)[:1] == [keyword]]


def _dockerfile_collectstatic_env() -> dict[str, str]:
    """The image's ENV plus the variables its collectstatic step sets, exactly as written."""
    env = {}
    for instruction in _dockerfile_instructions("ENV"):
        env.update(word.split("=", 1) for word in shlex.split(instruction))
    steps = [step for instruction in _dockerfile_instructions("RUN")
             for step in instruction.split("&&") if "collectstatic" in step]
    assert len(steps) == 1, "the Dockerfile must run collectstatic exactly once"
    words = shlex.split(steps[0])
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    assert words == ["python", "manage.py", "collectstatic", "--noinput"], words
    return env


@pytest.fixture(scope="module")
def production_database(tmp_path_factory):
    """A fresh database for the served app: on the PostgreSQL server when the suite has one
    (CI), else an SQLite file. Dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('production-db') / 'flipside.sqlite3'}"
        return
    import psycopg2

    config = environ.Env.db_url_config(url)
    name = f"flipside_production_build_{os.getpid()}"
    admin = psycopg2.connect(dbname="postgres", user=config["USER"],
                             password=config["PASSWORD"], host=config["HOST"],
                             port=config["PORT"] or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """The Dockerfile's collectstatic step, run as written (no database, no broker), into a
    temporary STATIC_ROOT."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)),
           **_dockerfile_collectstatic_env(), "STATIC_ROOT": str(root)}
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"

    result = _run([sys.executable, "manage.py", "collectstatic", "--noinput"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "staticfiles.json").is_file()
    return root


@pytest.fixture(scope="module")
def manifest(static_root) -> dict[str, str]:
    return json.loads((static_root / "staticfiles.json").read_text())["paths"]


@pytest.fixture(scope="module")
def production_server(static_root, production_database):
    """gunicorn, one worker, on a free 127.0.0.1 port, production settings with DEBUG=0."""
    env = _production_env(
        DEBUG="0", STATIC_ROOT=str(static_root), DATABASE_URL=production_database,
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:9/0")
    migrated = _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    log = static_root.parent / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--bind",
             f"fd://{listener.fileno()}", "--workers", "1", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()])
    listener.close()  # gunicorn holds its own copy
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            try:
                if _get(port, "/healthz", https=False).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log.read_text()}"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class _Response:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _get(port: int, path: str, *, https: bool = True) -> _Response:
    """A request as the TLS-terminating proxy forwards it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": HOST, "Accept-Encoding": "identity"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    try:
        connection.request("GET", path, headers=headers)
        return _Response(connection.getresponse())
    finally:
        connection.close()


def test_collectstatic_hashes_the_vendored_files_and_their_maps(static_root, manifest):
    hashed_chart = manifest["vendor/chartjs/chart.umd.min.js"]
    hashed_map = manifest["vendor/chartjs/chart.umd.min.js.map"]

    assert re.fullmatch(r"vendor/chartjs/chart\.umd\.min\.[0-9a-f]{12}\.js", hashed_chart)
    assert (static_root / hashed_chart).read_text().rstrip().endswith(
        f"sourceMappingURL={Path(hashed_map).name}")
    project_files = {str(path.relative_to(ROOT / "static")) for path in
                     (ROOT / "static").rglob("*") if path.is_file()}
    assert project_files <= set(manifest)


def test_a_page_served_with_debug_off_returns_200_with_its_static_files(production_server,
                                                                        static_root, manifest):
    page = _get(production_server, "/accounts/login/")

    assert page.status == 200, page.text[:2000]
    referenced = set(re.findall(r"""(?:href|src)=["'](/static/[^"']+)["']""", page.text))
    hashed = {f"/static/{name}" for name in manifest.values()}
    assert referenced, "the sign-in page references no static file"
    assert referenced <= hashed, f"unhashed static URLs: {sorted(referenced - hashed)}"
    assert any(url.endswith(".css") for url in referenced)
    assert any(url.endswith(".js") for url in referenced)
    for url in sorted(referenced):
        asset = _get(production_server, url)
        assert asset.status == 200, url
        assert asset.body == (static_root / url.removeprefix("/static/")).read_bytes(), url
        assert "immutable" in asset.headers["Cache-Control"], url


def test_every_project_static_file_is_served_at_its_hashed_name(production_server, static_root,
                                                                manifest):
    for path in sorted((ROOT / "static").rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(ROOT / "static"))
        asset = _get(production_server, f"/static/{manifest[name]}")
        assert asset.status == 200, name
        assert asset.body == (static_root / manifest[name]).read_bytes(), name


def test_the_served_app_is_production_grade(production_server):
    page = _get(production_server, "/accounts/login/")
    missing = _get(production_server, "/no-such-page/")
    plain = _get(production_server, "/accounts/login/", https=False)

    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"  # no opt-ins
    assert page.headers["X-Frame-Options"] == "DENY"
    cookies = page.headers.get_all("Set-Cookie") or []
    assert cookies, "the sign-in page sets its CSRF cookie"
    assert all("Secure" in cookie for cookie in cookies)
    assert missing.status == 404
    assert "Using the URLconf" not in missing.text  # not Django's debug page
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/accounts/login/"
