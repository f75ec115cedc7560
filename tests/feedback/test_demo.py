"""``seed_demo`` gives each demo organization a closed baseline and an open midpoint with
enough answers to show results, a department breakdown that stays suppressed, and a midpoint
the demo member has still to answer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Membership, Organization
from core.tenancy import organization_scope
from feedback import selectors, suppression
from feedback.demo import PILOT_COHORT
from feedback.models import Survey, SurveyKind, SurveyStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_baseline_and_a_midpoint_with_results_and_a_suppressed_breakdown():
    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(slug="acme")

    with organization_scope(acme):
        # the pilot cohort's (the Autumn cohort has a closed baseline and midpoint of its own:
        # dashboards/demo.py)
        surveys = {s.kind: s for s in Survey.objects.filter(cohort__name=PILOT_COHORT)
                   .select_related("organization")}
        assert {SurveyKind.BASELINE, SurveyKind.MIDPOINT} <= set(surveys)
        baseline, midpoint = surveys[SurveyKind.BASELINE], surveys[SurveyKind.MIDPOINT]
        assert (baseline.status, midpoint.status) == (SurveyStatus.CLOSED, SurveyStatus.OPEN)
        for survey in (baseline, midpoint):
            results = selectors.survey_results(survey=survey)
            shown = [q for q in results.questions if not q.suppressed]
            assert len(shown) >= 2, survey
            assert all(cell.n >= results.k for q in shown for cell in q.cells)
        by_department = selectors.survey_results(
            survey=midpoint, wanted=selectors.ResultsFilter(by="department"))
        grouped = [q for q in by_department.questions if any(
            suppression.GROUPED in c.merged or c.label == selectors.GROUPED_LABEL
            or c.is_other for c in q.cells)]
        assert grouped, "no department breakdown is suppressed"
        maya = Membership.objects.get(user__email="maya@acme.example")
        mine = {m.survey.kind: m for m in selectors.surveys_for_member(membership=maya)
                if m.survey.cohort_id == midpoint.cohort_id}
        assert mine[SurveyKind.MIDPOINT].can_answer
