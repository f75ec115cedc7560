"""Dashboard pages under ``/o/<org_slug>/dashboard/``: the executive dashboard (executives
and HR admins), HR analytics (HR admins: the same sections plus the operational lists), a
CSV per panel and per dashboard, and a printable page of each.

Security boundary: every view uses ``OrganizationMixin`` (member of the URL's organization or
404; role or 403). The executive views build the sections with ``hr=False``, so they never
compute, let alone show, the HR-only section (it names pairs and people); its panels'
CSVs are refused to executives by key, whatever the URL. The filters' program and cohort
are looked up inside the tenant scope (another organization's id is a 404).

The views parse the filters, call the selectors and lay the panels out; no figure is
computed here (dashboards/figures.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_AND_EXECUTIVE, ADMIN_ONLY, OrganizationMixin
from dashboards import exports, selectors
from dashboards.formatting import panel_display
from dashboards.forms import DashboardFilterForm
from dashboards.scope import DashboardScope
from sessions.checkins.selectors import organization_today


@dataclass(frozen=True)
class Filtered:
    form: DashboardFilterForm
    scope: DashboardScope | None  # None: the filters are wrong (the form says why)
    status: int = 200


def hr_only_keys() -> frozenset[str]:
    return frozenset(key for section in selectors.SECTIONS if section.hr_only
                     for key in section.keys)


class DashboardMixin(OrganizationMixin):
    allowed_roles = ADMIN_AND_EXECUTIVE
    #: HR analytics: the HR-only sections too.
    hr = False

    @cached_property
    def filtered(self) -> Filtered:
        organization = self.request.organization
        form = DashboardFilterForm(self.request.GET or None,
                                   today=organization_today(organization))
        if form.is_bound and not form.is_valid():
            return Filtered(form, None, 400)
        wanted = form.scope_filters()
        try:
            scope = selectors.dashboard_scope(organization=organization, **wanted)
        except Http404:
            field = "cohort" if wanted["cohort_id"] is not None else "program"
            form.add_error(field, f"There is no such {field} in {organization.name}: choose "
                                  "one from the list.")
            return Filtered(form, None, 404)
        if wanted["program_id"] is not None and scope.program_id != wanted["program_id"]:
            form.add_error("cohort", "This cohort is not part of the chosen program: choose "
                                     "one of its cohorts, or “All programs”.")
            return Filtered(form, None, 400)
        return Filtered(form, scope)

    def query(self) -> str:
        """The filters as a query string, with the dates spelled out (so a CSV or a print
        made from the page shows the same range even if the day changes meanwhile)."""
        scope = self.filtered.scope
        values = {}
        if scope.program_id is not None:
            values["program"] = scope.program_id
        if scope.cohort_id is not None:
            values["cohort"] = scope.cohort_id
        values.update(date_from=scope.date_from.isoformat(), date_to=scope.date_to.isoformat())
        return urlencode(values)

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"dashboards:{name}",
                       kwargs={"org_slug": self.request.organization.slug, **kwargs})

    def filtered_url(self, name: str, **kwargs) -> str:
        return f"{self.url(name, **kwargs)}?{self.query()}"

    def names(self) -> tuple[str, str]:
        """The URL names of this page's panel CSV and of its whole CSV."""
        return ("hr_panel_csv", "hr_csv") if self.hr else ("panel_csv", "csv")

    def bad_filters(self) -> HttpResponse:
        form = self.filtered.form
        lines = [f"{form.fields[name].label if name in form.fields else 'Filters'}: {error}"
                 for name, errors in form.errors.items() for error in errors]
        return HttpResponse("\n".join(["The filters are not right:", *lines]),
                            status=self.filtered.status, content_type="text/plain; charset=utf-8")


class DashboardPageMixin(DashboardMixin):
    """The page and its printable twin."""

    title = "Dashboard"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(**kwargs),
                                       status=self.filtered.status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filtered = self.filtered
        context.update(form=filtered.form, scope=filtered.scope, hr=self.hr, title=self.title,
                       is_admin=self.request.membership.is_admin,
                       overview_url=self.url("dashboard"), hr_url=self.url("hr"))
        if filtered.scope is None:
            context.update(sections=[], charts=[])
            return context
        scope = filtered.scope
        panel_csv, whole_csv = self.names()
        sections = []
        charts_from = []
        for section, panels in selectors.dashboard_panels(scope=scope, hr=self.hr):
            shown = [panel_display(panel, k=scope.k,
                                   csv_url=self.filtered_url(panel_csv, panel_key=panel.key))
                     for panel in panels]
            sections.append({"key": section.key, "title": section.title, "panels": shown,
                             "hr_only": section.hr_only})
            charts_from.extend(panels)
        form = filtered.form
        context.update(
            sections=sections, charts=exports.chart_data(charts_from), k=scope.k,
            program_name=form.programs.get(scope.program_id),
            cohort_name=form.cohorts.get(scope.cohort_id),
            csv_url=self.filtered_url(whole_csv),
            print_url=self.filtered_url("hr_print" if self.hr else "print"),
            page_url=self.filtered_url("hr" if self.hr else "dashboard"),
            other_url=self.filtered_url("dashboard" if self.hr else "hr"),
        )
        return context


class DashboardView(DashboardPageMixin, TemplateView):
    template_name = "dashboards/dashboard.html"
    title = "Dashboard"


class HRDashboardView(DashboardPageMixin, TemplateView):
    template_name = "dashboards/dashboard.html"
    allowed_roles = ADMIN_ONLY
    hr = True
    title = "HR analytics"


class DashboardPrintView(DashboardPageMixin, TemplateView):
    template_name = "dashboards/print.html"
    title = "Dashboard"


class HRDashboardPrintView(DashboardPrintView):
    allowed_roles = ADMIN_ONLY
    hr = True
    title = "HR analytics"


class PanelCsvView(DashboardMixin, View):
    """One panel's table as CSV, with the page's filters."""

    def get(self, request, *args, **kwargs):
        key = kwargs["panel_key"]
        if not self.hr and key in hr_only_keys():
            if request.membership.is_admin:
                return redirect(f"{self.url('hr_panel_csv', panel_key=key)}?"
                                f"{request.GET.urlencode()}")
            raise PermissionDenied("This panel is part of HR analytics, for HR admins only.")
        if self.filtered.scope is None:
            return self.bad_filters()
        scope = self.filtered.scope
        panel = selectors.dashboard_panel(scope=scope, key=key, hr=self.hr)
        return exports.csv_download(
            filename=f"{request.organization.slug}-{panel.key}-{scope.date_from}-"
                     f"{scope.date_to}.csv",
            rows=exports.panel_csv_rows(panel))


class HRPanelCsvView(PanelCsvView):
    allowed_roles = ADMIN_ONLY
    hr = True


class DashboardCsvView(DashboardMixin, View):
    """Every panel of the dashboard in one long CSV (one row per figure)."""

    def get(self, request, *args, **kwargs):
        if self.filtered.scope is None:
            return self.bad_filters()
        scope = self.filtered.scope
        name = "hr-analytics" if self.hr else "dashboard"
        return exports.csv_download(
            filename=f"{request.organization.slug}-{name}-{scope.date_from}-"
                     f"{scope.date_to}.csv",
            rows=exports.dashboard_csv_rows(
                selectors.dashboard_panels(scope=scope, hr=self.hr)))


class HRDashboardCsvView(DashboardCsvView):
    allowed_roles = ADMIN_ONLY
    hr = True
