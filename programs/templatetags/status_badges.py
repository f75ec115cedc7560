"""``{% status_badge cohort %}`` / ``{% status_badge participant %}``: the status as a badge
whose colour says what the status means (every page uses the same colours)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from programs.models import Cohort, CohortStatus, Participant, ParticipantStatus

register = template.Library()

#: Bootstrap ``text-bg-*`` classes (their text colours pass WCAG AA contrast).
COHORT_COLOURS = {
    CohortStatus.DRAFT: "secondary",
    CohortStatus.ENROLLING: "info",
    CohortStatus.MATCHING: "warning",
    CohortStatus.ACTIVE: "success",
    CohortStatus.COMPLETED: "dark",
    CohortStatus.ARCHIVED: "light border",
}
PARTICIPANT_COLOURS = {
    ParticipantStatus.APPLIED: "info",
    ParticipantStatus.ACTIVE: "success",
    ParticipantStatus.DECLINED: "danger",
    ParticipantStatus.WITHDRAWN: "secondary",
}


def status_colour(obj) -> str:
    if isinstance(obj, Cohort):
        return COHORT_COLOURS.get(obj.status, "secondary")
    if isinstance(obj, Participant):
        return PARTICIPANT_COLOURS.get(obj.status, "secondary")
    return "secondary"


@register.simple_tag
def status_badge(obj, label: str = ""):
    """A badge with ``obj``'s status (or ``label``), coloured by the status."""
    return format_html('<span class="badge text-bg-{} status-{}">{}</span>', status_colour(obj),
                       obj.status, label or obj.get_status_display())
