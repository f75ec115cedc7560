"""Panels on the organization start page, contributed by the apps above accounts.

accounts must not import programs or matching; those apps register a panel in their
``AppConfig.ready`` and the start page renders whichever apply to the viewer's role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


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


def shared_by_panels(request, key: str, compute: Callable[[], T]) -> T:
    """What several panels of one start page read (the viewer's places, their pairs), loaded
    once per request by the first panel that asks: one query, not one per panel."""
    shared = request.__dict__.setdefault("_home_panels_shared", {})
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def panels_for(request) -> list[dict]:
    role = request.membership.role
    chosen = sorted((p for p in _panels.values() if role in p.roles), key=lambda p: p.order)
    return [{"template": p.template, **p.context(request)} for p in chosen]
