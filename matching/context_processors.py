"""Status values for templates, so they compare with enums, never with bare strings:
``{% if cohort.status == CohortStatus.MATCHING %}``, ``{% if run.status == RunStatus.FAILED %}``.

Django's choices enums are not called by the template engine (``do_not_call_in_templates``),
so a member reads as its value.
"""

from __future__ import annotations

from matching.models import DecisionKind, PairStatus, RunStatus
from programs.models import CohortStatus, ParticipantRole


def status_choices(request) -> dict[str, type]:
    return {"CohortStatus": CohortStatus, "RunStatus": RunStatus, "DecisionKind": DecisionKind,
            "PairStatus": PairStatus, "ParticipantRole": ParticipantRole}
