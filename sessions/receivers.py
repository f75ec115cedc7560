"""Receivers of the signals of the apps below sessions (matching), connected in
``sessions.apps``. Thin: they call a service."""

from __future__ import annotations

from sessions import services


def withdraw_for_ended_pairs(sender, *, pair_ids: list[int], reason: str, actor=None,
                             **kwargs) -> None:
    """``matching.signals.pair_ended``: withdraw what is pending for the pairs (invitations,
    commitment check-ins) and take their upcoming sessions out of both calendars. Runs inside
    the ending's transaction and tenant scope, so a failure here rolls the ending back."""
    services.sessions_withdraw_for_ended_pairs(pair_ids=pair_ids, reason=reason)
