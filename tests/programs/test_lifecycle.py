"""Cohort lifecycle: every allowed and every forbidden transition, the activation rule and
read-only completed cohorts (service and page)."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs import lifecycle
from programs.models import Cohort, CohortStatus
from programs.services import cohort_transition, cohort_update
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in CohortStatus]
ALLOWED = {
    ("draft", "enrolling"), ("enrolling", "draft"), ("enrolling", "matching"),
    ("matching", "enrolling"), ("matching", "active"), ("active", "completed"),
    ("completed", "archived"),
}
FORBIDDEN = [pair for pair in itertools.product(STATUSES, STATUSES) if pair not in ALLOWED]


def _with_published_pair(cohort: Cohort) -> None:
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    PairFactory(cohort=cohort, organization=cohort.organization, mentor=mentor, mentee=mentee)


def test_the_table_of_transitions_is_the_documented_one():
    assert {(a, b) for a, targets in lifecycle.ALLOWED_TRANSITIONS.items() for b in targets} \
        == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition(scoped_organization, current, target):
    cohort = CohortFactory(program__organization=scoped_organization, status=current)
    if target == "active":
        _with_published_pair(cohort)

    cohort_transition(cohort=cohort, to_status=target)

    cohort.refresh_from_db()
    assert cohort.status == target
    assert cohort.status_changed_at is not None


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden_transition_is_refused_and_changes_nothing(scoped_organization, current, target):
    cohort = CohortFactory(program__organization=scoped_organization, status=current)

    with pytest.raises(ValidationError) as raised:
        cohort_transition(cohort=cohort, to_status=target)

    cohort.refresh_from_db()
    assert cohort.status == current
    assert cohort.status_changed_at is None
    expected = (f"The cohort is already {current}." if current == target else
                f"A cohort that is {current} cannot become {target}; it can become: ")
    assert raised.value.messages[0].startswith(expected)


def test_unknown_status_is_refused(scoped_organization):
    cohort = CohortFactory(program__organization=scoped_organization, status="draft")
    with pytest.raises(ValidationError, match=r"“paused” is not a cohort status\."):
        cohort_transition(cohort=cohort, to_status="paused")


def test_a_cohort_cannot_go_active_without_published_pairs(scoped_organization):
    cohort = CohortFactory(program__organization=scoped_organization, status="matching")

    with pytest.raises(ValidationError, match=r"Publish pairs before activating the cohort\."):
        cohort_transition(cohort=cohort, to_status="active")

    cohort.refresh_from_db()
    assert cohort.status == "matching"


@pytest.mark.parametrize("status", ["completed", "archived"])
def test_finished_cohorts_are_read_only(scoped_organization, admin_client, status):
    cohort = CohortFactory(program__organization=scoped_organization, status=status, name="Old")

    with pytest.raises(ValidationError, match=f"This cohort is {status}"):
        cohort_update(cohort=cohort, name="Renamed")
    response = admin_client.post(
        reverse("programs:cohort_edit", kwargs={"org_slug": scoped_organization.slug,
                                                "cohort_pk": cohort.pk}),
        {"name": "Renamed"}, follow=True)

    cohort.refresh_from_db()
    assert cohort.name == "Old"
    assert f"This cohort is {status}: it can no longer be changed." in response.content.decode()


def test_transition_buttons_on_the_cohort_page(scoped_organization, admin_client):
    cohort = CohortFactory(program__organization=scoped_organization, status="enrolling")
    url = reverse("programs:cohort_detail", kwargs={"org_slug": scoped_organization.slug,
                                                    "cohort_pk": cohort.pk})

    page = admin_client.get(url).content.decode()
    moved = admin_client.post(
        reverse("programs:cohort_transition", kwargs={"org_slug": scoped_organization.slug,
                                                      "cohort_pk": cohort.pk}),
        {"to_status": "matching"}, follow=True)

    assert "Close enrollment and start matching" in page
    assert "Back to draft" in page
    assert "Cohort is now Matching." in moved.content.decode()
    cohort.refresh_from_db()
    assert cohort.status == "matching"
