"""The import's use cases: import a file into a cohort (all or nothing), and an import batch's
life from upload to confirmation, used by the web pages and the API alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from core.models import Notification
from core.tenancy import scopes_disabled
from programs.imports.planning import ImportPlan, chunks, plan_import
from programs.imports.reading import content_sha256, decode_csv_upload, parse_csv
from programs.imports.report import ImportFileError, ImportIssue, ImportReport
from programs.imports.writing import (
    participants_send_invitations_bulk,
    places_invite,
    plan_write,
)
from programs.models import Cohort, ImportBatch
from programs.services import participants as participant_services


def participants_import_csv(
    *, cohort: Cohort, file: IO[bytes] | bytes | str, actor: User | None,
    dry_run: bool = True, filename: str = "",
) -> ImportReport:
    """Import participants into ``cohort`` from CSV: all or nothing.

    ``dry_run`` only validates. Otherwise the file is validated again inside the transaction
    that writes it, against the database of that moment, with the cohort row locked so two
    imports into one cohort run one after the other; any error means nothing is written.
    Members of the organization are enrolled (or updated) at once and newly enrolled ones get
    the welcome email. Everyone else is invited into the cohort with the file's details and
    an invitation email, and becomes a participant on accepting. Emails are sent at most once
    each (the notification keys are per participant and per invitation), written to the
    outbox in bulk and sent after the response; ``report.email_ids`` lists their outbox rows.
    Must run inside the cohort's tenant scope.

    Privacy: the import never looks up whether a non-member's address has an account
    anywhere, so nothing it writes or answers (rows, warnings, errors, summary, emails, and
    every page that shows the invitations) can depend on it, and no such account is read or
    changed.
    """
    report = ImportReport(cohort_id=cohort.pk, dry_run=dry_run, filename=filename)
    try:
        text, notices = decode_csv_upload(file)
        report.content, report.content_sha256 = text, content_sha256(text)
        parsed = parse_csv(text)
    except ImportFileError as error:
        report.errors = error.issues
        return report
    report.row_count = len(parsed.records)
    if dry_run:
        _fill_report(report, plan_import(cohort=cohort, parsed=parsed), notices)
        return report
    with transaction.atomic():
        locked = Cohort.objects.select_for_update(of=("self",)).select_related(
            "organization", "program").get(pk=cohort.pk)
        plan = plan_import(cohort=locked, parsed=parsed)
        _fill_report(report, plan, notices)
        if not report.ok:
            return report
        enrolled = plan_write(plan)
        invited = places_invite(plan, actor)
        keys = participant_services.participants_send_welcome_bulk(participants=enrolled,
                                                                   cohort=locked)
        keys += participants_send_invitations_bulk(invited=invited, cohort=locked, actor=actor)
        report.email_ids = _notification_ids(keys)
        report.imported = True
    return report


def _fill_report(report: ImportReport, plan: ImportPlan, notices: list[ImportIssue]) -> None:
    report.errors = plan.errors
    report.warnings = [*notices, *plan.warnings]
    report.rows = [row.preview for row in plan.rows]


def _notification_ids(keys: list[str]) -> list[int]:
    ids: list[int] = []
    for chunk in chunks(keys):
        ids.extend(Notification.objects.filter(key__in=chunk).values_list("pk", flat=True))
    return sorted(ids)


@dataclass(frozen=True)
class EmailProgress:
    """How far the emails of one import have gone out. ``planned`` people are emailed;
    those whose preferences turned the email off count as done (they are not waited for)."""

    planned: int
    sent: int
    failed: int

    @property
    def pending(self) -> int:
        return max(0, self.planned - self.sent - self.failed)

    @property
    def done(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        return 100 if not self.planned else min(100, (self.sent + self.failed) * 100
                                                // self.planned)


def import_email_progress(*, planned: int, notification_ids: Sequence[int]) -> EmailProgress:
    """Progress of the welcome and invitation emails of an import (a query per 2,000)."""
    pending = failed = 0
    for chunk in chunks(list(notification_ids)):
        counts = dict(Notification.objects.filter(pk__in=chunk).order_by().values("status")
                      .annotate(n=Count("pk")).values_list("status", "n"))
        pending += counts.get(Notification.Status.PENDING, 0)
        failed += counts.get(Notification.Status.FAILED, 0)
    return EmailProgress(planned=planned, sent=max(0, planned - pending - failed),
                         failed=failed)


# --- the import batch: upload, preview, confirm (web and API) --------------------------------

#: How long an upload is kept for its preview and confirmation (and an imported batch for its
#: email progress); older ones are deleted by the beat task
#: :func:`programs.tasks.delete_expired_import_batches`.
BATCH_LIFETIME = timedelta(days=1)


class BatchOutcome(models.TextChoices):
    IMPORTED = "imported", "Imported"
    ALREADY_IMPORTED = "already_imported", "Already imported"
    CHANGED = "changed", "The file changed since its preview"
    INVALID = "invalid", "The file has problems: nothing imported"


@dataclass(frozen=True)
class BatchConfirmation:
    """What confirming a batch did; ``report`` is the import's (``None`` when it did not run:
    already imported, or the previewed hash is not the batch's)."""

    batch: ImportBatch
    outcome: BatchOutcome
    report: ImportReport | None = None


def _upload_notices(report: ImportReport) -> list[ImportIssue]:
    """How the upload was read (a converted encoding): known only from the upload itself, so
    the batch keeps it for the preview, which re-reads the converted text."""
    return [issue for issue in report.warnings
            if issue.row is None and issue.value == "Windows-1252"]


def _batch_keep(*, cohort: Cohort, actor: User | None, report: ImportReport) -> ImportBatch:
    notices = [issue.as_dict() for issue in _upload_notices(report)]
    return ImportBatch.objects.create(
        organization=cohort.organization, cohort=cohort, created_by=actor,
        filename=report.filename, content=report.content,
        content_sha256=report.content_sha256, row_count=report.row_count,
        result={"upload_warnings": notices} if notices else {})


def batch_upload_warnings(batch: ImportBatch) -> list[ImportIssue]:
    """The upload's notices kept on ``batch`` (see :func:`_upload_notices`)."""
    return [ImportIssue(**issue) for issue in (batch.result or {}).get("upload_warnings", [])]


def import_batch_upload(*, cohort: Cohort, file: IO[bytes] | bytes | str, actor: User | None,
                        filename: str = "") -> tuple[ImportBatch | None, ImportReport]:
    """Check an upload (a dry run) and keep it as a batch to preview and confirm. A file that
    cannot be read at all is not kept: ``(None, report)`` with the report's errors."""
    report = participants_import_csv(cohort=cohort, file=file, actor=actor, dry_run=True,
                                     filename=filename)
    if not report.rows:
        return None, report
    return _batch_keep(cohort=cohort, actor=actor, report=report), report


def _batch_import(*, batch: ImportBatch, actor: User | None) -> ImportReport:
    """Import a locked batch's text; mark it imported, with the result and its emails' outbox
    rows, in the transaction that imports it."""
    report = participants_import_csv(cohort=batch.cohort, file=batch.content, actor=actor,
                                     dry_run=False, filename=batch.filename)
    if report.imported:
        batch.status = ImportBatch.Status.IMPORTED
        batch.imported_at = timezone.now()
        batch.result = {**report.as_dict(), "emails": {
            "planned": report.emails_planned, "ids": report.email_ids}}
        batch.save(update_fields=["status", "imported_at", "result"])
    return report


def import_batch_confirm(*, cohort: Cohort, batch_pk: int, sha256: str, actor: User | None
                         ) -> BatchConfirmation:
    """Import the batch the admin previewed, all or nothing.

    The batch row is locked (``select_for_update``), so a double submit imports once: the
    second finds it imported. ``sha256`` is the hash the preview showed; another one means the
    batch is not what was previewed, and nothing is imported. Raises
    ``ImportBatch.DoesNotExist`` for a batch that is not ``cohort``'s.
    """
    with transaction.atomic():
        batch = (ImportBatch.objects.filter(cohort=cohort).select_for_update(of=("self",))
                 .get(pk=batch_pk))
        if batch.status == ImportBatch.Status.IMPORTED:
            return BatchConfirmation(batch=batch, outcome=BatchOutcome.ALREADY_IMPORTED)
        if sha256 != batch.content_sha256:
            return BatchConfirmation(batch=batch, outcome=BatchOutcome.CHANGED)
        batch.cohort = cohort
        report = _batch_import(batch=batch, actor=actor)
    return BatchConfirmation(batch=batch, report=report, outcome=(
        BatchOutcome.IMPORTED if report.imported else BatchOutcome.INVALID))


def import_batch_upload_and_confirm(
    *, cohort: Cohort, file: IO[bytes] | bytes | str, actor: User | None, filename: str = "",
) -> tuple[ImportBatch | None, ImportReport]:
    """Upload and confirm in one step (the API): the upload is kept as a batch like a web
    upload and imported through the same lock and marking as :func:`import_batch_confirm`.
    The report is the import's, with the upload's notices (a converted encoding) first, as a
    single :func:`participants_import_csv` call would answer. A file that cannot be read, or
    with problems, leaves nothing behind: ``(None, report)``."""
    read = ImportReport(cohort_id=cohort.pk, dry_run=False, filename=filename)
    try:
        text, notices = decode_csv_upload(file)
        read.content, read.content_sha256 = text, content_sha256(text)
        read.row_count = len(parse_csv(text).records)
    except ImportFileError as error:
        read.errors = error.issues
        return None, read
    read.warnings = notices
    with transaction.atomic():
        batch = _batch_keep(cohort=cohort, actor=actor, report=read)
        batch = ImportBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        batch.cohort = cohort
        report = _batch_import(batch=batch, actor=actor)
        if not report.imported:  # refused: nothing written, not even the batch
            batch.delete()
            batch = None
    report.warnings = [*_upload_notices(read), *report.warnings]
    return batch, report


def import_batches_delete_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the import batches of every organization older than :data:`BATCH_LIFETIME`
    (uploads never confirmed, and imported ones whose email progress nobody watches any
    more). Returns how many were deleted. Safe to run twice.

    Scans every tenant (a beat task has no tenant): it deletes by age only and reads nothing.
    """
    cutoff = (now or timezone.now()) - BATCH_LIFETIME
    with scopes_disabled():  # a clean-up across tenants by age; no row is read or shown
        deleted, _ = ImportBatch.objects.filter(created_at__lt=cutoff).delete()
    return deleted
