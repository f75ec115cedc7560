"""Cohort status lifecycle: which transitions exist and what each requires (pure)."""

from __future__ import annotations

from collections.abc import Callable

DRAFT, ENROLLING, MATCHING, ACTIVE, COMPLETED, ARCHIVED = (
    "draft", "enrolling", "matching", "active", "completed", "archived")

PHASES = [DRAFT, ENROLLING, MATCHING, ACTIVE, COMPLETED, ARCHIVED]

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({ENROLLING}),
    ENROLLING: frozenset({DRAFT, MATCHING}),
    MATCHING: frozenset({ENROLLING, ACTIVE}),
    ACTIVE: frozenset({COMPLETED}),
    COMPLETED: frozenset({ARCHIVED}),
    ARCHIVED: frozenset(),
}

TRANSITION_LABELS = {
    (DRAFT, ENROLLING): "Open enrollment",
    (ENROLLING, DRAFT): "Back to draft",
    (ENROLLING, MATCHING): "Close enrollment and start matching",
    (MATCHING, ENROLLING): "Reopen enrollment",
    (MATCHING, ACTIVE): "Activate (pairs published)",
    (ACTIVE, COMPLETED): "Mark completed",
    (COMPLETED, ARCHIVED): "Archive",
}

# Checks that must pass before a cohort may go active; the matching app registers one that
# looks for published pairs. Each returns an error message, or None when satisfied.
_activation_checks: list[Callable[[object], str | None]] = []


def register_activation_check(check: Callable[[object], str | None]) -> None:
    if check not in _activation_checks:
        _activation_checks.append(check)


# Hooks that run after a cohort changed status, in the same transaction and tenant scope:
# the matching app registers one that closes the pairs of a completed cohort. Each is called
# as hook(cohort, from_status=..., to_status=..., actor=...).
_transition_hooks: list[Callable[..., None]] = []


def register_transition_hook(hook: Callable[..., None]) -> None:
    if hook not in _transition_hooks:
        _transition_hooks.append(hook)


def run_transition_hooks(cohort: object, *, from_status: str, to_status: str,
                         actor: object | None) -> None:
    for hook in _transition_hooks:
        hook(cohort, from_status=from_status, to_status=to_status, actor=actor)


def transition_error(current: str, target: str) -> str | None:
    """Why ``current → target`` is not a transition, or None when it is one."""
    if target not in ALLOWED_TRANSITIONS:
        return f"“{target}” is not a cohort status."
    if target == current:
        return f"The cohort is already {current}."
    if target not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "nothing (archived)"
        return f"A cohort that is {current} cannot become {target}; it can become: {allowed}."
    return None


def activation_error(cohort: object) -> str | None:
    if not _activation_checks:
        return "Publish pairs before activating the cohort."
    for check in _activation_checks:
        message = check(cohort)
        if message:
            return message
    return None


def next_transitions(current: str) -> list[tuple[str, str]]:
    """(target, button label) for every allowed move from ``current``, forward first."""
    targets = sorted(ALLOWED_TRANSITIONS.get(current, ()), key=PHASES.index, reverse=True)
    return [(target, TRANSITION_LABELS[(current, target)]) for target in targets]
