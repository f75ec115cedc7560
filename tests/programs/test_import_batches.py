"""The import batch's life as one service for the web and the API: upload, confirm (locked,
hash compared, imported once, marked), and the beat task that deletes old batches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.tenancy import organization_scope
from programs.imports.services import (
    BATCH_LIFETIME,
    BatchOutcome,
    import_batch_confirm,
    import_batch_upload,
)
from programs.models import CohortInvitation, ImportBatch, Participant
from programs.services import organization_defaults_ensure
from programs.tasks import delete_expired_import_batches
from tests.factories.programs import CohortFactory, ProgramFactory
from tests.programs.test_imports import GOOD_ROWS, make_csv

pytestmark = pytest.mark.django_db


def _cohort(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        return CohortFactory(program=ProgramFactory(organization=organization),
                             organization=organization)


@pytest.fixture
def cohort(organization):
    return _cohort(organization)


def _batches(organization) -> list[ImportBatch]:
    with organization_scope(organization):
        return list(ImportBatch.objects.order_by("pk"))


def _batch(cohort, *, age: dt.timedelta) -> ImportBatch:
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.create(organization=cohort.organization, cohort=cohort,
                                           content="email,name,role\n", content_sha256="x")
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - age)
    return batch


def test_api_import_goes_through_a_batch_marked_imported(
        api_client, admin_user, cohort, django_capture_on_commit_callbacks):
    api_client.force_authenticate(admin_user)
    url = f"/api/v1/o/{cohort.organization.slug}/cohorts/{cohort.pk}/import/"

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url, {"file": SimpleUploadedFile(
            "people.csv", make_csv(GOOD_ROWS))}, format="multipart")

    assert response.status_code == 200, response.json()
    [batch] = _batches(cohort.organization)
    assert (batch.cohort_id, batch.created_by, batch.filename, batch.status) == (
        cohort.pk, admin_user, "people.csv", ImportBatch.Status.IMPORTED)
    assert batch.content_sha256 == response.json()["sha256"]
    assert batch.row_count == 3
    assert batch.imported_at is not None
    assert batch.result["summary"] == response.json()["summary"]
    assert batch.result["emails"]["planned"] == 3
    assert len(batch.result["emails"]["ids"]) == 3


def test_api_dry_run_and_refused_import_keep_no_batch(api_client, admin_user, cohort):
    api_client.force_authenticate(admin_user)
    url = f"/api/v1/o/{cohort.organization.slug}/cohorts/{cohort.pk}/import/"
    bad = [["bad", "Bad", "mentor", "", "", "", "", "", "", "", ""]]

    dry = api_client.post(url, {"file": SimpleUploadedFile("p.csv", make_csv(GOOD_ROWS)),
                                "dry_run": "true"}, format="multipart")
    refused = api_client.post(url, {"file": SimpleUploadedFile("p.csv", make_csv(bad))},
                              format="multipart")

    assert (dry.status_code, refused.status_code) == (200, 400)
    assert _batches(cohort.organization) == []
    with organization_scope(cohort.organization):
        assert not Participant.objects.exists()


def test_confirm_compares_the_hash_and_imports_once(cohort, admin_user,
                                                    django_capture_on_commit_callbacks):
    with organization_scope(cohort.organization):
        batch, report = import_batch_upload(cohort=cohort, file=make_csv(GOOD_ROWS),
                                            actor=admin_user, filename="p.csv")
        assert report.ok
        assert batch.status == ImportBatch.Status.PENDING

        changed = import_batch_confirm(cohort=cohort, batch_pk=batch.pk, sha256="other",
                                       actor=admin_user)
        assert (changed.outcome, changed.report) == (BatchOutcome.CHANGED, None)
        assert not CohortInvitation.objects.exists()

        with django_capture_on_commit_callbacks(execute=True):
            done = import_batch_confirm(cohort=cohort, batch_pk=batch.pk,
                                        sha256=batch.content_sha256, actor=admin_user)
        again = import_batch_confirm(cohort=cohort, batch_pk=batch.pk,
                                     sha256=batch.content_sha256, actor=admin_user)

        assert done.outcome == BatchOutcome.IMPORTED
        assert done.report.imported
        assert (again.outcome, again.report) == (BatchOutcome.ALREADY_IMPORTED, None)
        assert CohortInvitation.objects.filter(cohort=cohort).count() == 3  # invited once
        assert not Participant.objects.exists()
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED


def test_confirm_of_another_cohorts_batch_does_not_exist(cohort, admin_user):
    other = _cohort(cohort.organization)
    batch = _batch(other, age=dt.timedelta(0))

    with organization_scope(cohort.organization), pytest.raises(ImportBatch.DoesNotExist):
        import_batch_confirm(cohort=cohort, batch_pk=batch.pk, sha256="x", actor=admin_user)


def test_beat_deletes_batches_older_than_a_day_in_every_organization(organization,
                                                                     other_organization):
    ours, theirs = _cohort(organization), _cohort(other_organization)
    old = [_batch(ours, age=BATCH_LIFETIME + dt.timedelta(minutes=1)),
           _batch(theirs, age=dt.timedelta(days=3))]
    fresh = [_batch(ours, age=BATCH_LIFETIME - dt.timedelta(minutes=1)),
             _batch(theirs, age=dt.timedelta(0))]

    deleted = delete_expired_import_batches()
    deleted_again = delete_expired_import_batches()

    assert (deleted, deleted_again) == (2, 0)
    remaining = {b.pk for b in _batches(organization) + _batches(other_organization)}
    assert remaining == {b.pk for b in fresh}
    assert not remaining & {b.pk for b in old}
    entry = settings.CELERY_BEAT_SCHEDULE["delete-expired-import-batches"]
    assert entry["task"] == "programs.tasks.delete_expired_import_batches"
    assert entry["schedule"] <= 3600


def test_an_upload_leaves_old_batches_to_the_beat(admin_client, cohort):
    old = _batch(cohort, age=dt.timedelta(days=2))

    response = admin_client.post(
        reverse("programs:cohort_import", kwargs={"org_slug": cohort.organization.slug,
                                                  "cohort_pk": cohort.pk}),
        {"file": SimpleUploadedFile("p.csv", make_csv(GOOD_ROWS), content_type="text/csv")})

    assert response.status_code == 302
    assert {b.pk for b in _batches(cohort.organization)} > {old.pk}
