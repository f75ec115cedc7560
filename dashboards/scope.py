"""Which slice of an organization a dashboard shows: the whole organization, one program or
one cohort, and a date range (inclusive, in the organization's time zone).

The range applies to what happens on a date (sessions held, check-ins answered, survey
answers released, goals and commitments due or achieved); the funnel and other states count
the people and pairs of the cohorts that overlap the range, as they are today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DashboardScope:
    organization_id: int
    k: int  # the organization's k (feedback.suppression.effective_k applied)
    today: date  # in the organization's zone
    date_from: date
    date_to: date
    program_id: int | None = None
    cohort_id: int | None = None
