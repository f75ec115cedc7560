"""The CSV import pages: upload → preview (every problem by row and column) → confirm."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from core.models import Notification
from core.tenancy import organization_scope
from programs.imports.reading import content_sha256
from programs.models import CohortInvitation, ImportBatch, Participant
from programs.services import organization_defaults_ensure
from tests.factories.programs import CohortFactory, ProgramFactory
from tests.programs.test_imports import GOOD_ROWS, make_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        return CohortFactory(program=ProgramFactory(organization=organization),
                             organization=organization)


def url(name: str, cohort, **kwargs) -> str:
    return reverse(f"programs:{name}", kwargs={"org_slug": cohort.organization.slug,
                                               "cohort_pk": cohort.pk, **kwargs})


def upload(client, cohort, data: bytes, name: str = "people.csv"):
    return client.post(url("cohort_import", cohort),
                       {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def scoped_count(organization, model) -> int:
    with organization_scope(organization):
        return model.objects.count()


def test_upload_page_lists_columns_levels_and_template_link(admin_client, cohort):
    response = admin_client.get(url("cohort_import", cohort))

    assert response.status_code == 200
    html = response.content.decode()
    assert "teach topics" in html
    assert "C-suite" in html
    assert url("cohort_import_template", cohort) in html


def test_upload_preview_confirm_imports_once_and_invites_once(
        admin_client, cohort, django_capture_on_commit_callbacks):
    response = upload(admin_client, cohort, make_csv(GOOD_ROWS))
    assert response.status_code == 302
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()
    assert response["Location"] == url("cohort_import_preview", cohort, batch_pk=batch.pk)
    assert scoped_count(cohort.organization, Participant) == 0

    preview = admin_client.get(response["Location"])
    assert preview.status_code == 200
    assert "Import 3 people" in preview.content.decode()
    assert batch.content_sha256 in preview.content.decode()

    confirm = url("cohort_import_confirm", cohort, batch_pk=batch.pk)
    with django_capture_on_commit_callbacks(execute=True):
        first = admin_client.post(confirm, {"sha256": batch.content_sha256})
    with django_capture_on_commit_callbacks(execute=True):
        second = admin_client.post(confirm, {"sha256": batch.content_sha256})

    assert first.status_code == second.status_code == 302
    assert scoped_count(cohort.organization, CohortInvitation) == 3  # not members: invited
    assert scoped_count(cohort.organization, Participant) == 0
    assert Notification.objects.filter(kind="invitation").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@acme.example", "ben@acme.example", "cmo@acme.example"]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.result["summary"]["new_people"] == 3
    done = admin_client.get(first["Location"])
    assert "Imported on" in done.content.decode()


def test_bad_rows_are_listed_with_row_and_column_and_cannot_be_confirmed(admin_client, cohort):
    rows = [["bad-email", "Bad", "mentor", "", "", "", "", "", "", "", ""],
            ["ok@acme.example", "Ok", "chief", "", "", "", "", "", "", "AI toolz", ""]]
    response = upload(admin_client, cohort, make_csv(rows))
    preview = admin_client.get(response["Location"])

    html = preview.content.decode()
    assert "3 problems to fix" in html
    assert "“bad-email” is not a valid email address." in html
    assert "Unknown topic “AI toolz”. Did you mean “AI tools”?" in html
    assert "Import 2 people" not in html
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()

    refused = admin_client.post(url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                                {"sha256": batch.content_sha256})

    assert refused.status_code == 400
    assert not User.objects.filter(email="ok@acme.example").exists()
    assert scoped_count(cohort.organization, Participant) == 0


def test_unreadable_file_is_refused_on_the_upload_page_and_not_kept(admin_client, cohort):
    image = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

    response = upload(admin_client, cohort, image, name="people.csv")

    assert response.status_code == 400
    errors = response.context["file_errors"]
    assert [issue.message.split(",")[0] for issue in errors] == [
        "This is not a text file (it is a PNG image)"]
    assert "This is not a text file (it is a PNG image)" in response.content.decode()
    assert scoped_count(cohort.organization, ImportBatch) == 0


def test_windows_1252_upload_is_converted_and_the_preview_says_so(
        admin_client, cohort, django_capture_on_commit_callbacks):
    data = "email,name,role\njose@acme.example,José Núñez,mentor\n".encode("cp1252")

    response = upload(admin_client, cohort, data)
    preview = admin_client.get(response["Location"])

    assert response.status_code == 302
    html = preview.content.decode()
    assert "The file was saved as Windows-1252" in html
    assert "for example “José”, “Núñez”" in html
    assert "José Núñez" in html  # the converted name, in the table of people
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                          {"sha256": batch.content_sha256})
    with organization_scope(cohort.organization):
        assert CohortInvitation.objects.get().name == "José Núñez"
    assert not User.objects.filter(email="jose@acme.example").exists()


def test_confirm_with_a_stale_hash_imports_nothing(admin_client, cohort):
    upload(admin_client, cohort, make_csv(GOOD_ROWS))
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()

    response = admin_client.post(url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                                 {"sha256": content_sha256("something else")})

    assert response.status_code == 302
    assert scoped_count(cohort.organization, Participant) == 0


def test_problems_csv_neutralises_formula_cells(admin_client, cohort):
    rows = [["=cmd|' /C calc'!A0", "Evil", "mentor", "", "", "", "", "", "", "", ""]]
    upload(admin_client, cohort, make_csv(rows))
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()

    response = admin_client.get(url("cohort_import_errors", cohort, batch_pk=batch.pk))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    exported = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert exported[0] == ["row", "column", "value", "problem"]
    assert exported[1][:3] == ["2", "email", "'=cmd|' /c calc'!a0"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in exported for cell in row)


def test_template_csv_downloads_and_round_trips(admin_client, cohort):
    response = admin_client.get(url("cohort_import_template", cohort))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ("email,name,role,title,department,level,manager email,"
                                    "time zone,languages,teach topics,learn topics")
    again = upload(admin_client, cohort, response.content)
    preview = admin_client.get(again["Location"])
    assert "Import 2 people" in preview.content.decode()


def test_member_cannot_upload(member_client, cohort, db_snapshot):
    before = db_snapshot()

    response = upload(member_client, cohort, make_csv(GOOD_ROWS))

    assert response.status_code == 403
    assert db_snapshot() == before


def test_batch_of_another_cohort_is_404(admin_client, cohort):
    with organization_scope(cohort.organization):
        other = CohortFactory(program=cohort.program, organization=cohort.organization)
        batch = ImportBatch.objects.create(organization=cohort.organization, cohort=other,
                                           content="email,name,role\n", content_sha256="x")

    response = admin_client.get(url("cohort_import_preview", cohort, batch_pk=batch.pk))

    assert response.status_code == 404
