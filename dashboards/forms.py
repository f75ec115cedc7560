"""The dashboard's filters: a program or one cohort, and a date range.

The program and the cohort are parsed as ids only; whether they exist in this organization is
:func:`dashboards.selectors.dashboard_scope`'s question (another organization's id is a
404, like every object of another tenant). Build the form inside the tenant scope: its
choices read the organization's programs and cohorts (two queries)."""

from __future__ import annotations

from datetime import date

from django import forms

from programs.models import Cohort, CohortStatus, Program

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: Dates outside this span are typing mistakes (and would overflow the range arithmetic).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD, for example 2026-03-31."}


def _id_field(label: str, what: str) -> forms.IntegerField:
    message = f"Choose a {what} from the list."
    return forms.IntegerField(required=False, label=label, min_value=1, widget=forms.Select,
                              error_messages={"invalid": message, "min_value": message})


class DashboardFilterForm(forms.Form):
    program = _id_field("Program", "program")
    cohort = _id_field("Cohort", "cohort")
    date_from = forms.DateField(required=False, label="From", widget=DATE,
                                error_messages=DATE_ERRORS)
    date_to = forms.DateField(required=False, label="To", widget=DATE,
                              error_messages=DATE_ERRORS)

    def __init__(self, data=None, *, today: date, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today
        self.programs = dict(Program.objects.order_by("name", "pk").values_list("pk", "name"))
        cohorts = (Cohort.objects.exclude(status=CohortStatus.DRAFT)
                   .order_by("program__name", "program_id", "-start_date", "name")
                   .values_list("pk", "name", "program_id", "program__name"))
        self.cohorts: dict[int, str] = {}
        grouped: dict[str, list[tuple[int, str]]] = {}
        for pk, name, _program_id, program_name in cohorts:
            self.cohorts[pk] = name
            grouped.setdefault(program_name, []).append((pk, name))
        self.fields["program"].widget.choices = [("", "All programs"),
                                                 *self.programs.items()]
        self.fields["cohort"].widget.choices = [("", "All cohorts"), *grouped.items()]
        self.fields["date_from"].help_text = "First day, in the organization's time zone."
        self.fields["date_to"].help_text = "Last day; empty means today."

    def _clean_date(self, name: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"Choose a date between {EARLIEST.year} and {LATEST.year}.")
        return value

    def clean_date_from(self) -> date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_date("date_to")

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from is None or self.errors.get("date_to"):
            return data
        if date_to is None and date_from > self.today:
            self.add_error("date_from", f"“From” is after today ({self.today:%Y-%m-%d}): "
                                        "choose an earlier day, or set “To” as well.")
        elif date_to is not None and date_from > date_to:
            self.add_error("date_to", "“To” is before “From”: choose a last day on or after "
                                      "the first.")
        return data

    def scope_filters(self) -> dict:
        """The keyword arguments of ``dashboard_scope`` (empty for an unbound form)."""
        data = self.cleaned_data if self.is_bound else {}
        return {"program_id": data.get("program"), "cohort_id": data.get("cohort"),
                "date_from": data.get("date_from"), "date_to": data.get("date_to")}
