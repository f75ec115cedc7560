"""Views and APIs never read outside the tenant scope.

A view that disables scopes, or reads the global ``User`` table, can return another tenant's
rows through every isolation test that only checks status codes. So views modules
(``*/views.py``, ``*/views/*.py``, ``*/<package>/views.py``) and API modules (``*/api.py``,
``*/<package>/api.py``) may not mention
``scopes_disabled``/``with_scopes_disabled``, import django-scopes, or query ``User.objects``
(or ``get_user_model().objects``): such reads belong in a selector or service that filters by
organization and says why it is safe.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = sorted(p.parent for p in ROOT.glob("*/apps.py"))
USER_MODEL_NAMES = {"User", "user_model", "UserModel"}


def view_and_api_modules() -> list[Path]:
    found: set[Path] = set()
    for app in APPS:
        found.update(app.glob("views.py"))
        found.update(app.glob("views/*.py"))
        found.update(app.glob("api.py"))
        # feature packages inside an app (sessions/checkins/views.py, …/api.py)
        found.update(app.glob("*/views.py"))
        found.update(app.glob("*/api.py"))
    return sorted(found)


def unscoped_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every forbidden construct in ``source``."""
    problems: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == "scopes_disabled":
            problems.append((node.lineno, "scopes_disabled"))
        elif isinstance(node, ast.Attribute):
            if node.attr in ("scopes_disabled", "with_scopes_disabled"):
                problems.append((node.lineno, node.attr))
            elif node.attr == "objects" and (
                    (isinstance(node.value, ast.Name) and node.value.id in USER_MODEL_NAMES)
                    or (isinstance(node.value, ast.Call)
                        and getattr(node.value.func, "id", None) == "get_user_model")):
                problems.append((node.lineno, f"{ast.unparse(node.value)}.objects"))
        elif isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if (node.module or "").startswith("django_scopes") or "scopes_disabled" in names:
                problems.append((node.lineno, f"from {node.module} import {', '.join(names)}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("django_scopes"):
                    problems.append((node.lineno, f"import {alias.name}"))
    return sorted(set(problems))


def test_the_scan_covers_every_views_and_api_module():
    modules = {str(p.relative_to(ROOT)) for p in view_and_api_modules()}

    assert {"accounts/views.py", "accounts/api.py", "programs/api.py", "matching/api.py",
            "programs/views/participants.py", "matching/views/runs.py"} <= modules


@pytest.mark.parametrize("path", view_and_api_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_apis_read_only_inside_the_tenant_scope(path):
    problems = unscoped_reads(path.read_text())

    assert not problems, (
        f"{path.relative_to(ROOT)} reads outside the tenant scope: "
        + "; ".join(f"line {line}: {what}" for line, what in problems)
        + ". Move the read into a selector that filters by organization (and says why it is "
          "safe), and call that.")


@pytest.mark.parametrize(("source", "expected"), [
    ("from core.tenancy import scopes_disabled\n"
     "def get(request):\n    with scopes_disabled():\n        pass\n",
     [(1, "from core.tenancy import scopes_disabled"), (3, "scopes_disabled")]),
    ("import django_scopes\nx = django_scopes.scopes_disabled()\n",
     [(1, "import django_scopes"), (2, "scopes_disabled")]),
    ("rows = Cohort.objects.with_scopes_disabled().all()\n", [(1, "with_scopes_disabled")]),
    ("from accounts.models import User\nperson = User.objects.get(pk=1)\n",
     [(2, "User.objects")]),
    ("from django.contrib.auth import get_user_model\n"
     "people = get_user_model().objects.all()\n", [(2, "get_user_model().objects")]),
    ("cohort = Cohort.objects.get(pk=1)\nname = request.user.email\n", []),
])
def test_the_scan_finds_each_forbidden_construct(source, expected):
    assert unscoped_reads(source) == expected
