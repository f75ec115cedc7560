"""What an import found and did: issues, row previews, the report (pure: no Django imports)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    #: Not a member of this organization (whatever Flipside knows about the address): invited
    #: into the cohort. A non-member whose invitation into the cohort is still open is an
    #: update (or unchanged) of that invitation's details instead.
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
        """``new_people``: not members, invited into the cohort (each gets an invitation
        email); ``enrolled``: members given a place in the cohort now (each gets a welcome
        email); ``updated``/``unchanged``: places or open invitations the file changes or
        not."""
        counts = {"rows": self.row_count, "new_people": 0, "enrolled": 0, "updated": 0,
                  "unchanged": 0}
        for row in self.rows:
            if row.action == Action.NEW_PERSON:
                counts["new_people"] += 1
            elif row.action == Action.UPDATE:
                counts["updated"] += 1
            elif row.action == Action.UNCHANGED:
                counts["unchanged"] += 1
            elif row.action == Action.ENROLL:
                counts["enrolled"] += 1
        return counts

    @property
    def emails_planned(self) -> int:
        """How many people this import emails: an invitation to each new person, a welcome
        to each member enrolled."""
        summary = self.summary
        return summary["new_people"] + summary["enrolled"]

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
