"""Dashboard section: outcomes (being built; returns no panel yet)."""

from __future__ import annotations

from dashboards.figures import Panel
from dashboards.scope import DashboardScope

KEYS: tuple[str, ...] = ()


def outcomes_panels(*, scope: DashboardScope) -> list[Panel]:
    return []
