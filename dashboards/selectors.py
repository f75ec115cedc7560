"""Reads for the executive dashboard, HR analytics, their exports, the API and the digest.

The dashboard is made of sections (``dashboards/panels/``), each a function from a
:class:`DashboardScope` to its panels. Executives get the aggregate sections; HR admins get
the same plus the operational lists (``operations``), which name pairs and people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.http import Http404

from accounts.models import Organization
from dashboards.figures import Panel
from dashboards.panels import (
    breakdowns,
    engagement,
    goals,
    operations,
    outcomes,
    participation,
)
from dashboards.scope import DashboardScope
from feedback.suppression import effective_k
from programs.models import Cohort, Program
from sessions.checkins.selectors import organization_today

SectionBuilder = Callable[..., list[Panel]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: SectionBuilder
    keys: tuple[str, ...]
    hr_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("participation", "Participation", participation.participation_panels,
            participation.KEYS),
    Section("engagement", "Engagement", engagement.engagement_panels, engagement.KEYS),
    Section("goals", "Goals and commitments", goals.goals_panels, goals.KEYS),
    Section("outcomes", "Outcomes", outcomes.outcomes_panels, outcomes.KEYS),
    Section("breakdowns", "Breakdowns", breakdowns.breakdowns_panels, breakdowns.KEYS),
    Section("operations", "What needs HR today", operations.operations_panels,
            operations.KEYS, hr_only=True),
)

#: How far back the dashboard looks when no range is chosen.
DEFAULT_RANGE_DAYS = 180


def dashboard_scope(*, organization: Organization, program_id: int | None = None,
                    cohort_id: int | None = None, date_from: date | None = None,
                    date_to: date | None = None) -> DashboardScope:
    """The slice to show. A program or cohort of another organization is a 404 (the tenant
    scope does not find it); a cohort implies its program. Without dates: the last
    :data:`DEFAULT_RANGE_DAYS` days up to today, in the organization's zone."""
    if cohort_id is not None:
        cohort = Cohort.objects.filter(pk=cohort_id).only("pk", "program_id").first()
        if cohort is None:
            raise Http404("No such cohort.")
        program_id = cohort.program_id
    elif program_id is not None and not Program.objects.filter(pk=program_id).exists():
        raise Http404("No such program.")
    today = organization_today(organization)
    date_to = date_to or today
    date_from = date_from or (date_to - timedelta(days=DEFAULT_RANGE_DAYS))
    return DashboardScope(organization_id=organization.pk,
                          k=effective_k(organization.anonymity_threshold), today=today,
                          date_from=date_from, date_to=date_to,
                          program_id=program_id, cohort_id=cohort_id)


def dashboard_sections(*, hr: bool) -> list[Section]:
    return [section for section in SECTIONS if hr or not section.hr_only]


def dashboard_panels(*, scope: DashboardScope, hr: bool = False) -> list[tuple[Section,
                                                                             list[Panel]]]:
    """Every section the viewer may see, with its panels."""
    return [(section, section.build(scope=scope)) for section in dashboard_sections(hr=hr)]


def dashboard_panel(*, scope: DashboardScope, key: str, hr: bool = False) -> Panel:
    """One panel by key (for its CSV and its API endpoint): only its section is computed."""
    for section in dashboard_sections(hr=hr):
        if key in section.keys:
            for panel in section.build(scope=scope):
                if panel.key == key:
                    return panel
    raise Http404("No such panel.")
