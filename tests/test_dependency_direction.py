"""Apps depend downward only: core ← accounts ← programs ← matching ← sessions ← feedback
← dashboards (docs/architecture.md). A module of an app may import its own app and the
apps below it, never one above. Imports under ``if TYPE_CHECKING:`` are annotations only and
not counted; migrations are Django's own (they name models, not modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Bottom first: each app may import the ones before it.
LAYERS = ["core", "accounts", "programs", "matching", "sessions", "feedback", "dashboards"]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside.update(id(child) for child in ast.walk(node))
    return inside


def imported_apps(source: str) -> list[tuple[int, str]]:
    """(line, app) for every run-time import of one of ``LAYERS`` in ``source``."""
    tree = ast.parse(source)
    skipped = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found.extend((node.lineno, module.split(".")[0]) for module in modules
                     if module.split(".")[0] in LAYERS)
    return sorted(found)


def upward_imports(app: str, source: str) -> list[tuple[int, str]]:
    level = LAYERS.index(app)
    return [(line, other) for line, other in imported_apps(source)
            if LAYERS.index(other) > level]


def _modules(app: str) -> list[Path]:
    return sorted(path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def test_every_app_directory_is_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}

    assert apps == set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_an_app_above_it(app):
    assert _modules(app), f"no modules found for {app}"
    offending = [f"{path.relative_to(ROOT)}:{line} imports {other}"
                 for path in _modules(app)
                 for line, other in upward_imports(app, path.read_text())]

    assert offending == []


@pytest.mark.parametrize(("app", "source", "expected"), [
    ("core", "from accounts.models import User\n", [(1, "accounts")]),
    ("accounts", "import programs.models\n", [(1, "programs")]),
    ("programs", "def f():\n    from matching.services import run_start\n", [(2, "matching")]),
    ("sessions", "from feedback import services\n", [(1, "feedback")]),
    ("matching", "from programs.models import Cohort\nfrom core.web import optional_url\n", []),
    ("core", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
             "    from accounts.models import Organization\n", []),
])
def test_the_scan_finds_upward_imports(app, source, expected):
    assert upward_imports(app, source) == expected
