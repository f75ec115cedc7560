"""Bulk import of participants into a cohort from a CSV file: all or nothing, per-row messages.

Three layers:

- reading (:func:`decode_csv_upload`, :func:`parse_csv`): size and row limits, UTF-8 (with or
  without BOM; a Windows-1252 file is converted, with a notice), binary files told apart from
  text, delimiter, header names matched case-insensitively with common variants;
- validation (:func:`plan_import`): every cell checked against the organization (levels,
  topics, members) loaded in a handful of queries, never one per row; every problem becomes
  an :class:`ImportIssue` with its spreadsheet row number, column and a human reason;
- writing (:func:`participants_import_csv`): only when nothing is wrong, in one transaction
  with the cohort row locked, with bulk inserts and updates.

Rules an admin can rely on (they are shown next to the upload form):

- People are matched by email (case-insensitive), so importing the same file again updates
  rather than duplicates, and a second identical import changes nothing.
- A blank optional cell keeps what is stored (people's own answers are never wiped by a file
  that lacks them); a filled cell replaces it. A filled topics cell replaces that person's
  teach (or learn) topics in this cohort.
- Someone who is not yet a member of this organization is a *new person*, whatever else
  Flipside knows about the address. An address with no account anywhere gets an account with
  no password (the welcome email's personal link signs them in), a member role, a profile, an
  enrolled place and a welcome email. An address that already has an account (with another
  organization) is never shown, changed, enrolled or welcomed by this organization: it gets
  an invitation into the cohort, and the person joins when they accept it with their own
  account (:func:`programs.enrollment.cohort_invitation_accepted`). The preview, the report,
  the API answer and the email progress treat both the same way, so an import cannot be used
  to find out whether an address has an account elsewhere.
- Existing members keep their role in the organization and their account name (a blank one is
  filled in); existing participants keep their status (a withdrawn person is not silently
  re-enrolled).
- Welcome and invitation emails are written to the outbox in bulk with the import and sent
  after the response (:func:`core.after_response.run_after_response`); the import page
  shows how many have gone out.
- Seniority: the cohort pairs a mentor with a mentee only when the mentor is at least
  ``min_seniority_gap`` levels junior. A row is refused when that can never happen in this
  cohort: a mentor who is not junior enough to the most senior mentee, or a mentee who is not
  senior enough to the most junior mentor (counting this file and the people already
  enrolled, and only people with a level).
- Managers must be in the file or already members; nobody manages themself and manager
  chains may not loop.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import IO

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from accounts.services import invitation_accept_url
from core.models import Notification
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from programs.enrollment import _welcome_context, participant_profile_path
from programs.languages import parse_languages
from programs.models import (
    Cohort,
    CohortInvitation,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    SeniorityLevel,
    Topic,
    TopicInterest,
)
from programs.selectors import participant_completeness

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CHUNK = 2000


# --- columns ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...]
    help: str
    example: str


COLUMNS: tuple[Column, ...] = (
    Column("email", "email", True,
           ("email", "e-mail", "email address", "e-mail address", "mail", "work email"),
           "Work email address; identifies the person.", "ana.lopez@example.com"),
    Column("name", "name", True,
           ("name", "full name", "fullname", "display name", "participant", "person"),
           "Full name.", "Ana López"),
    Column("role", "role", True,
           ("role", "participant role", "cohort role", "mentor or mentee", "mentor/mentee"),
           "mentor (the junior colleague who teaches) or mentee (the senior leader).", "mentor"),
    Column("title", "title", False, ("title", "job title", "position", "job"),
           "Job title.", "Data analyst"),
    Column("department", "department", False,
           ("department", "dept", "team", "business unit", "function"),
           "Department.", "Marketing"),
    Column("level", "level", False,
           ("level", "seniority", "seniority level", "grade", "band", "job level"),
           "A level of your organization's seniority ladder.", "L2"),
    Column("manager_email", "manager email", False,
           ("manager email", "manager", "manager e-mail", "manager email address",
            "line manager", "line manager email", "reports to"),
           "Email of their manager: someone in this file or already a member.",
           "sam.okafor@example.com"),
    Column("time_zone", "time zone", False, ("time zone", "timezone", "tz", "zone"),
           "IANA time zone, e.g. Europe/Berlin.", "Europe/Madrid"),
    Column("languages", "languages", False,
           ("languages", "language", "langs", "spoken languages"),
           "Languages separated by ';', as names or codes, e.g. Spanish;English or es;en or "
           "pt-BR.", "es;en"),
    Column("teach_topics", "teach topics", False,
           ("teach topics", "teach", "can teach", "topics to teach", "teaching topics",
            "skills to share", "teaches"),
           "Topics they can teach, separated by ';', each optionally with :1–3 for strength.",
           "AI tools:3;Social media"),
    Column("learn_topics", "learn topics", False,
           ("learn topics", "learn", "wants to learn", "topics to learn", "learning topics",
            "learns"),
           "Topics they want to learn, separated by ';', each optionally with :1–3 for "
           "priority.", "Strategy:2"),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


def _normalise_header(text: str) -> str:
    text = re.sub(r"\(.*?\)", " ", text.replace("\ufeff", "").lower())
    return " ".join(re.sub(r"[_\-.*:]+", " ", text).split())


HEADER_ALIASES = {_normalise_header(alias): column.key
                  for column in COLUMNS for alias in column.aliases}


# --- report ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportIssue:
    """One problem: ``row`` is the spreadsheet row (the header is row 1) or ``None`` for the
    whole file; ``field`` the column key, ``column`` the header as written in the file."""

    message: str
    row: int | None = None
    field: str | None = None
    column: str | None = None
    value: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "column": self.column,
                "value": self.value, "message": self.message}


class Action:
    #: Not a member of this organization yet (no account anywhere, or an account elsewhere:
    #: deliberately one action, see the module docs).
    NEW_PERSON = "new person"
    ENROLL = "enroll"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class RowPreview:
    row: int
    email: str
    name: str
    role: str
    action: str = ""
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import found and (unless ``dry_run`` or errors) did."""

    cohort_id: int
    dry_run: bool
    filename: str = ""
    content: str = ""
    content_sha256: str = ""
    row_count: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    rows: list[RowPreview] = field(default_factory=list)
    imported: bool = False
    #: After a real import: the outbox rows of its welcome and invitation emails (for the
    #: progress on the import page; never shown or returned by the API).
    email_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> dict[str, int]:
        """``new_people``: not members yet; ``enrolled``: new places in the cohort (each gets
        a welcome email, or an invitation it takes effect with)."""
        counts = {"rows": self.row_count, "new_people": 0, "enrolled": 0, "updated": 0,
                  "unchanged": 0}
        for row in self.rows:
            if row.action == Action.NEW_PERSON:
                counts["new_people"] += 1
            elif row.action == Action.UPDATE:
                counts["updated"] += 1
            elif row.action == Action.UNCHANGED:
                counts["unchanged"] += 1
            if row.action in (Action.NEW_PERSON, Action.ENROLL):
                counts["enrolled"] += 1
        return counts

    @property
    def emails_planned(self) -> int:
        """How many people this import emails (a welcome or an invitation): one per new place."""
        return self.summary["enrolled"]

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "dry_run": self.dry_run, "imported": self.imported,
            "filename": self.filename, "sha256": self.content_sha256,
            "summary": self.summary,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
        }


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``issues`` say why."""

    def __init__(self, *issues: ImportIssue):
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = list(issues)


# --- reading ---------------------------------------------------------------------------------

def _file_error(message: str, **kwargs) -> ImportFileError:
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
        raise _file_error(f"The file is larger than {megabytes} MB. Split it into smaller "
                          f"files (at most {MAX_ROWS:,} rows each) and import them one by one.")
    if not data.strip():
        raise _file_error("The file is empty. Download the template, fill in one row per "
                          "person and upload it again.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _file_error("This is an Excel workbook, not a CSV file. In Excel choose "
                          "File › Save As › “CSV UTF-8 (Comma delimited)” and upload that.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error("The file is UTF-16 text. Save it as “CSV UTF-8” and upload again.")
    reason = _known_binary(data)
    if reason is None and _looks_like_utf16(data):
        raise _file_error("The file is UTF-16 text. Save it as “CSV UTF-8” and upload again.")
    reason = reason or _binary_reason(data)
    if reason is not None:
        raise _file_error(
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
            raise _file_error(
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
                raise _file_error(f"The file has more than {max_rows:,} people. Split it into "
                                  f"files of at most {max_rows:,} rows and import them one "
                                  "by one.")
            records.append((index + 1, cells))
    except csv.Error as error:
        raise _file_error(f"Row {reader.line_num} cannot be read as CSV ({error}). Check for "
                          "an unclosed quotation mark.", row=reader.line_num) from error
    if header is None:
        raise _file_error("The file is empty. Download the template, fill in one row per "
                          "person and upload it again.")
    columns: dict[str, tuple[int, str]] = {}
    warnings: list[ImportIssue] = []
    issues: list[ImportIssue] = []
    for index, raw in enumerate(header):
        key = HEADER_ALIASES.get(_normalise_header(raw))
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
        raise _file_error("The file has a header row but nobody in it. Add one row per person.")
    return ParsedFile(columns=columns, records=records, warnings=warnings)


# --- cell parsers (pure) ---------------------------------------------------------------------

ROLE_WORDS = {
    "mentor": ParticipantRole.MENTOR, "mentors": ParticipantRole.MENTOR,
    "mentor junior": ParticipantRole.MENTOR, "reverse mentor": ParticipantRole.MENTOR,
    "mentee": ParticipantRole.MENTEE, "mentees": ParticipantRole.MENTEE,
    "mentee senior leader": ParticipantRole.MENTEE,
}

LIST_SPLIT = re.compile(r"[;|]")


def parse_role(value: str) -> str | None:
    return ROLE_WORDS.get(" ".join(re.sub(r"[()\-_]", " ", value.lower()).split()))


@cache
def _time_zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_time_zone(value: str) -> tuple[str | None, list[str]]:
    """(canonical IANA name or None, close matches to suggest)."""
    zones = _time_zones()
    key = value.strip().replace(" ", "_").lower()
    if key in zones:
        return zones[key], []
    close = difflib.get_close_matches(key, zones.keys(), n=2, cutoff=0.8)
    return None, [zones[c] for c in close]


def parse_topic_list(value: str) -> tuple[list[tuple[str, int]], list[str]]:
    """("AI tools:3;Data literacy") -> ([("AI tools", 3), ("Data literacy", 2)], problems)."""
    items: list[tuple[str, int]] = []
    problems: list[str] = []
    for part in LIST_SPLIT.split(value):
        item = part.strip()
        if not item:
            continue
        strength = 2
        match = re.match(r"^(.*?)\s*:\s*([^:]*)$", item)
        if match:
            name, raw = match.group(1).strip(), match.group(2).strip()
            if not raw.isdigit() or not 1 <= int(raw) <= 3:
                problems.append(f"“{item}”: the strength after “:” must be 1, 2 or 3.")
                continue
            item, strength = name, int(raw)
        if not item:
            problems.append(f"“{part.strip()}” has a strength but no topic name.")
            continue
        items.append((item, strength))
    return items, problems


# --- validation ------------------------------------------------------------------------------

@dataclass(eq=False)
class PlannedRow:
    row: int
    email: str
    name: str
    role: str
    title: str | None = None
    department: str | None = None
    level: SeniorityLevel | None = None
    manager_email: str | None = None
    time_zone: str | None = None
    languages: list[str] | None = None
    teach: dict[int, int] | None = None  # topic id -> strength
    learn: dict[int, int] | None = None
    user: User | None = None
    membership: Membership | None = None
    profile: Profile | None = None
    participant: Participant | None = None
    preview: RowPreview | None = None

    @property
    def account_elsewhere(self) -> bool:
        """The address has an account, but not as a member of this organization: that account
        is invited, never read or written (only the import's own code may look at this)."""
        return self.user is not None and self.membership is None


@dataclass
class ImportPlan:
    cohort: Cohort
    rows: list[PlannedRow]
    errors: list[ImportIssue]
    warnings: list[ImportIssue]
    existing_topics: dict[int, list[ParticipantTopic]]  # participant id -> topics


def _chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class _OrgData:
    """Everything validation needs from the database, loaded in a few bulk queries."""

    def __init__(self, cohort: Cohort, emails: set[str]):
        self.levels = {level.name.lower(): level for level in SeniorityLevel.objects.all()}
        self.topics_by_key: dict[str, Topic] = {}
        topics = list(Topic.objects.all())
        by_pk = {topic.pk: topic for topic in topics}
        for topic in topics:
            self.topics_by_key.setdefault(topic.slug.lower(), topic)
        for topic in topics:  # names win over slugs
            self.topics_by_key[topic.name.lower()] = topic
        self.topic_by_pk = by_pk
        self.active_topic_names = sorted(t.name for t in topics if not t.is_retired)
        ordered = sorted(emails)
        self.users: dict[str, User] = {}
        for chunk in _chunks(ordered):
            for user in User.objects.annotate(email_lower=Lower("email")) \
                    .filter(email_lower__in=chunk):
                self.users[user.email_lower] = user
        users_by_pk = {user.pk: user for user in self.users.values()}
        user_ids = sorted(users_by_pk)
        self.memberships: dict[int, Membership] = {}
        for chunk in _chunks(user_ids):
            for membership in Membership.objects.filter(user_id__in=chunk):
                membership.user = users_by_pk[membership.user_id]
                self.memberships[membership.user_id] = membership
        self.participants: dict[int, Participant] = {}
        self.cohort_people: list[tuple[int, str, str, int | None]] = []  # membership, role...
        for participant in Participant.objects.filter(cohort=cohort) \
                .select_related("profile__level"):
            self.participants[participant.membership_id] = participant
            level = participant.profile.level
            self.cohort_people.append((participant.membership_id, participant.role,
                                       participant.status, level.rank if level else None))
        self.profiles: dict[int, Profile] = {
            p.membership_id: p.profile for p in self.participants.values()}
        missing = [m.pk for m in self.memberships.values() if m.pk not in self.profiles]
        for chunk in _chunks(missing):
            for profile in Profile.objects.filter(membership_id__in=chunk).select_related("level"):
                self.profiles[profile.membership_id] = profile
        # Reporting lines of the whole organization (for loops through people not in the file).
        self.manager_of: dict[str, str] = {
            email.lower(): manager.lower()
            for email, manager in Profile.objects.filter(manager__isnull=False)
            .values_list("membership__user__email", "manager__user__email")
        }
        self.membership_emails = {m.pk: u.email.lower() for u in self.users.values()
                                  if (m := self.memberships.get(u.pk))}

    def topic(self, name: str) -> Topic | None:
        topic = self.topics_by_key.get(name.lower())
        seen = set()
        while topic is not None and topic.merged_into_id and topic.pk not in seen:
            seen.add(topic.pk)
            topic = self.topic_by_pk.get(topic.merged_into_id)
        return topic


def _cell(record: list[str], columns: dict, key: str) -> str | None:
    """The stripped cell, or ``None`` when the file has no such column."""
    if key not in columns:
        return None
    index = columns[key][0]
    return record[index].strip() if index < len(record) else ""


class _RowChecker:
    def __init__(self, data: _OrgData, columns: dict, organization_name: str):
        self.data = data
        self.columns = columns
        self.organization_name = organization_name
        self.errors: list[ImportIssue] = []

    def error(self, row: int, key: str, value: str, message: str) -> None:
        column = self.columns.get(key, (None, COLUMNS_BY_KEY[key].header))[1]
        self.errors.append(ImportIssue(message=message, row=row, field=key, column=column,
                                       value=value))

    def text(self, row: int, record, key: str, max_length: int) -> str | None:
        value = _cell(record, self.columns, key)
        if value and len(value) > max_length:
            self.error(row, key, value[:60] + "…",
                       f"Too long: at most {max_length} characters (this has {len(value)}).")
            return None
        return value or None

    def topics(self, row: int, record, key: str) -> dict[int, int] | None:
        value = _cell(record, self.columns, key)
        if not value:
            return None
        items, problems = parse_topic_list(value)
        for problem in problems:
            self.error(row, key, value, problem)
        chosen: dict[int, int] = {}
        for name, strength in items:
            topic = self.data.topic(name)
            if topic is None:
                close = difflib.get_close_matches(name, self.data.active_topic_names, n=3,
                                                  cutoff=0.5)
                close = close or [t for t in self.data.active_topic_names
                                  if name.lower() in t.lower()][:3]
                hint = (f" Did you mean {' or '.join(f'“{c}”' for c in close)}?" if close
                        else " Add it on the Topics page first, or check the spelling.")
                self.error(row, key, value, f"Unknown topic “{name}”.{hint}")
            elif topic.is_retired:
                self.error(row, key, value, f"The topic “{topic.name}” is retired; choose "
                                            "another one.")
            else:
                chosen[topic.pk] = max(strength, chosen.get(topic.pk, 0))
        return chosen


def plan_import(*, cohort: Cohort, parsed: ParsedFile) -> ImportPlan:
    """Check every row against the organization; no writes. Query count does not depend on
    the number of rows (beyond one per :data:`CHUNK` emails)."""
    columns = parsed.columns
    emails: set[str] = set()
    for _, record in parsed.records:
        for key in ("email", "manager_email"):
            value = _cell(record, columns, key)
            if value:
                emails.add(value.lower())
    data = _OrgData(cohort, emails)
    checker = _RowChecker(data, columns, cohort.organization.name)
    warnings = list(parsed.warnings)
    if cohort.is_read_only:
        checker.errors.append(ImportIssue(
            message=f"This cohort is {cohort.get_status_display().lower()}: nobody can join "
                    "it any more. Import into an open cohort instead."))
    rows: list[PlannedRow] = []
    first_row_of: dict[str, int] = {}
    level_names = ", ".join(level.name for level in sorted(data.levels.values(),
                                                            key=lambda lv: lv.rank))
    for number, record in parsed.records:
        email = (_cell(record, columns, "email") or "").lower()
        if not email:
            checker.error(number, "email", "", "The email address is missing.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                checker.error(number, "email", email,
                              f"“{email}” is not a valid email address.")
                email = ""
            else:
                if len(email) > 254:
                    checker.error(number, "email", email, "The email address is too long.")
                elif email in first_row_of:
                    checker.error(number, "email", email,
                                  f"{email} is already in row {first_row_of[email]}; each "
                                  "person may appear once.")
                    email = ""
                else:
                    first_row_of[email] = number
        name = checker.text(number, record, "name", 150) or ""
        if not name and not any(e.row == number and e.field == "name" for e in checker.errors):
            checker.error(number, "name", "", "The name is missing.")
        raw_role = _cell(record, columns, "role") or ""
        role = parse_role(raw_role)
        if role is None:
            checker.error(number, "role", raw_role,
                          "The role must be “mentor” (junior, teaches) or “mentee” (senior "
                          "leader)" + (f", not “{raw_role}”." if raw_role else "; it is empty."))
        planned = PlannedRow(row=number, email=email, name=name, role=role or "")
        planned.title = checker.text(number, record, "title", 120)
        planned.department = checker.text(number, record, "department", 120)
        raw_level = _cell(record, columns, "level")
        if raw_level:
            planned.level = data.levels.get(raw_level.lower())
            if planned.level is None:
                checker.error(number, "level", raw_level,
                              f"Unknown level “{raw_level}”. The levels of "
                              f"{cohort.organization.name} are: {level_names or 'none yet'}.")
        manager = (_cell(record, columns, "manager_email") or "").lower()
        if manager:
            try:
                validate_email(manager)
            except ValidationError:
                checker.error(number, "manager_email", manager,
                              f"“{manager}” is not a valid email address.")
            else:
                if manager == email:
                    checker.error(number, "manager_email", manager,
                                  "A person cannot be their own manager.")
                else:
                    planned.manager_email = manager
        raw_zone = _cell(record, columns, "time_zone")
        if raw_zone:
            zone, close = parse_time_zone(raw_zone)
            if zone is None:
                hint = (f" Did you mean {' or '.join(close)}?" if close
                        else " Use an IANA name such as Europe/Berlin or America/New_York.")
                checker.error(number, "time_zone", raw_zone,
                              f"Unknown time zone “{raw_zone}”.{hint}")
            planned.time_zone = zone
        raw_languages = _cell(record, columns, "languages")
        if raw_languages:
            codes, bad = parse_languages(raw_languages)
            if bad:
                checker.error(number, "languages", raw_languages,
                              f"Not a language Flipside knows: "
                              f"{', '.join(f'“{b}”' for b in bad)}. Use names such as German "
                              "or codes such as de or pt-BR, separated by ';'.")
            planned.languages = codes
        planned.teach = checker.topics(number, record, "teach_topics")
        planned.learn = checker.topics(number, record, "learn_topics")
        rows.append(planned)

    _check_managers(checker, rows, data, cohort)
    _check_seniority(checker, rows, data, cohort)
    existing_topics = _attach_existing(rows, data)
    for planned in rows:
        planned.preview = _preview(planned, data, existing_topics)
        participant = planned.participant
        if participant is not None and participant.status in (ParticipantStatus.WITHDRAWN,
                                                              ParticipantStatus.DECLINED):
            warnings.append(ImportIssue(
                row=planned.row, field="email", value=planned.email,
                column=columns["email"][1],
                message=f"{planned.email} is {participant.get_status_display().lower()} in "
                        "this cohort: their details are updated but they are not re-enrolled."))
        user = planned.user
        if planned.membership is not None and user.full_name and planned.name and \
                user.full_name != planned.name:
            warnings.append(ImportIssue(
                row=planned.row, field="name", value=planned.name, column=columns["name"][1],
                message=f"{planned.email} already has an account named “{user.full_name}”; "
                        "people manage their own name, so it stays."))
    errors = sorted(checker.errors, key=lambda e: (e.row or 0, _field_order(e.field)))
    return ImportPlan(cohort=cohort, rows=rows, errors=errors, warnings=warnings,
                      existing_topics=existing_topics)


def _field_order(key: str | None) -> int:
    keys = [c.key for c in COLUMNS]
    return keys.index(key) if key in keys else -1


def _check_managers(checker: _RowChecker, rows: list[PlannedRow], data: _OrgData,
                    cohort: Cohort) -> None:
    in_file = {row.email for row in rows if row.email}
    for row in rows:
        manager = row.manager_email
        if manager is None or manager in in_file:
            continue
        user = data.users.get(manager)
        if user is None or user.pk not in data.memberships:
            checker.error(row.row, "manager_email", manager,
                          f"Manager {manager} was not found: they are not in this file and not "
                          f"a member of {cohort.organization.name}. Add a row for them or "
                          "leave the cell empty.")
            row.manager_email = None
    # Reporting lines after the import: the file's managers override the stored ones.
    manager_of = dict(data.manager_of)
    for row in rows:
        if row.email and row.manager_email:
            manager_of[row.email] = row.manager_email
    row_of = {row.email: row for row in rows if row.email}
    reported: set[str] = set()
    for start in row_of:
        if start in reported:
            continue
        path, position, node = [], {}, start
        while node is not None and node not in position:
            position[node] = len(path)
            path.append(node)
            node = manager_of.get(node)
        if node is None or node in reported:
            continue
        loop = path[position[node]:]
        if len(loop) < 2 or not any(person in row_of for person in loop):
            continue
        chain = " → ".join([*loop, loop[0]])
        for person in loop:
            reported.add(person)
            if person in row_of:
                checker.error(row_of[person].row, "manager_email", manager_of[person],
                              f"The manager chain loops back to this person: {chain}. "
                              "Someone in the chain needs a different manager.")


def _check_seniority(checker: _RowChecker, rows: list[PlannedRow], data: _OrgData,
                     cohort: Cohort) -> None:
    """Refuse people who could never be paired in this cohort because of its seniority gap."""
    gap = cohort.min_seniority_gap
    ranks: dict[str, dict[object, int]] = {ParticipantRole.MENTOR: {},
                                           ParticipantRole.MENTEE: {}}
    names = {level.rank: level.name for level in data.levels.values()}
    in_file = {}
    for row in rows:
        if not row.email or not row.role:
            continue
        user = data.users.get(row.email)
        membership = data.memberships.get(user.pk) if user else None
        if membership is not None:
            in_file[membership.pk] = row
        level = row.level
        if level is None and membership is not None:
            profile = data.profiles.get(membership.pk)
            level = profile.level if profile and profile.level_id else None
        if level is not None:
            ranks[row.role][row.email] = level.rank
    for membership_id, role, status, rank in data.cohort_people:
        if membership_id in in_file or rank is None or status != ParticipantStatus.ACTIVE:
            continue
        ranks[role][("member", membership_id)] = rank
    mentors, mentees = ranks[ParticipantRole.MENTOR], ranks[ParticipantRole.MENTEE]
    if not mentors or not mentees:
        return
    top_mentee, bottom_mentor = max(mentees.values()), min(mentors.values())
    for row in rows:
        rank = (mentors if row.role == ParticipantRole.MENTOR else mentees).get(row.email)
        if rank is None:
            continue
        if row.role == ParticipantRole.MENTOR and rank + gap > top_mentee:
            ceiling = names.get(top_mentee - gap, f"rank {top_mentee - gap}")
            checker.error(row.row, "level", names.get(rank, str(rank)),
                          f"A mentor at {names.get(rank, rank)} could not be paired with any "
                          f"mentee: the most senior mentee is {names.get(top_mentee)} and this "
                          f"cohort needs mentors at least {gap} level(s) junior "
                          f"({ceiling} or below). Check the level or the role.")
        if row.role == ParticipantRole.MENTEE and rank - gap < bottom_mentor:
            floor = names.get(bottom_mentor + gap, f"rank {bottom_mentor + gap}")
            checker.error(row.row, "level", names.get(rank, str(rank)),
                          f"A mentee at {names.get(rank, rank)} could not be paired with any "
                          f"mentor: the most junior mentor is {names.get(bottom_mentor)} and "
                          f"this cohort needs mentees at least {gap} level(s) senior "
                          f"({floor} or above). Check the level or the role.")


def _attach_existing(rows: list[PlannedRow], data: _OrgData) -> dict[int, list[ParticipantTopic]]:
    participant_ids = []
    for row in rows:
        row.user = data.users.get(row.email) if row.email else None
        row.membership = data.memberships.get(row.user.pk) if row.user else None
        if row.membership is not None:
            row.profile = data.profiles.get(row.membership.pk)
            row.participant = data.participants.get(row.membership.pk)
            if row.participant is not None:
                participant_ids.append(row.participant.pk)
    existing: dict[int, list[ParticipantTopic]] = {}
    for chunk in _chunks(participant_ids):
        for interest in ParticipantTopic.objects.filter(participant_id__in=chunk):
            existing.setdefault(interest.participant_id, []).append(interest)
    return existing


PROFILE_CHANGES = (("title", "job_title"), ("department", "department"),
                   ("time_zone", "time_zone"), ("languages", "languages"))


def _topic_map(topics: list[ParticipantTopic], interest: str) -> dict[int, int]:
    return {t.topic_id: t.strength for t in topics if t.interest == interest}


def _preview(row: PlannedRow, data: _OrgData,
             existing_topics: dict[int, list[ParticipantTopic]]) -> RowPreview:
    preview = RowPreview(row=row.row, email=row.email, name=row.name, role=row.role)
    if row.membership is None:  # no account, or an account elsewhere: never told apart
        preview.action = Action.NEW_PERSON
        return preview
    if row.participant is None:
        preview.action = Action.ENROLL
        return preview
    changes = []
    if row.participant.role != row.role:
        changes.append("role")
    profile = row.profile
    for key, attribute in PROFILE_CHANGES:
        value = getattr(row, key)
        if value is not None and getattr(profile, attribute) != value:
            changes.append(COLUMNS_BY_KEY[key].header)
    if row.level is not None and profile.level_id != row.level.pk:
        changes.append("level")
    if row.manager_email is not None and \
            data.membership_emails.get(profile.manager_id) != row.manager_email:
        changes.append("manager")
    topics = existing_topics.get(row.participant.pk, [])
    if row.teach is not None and _topic_map(topics, TopicInterest.TEACH) != row.teach:
        changes.append("teach topics")
    if row.learn is not None and _topic_map(topics, TopicInterest.LEARN) != row.learn:
        changes.append("learn topics")
    if not row.user.full_name and row.name:
        changes.append("name")
    preview.action = Action.UPDATE if changes else Action.UNCHANGED
    preview.changes = changes
    return preview


# --- writing ---------------------------------------------------------------------------------

def _insert(model, objects: list, key: str, lookup: dict) -> dict:
    """``bulk_create`` and return the new rows by ``key``. PostgreSQL and SQLite ≥ 3.35 hand
    back primary keys; elsewhere the rows are read back in chunks."""
    created = model.objects.bulk_create(objects)
    if all(obj.pk is not None for obj in created):
        return {getattr(obj, key): obj for obj in created}
    found: dict = {}
    values = [getattr(obj, key) for obj in objects]
    for chunk in _chunks(values):
        found.update({getattr(obj, key): obj
                      for obj in model.objects.filter(**lookup, **{f"{key}__in": chunk})})
    return found


def _apply(plan: ImportPlan) -> list[Participant]:
    """Write the plan with bulk queries; returns the newly enrolled participants.

    Rows of accounts that are not members here (:attr:`PlannedRow.account_elsewhere`) are
    left out: nothing of those accounts is written (see :func:`_invite_accounts_elsewhere`).
    """
    cohort = plan.cohort
    organization = cohort.organization
    rows = [row for row in plan.rows if not row.account_elsewhere]

    # Accounts for new people: no usable password, email verified (the organization vouches).
    new_rows = [row for row in rows if row.user is None]
    if new_rows:
        now = timezone.now()
        created = _insert(User, [
            User(email=row.email, full_name=row.name, password=make_password(None),
                 date_joined=now) for row in new_rows], "email", {})
        for row in new_rows:
            row.user = created[row.email]
        EmailAddress.objects.bulk_create([
            EmailAddress(user=row.user, email=row.email, verified=True, primary=True)
            for row in new_rows], ignore_conflicts=True)
    # A member's blank account name is filled in; accounts that are not members are not in rows.
    unnamed = [row for row in rows if not row.user.full_name and row.name]
    for row in unnamed:
        row.user.full_name = row.name
    User.objects.bulk_update([row.user for row in unnamed], ["full_name"], batch_size=500)

    # Memberships.
    joining = [row for row in rows if row.membership is None]
    if joining:
        joined = _insert(Membership, [
            Membership(organization=organization, user=row.user, role=Role.MEMBER)
            for row in joining], "user_id", {})
        for row in joining:
            row.membership = joined[row.user.pk]
            row.membership.user = row.user
    membership_by_email = {row.email: row.membership for row in rows}
    manager_ids = _manager_membership_ids(rows, membership_by_email)

    # Profiles: new ones carry the file's values; existing ones change only where filled in.
    fresh = [row for row in rows if row.profile is None]
    if fresh:
        made = _insert(Profile, [
            Profile(organization=organization, membership=row.membership,
                    job_title=row.title or "", department=row.department or "",
                    level=row.level, manager_id=manager_ids.get(row.email),
                    time_zone=row.time_zone or "", languages=row.languages or [])
            for row in fresh], "membership_id", {})
        for row in fresh:
            row.profile = made[row.membership.pk]
    changed_fields: set[str] = set()
    changed_profiles = []
    fresh_rows = {id(row) for row in fresh}
    for row in rows:
        if id(row) in fresh_rows:
            continue
        profile = row.profile
        updates = {"job_title": row.title, "department": row.department,
                   "time_zone": row.time_zone, "languages": row.languages,
                   "level_id": row.level.pk if row.level else None,
                   "manager_id": manager_ids.get(row.email)}
        dirty = False
        for attribute, value in updates.items():
            if value is not None and getattr(profile, attribute) != value:
                setattr(profile, attribute, value)
                changed_fields.add(attribute)
                dirty = True
        if dirty:
            changed_profiles.append(profile)
    if changed_profiles:
        Profile.objects.bulk_update(changed_profiles, sorted(changed_fields), batch_size=500)

    # Places in the cohort, new ones with their completeness already computed.
    enrolling = [row for row in rows if row.participant is None]
    if enrolling:
        places = []
        for row in enrolling:
            place = Participant(organization=organization, cohort=cohort,
                                membership=row.membership, profile=row.profile, role=row.role,
                                status=ParticipantStatus.ACTIVE)
            place.completeness = participant_completeness(
                participant=place, profile=row.profile, teach_count=len(row.teach or {}),
                learn_count=len(row.learn or {})).percent
            places.append(place)
        placed = _insert(Participant, places, "membership_id", {"cohort": cohort})
        for row in enrolling:
            row.participant = placed[row.membership.pk]
            row.participant.membership, row.participant.profile = row.membership, row.profile
    enrolled_rows = {id(row) for row in enrolling}
    existing = [row for row in rows if id(row) not in enrolled_rows]
    role_changes = [row.participant for row in existing if row.participant.role != row.role]
    for row in existing:
        row.participant.role = row.role
    Participant.objects.bulk_update(role_changes, ["role"], batch_size=500)

    _apply_topics(plan, rows)
    _refresh_completeness(plan, existing)
    return [row.participant for row in enrolling]


def _invite_accounts_elsewhere(plan: ImportPlan, actor: User | None
                               ) -> list[tuple[PlannedRow, Invitation]]:
    """Invite into the cohort every row whose address has an account but is not a member.

    Only rows of this organization are written: an :class:`~accounts.models.Invitation` (the
    organization's own row, member role) and the :class:`~programs.models.CohortInvitation`
    that enrolls the person when they accept. The account itself is not read beyond its
    address and not changed: no name, no membership, no profile, no place. A pending
    invitation of the same address into this cohort is replaced (new link, new expiry), as
    :func:`accounts.services.invitation_create` does; invitations into other cohorts stay.
    """
    rows = [row for row in plan.rows if row.account_elsewhere]
    if not rows:
        return []
    cohort = plan.cohort
    organization = cohort.organization
    emails = [row.email for row in rows]
    replaced: list[int] = []
    for chunk in _chunks(emails):
        replaced.extend(CohortInvitation.objects.filter(
            cohort=cohort, invitation__email__in=chunk, invitation__accepted_at__isnull=True,
            invitation__revoked_at__isnull=True).values_list("invitation_id", flat=True))
    now = timezone.now()
    for chunk in _chunks(replaced):
        Invitation.objects.filter(pk__in=chunk).update(revoked_at=now)
    expires_at = Invitation._meta.get_field("expires_at").get_default()
    fresh = [Invitation(organization=organization, email=row.email, role=Role.MEMBER,
                        invited_by=actor, expires_at=expires_at) for row in rows]
    created = _insert(Invitation, fresh, "token", {"organization": organization})
    invited = [(row, created[invitation.token]) for row, invitation in zip(rows, fresh,
                                                                             strict=True)]
    CohortInvitation.objects.bulk_create([
        CohortInvitation(organization=organization, invitation=invitation, cohort=cohort,
                         role=row.role) for row, invitation in invited])
    return invited


def participants_send_invitations_bulk(*, invited: list[tuple[PlannedRow, Invitation]],
                                       cohort: Cohort, actor: User | None) -> list[str]:
    """Queue the email of each invitation made by :func:`_invite_accounts_elsewhere` through
    the bulk outbox (kind ``invitation``, key ``invitation:<id>`` as for any invitation).
    The email says who invited them into which program and that they accept with the account
    they already have. Returns the notification keys."""
    if not invited:
        return []
    program = cohort.program
    organization = cohort.organization
    inviter = actor.display_name if actor else organization.name
    drafts = [NotificationDraft(
        recipient=row.user, email=row.user.email, key=f"invitation:{invitation.pk}",
        link=invitation_accept_url(invitation),
        context={"name": "", "organization": organization.name, "inviter": inviter,
                 "program_name": program.name, "purpose": program.purpose,
                 "cohort_name": cohort.name, "start_date": cohort.start_date,
                 "end_date": cohort.end_date,
                 "participant_role": ParticipantRole(row.role).label,
                 "expires_at": invitation.expires_at})
        for row, invitation in invited]
    notifications_enqueue_bulk(organization=organization, kind="invitation",
                               template="programs/email/cohort_invitation", drafts=drafts)
    return [draft.key for draft in drafts]


def _manager_membership_ids(rows: list[PlannedRow],
                            membership_by_email: dict[str, Membership]) -> dict[str, int]:
    wanted = {row.manager_email for row in rows if row.manager_email}
    missing = sorted(wanted - set(membership_by_email))
    found: dict[str, int] = {}
    for chunk in _chunks(missing):
        found.update({email.lower(): pk for email, pk in Membership.objects.filter(
            user__email__in=chunk).values_list("user__email", "pk")})
        case_blind = [e for e in chunk if e not in found]
        if case_blind:
            found.update({email.lower(): pk for email, pk in Membership.objects
                          .annotate(email_lower=Lower("user__email"))
                          .filter(email_lower__in=case_blind)
                          .values_list("user__email", "pk")})
    result = {}
    for row in rows:
        if row.manager_email:
            membership = membership_by_email.get(row.manager_email)
            # None: a manager who is not a member (yet), e.g. invited by this same import
            result[row.email] = membership.pk if membership else found.get(row.manager_email)
    return result


def _apply_topics(plan: ImportPlan, rows: list[PlannedRow]) -> None:
    to_create, to_update, to_delete = [], [], []
    for row in rows:
        current = plan.existing_topics.get(row.participant.pk, [])
        for interest, wanted in ((TopicInterest.TEACH, row.teach),
                                 (TopicInterest.LEARN, row.learn)):
            if wanted is None:
                continue
            have = {t.topic_id: t for t in current if t.interest == interest}
            for topic_id, existing in have.items():
                if topic_id not in wanted:
                    to_delete.append(existing.pk)
                elif existing.strength != wanted[topic_id]:
                    existing.strength = wanted[topic_id]
                    to_update.append(existing)
            to_create.extend(
                ParticipantTopic(organization_id=row.participant.organization_id,
                                 participant=row.participant, topic_id=topic_id,
                                 interest=interest, strength=strength)
                for topic_id, strength in wanted.items() if topic_id not in have)
    for chunk in _chunks(to_delete):
        ParticipantTopic.objects.filter(pk__in=chunk).delete()
    ParticipantTopic.objects.bulk_update(to_update, ["strength"], batch_size=500)
    created = ParticipantTopic.objects.bulk_create(to_create)
    for interest in created:
        plan.existing_topics.setdefault(interest.participant_id, []).append(interest)
    deleted = set(to_delete)
    for participant_id, topics in plan.existing_topics.items():
        plan.existing_topics[participant_id] = [t for t in topics if t.pk not in deleted]


def _refresh_completeness(plan: ImportPlan, rows: list[PlannedRow]) -> None:
    changed = []
    for row in rows:
        participant = row.participant
        topics = plan.existing_topics.get(participant.pk, [])
        percent = participant_completeness(
            participant=participant, profile=row.profile,
            teach_count=sum(1 for t in topics if t.interest == TopicInterest.TEACH),
            learn_count=sum(1 for t in topics if t.interest == TopicInterest.LEARN)).percent
        if percent != participant.completeness:
            participant.completeness = percent
            changed.append(participant)
    Participant.objects.bulk_update(changed, ["completeness"], batch_size=500)


# --- the service -----------------------------------------------------------------------------

def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def participants_import_csv(
    *, cohort: Cohort, file: IO[bytes] | bytes | str, actor: User | None,
    dry_run: bool = True, filename: str = "",
) -> ImportReport:
    """Import participants into ``cohort`` from CSV: all or nothing.

    ``dry_run`` only validates. Otherwise the file is validated again inside the transaction
    that writes it, against the database of that moment, with the cohort row locked so two
    imports into one cohort run one after the other; any error means nothing is written.
    Newly enrolled participants get the welcome email, addresses with an account elsewhere an
    invitation (at most once each: the notification keys are per participant and per
    invitation); both are written to the outbox in bulk and sent after the response, and
    ``report.email_ids`` lists their outbox rows. Must run inside the cohort's tenant scope.

    Privacy: nothing the report holds (rows, warnings, errors, summary) depends on whether a
    non-member's address has an account elsewhere, and no such account is changed.
    """
    report = ImportReport(cohort_id=cohort.pk, dry_run=dry_run, filename=filename)
    try:
        text, notices = decode_csv_upload(file)
        report.content, report.content_sha256 = text, content_sha256(text)
        parsed = parse_csv(text)
    except ImportFileError as error:
        report.errors = error.issues
        return report
    report.row_count = len(parsed.records)
    if dry_run:
        _fill_report(report, plan_import(cohort=cohort, parsed=parsed), notices)
        return report
    with transaction.atomic():
        locked = Cohort.objects.select_for_update(of=("self",)).select_related(
            "organization", "program").get(pk=cohort.pk)
        plan = plan_import(cohort=locked, parsed=parsed)
        _fill_report(report, plan, notices)
        if not report.ok:
            return report
        enrolled = _apply(plan)
        invited = _invite_accounts_elsewhere(plan, actor)
        keys = participants_send_welcome_bulk(participants=enrolled, cohort=locked)
        keys += participants_send_invitations_bulk(invited=invited, cohort=locked, actor=actor)
        report.email_ids = _notification_ids(keys)
        report.imported = True
    return report


def _fill_report(report: ImportReport, plan: ImportPlan, notices: list[ImportIssue]) -> None:
    report.errors = plan.errors
    report.warnings = [*notices, *plan.warnings]
    report.rows = [row.preview for row in plan.rows]


def _notification_ids(keys: list[str]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(keys):
        ids.extend(Notification.objects.filter(key__in=chunk).values_list("pk", flat=True))
    return sorted(ids)


@dataclass(frozen=True)
class EmailProgress:
    """How far the emails of one import have gone out. ``planned`` people are emailed;
    those whose preferences turned the email off count as done (they are not waited for)."""

    planned: int
    sent: int
    failed: int

    @property
    def pending(self) -> int:
        return max(0, self.planned - self.sent - self.failed)

    @property
    def done(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        return 100 if not self.planned else min(100, (self.sent + self.failed) * 100
                                                // self.planned)


def import_email_progress(*, planned: int, notification_ids: Sequence[int]) -> EmailProgress:
    """Progress of the welcome and invitation emails of an import (a query per 2,000)."""
    pending = failed = 0
    for chunk in _chunks(list(notification_ids)):
        counts = dict(Notification.objects.filter(pk__in=chunk).order_by().values("status")
                      .annotate(n=Count("pk")).values_list("status", "n"))
        pending += counts.get(Notification.Status.PENDING, 0)
        failed += counts.get(Notification.Status.FAILED, 0)
    return EmailProgress(planned=planned, sent=max(0, planned - pending - failed),
                         failed=failed)


def participants_send_welcome_bulk(*, participants: list[Participant], cohort: Cohort
                                   ) -> list[str]:
    """:func:`programs.enrollment.participant_send_welcome` for many new participants of one
    cohort through the bulk outbox: same template, context, link and idempotency key, a
    constant number of queries. Returns the notification keys of the emails asked for."""
    program = cohort.program
    drafts = []
    shared: dict | None = None
    path_prefix = path_suffix = ""
    for participant in participants:
        if participant.status != ParticipantStatus.ACTIVE:
            continue
        participant.cohort = cohort
        cohort.program = program
        user = participant.membership.user
        if shared is None:  # the same for everyone of the cohort: built (and reversed) once
            shared = _welcome_context(participant)
            path_prefix, path_suffix = participant_profile_path(participant).rsplit(
                f"/{participant.pk}/", 1)
        context = {**shared, "name": user.display_name, "role": participant.get_role_display(),
                   "is_mentor": participant.role == ParticipantRole.MENTOR}
        drafts.append(NotificationDraft(
            recipient=user, email=user.email, key=f"welcome:participant:{participant.pk}",
            context=context, link=f"{path_prefix}/{participant.pk}/{path_suffix}"))
    notifications_enqueue_bulk(organization=cohort.organization, kind="welcome",
                               template="programs/email/welcome", drafts=drafts)
    return [draft.key for draft in drafts]


def template_csv_rows(*, organization_levels: list[str], topic_names: list[str]
                      ) -> tuple[list[str], list[list[str]]]:
    """Header and two example rows for the downloadable template."""
    header = [column.header for column in COLUMNS]
    level_low = organization_levels[1] if len(organization_levels) > 1 else ""
    level_high = organization_levels[-2] if len(organization_levels) > 2 else ""
    teach = ";".join(f"{name}:3" for name in topic_names[:2])
    learn = topic_names[-1] if topic_names else ""
    mentor = ["ana.lopez@example.com", "Ana López", "mentor", "Data analyst", "Marketing",
              level_low, "sam.okafor@example.com", "Europe/Madrid", "es;en", teach, learn]
    mentee = ["sam.okafor@example.com", "Sam Okafor", "mentee", "Chief Marketing Officer",
              "Marketing", level_high, "", "Europe/London", "en", learn, teach]
    return header, [mentor, mentee]
