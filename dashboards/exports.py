"""A panel as CSV and as chart data, laid out from the :class:`Panel` alone (the page, the
CSV and the print view show the same figures; nothing is computed here).

CSV cells: numbers as plain numbers (no thousands separator, no unit: the unit is in the
column's header), a cell the k rule hides as ``suppressed``, no data as an empty cell. Text
goes through ``programs.csv_safety`` (spreadsheet formula injection); numbers cannot carry a
formula and stay numbers (a negative NPS is ``-20``, not the text ``'-20``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse

from dashboards.figures import SUPPRESSED, Column, Panel, Value
from dashboards.formatting import is_number
from programs.csv_safety import neutralise_cell

SUPPRESSED_CSV = "suppressed"
WHOLE_HEADER = ("section", "panel_key", "panel", "row", "column", "unit", "value")


def csv_cell(value: Value) -> str:
    if value is SUPPRESSED:
        return SUPPRESSED_CSV
    if value is None:
        return ""
    if is_number(value):
        return repr(value) if isinstance(value, float) else str(value)
    return neutralise_cell(str(value))  # text, or a Link's text


def column_header(column: Column) -> str:
    return neutralise_cell(f"{column.label} ({column.unit})" if column.unit else column.label)


def panel_csv_rows(panel: Panel) -> Iterator[list[str]]:
    """The panel's table: its header, then its rows, cell for cell."""
    yield [column_header(column) for column in panel.table.columns]
    for row in panel.table.rows:
        yield [csv_cell(value) for value in row]


def dashboard_csv_rows(sections: Sequence[tuple[object, Sequence[Panel]]]
                       ) -> Iterator[list[str]]:
    """Every panel of a dashboard in one long table (one row per cell after a row's name),
    for a BI tool: section, panel key, panel title, row name, column, unit, value."""
    yield list(WHOLE_HEADER)
    for section, panels in sections:
        for panel in panels:
            _, *columns = panel.table.columns
            for row in panel.table.rows:
                name, *values = row
                for column, value in zip(columns, values, strict=True):
                    yield [neutralise_cell(section.title), neutralise_cell(panel.key),
                           neutralise_cell(panel.title), csv_cell(name),
                           neutralise_cell(column.label), column.unit, csv_cell(value)]


def csv_download(*, filename: str, rows: Iterable[Sequence[str]]) -> HttpResponse:
    """UTF-8 with a BOM so Excel reads accents; cells are already made safe by the callers."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _chart_value(value) -> float | int | None:
    return value if is_number(value) else None


def chart_data(panels: Iterable[Panel]) -> list[dict]:
    """What static/js/dashboard.js draws: one entry per panel with a chart; a value the k
    rule hides is a gap (``null``), never a number."""
    charts = []
    for panel in panels:
        chart = panel.chart
        if chart is None:
            continue
        charts.append({
            "id": f"chart-{panel.key}",
            "kind": chart.kind,
            "labels": list(chart.labels),
            "datasets": [{"label": series.label,
                          "data": [_chart_value(value) for value in series.values]}
                         for series in chart.series],
            "unit": chart.unit,
            "max": chart.max,
        })
    return charts
