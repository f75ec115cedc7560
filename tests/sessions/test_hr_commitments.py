"""HR's view of a cohort's commitments (sessions.hr_views, linked from pair health): counts and
follow-through rates for every pair, a commitment's text only where its owner shared it with
the program; never an unshared text or an outcome note. Admins only; the same queries for 1
pair as for 10."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tenancy import organization_scope
from sessions.hr_selectors import FollowThrough
from sessions.models import CommitmentOutcome
from tests.factories.sessions import CommitmentFactory
from tests.sessions.conftest import make_pair

pytestmark = pytest.mark.django_db

SHARED = "SHARED-WITH-PROGRAM-4b1d"
UNSHARED = "UNSHARED-OWN-TEXT-9e0c"
PARTNER_ONLY = "PARTNER-ONLY-TEXT-77aa"
OUTCOME_NOTE = "OUTCOME-NOTE-SECRET-3c3c"


def _url(cohort) -> str:
    return reverse("sessions:cohort_commitments", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk})


@pytest.fixture
def cohort_with_commitments(world):
    today = timezone.localdate()
    pair = world.pair
    CommitmentFactory(pair=pair, text=SHARED, shared_with_program=True,
                      outcome=CommitmentOutcome.DONE, outcome_note=OUTCOME_NOTE,
                      due_date=today - dt.timedelta(days=5))
    CommitmentFactory(pair=pair, text=UNSHARED, shared_with_partner=False,
                      outcome=CommitmentOutcome.PARTLY, due_date=today - dt.timedelta(days=3))
    CommitmentFactory(pair=pair, text=PARTNER_ONLY, shared_with_partner=True,
                      outcome=CommitmentOutcome.NOT_YET, due_date=today - dt.timedelta(days=2))
    CommitmentFactory(pair=pair, text=UNSHARED + "-2", due_date=today - dt.timedelta(days=1))
    CommitmentFactory(pair=pair, text=UNSHARED + "-3", due_date=today + dt.timedelta(days=9))
    return world


def test_hr_sees_counts_and_follow_through_and_only_the_shared_text(
        cohort_with_commitments, admin_client):
    world = cohort_with_commitments

    response = admin_client.get(_url(world.pair.cohort))

    assert response.status_code == 200
    totals = response.context["commitments"].totals
    assert totals == FollowThrough(total=5, done=1, partly=1, not_yet=1, awaiting=1, not_due=1)
    assert (totals.answered, totals.done_rate) == (3, 1 / 3)
    assert totals.follow_through_rate == 2 / 3
    [row] = response.context["commitments"].pairs
    assert (row.pair, row.counts) == (world.pair, totals)
    body = response.content.decode()
    assert SHARED in body
    assert "67 %" in body  # follow-through, done or partly of those answered
    for secret in (UNSHARED, PARTNER_ONLY, OUTCOME_NOTE):
        assert secret not in body


def test_pair_health_links_to_the_commitments(cohort_with_commitments, admin_client):
    cohort = cohort_with_commitments.pair.cohort

    page = admin_client.get(reverse("matching:pair_health", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk})).content.decode()

    assert f'href="{_url(cohort)}"' in page
    assert SHARED not in page  # pair health itself never shows a text


@pytest.mark.parametrize(("who", "status"), [("mentor", 403), ("executive", 403),
                                             ("other_tenant", 404), ("anonymous", 302)])
def test_only_hr_admins_open_it(cohort_with_commitments, client, executive_user,
                                other_admin_user, who, status):
    world = cohort_with_commitments
    user = {"mentor": world.mentor_user, "executive": executive_user,
            "other_tenant": other_admin_user, "anonymous": None}[who]
    if user is not None:
        client.force_login(user)

    response = client.get(_url(world.pair.cohort))

    assert response.status_code == status
    assert SHARED not in response.content.decode()


def test_another_tenants_cohort_is_404(other_organization, admin_client, organization):
    with organization_scope(other_organization):
        theirs = make_pair(other_organization)
        CommitmentFactory(pair=theirs.pair, text=SHARED, shared_with_program=True)

    response = admin_client.get(reverse("sessions:cohort_commitments", kwargs={
        "org_slug": organization.slug, "cohort_pk": theirs.pair.cohort_id}))

    assert response.status_code == 404


def test_the_page_makes_the_same_queries_for_1_and_10_pairs(
        world, scoped_organization, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cohort = world.pair.cohort
    CommitmentFactory(pair=world.pair, shared_with_program=True)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(_url(cohort)).status_code == 200
        return len(queries)

    one = count()
    for _ in range(9):
        other = make_pair(scoped_organization, cohort=cohort)
        CommitmentFactory(pair=other.pair, shared_with_program=True)
        CommitmentFactory(pair=other.pair)
    assert count() == one
