"""REST API of the dashboards under ``/api/v1/o/<org_slug>/dashboard/``: every panel's figures
for a people-analytics team's BI tool.

- ``dashboard/``: every section the caller may see, with its panels;
- ``dashboard/panels/<panel_key>/``: one panel (only its section is computed).

Both take the web's filters: ``program``, ``cohort`` (ids; another organization's is a 404,
like any object of another tenant; a cohort outside the chosen program is a 400), ``from`` and
``to`` (inclusive days in the organization's zone; without them, the last 180 days).

Who: HR admins and executives (``ADMIN_AND_EXECUTIVE``). The HR-only section (the operational
lists, which name pairs and people) is never computed for an executive: it is left out of
``dashboard/``, and its panels answer 403 to executives, as the web's panel CSV does (an
unknown key is a 404).

Security boundary: the figures are :func:`dashboards.selectors.dashboard_panels` /
:func:`~dashboards.selectors.dashboard_panel`, the same panels the pages, the CSVs and the
digest lay out, so the same k rules apply: a cell the k rule hides (``SUPPRESSED``) is
``null`` here, and its ``[row, column key]`` is listed in the panel's ``suppressed`` (a
``null`` that is not listed means "no data"). This module computes nothing.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from accounts.models import Role
from accounts.permissions import ADMIN_AND_EXECUTIVE, OrganizationAPIMixin
from core.api_schema import VALIDATION_ERROR_SCHEMA
from dashboards import selectors
from dashboards.figures import SUPPRESSED, Link, Panel, Value
from dashboards.scope import DashboardScope
from sessions.checkins.selectors import organization_today

#: Dates outside this span are typing mistakes (and would overflow the range arithmetic);
#: the web's filter form takes the same span.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
#: The largest id a row can have (ids are 64-bit).
MAX_ID = 2**63 - 1


# --- the filters -----------------------------------------------------------------------------

def _id_field(what: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID,
        help_text=f"Only this {what} (its id); leave it out for every {what}.",
        error_messages={"invalid": f"Give the id of a {what}, a whole number.",
                        "min_value": f"Give the id of a {what}, a whole number.",
                        "max_value": f"No {what} has this id."})


def _date_field(help_text: str) -> serializers.DateField:
    return serializers.DateField(
        required=False, help_text=help_text,
        error_messages={"invalid": "Give a date as YYYY-MM-DD, for example 2026-03-31."})


class DashboardQuerySerializer(serializers.Serializer):
    """The filters, as query parameters (``from`` and ``to`` are Python keywords, hence
    :meth:`get_fields`)."""

    program = _id_field("program")
    cohort = _id_field("cohort")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = _date_field("First day (YYYY-MM-DD, in the organization's time "
                                     "zone); leave it out for 180 days before 'to'.")
        fields["to"] = _date_field("Last day, included; leave it out for today.")
        return fields

    def _in_span(self, value: date | None) -> date | None:
        if value is not None and not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(
                f"Choose a date between {EARLIEST.year} and {LATEST.year}.")
        return value

    def validate(self, attrs):
        errors = {}
        for name in ("from", "to"):
            try:
                self._in_span(attrs.get(name))
            except serializers.ValidationError as error:
                errors[name] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"to": ["'to' is before 'from': give a last day on or after the first."]})
        return attrs


def scope_of_request(request) -> DashboardScope:
    """The slice the query parameters ask for, or a 400 saying which parameter is wrong and
    why; another organization's program or cohort is a 404 (the tenant scope does not find
    it)."""
    query = DashboardQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    wanted = query.validated_data
    start, end = wanted.get("from"), wanted.get("to")
    today = organization_today(request.organization)
    if start is not None and end is None and start > today:
        raise exceptions.ValidationError(
            {"from": [f"'from' is after today ({today:%Y-%m-%d}): give an earlier day, or "
                      "give 'to' as well."]})
    scope = selectors.dashboard_scope(
        organization=request.organization, program_id=wanted.get("program"),
        cohort_id=wanted.get("cohort"), date_from=start, date_to=end)
    if wanted.get("program") is not None and scope.program_id != wanted["program"]:
        raise exceptions.ValidationError(
            {"cohort": ["This cohort is not part of the given program: give one of its "
                        "cohorts, or leave 'program' out."]})
    return scope


# --- the panels, as JSON -----------------------------------------------------------------------

class OutputSerializer(serializers.Serializer):
    """A response body only: every field is read-only (it is never parsed from a request)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


LINK_SCHEMA = {
    "type": "object",
    "description": "Something with a page of its own (HR's operational lists only).",
    "properties": {"text": {"type": "string"}, "url": {"type": "string"}},
    "required": ["text", "url"],
}


@extend_schema_field({
    "anyOf": [{"type": "number"}, {"type": "string"}, LINK_SCHEMA],
    "nullable": True,
    "description": "A number, a text, a link, or null: no data, or hidden by the k rule "
                   "when the cell is listed in the panel's 'suppressed'.",
})
class ValueField(serializers.Field):
    """A table cell or headline value: ``SUPPRESSED`` and ``None`` are ``null``."""

    def to_representation(self, value: Value):
        if value is SUPPRESSED or value is None:
            return None
        if isinstance(value, Link):
            return {"text": value.text, "url": value.url}
        return value


@extend_schema_field({"type": "number", "nullable": True})
class NumberField(serializers.Field):
    """A chart value: a number, or ``null`` for a gap (no data, or hidden by the k rule)."""

    def to_representation(self, value):
        return None if value is None or value is SUPPRESSED else value


class DashboardColumnSerializer(OutputSerializer):
    """A column of a panel's table: its stable key, its label and its unit."""

    key = serializers.CharField(help_text="Stable: the key of this column in every response.")
    label = serializers.CharField()
    unit = serializers.CharField(help_text="'', '%', 'min', 'pairs', 'people', 'sessions', "
                                           "'/5' or 'NPS'.")


class DashboardFigureSerializer(OutputSerializer):
    """A headline number of a panel."""

    key = serializers.CharField()
    label = serializers.CharField()
    value = ValueField()
    unit = serializers.CharField()
    suppressed = serializers.SerializerMethodField(
        help_text="True: hidden by the k rule (the value is null).")

    def get_suppressed(self, figure) -> bool:
        return figure.value is SUPPRESSED


class DashboardSeriesSerializer(OutputSerializer):
    """One series of a chart, a value per label."""

    label = serializers.CharField()
    values = serializers.ListField(child=NumberField(allow_null=True))


class DashboardChartSerializer(OutputSerializer):
    """The chart drawn from the panel's figures (the table holds the same numbers)."""

    kind = serializers.CharField(help_text="bar, horizontal_bar, line or stacked_bar.")
    labels = serializers.ListField(child=serializers.CharField())
    series = DashboardSeriesSerializer(many=True)
    unit = serializers.CharField()
    max = serializers.FloatField(allow_null=True)


CELL_COORDINATE = {
    "type": "array", "minItems": 2, "maxItems": 2,
    "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    "description": "[row index (from 0), column key]",
}


class DashboardPanelSerializer(OutputSerializer):
    """A dashboard panel: its table (columns and rows), which cells the k rule hides, its
    headline figures, its chart and notes."""

    key = serializers.CharField(help_text="Stable: use it in dashboard/panels/<key>/.")
    title = serializers.CharField()
    description = serializers.CharField()
    columns = DashboardColumnSerializer(source="table.columns", many=True)
    rows = serializers.SerializerMethodField(
        help_text="One list of values per row, in the order of 'columns'.")
    suppressed = serializers.SerializerMethodField(
        help_text="The cells the k rule hides, as [row index, column key]; they are null in "
                  "'rows'.")
    headline = DashboardFigureSerializer(many=True)
    chart = DashboardChartSerializer(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(serializers.ListField(child=serializers.ListField(child=ValueField(
        allow_null=True))))
    def get_rows(self, panel: Panel) -> list[list]:
        cell = ValueField()
        return [[cell.to_representation(value) for value in row] for row in panel.table.rows]

    @extend_schema_field({"type": "array", "items": CELL_COORDINATE})
    def get_suppressed(self, panel: Panel) -> list[list]:
        return [[row, column] for row, column in panel.table.suppressed_cells()]


class DashboardScopeSerializer(OutputSerializer):
    """The slice the figures describe: program, cohort (null: all) and the inclusive range."""

    program = serializers.IntegerField(source="program_id", allow_null=True)
    cohort = serializers.IntegerField(source="cohort_id", allow_null=True)
    today = serializers.DateField(help_text="Today in the organization's time zone.")
    k = serializers.IntegerField(help_text="The smallest group any figure describes.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="date_from", read_only=True)
        fields["to"] = serializers.DateField(source="date_to", read_only=True)
        return fields


class DashboardSectionSerializer(OutputSerializer):
    """A section of the dashboard with its panels."""

    key = serializers.CharField(source="section.key")
    title = serializers.CharField(source="section.title")
    hr_only = serializers.BooleanField(source="section.hr_only",
                                       help_text="HR analytics: for HR admins only.")
    panels = DashboardPanelSerializer(many=True)


class DashboardSerializer(OutputSerializer):
    """The dashboard: its scope and every section the caller may see."""

    scope = DashboardScopeSerializer()
    sections = DashboardSectionSerializer(many=True)


class DashboardPanelResponseSerializer(OutputSerializer):
    """One panel, with the scope it describes and the key of its section."""

    scope = DashboardScopeSerializer()
    section = serializers.CharField(help_text="The key of the panel's section.")
    panel = DashboardPanelSerializer()


# --- the endpoints -----------------------------------------------------------------------------

BAD_FILTERS = OpenApiResponse(
    response=VALIDATION_ERROR_SCHEMA,
    description="A filter is not valid (a malformed or out-of-range date or id, 'to' before "
                "'from', a cohort outside the program); the body says which and why.")


def _is_hr(request) -> bool:
    return request.membership.role == Role.ADMIN


class DashboardView(OrganizationAPIMixin, generics.GenericAPIView):
    """Every dashboard section the caller may see, with all its panels: executives the
    aggregate sections; HR admins those and HR analytics' operational lists."""

    allowed_roles = ADMIN_AND_EXECUTIVE
    serializer_class = DashboardSerializer
    pagination_class = None

    @extend_schema(operation_id="dashboard_retrieve", parameters=[DashboardQuerySerializer],
                   responses={200: DashboardSerializer, 400: BAD_FILTERS})
    def get(self, request, *args, **kwargs):
        scope = scope_of_request(request)
        sections = [{"section": section, "panels": panels} for section, panels in
                    selectors.dashboard_panels(scope=scope, hr=_is_hr(request))]
        return Response(DashboardSerializer({"scope": scope, "sections": sections}).data)


class DashboardPanelView(OrganizationAPIMixin, generics.GenericAPIView):
    """One panel, computing only its section. HR analytics' panels are for HR admins (403 to
    executives); a key that names no panel is a 404."""

    allowed_roles = ADMIN_AND_EXECUTIVE
    serializer_class = DashboardPanelResponseSerializer
    pagination_class = None

    @extend_schema(
        operation_id="dashboard_panel_retrieve",
        parameters=[DashboardQuerySerializer, OpenApiParameter(
            "panel_key", str, OpenApiParameter.PATH,
            description="A panel's key, as listed by dashboard/ (e.g. 'funnel').")],
        responses={200: DashboardPanelResponseSerializer, 400: BAD_FILTERS})
    def get(self, request, *args, **kwargs):
        key = kwargs["panel_key"]
        section = next((s for s in selectors.SECTIONS if key in s.keys), None)
        if section is None:
            raise Http404("No such panel.")
        hr = _is_hr(request)
        if section.hr_only and not hr:
            raise exceptions.PermissionDenied(
                "This panel is part of HR analytics, for HR admins only.")
        scope = scope_of_request(request)
        panel = selectors.dashboard_panel(scope=scope, key=key, hr=hr)
        return Response(DashboardPanelResponseSerializer(
            {"scope": scope, "section": section.key, "panel": panel}).data)
