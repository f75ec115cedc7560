"""User text inside sentences is isolated with <bdi>, so a right-to-left name cannot reorder
the sentence around it ("ليلى حداد: 2 more mentees" must not read "2 more mentees :...")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.matching import MatchingRunFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

ARABIC = "ليلى حداد"


def test_more_mentees_sentence_isolates_the_mentor_name(admin_client, scoped_organization):
    cohort = CohortFactory(program=ProgramFactory(organization=scoped_organization),
                           status="matching")
    mentor = ParticipantFactory(cohort=cohort, role="mentor", membership=MembershipFactory(
        organization=scoped_organization, user=UserFactory(full_name=ARABIC)))
    run = MatchingRunFactory(cohort=cohort, succeeded=True,
                             spare_capacity={str(mentor.pk): 2})

    response = admin_client.get(reverse("matching:run_detail", kwargs={
        "org_slug": scoped_organization.slug, "run_pk": run.pk}))

    assert response.status_code == 200
    assert f"<bdi>{ARABIC}</bdi>: 2 more mentees" in response.content.decode()


def test_read_only_profile_sentence_isolates_the_name(admin_client, scoped_organization):
    cohort = CohortFactory(program=ProgramFactory(organization=scoped_organization))
    place = ParticipantFactory(cohort=cohort, membership=MembershipFactory(
        organization=scoped_organization, user=UserFactory(full_name=ARABIC)))

    response = admin_client.get(reverse("programs:participant_profile", kwargs={
        "org_slug": scoped_organization.slug, "participant_pk": place.pk}))

    assert f"only <bdi>{ARABIC}</bdi> can change this profile" in response.content.decode()


def test_import_preview_isolates_names_and_the_uploader(admin_client, admin_user,
                                                        scoped_organization):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.services import organization_defaults_ensure

    organization_defaults_ensure(organization=scoped_organization)
    admin_user.full_name = ARABIC
    admin_user.save()
    cohort = CohortFactory(program=ProgramFactory(organization=scoped_organization))
    data = f"email,name,role\nlaila@acme.example,{ARABIC},mentor\n".encode()
    upload = admin_client.post(reverse("programs:cohort_import", kwargs={
        "org_slug": scoped_organization.slug, "cohort_pk": cohort.pk}),
        {"file": SimpleUploadedFile("people.csv", data, "text/csv")})

    html = admin_client.get(upload["Location"]).content.decode()

    assert f"by <bdi>{ARABIC}</bdi>" in html
    assert f"<td><bdi>{ARABIC}</bdi></td>" in html
