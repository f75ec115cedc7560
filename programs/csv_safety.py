"""Spreadsheet formula injection guard for every CSV the app writes (OWASP "CSV injection").

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets; a leading single quote makes it plain text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value) -> str:
    """``value`` as text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def neutralise_row(values: Iterable[object]) -> list[str]:
    return [neutralise_cell(value) for value in values]


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV document with every cell, header included, neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(neutralise_row(header))
    writer.writerows(neutralise_row(row) for row in rows)
    return buffer.getvalue()


def csv_response(*, filename: str, header: Iterable[object],
                 rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV download with every cell neutralised; UTF-8 with a BOM so Excel reads accents."""
    response = HttpResponse("\ufeff" + csv_text(header, rows),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
