"""Status values for templates, so they compare with enums, never with bare strings:
``{% if cohort.status == CohortStatus.MATCHING %}``, ``{% if run.status == RunStatus.FAILED %}``.

Django's choices enums are not called by the template engine (``do_not_call_in_templates``),
so a member reads as its value.
"""

from __future__ import annotations

from types import SimpleNamespace

from matching import health
from matching.models import DecisionKind, PairStatus, RunStatus
from programs.models import CohortStatus, ParticipantRole

#: A pair's health (matching/health.py is pure Python, its states are plain constants).
PAIR_HEALTH = SimpleNamespace(ON_TRACK=health.ON_TRACK, SLIPPING=health.SLIPPING,
                              AT_RISK=health.AT_RISK, PAUSED=health.PAUSED, ENDED=health.ENDED)


def status_choices(request) -> dict[str, object]:
    return {"CohortStatus": CohortStatus, "RunStatus": RunStatus, "DecisionKind": DecisionKind,
            "PairStatus": PairStatus, "ParticipantRole": ParticipantRole,
            "PairHealth": PAIR_HEALTH}
