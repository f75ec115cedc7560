"""Panels on the organization start page, contributed by the apps above accounts.

accounts must not import programs or matching; those apps register a panel in their
``AppConfig.ready`` and the start page renders whichever apply to the viewer's role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    roles: frozenset[str]
    context: Callable[[object], dict]
    order: int = 100


_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def panels_for(request) -> list[dict]:
    role = request.membership.role
    chosen = sorted((p for p in _panels.values() if role in p.roles), key=lambda p: p.order)
    return [{"template": p.template, **p.context(request)} for p in chosen]
