"""CSV import of participants into a cohort (HR admins): upload → preview → confirm.

The upload is checked and kept as an :class:`~programs.models.ImportBatch` (the exact text
and its SHA-256); the preview re-validates it and shows every problem by row and column; the
confirm step posts the hash it showed, re-validates against the database of that moment and
imports all or nothing. Confirming twice imports once. The import answers as soon as it has
committed; its welcome and invitation emails go out after the response, and the result page
polls how many have been sent (``?fragment=progress``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.web import optional_url
from programs.csv_safety import csv_response
from programs.imports.columns import COLUMNS, MAX_BYTES, MAX_ROWS, template_csv_rows
from programs.imports.report import ImportReport
from programs.imports.services import (
    BatchOutcome,
    batch_upload_warnings,
    import_batch_confirm,
    import_batch_upload,
    import_email_progress,
    participants_import_csv,
)
from programs.models import ImportBatch, SeniorityLevel, Topic
from programs.views.mixins import CohortMixin

PREVIEW_ROWS = 100
SHOWN_ISSUES = 1000


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", allow_empty_file=True,
        help_text=f"UTF-8 CSV, at most {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} people. "
                  "Nothing is imported until you confirm the preview.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class CohortImportMixin(OrganizationMixin, CohortMixin):
    allowed_roles = ADMIN_ONLY

    def get_batch(self, *, without_content: bool = False) -> ImportBatch:
        batches = ImportBatch.objects.filter(cohort=self.get_cohort())
        if without_content:
            batches = batches.defer("content")
        return get_object_or_404(batches, pk=self.kwargs["batch_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.get_cohort()
        context["cohort"] = cohort
        context["program"] = cohort.program
        context["cohort_url"] = optional_url("programs:cohort_detail",
                                             org_slug=cohort.organization.slug,
                                             cohort_pk=cohort.pk)
        return context

    def preview_url(self, batch: ImportBatch) -> str:
        return reverse("programs:cohort_import_preview", kwargs={
            "org_slug": self.request.organization.slug, "cohort_pk": batch.cohort_id,
            "batch_pk": batch.pk})


class ImportUploadView(CohortImportMixin, TemplateView):
    template_name = "programs/imports/upload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportUploadForm())
        context["columns"] = COLUMNS
        context["levels"] = SeniorityLevel.objects.order_by("rank")
        context["topics"] = Topic.objects.filter(is_retired=False).order_by("name")
        context["max_mb"] = MAX_BYTES // (1024 * 1024)
        context["max_rows"] = MAX_ROWS
        return context

    def post(self, request, org_slug, cohort_pk):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        batch, report = import_batch_upload(cohort=self.get_cohort(), file=upload,
                                            actor=request.user, filename=upload.name[:255])
        if batch is None:  # the file itself could not be read: nothing worth keeping
            return self.render_to_response(
                self.get_context_data(form=form, file_errors=report.errors), status=400)
        return redirect(self.preview_url(batch))


def _email_progress(batch: ImportBatch):
    emails = (batch.result or {}).get("emails") or {}
    return import_email_progress(planned=emails.get("planned", 0),
                                 notification_ids=emails.get("ids", []))


class ImportPreviewMixin(CohortImportMixin):
    """The preview page's content, shared by the page and by the confirm action (which shows
    it again, with the import's problems, when the import was refused)."""

    template_name = "programs/imports/preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = kwargs.get("batch") or self.get_batch()
        context["batch"] = batch
        if batch.status == ImportBatch.Status.IMPORTED:
            context["result"] = batch.result
            context["progress"] = _email_progress(batch)
            context["progress_url"] = self.preview_url(batch)
            return context
        report: ImportReport = kwargs.get("report") or participants_import_csv(
            cohort=self.get_cohort(), file=batch.content, actor=self.request.user,
            dry_run=True, filename=batch.filename)
        warnings = [*batch_upload_warnings(batch), *report.warnings]
        context["report"] = report
        context["summary"] = report.summary
        context["errors"] = report.errors[:SHOWN_ISSUES]
        context["hidden_errors"] = max(0, len(report.errors) - SHOWN_ISSUES)
        context["warnings"] = warnings[:SHOWN_ISSUES]
        context["warning_count"] = len(warnings)
        context["preview_rows"] = report.rows[:PREVIEW_ROWS]
        context["more_rows"] = max(0, len(report.rows) - PREVIEW_ROWS)
        context["changed"] = report.content_sha256 != batch.content_sha256
        return context


class ImportPreviewView(ImportPreviewMixin, TemplateView):
    """The checked upload: every problem by row and column, or what confirming will do; once
    imported, the result and how many of its emails have gone out."""

    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "progress":
            batch = self.get_batch(without_content=True)
            return self.response_class(
                request=request, template="programs/imports/preview.html#progress",
                context={"batch": batch, "progress": _email_progress(batch),
                         "progress_url": request.path, "organization": request.organization})
        return super().get(request, *args, **kwargs)


class ImportConfirmView(ImportPreviewMixin, TemplateResponseMixin, ContextMixin, View):
    """Import the previewed file (:func:`~programs.imports.services.import_batch_confirm`):
    a double submit imports once; a refused import shows the preview with its problems."""

    http_method_names = ["post"]

    def post(self, request, org_slug, cohort_pk, batch_pk):
        try:
            confirmation = import_batch_confirm(
                cohort=self.get_cohort(), batch_pk=batch_pk, actor=request.user,
                sha256=request.POST.get("sha256", ""))
        except ImportBatch.DoesNotExist as error:
            raise Http404 from error
        batch, report = confirmation.batch, confirmation.report
        if confirmation.outcome == BatchOutcome.ALREADY_IMPORTED:
            messages.info(request, "This file was already imported.")
        elif confirmation.outcome == BatchOutcome.CHANGED:
            messages.error(request, "The file changed since you previewed it; check the "
                                    "preview again before importing.")
        elif confirmation.outcome == BatchOutcome.INVALID:
            context = self.get_context_data(batch=batch, report=report)
            return self.render_to_response(context, status=400)
        else:
            messages.success(request, import_result_sentence(report.summary))
        return redirect(self.preview_url(batch))


def people(count: int) -> str:
    """ "1 person", "1,234 people"."""
    return f"{intcomma(count)} {'person' if count == 1 else 'people'}"


def import_result_sentence(summary: dict) -> str:
    """ "Imported 2 people: 1 invited, 1 enrolled, 0 updated, 0 unchanged." """
    return (f"Imported {people(summary['rows'])}: {intcomma(summary['new_people'])} invited, "
            f"{intcomma(summary['enrolled'])} enrolled, {intcomma(summary['updated'])} "
            f"updated, {intcomma(summary['unchanged'])} unchanged.")


class ImportErrorsCsvView(CohortImportMixin, View):
    """The preview's problems as CSV (cells echo the upload, so every cell is neutralised)."""

    def get(self, request, org_slug, cohort_pk, batch_pk):
        batch = self.get_batch()
        report = participants_import_csv(cohort=self.get_cohort(), file=batch.content,
                                         actor=request.user, dry_run=True)
        rows = [(issue.row or "", issue.column or "", issue.value, issue.message)
                for issue in report.errors]
        return csv_response(filename=f"import-{batch.pk}-problems.csv",
                            header=["row", "column", "value", "problem"], rows=rows)


class ImportTemplateCsvView(CohortImportMixin, View):
    """A CSV with the expected header and two example rows using this organization's levels
    and topics."""

    def get(self, request, org_slug, cohort_pk):
        cohort = self.get_cohort()
        header, rows = template_csv_rows(
            organization_levels=list(SeniorityLevel.objects.order_by("rank")
                                     .values_list("name", flat=True)),
            topic_names=list(Topic.objects.filter(is_retired=False).order_by("name")
                             .values_list("name", flat=True)))
        return csv_response(filename=f"{cohort.slug}-participants.csv", header=header,
                            rows=rows)


urlpatterns = [
    path("cohorts/<int:cohort_pk>/import/", ImportUploadView.as_view(), name="cohort_import"),
    path("cohorts/<int:cohort_pk>/import/template.csv", ImportTemplateCsvView.as_view(),
         name="cohort_import_template"),
    path("cohorts/<int:cohort_pk>/import/<int:batch_pk>/", ImportPreviewView.as_view(),
         name="cohort_import_preview"),
    path("cohorts/<int:cohort_pk>/import/<int:batch_pk>/confirm/", ImportConfirmView.as_view(),
         name="cohort_import_confirm"),
    path("cohorts/<int:cohort_pk>/import/<int:batch_pk>/problems.csv",
         ImportErrorsCsvView.as_view(), name="cohort_import_errors"),
]
