"""Reading an upload: bytes to text, text to header and rows (pure: no Django imports)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from typing import IO

from programs.imports.columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    HEADER_ALIASES,
    MAX_BYTES,
    MAX_ROWS,
    normalise_header,
)
from programs.imports.report import ImportFileError, ImportIssue


def file_error(message: str, **kwargs) -> ImportFileError:
    return ImportFileError(ImportIssue(message=message, **kwargs))


#: Signatures of files people rename to .csv by mistake (Excel and UTF-16 have their own
#: messages).
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
    (b"BM", "a bitmap image"), (b"\x7fELF", "a program"), (b"MZ", "a Windows program"),
)
#: Bytes that never occur in text: C0 controls other than tab, line feed, form feed and
#: carriage return, and DEL.
_CONTROL_BYTES = frozenset(range(0x09)) | frozenset(range(0x0e, 0x20)) | {0x0b, 0x7f}
_SAMPLE = 64 * 1024


def _known_binary(data: bytes) -> str | None:
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature) and (len(signature) > 2 or b"\x00" in data[:_SAMPLE]
                                           or _control_share(data) > 0.01):
            return f"it is {kind}"
    return None


def _binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not text at all, or ``None`` when it may be text."""
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return "it contains NUL bytes"
    if _control_share(data) > 0.01:
        return "it contains control characters that never occur in text"
    return None


def _control_share(data: bytes) -> float:
    sample = data[:_SAMPLE]
    return sum(1 for byte in sample if byte in _CONTROL_BYTES) / max(1, len(sample))


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII text with a NUL after (or before) each letter."""
    sample = data[:4096]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    for zeros, letters in ((even, odd), (odd, even)):
        printable = sum(1 for byte in letters if 0x20 <= byte < 0x7f or byte in b"\t\r\n")
        if zeros.count(0) / len(zeros) > 0.6 and printable / len(letters) > 0.6:
            return True
    return False


def _accented_words(text: str, limit: int = 3) -> list[str]:
    found: list[str] = []
    for word in re.findall(r"[^\s,;\t\"]+", text):
        if not word.isascii() and word not in found:
            found.append(word)
            if len(found) == limit:
                break
    return found


def decode_csv_upload(file: IO[bytes] | bytes | str, *, max_bytes: int | None = None
                      ) -> tuple[str, list[ImportIssue]]:
    """The upload as text, and notices about how it was read.

    At most ``max_bytes``. UTF-8 (a BOM is dropped) is read as it is. A file that is not
    UTF-8 but is valid Windows-1252 (what Excel's plain "CSV" writes in Western Europe) is
    converted, with a notice naming a few converted words so the admin can check them in the
    preview before importing. Spreadsheets, UTF-16 and files that are not text at all (an
    image, a PDF, an archive renamed .csv) are refused with what they are and how to export a
    CSV instead.
    """
    max_bytes = max_bytes or MAX_BYTES
    if isinstance(file, str):
        data = file.encode("utf-8")
    elif isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    megabytes = max_bytes // (1024 * 1024)
    if len(data) > max_bytes:
        raise file_error(f"The file is larger than {megabytes} MB. Split it into smaller "
                          f"files (at most {MAX_ROWS:,} rows each) and import them one by one.")
    if not data.strip():
        raise file_error("The file is empty. Download the template, fill in one row per "
                          "person and upload it again.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise file_error("This is an Excel workbook, not a CSV file. In Excel choose "
                          "File › Save As › “CSV UTF-8 (Comma delimited)” and upload that.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error("The file is UTF-16 text. Save it as “CSV UTF-8” and upload again.")
    reason = _known_binary(data)
    if reason is None and _looks_like_utf16(data):
        raise file_error("The file is UTF-16 text. Save it as “CSV UTF-8” and upload again.")
    reason = reason or _binary_reason(data)
    if reason is not None:
        raise file_error(
            f"This is not a text file ({reason}), so it cannot be a CSV file, whatever its "
            "name ends with. Open your spreadsheet and choose File › Save As › “CSV UTF-8 "
            "(Comma delimited)”, then upload that file.")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise file_error(
                f"The file is not UTF-8 text (the first unreadable byte is on line {line}), "
                "and not Windows-1252 either, so Flipside cannot tell which characters it "
                "holds. Save it as “CSV UTF-8”: in Excel choose “CSV UTF-8 (Comma "
                "delimited)”, in LibreOffice tick “Edit filter settings” and pick Unicode "
                "(UTF-8).", row=line) from error
    examples = ", ".join(f"“{word}”" for word in _accented_words(text))
    notice = ImportIssue(
        message="The file was saved as Windows-1252 (Excel's “CSV”, Western European), not "
                "UTF-8, so Flipside converted it. Check that accented letters look right "
                f"before you import{f' (for example {examples})' if examples else ''}; if "
                "they do not, save the file as “CSV UTF-8 (Comma delimited)” and upload it "
                "again.", row=None, field=None, column=None, value="Windows-1252")
    return text, [notice]


def read_csv_text(file: IO[bytes] | bytes | str, *, max_bytes: int | None = None) -> str:
    """The upload as text (see :func:`decode_csv_upload`)."""
    return decode_csv_upload(file, max_bytes=max_bytes)[0]


@dataclass
class ParsedFile:
    columns: dict[str, tuple[int, str]]  # key -> (index, header as written)
    records: list[tuple[int, list[str]]]  # (spreadsheet row, cells)
    warnings: list[ImportIssue]


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def parse_csv(text: str, *, max_rows: int | None = None) -> ParsedFile:
    """Split the text into header and rows and map the headers to columns."""
    max_rows = max_rows or MAX_ROWS
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line),
                        strict=True)
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for index, cells in enumerate(reader):
            if header is None:
                if not any(cell.strip() for cell in cells):
                    continue
                header = cells
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) >= max_rows:
                raise file_error(f"The file has more than {max_rows:,} people. Split it into "
                                  f"files of at most {max_rows:,} rows and import them one "
                                  "by one.")
            records.append((index + 1, cells))
    except csv.Error as error:
        raise file_error(f"Row {reader.line_num} cannot be read as CSV ({error}). Check for "
                          "an unclosed quotation mark.", row=reader.line_num) from error
    if header is None:
        raise file_error("The file is empty. Download the template, fill in one row per "
                          "person and upload it again.")
    columns: dict[str, tuple[int, str]] = {}
    warnings: list[ImportIssue] = []
    issues: list[ImportIssue] = []
    for index, raw in enumerate(header):
        key = HEADER_ALIASES.get(normalise_header(raw))
        if key is None:
            if raw.strip():
                warnings.append(ImportIssue(
                    message=f"The column “{raw.strip()}” is not one Flipside knows; it is "
                            "ignored.", row=1, column=raw.strip()))
            continue
        if key in columns:
            issues.append(ImportIssue(
                message=f"The columns “{columns[key][1]}” and “{raw.strip()}” both mean "
                        f"“{COLUMNS_BY_KEY[key].header}”. Keep one of them.",
                row=1, field=key, column=raw.strip()))
            continue
        columns[key] = (index, raw.strip())
    for column in COLUMNS:
        if column.required and column.key not in columns:
            issues.append(ImportIssue(
                message=f"The required column “{column.header}” is missing. The first row "
                        f"must name the columns; required: "
                        f"{', '.join(c.header for c in COLUMNS if c.required)}.",
                row=1, field=column.key))
    if issues:
        raise ImportFileError(*issues)
    if not records:
        raise file_error("The file has a header row but nobody in it. Add one row per person.")
    return ParsedFile(columns=columns, records=records, warnings=warnings)


def cell(record: list[str], columns: dict, key: str) -> str | None:
    """The stripped cell, or ``None`` when the file has no such column."""
    if key not in columns:
        return None
    index = columns[key][0]
    return record[index].strip() if index < len(record) else ""


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
