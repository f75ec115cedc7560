"""The import's use cases: import a file into a cohort (all or nothing), and an import batch's
life from upload to confirmation, used by the web pages and the API alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.db.models import Count

from accounts.models import User
from core.models import Notification
from programs.imports.planning import ImportPlan, chunks, plan_import
from programs.imports.reading import content_sha256, decode_csv_upload, parse_csv
from programs.imports.report import ImportFileError, ImportIssue, ImportReport
from programs.imports.writing import (
    accounts_elsewhere_invite,
    participants_send_invitations_bulk,
    plan_write,
)
from programs.models import Cohort
from programs.services import participants as participant_services


def participants_import_csv(
    *, cohort: Cohort, file: IO[bytes] | bytes | str, actor: User | None,
    dry_run: bool = True, filename: str = "",
) -> ImportReport:
    """Import participants into ``cohort`` from CSV: all or nothing.

    ``dry_run`` only validates. Otherwise the file is validated again inside the transaction
    that writes it, against the database of that moment, with the cohort row locked so two
    imports into one cohort run one after the other; any error means nothing is written.
    Newly enrolled participants get the welcome email, addresses with an account elsewhere an
    invitation (at most once each: the notification keys are per participant and per
    invitation); both are written to the outbox in bulk and sent after the response, and
    ``report.email_ids`` lists their outbox rows. Must run inside the cohort's tenant scope.

    Privacy: nothing the report holds (rows, warnings, errors, summary) depends on whether a
    non-member's address has an account elsewhere, and no such account is changed.
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
        invited = accounts_elsewhere_invite(plan, actor)
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
