"""One cell's value: a role, a time zone, a topic list (pure: no Django imports; languages are
parsed by :func:`programs.languages.parse_languages`)."""

from __future__ import annotations

import difflib
import re
import zoneinfo
from functools import cache

#: Role words as written in files -> the stored role (``ParticipantRole`` values).
ROLE_WORDS = {
    "mentor": "mentor", "mentors": "mentor",
    "mentor junior": "mentor", "reverse mentor": "mentor",
    "mentee": "mentee", "mentees": "mentee",
    "mentee senior leader": "mentee",
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
