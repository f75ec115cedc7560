"""The import's pure layers (columns, report, reading, cells) load and work without Django and
without a database: no test here touches one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from programs.imports.cells import parse_role, parse_time_zone, parse_topic_list
from programs.imports.columns import COLUMNS, MAX_ROWS, template_csv_rows
from programs.imports.reading import cell, content_sha256, decode_csv_upload, parse_csv
from programs.imports.report import ImportFileError

PURE_MODULES = ("programs.imports.columns", "programs.imports.report",
                "programs.imports.reading", "programs.imports.cells")


def test_the_pure_layers_import_no_django():
    code = ("import sys\n"
            f"import {', '.join(PURE_MODULES)}\n"
            "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
            "print(','.join(loaded))\n")

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2],
                            env={"PYTHONPATH": "."})

    assert result.stdout.strip() == ""


def test_a_file_is_read_into_columns_and_rows():
    text, notices = decode_csv_upload("E-mail;Full name;Role\nana@x.example;Ana;Mentor\n\n")

    parsed = parse_csv(text)

    assert notices == []
    assert parsed.columns == {"email": (0, "E-mail"), "name": (1, "Full name"),
                              "role": (2, "Role")}
    assert parsed.records == [(2, ["ana@x.example", "Ana", "Mentor"])]
    assert cell(parsed.records[0][1], parsed.columns, "name") == "Ana"
    assert cell(parsed.records[0][1], parsed.columns, "title") is None
    assert content_sha256(text) == content_sha256(text.encode("utf-8").decode("utf-8"))


def test_windows_1252_is_converted_with_a_notice():
    text, notices = decode_csv_upload("email,name,role\nzoe@x.example,Zoë,mentee\n"
                                      .encode("cp1252"))

    assert "Zoë" in text
    assert [n.value for n in notices] == ["Windows-1252"]


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"PK\x03\x04rest", "Excel workbook"),
    (b"%PDF-1.7\x00\x00", "PDF"),
    ("email,name\nana@x.example,Ana\n", "required column “role” is missing"),
])
def test_unreadable_files_say_why(data, words):
    with pytest.raises(ImportFileError) as raised:
        parse_csv(decode_csv_upload(data)[0])

    assert words in str(raised.value)


def test_row_limit():
    rows = "".join(f"p{n}@x.example,P,mentor\n" for n in range(3))

    with pytest.raises(ImportFileError, match="more than 2 people"):
        parse_csv("email,name,role\n" + rows, max_rows=2)
    assert MAX_ROWS == 20_000


def test_cells():
    assert parse_role(" Mentor (junior) ") == "mentor"
    assert parse_role("Mentees") == "mentee"
    assert parse_role("boss") is None
    assert parse_time_zone("europe/berlin") == ("Europe/Berlin", [])
    zone, close = parse_time_zone("Europe/Berln")
    assert (zone, close[0]) == (None, "Europe/Berlin")
    assert parse_topic_list("AI tools:3;Data") == ([("AI tools", 3), ("Data", 2)], [])


def test_template_rows_fit_the_columns():
    header, rows = template_csv_rows(organization_levels=["L1", "L2", "L3"],
                                     topic_names=["AI tools", "Strategy"])

    assert header == [column.header for column in COLUMNS]
    assert all(len(row) == len(header) for row in rows)
