""""Spread the load" on the Django side: the cohort setting (default on, editable by HR, in the
API) reaches the engine, so a run gives every volunteer mentor a first mentee before anyone gets
a second; with the setting off the best-liked mentor takes two."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import Proposal
from programs.models import Cohort, CohortStatus, ParticipantRole
from tests.factories.matching import matching_participant
from tests.factories.programs import CohortFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def star_cohort(organization, *, spread_load: bool) -> Cohort:
    """Three mentors of capacity 2 and two leaders. "Star" teaches both leaders' topics at
    proficiency 3; "Ana" and "Ben" each teach one of them at 1: Star scores best with both."""
    program = ProgramFactory(organization=organization, name="Digital skills")
    cohort = CohortFactory(program=program, status=CohortStatus.MATCHING,
                           default_mentor_capacity=2, spread_load=spread_load)
    for name, teaches in (("Star", [("AI tools", 3), ("Social media", 3)]),
                          ("Ana", [("AI tools", 1)]), ("Ben", [("Social media", 1)])):
        matching_participant(cohort, role=ParticipantRole.MENTOR, name=name, level=1,
                             department="Technology", teaches=teaches)
    for name, learns in (("Leader AI", [("AI tools", 3)]),
                         ("Leader Social", [("Social media", 3)])):
        matching_participant(cohort, role=ParticipantRole.MENTEE, name=name, level=5,
                             department="Finance", learns=learns)
    return cohort


def mentors_of(run) -> dict[str, str]:
    return {p.mentee.membership.user.full_name: p.mentor.membership.user.full_name
            for p in Proposal.objects.filter(run=run).select_related(
                "mentor__membership__user", "mentee__membership__user")}


def test_a_new_cohort_spreads_the_load():
    assert Cohort._meta.get_field("spread_load").default is True


def test_with_spread_the_load_every_mentee_gets_a_mentor_of_their_own(scoped_organization,
                                                                      start_run):
    cohort = star_cohort(scoped_organization, spread_load=True)

    run = start_run(cohort)

    mentors = mentors_of(run)
    assert len(mentors) == 2
    assert len(set(mentors.values())) == 2  # two different mentors for two mentees
    assert "Star" in mentors.values()
    assert run.stats["mentors_used"] == 2
    assert run.stats["spread_load"] is True
    assert run.snapshot["rules"]["spread_load"] is True


def test_without_spread_the_load_the_best_mentor_takes_both(scoped_organization, start_run):
    cohort = star_cohort(scoped_organization, spread_load=False)

    run = start_run(cohort)

    assert mentors_of(run) == {"Leader AI": "Star", "Leader Social": "Star"}
    assert run.stats["mentors_used"] == 1
    assert run.stats["spread_load"] is False


def test_hr_turns_spread_the_load_off_on_the_cohort_form(scoped_organization, admin_client):
    cohort = CohortFactory(program__organization=scoped_organization, status=CohortStatus.MATCHING)
    url = reverse("programs:cohort_edit", kwargs={"org_slug": scoped_organization.slug,
                                                  "cohort_pk": cohort.pk})
    page = admin_client.get(url).content.decode()
    assert 'name="spread_load"' in page
    assert "Spread the load" in page
    data = {
        "name": cohort.name, "start_date": "2027-01-11", "end_date": "2027-06-30",
        "cadence_days": 14, "session_minutes": 45, "default_mentor_capacity": 2,
        "min_seniority_gap": 2, "manager_chain_depth": 2, "matching_mode": "participation",
        "language_must_match": "on",
    }  # an unticked checkbox is simply absent from the form data

    response = admin_client.post(url, data)

    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.spread_load is False
    admin_client.post(url, {**data, "spread_load": "on"})
    cohort.refresh_from_db()
    assert cohort.spread_load is True


def test_the_cohort_api_reads_and_writes_spread_the_load(scoped_organization, admin_user,
                                                         api_client):
    cohort = CohortFactory(program__organization=scoped_organization, status=CohortStatus.MATCHING)
    api_client.force_authenticate(admin_user)
    url = f"/api/v1/o/{scoped_organization.slug}/cohorts/{cohort.pk}/"

    assert api_client.get(url).json()["spread_load"] is True
    response = api_client.patch(url, {"spread_load": False}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["spread_load"] is False
    cohort.refresh_from_db()
    assert cohort.spread_load is False
