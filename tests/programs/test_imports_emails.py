"""An import answers as soon as it has committed; its invitation and welcome emails go out
after the response (a background thread in embedded mode), and the result page shows how many
have been sent, polled with htmx."""

from __future__ import annotations

import re
import threading

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import after_response
from core.models import Notification
from core.tenancy import organization_scope
from programs.models import CohortInvitation, ImportBatch
from programs.services import organization_defaults_ensure
from tests.factories.programs import CohortFactory, ProgramFactory
from tests.programs.test_imports import GOOD_ROWS, make_csv


def url(name: str, cohort, **kwargs) -> str:
    return reverse(f"programs:{name}", kwargs={"org_slug": cohort.organization.slug,
                                               "cohort_pk": cohort.pk, **kwargs})


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def cohort(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        return CohortFactory(program=ProgramFactory(organization=organization),
                             organization=organization)


@pytest.mark.django_db(transaction=True)
def test_import_answers_before_any_email_and_the_page_counts_them(admin_client,
                                                                          cohort, monkeypatch):
    # as served from a database file or PostgreSQL (not the in-memory test database, where
    # the work stays on the request thread: core/after_response.py)
    monkeypatch.setattr(after_response, "runs_on_the_request_thread", lambda: False)
    upload = admin_client.post(url("cohort_import", cohort), {
        "file": SimpleUploadedFile("people.csv", make_csv(GOOD_ROWS), "text/csv")})
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()
    # Hold the background thread, to look at the moment between the answer and the emails.
    release = threading.Event()
    held = threading.Event()
    after_response._worker.submit([held.set, lambda: release.wait(30)])
    assert held.wait(10)
    try:
        confirm = admin_client.post(url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                                    {"sha256": batch.content_sha256})

        # the import has committed and answered; no email has gone out yet
        assert confirm.status_code == 302
        assert upload.status_code == 302
        with organization_scope(cohort.organization):
            assert CohortInvitation.objects.count() == 3
        assert mail.outbox == []
        page = admin_client.get(confirm["Location"])
        assert "0 of 3 emails sent" in text(page)
        fragment = admin_client.get(confirm["Location"], {"fragment": "progress"})
        assert 'hx-trigger="every 2s"' in fragment.content.decode()
        assert "<html" not in fragment.content.decode()
    finally:
        release.set()

    assert after_response.wait_for_after_response_work(timeout=30)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@acme.example", "ben@acme.example", "cmo@acme.example"]
    assert Notification.objects.filter(kind="invitation", status="sent").count() == 3
    done = admin_client.get(confirm["Location"], {"fragment": "progress"})
    assert "3 of 3 emails sent." in text(done)
    assert "hx-trigger" not in done.content.decode()  # finished: the page stops polling


@pytest.mark.django_db
def test_progress_counts_people_whose_preferences_turned_the_email_off_as_done(
        admin_client, cohort, django_capture_on_commit_callbacks):
    from core.models import NotificationPreference
    from tests.factories.accounts import MembershipFactory, UserFactory

    quiet = MembershipFactory(organization=cohort.organization,
                              user=UserFactory(email="ana@acme.example")).user
    NotificationPreference.objects.create(user=quiet, kind="welcome", channel="off")
    admin_client.post(url("cohort_import", cohort), {
        "file": SimpleUploadedFile("people.csv", make_csv(GOOD_ROWS), "text/csv")})
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        confirm = admin_client.post(url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                                    {"sha256": batch.content_sha256})

    # ana is a member (her welcome is off); the other two are invited
    page = admin_client.get(confirm["Location"])
    assert "3 of 3 emails sent." in text(page)
    assert sorted(m.to[0] for m in mail.outbox) == ["ben@acme.example", "cmo@acme.example"]


@pytest.mark.django_db
def test_result_message_uses_plurals_and_thousands_separators(admin_client, cohort,
                                                              django_capture_on_commit_callbacks):
    from programs.views.imports import import_result_sentence, people

    admin_client.post(url("cohort_import", cohort), {
        "file": SimpleUploadedFile("people.csv", make_csv(GOOD_ROWS[1:2]), "text/csv")})
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        confirm = admin_client.post(url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                                    {"sha256": batch.content_sha256}, follow=True)

    page = text(confirm)
    assert "Imported 1 person: 1 invited, 0 enrolled, 0 updated, 0 unchanged." in page
    assert "1 person, 1 invited, 0 enrolled" in page
    assert "0 of 1 email sent" in page  # (the page was read before the emails left)
    assert "1 people" not in page
    assert people(12_345) == "12,345 people"
    assert import_result_sentence({"rows": 10_000, "new_people": 9_000, "enrolled": 990,
                                   "updated": 1, "unchanged": 9}) == (
        "Imported 10,000 people: 9,000 invited, 990 enrolled, 1 updated, 9 unchanged.")
