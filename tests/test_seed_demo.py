"""``manage.py seed_demo`` is safe to run again, and its demo logins work."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Membership, Organization, Role
from core.tenancy import organization_scope

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()
            if model._meta.label != "sessions.Session"}


def test_seed_demo_twice_gives_the_same_data():
    first_output = _seed()
    first = _counts()

    second_output = _seed()

    assert _counts() == first
    assert second_output == first_output
    assert set(Organization.objects.values_list("slug", flat=True)) == {"acme", "globex"}
    for organization in Organization.objects.all():
        with organization_scope(organization):
            roles = set(Membership.objects.values_list("role", flat=True))
        assert roles == {Role.ADMIN, Role.EXECUTIVE, Role.MEMBER}, organization


def test_every_printed_demo_login_works(client):
    seeded = _seed()
    logins = re.findall(r"^\s+(\S+@\S+)\s+(.+)$", seeded, re.MULTILINE)
    assert f"password for every demo login: {DEMO_PASSWORD}" in seeded
    assert len(logins) >= 6

    for email, description in logins:
        assert client.login(email=email, password=DEMO_PASSWORD), email
        landing = client.get(reverse("home"), follow=True)
        assert landing.status_code == 200, email
        assert landing.context["organization"].name in description, email
        client.logout()

    # and through the sign-in form, as a person would
    response = client.post(reverse("account_login"),
                           {"login": "hr@acme.example", "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("org_home", kwargs={"org_slug": "acme"})


def _records(panel) -> list[dict]:
    keys = [column.key for column in panel.table.columns]
    return [dict(zip(keys, row, strict=True)) for row in panel.table.rows]


def test_the_executive_dashboard_of_the_demo_has_something_to_say():
    """Acme's executive, on the default range: a funnel that drops at each step, sessions
    every week, confidence before and after per topic, an NPS, and breakdowns where the k
    rule merges small groups."""
    from dashboards.figures import SUPPRESSED
    from dashboards.selectors import dashboard_panel, dashboard_scope
    from matching.models import Pair
    from programs.models import CohortInvitation, Participant
    from sessions.models import MentoringSession

    _seed()
    acme = Organization.objects.get(slug="acme")
    with organization_scope(acme):
        scope = dashboard_scope(organization=acme)

        def panel(key):
            return dashboard_panel(scope=scope, key=key)

        steps = {row["step"]: row["people"] for row in _records(panel("funnel"))}
        funnel = [steps[step] for step in ("Invited", "Enrolled", "Profile complete",
                                           "Matched", "First session")]
        assert all(isinstance(count, int) for count in funnel), steps
        assert funnel == sorted(funnel, reverse=True)
        assert len(set(funnel)) == len(funnel), "every step loses someone"

        weeks = [row["held"] for row in _records(panel("engagement_weekly"))
                 if row["held"]]
        assert len(weeks) >= 15
        assert min(weeks) >= 5

        topics = [row for row in _records(panel("confidence_by_topic"))
                  if row["before"] is not SUPPRESSED and row["after"] is not SUPPRESSED
                  and row["before"] is not None and row["after"] is not None]
        assert len(topics) >= 4
        assert all(row["before_n"] >= scope.k and row["after_n"] >= scope.k for row in topics)
        assert all(row["after"] > row["before"] for row in topics)

        nps = {figure.key: figure.value for figure in panel("nps").headline}
        assert any(isinstance(value, int) for value in nps.values()), nps

        for key in ("by_department", "by_seniority", "by_generation"):
            rows = {row["group"]: row for row in _records(panel(key))}
            other = rows[f"Other (groups under {scope.k})"]
            assert other["enrolled"] >= scope.k
            assert all(row["enrolled"] >= scope.k for row in rows.values()), key
        departments = {row["group"] for row in _records(panel("by_department"))}
        assert not departments & {"Legal", "People"}  # 2 and 3 people: merged
        assert {"Technology", "Finance", "Marketing"} <= departments

        # the drop-offs, directly
        cohort = Pair.objects.filter(cohort__name="Autumn cohort").first().cohort
        assert CohortInvitation.objects.filter(cohort=cohort,
                                               invitation__accepted_at=None).count() == 6
        assert Participant.objects.filter(cohort=cohort, status="active",
                                          completeness__lt=100).count() == 4
        never_met = Pair.objects.filter(cohort=cohort).exclude(
            pk__in=MentoringSession.objects.filter(status="happened").values("pair_id"))
        assert never_met.count() == 3
