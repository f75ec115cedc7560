"""What a dashboard panel shows, as plain data (no Django): one shape for the page, its chart,
the table behind the chart, the CSV export, the printable view and the API.

Every panel selector (``dashboards/panels/*.py``) returns a :class:`Panel`. Renderers never
compute: they lay out what the panel holds, so the page, the CSV and the API cannot disagree.

A table cell that the k rule hides is :data:`SUPPRESSED` (never a number that happens to be
missing): the page shows "fewer than k", the CSV "suppressed", the API ``null`` with the
cell's coordinates listed in ``suppressed``. ``None`` means "no data" (e.g. a mean of nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal


class _Suppressed:
    """A cell withheld by the k rule (a singleton, so ``cell is SUPPRESSED`` is the test)."""

    _instance: _Suppressed | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __bool__(self) -> bool:
        return False


SUPPRESSED = _Suppressed()


@dataclass(frozen=True)
class Link:
    """A cell that names something with a page of its own (a pair, a cohort's list): the page
    shows a link, the CSV its text, the API ``{"text", "url"}``. HR's operational lists only;
    an executive-visible panel never links to a named pair or person."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


Value = int | float | str | Link | _Suppressed | None
Unit = Literal["", "%", "min", "pairs", "people", "sessions", "/5", "NPS"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: Unit = ""


@dataclass(frozen=True)
class Table:
    """Rows of values; the first column names the row (a step, a week, a topic, a group)."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]

    def suppressed_cells(self) -> list[tuple[int, str]]:
        """(row index, column key) of every cell the k rule hides."""
        return [(index, column.key) for index, row in enumerate(self.rows)
                for column, value in zip(self.columns, row, strict=True) if value is SUPPRESSED]


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | int | None, ...]


ChartKind = Literal["bar", "horizontal_bar", "line", "stacked_bar"]


@dataclass(frozen=True)
class Chart:
    """A Chart.js chart drawn from the same figures as the table (suppressed values are gaps)."""

    kind: ChartKind
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: Unit = ""
    max: float | None = None


@dataclass(frozen=True)
class Figure:
    """A headline number of a panel ("62 % of pairs on track")."""

    key: str
    label: str
    value: Value
    unit: Unit = ""


@dataclass(frozen=True)
class Panel:
    key: str  # stable, used in URLs (CSV export, API): e.g. "funnel", "engagement_weekly"
    title: str
    description: str  # one sentence: what the numbers are, how they are counted
    table: Table
    chart: Chart | None = None
    headline: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = field(default=())  # e.g. "Groups under 5 people are merged."

    @property
    def suppressed_count(self) -> int:
        return len(self.table.suppressed_cells())


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage with one decimal, ``None`` when ``whole`` is 0."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def mean(values: Sequence[float | int]) -> float | None:
    """The arithmetic mean with two decimals, ``None`` for no values."""
    if not values:
        return None
    return round(sum(values) / len(values), 2)


def shown(value: Value, count: int, k: int) -> Value:
    """``value`` when its group of ``count`` people reaches ``k``, else :data:`SUPPRESSED`."""
    return value if count >= k else SUPPRESSED
