"""The import's columns, their header aliases and limits, and the template's example rows
(pure: no Django imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


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


def normalise_header(text: str) -> str:
    text = re.sub(r"\(.*?\)", " ", text.replace("\ufeff", "").lower())
    return " ".join(re.sub(r"[_\-.*:]+", " ", text).split())


HEADER_ALIASES = {normalise_header(alias): column.key
                  for column in COLUMNS for alias in column.aliases}


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
