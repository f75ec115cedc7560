"""How a panel's values read on the page, in print and in the digest (plain Python, no Django).

Renderers lay out what a :class:`dashboards.figures.Panel` holds; this module only turns one
value into text: thousands separators, the unit, "fewer than k" for a cell the k rule hides
and a dash for no data. The CSV writes the raw values instead (:mod:`dashboards.exports`).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.figures import SUPPRESSED, Link, Panel, Unit, Value

NO_DATA = "—"
NBSP = "\u00a0"

#: Units that count something: written after the number in a headline ("12 pairs"), left
#: to the column's label in a table.
COUNT_UNITS: dict[str, tuple[str, str]] = {
    "pairs": ("pair", "pairs"),
    "people": ("person", "people"),
    "sessions": ("session", "sessions"),
}


def format_number(value: int | float) -> str:
    """``1234`` → ``"1,234"``; ``1234.5`` → ``"1,234.5"``; at most two decimals, trailing
    zeros dropped (``62.0`` → ``"62"``)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: Value, unit: Unit = "", *, k: int, count_unit: bool = False) -> str:
    """One value as text. ``count_unit``: write a counting unit too ("12 pairs"), as headline
    figures do; table cells leave it to the column's label."""
    if value is SUPPRESSED:
        return f"fewer than {k}"
    if value is None:
        return NO_DATA
    if isinstance(value, str | Link):
        return str(value)
    number = format_number(value)
    if unit == "%":
        return f"{number}{NBSP}%"
    if unit == "min":
        return f"{number}{NBSP}min"
    if unit == "/5":
        return f"{number}{NBSP}/{NBSP}5"
    if unit == "NPS":
        return f"+{number}" if value > 0 else number
    if unit in COUNT_UNITS and count_unit:
        singular, plural = COUNT_UNITS[unit]
        return f"{number}{NBSP}{singular if value == 1 else plural}"
    return number


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class CellDisplay:
    text: str
    numeric: bool = False
    suppressed: bool = False
    url: str = ""  # a Link's page (HR's operational lists only)


@dataclass(frozen=True)
class PanelDisplay:
    """A panel as the page and the print view lay it out: every value already text."""

    key: str
    title: str
    description: str
    headline: tuple[tuple[str, CellDisplay], ...]  # (label, value)
    columns: tuple[tuple[str, bool], ...]  # (label, numeric)
    rows: tuple[tuple[CellDisplay, ...], ...]
    notes: tuple[str, ...]
    suppressed: bool  # some cell or headline figure is hidden by the k rule
    chart_id: str | None
    csv_url: str


def _cell(value: Value, unit: Unit, k: int, *, count_unit: bool = False) -> CellDisplay:
    return CellDisplay(format_value(value, unit, k=k, count_unit=count_unit),
                       numeric=is_number(value) or value is SUPPRESSED or value is None,
                       suppressed=value is SUPPRESSED,
                       url=value.url if isinstance(value, Link) else "")


def panel_display(panel: Panel, *, k: int, csv_url: str) -> PanelDisplay:
    columns = panel.table.columns
    rows = tuple(tuple(_cell(value, column.unit, k) for column, value
                       in zip(columns, row, strict=True)) for row in panel.table.rows)
    numeric = tuple(index > 0 and all(row[index].numeric for row in rows)
                    for index in range(len(columns)))
    headline = tuple((figure.label, _cell(figure.value, figure.unit, k, count_unit=True))
                     for figure in panel.headline)
    return PanelDisplay(
        key=panel.key, title=panel.title, description=panel.description, headline=headline,
        columns=tuple((column.label, numeric[index]) for index, column in enumerate(columns)),
        rows=rows, notes=panel.notes,
        suppressed=bool(panel.suppressed_count) or any(v.suppressed for _, v in headline),
        chart_id=f"chart-{panel.key}" if panel.chart is not None else None, csv_url=csv_url)
