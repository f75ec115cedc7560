"""Input model of the matching engine: participants, rules, weights and validation.

Everything here is plain Python (no Django) so the engine can run in a worker, a CLI or a test.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

Window = tuple[int, int, int]
"""A weekly availability window: (weekday 0=Monday..6, start minute, end minute) local time."""

OBJECTIVES = ("participation", "score")
MAX_CAPACITY = 3
MINUTES_PER_DAY = 1440

# Bounds of every number the input format takes (docs/matching.md, "Bounds"). They keep every
# intermediate value of the scoring and the solver far inside 64-bit integers.
MAX_LEVEL = 1_000_000
"""``level`` is an integer in [-MAX_LEVEL, MAX_LEVEL]."""
MAX_SENIORITY_GAP = 2 * MAX_LEVEL
MAX_CHAIN_DEPTH = 100
MAX_OVERLAP_TARGET = 7 * MINUTES_PER_DAY
MAX_PEOPLE = 50_000
"""At most this many mentors, and as many mentees, in one problem."""
MAX_TOPICS = 100
"""At most this many topics in one person's ``teaches``, and as many in ``learns``."""
MAX_WINDOWS = 100
MAX_TIME_ZONE_LENGTH = 64
REFERENCE_YEARS = (1972, 2100)
"""``reference_week`` lies in these years (whole-minute UTC offsets in every zone since 1972)."""
WEIGHT_RESOLUTION = 1_000_000
"""Weights are relative and scored as integers adding up to at most this (``integer_weights``);
a positive weight below a millionth of the largest would count as 0 and is refused."""
MAX_JSON_DEPTH = 32
"""Arrays and objects of a problem file nest at most this deep (the format needs 5)."""


MANAGER_CYCLE = "manager_cycle"


def _literal(value: object) -> str:
    """``value`` as literal text of a :class:`ProblemIssue` sentence (braces escaped)."""
    return str(value).replace("{", "{{").replace("}", "}}")


@dataclass(frozen=True)
class ProblemIssue:
    """One problem of a matching input, as data: a stable ``code``, the ids of the people
    involved, and the engine's sentence, whose ``{0}``, ``{1}``… stand for ``ids[0]``,
    ``ids[1]``… (any other braces are escaped). The engine names people by id; a caller that
    knows who they are passes its own ``name`` to :meth:`describe`.
    """

    code: str
    text: str
    ids: tuple[str, ...] = ()

    def engine_name(self, person_id: str) -> str:
        """How the engine itself shows an id: quoted, except in a manager chain."""
        return person_id if self.code == MANAGER_CYCLE else f"'{person_id}'"

    def describe(self, name: Callable[[str], str] | None = None, *, arrow: str = " -> ") -> str:
        """The sentence with each id shown by ``name`` (the engine's way by default);
        ``arrow`` joins the people of a manager chain."""
        show = name or self.engine_name
        if self.code == MANAGER_CYCLE:
            return "cyclic manager chain: " + arrow.join(show(i) for i in self.ids)
        return self.text.format(*(show(i) for i in self.ids))

    @property
    def message(self) -> str:
        return self.describe()


def issue(code: str, text: str, *ids: str) -> ProblemIssue:
    return ProblemIssue(code=code, text=text, ids=tuple(ids))


class ProblemError(ValueError):
    """Invalid matching input. ``issues`` lists every problem found as data (a code and the
    ids involved); ``messages`` are the same as sentences, one each, naming people by id."""

    def __init__(self, issues: Iterable[ProblemIssue | str]) -> None:
        self.issues = [
            item if isinstance(item, ProblemIssue) else issue("invalid_input", _literal(item))
            for item in issues
        ]
        self.messages = [item.message for item in self.issues]
        super().__init__("; ".join(self.messages))


@dataclass
class Person:
    """A person of a matching problem (not the Django ``Participant`` model): the fields
    mentors and mentees share.

    `level` is an ordinal (higher = more senior). `teaches` maps topic -> proficiency (1-3),
    `learns` maps topic -> priority (1-3). `availability` windows are in the participant's
    local `timezone` (an IANA name). `requested`/`excluded` hold partner ids.
    """

    id: str
    name: str = ""
    level: int = 0
    department: str = ""
    manager_id: str | None = None
    languages: frozenset[str] = frozenset()
    teaches: dict[str, int] = field(default_factory=dict)
    learns: dict[str, int] = field(default_factory=dict)
    availability: tuple[Window, ...] = ()
    timezone: str = "UTC"
    requested: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()


@dataclass
class Mentor(Person):
    """A junior employee who mentors up to `capacity` (1-3) senior leaders."""

    capacity: int = 1


@dataclass
class Mentee(Person):
    """A senior leader being reverse-mentored."""


@dataclass
class Rules:
    """Hard rules and objective of a cohort.

    - `min_seniority_gap`: mentee.level - mentor.level must be >= this.
    - `allow_same_department`: if False, mentor and mentee must be in different departments.
    - `language_must_match`: if True, they must share at least one language.
    - `manager_chain_depth`: never pair people where one is within this many levels above
      the other in the reporting line (0 disables the rule).
    - `objective`: "participation" (max matched mentees, then max total score) or "score"
      (max total score; more matches only break ties).
    - `fairness`: with "participation", first maximise the worst pair score, then the total.
    - `spread_load`: give mentors a first mentee before anyone gets a second: right after the
      objective's first criterion (matched mentees, or the total score), maximise the number
      of distinct mentors with at least one mentee (see docs/matching.md for the exact rule).
    - `overlap_target_minutes`: weekly overlap at which the availability component saturates.
    - `reference_week`: a Monday; local windows are converted to UTC on that week.
    """

    min_seniority_gap: int = 1
    allow_same_department: bool = True
    language_must_match: bool = True
    manager_chain_depth: int = 1
    objective: str = "participation"
    fairness: bool = False
    spread_load: bool = True
    overlap_target_minutes: int = 180
    reference_week: date = date(2025, 1, 6)


@dataclass
class Weights:
    """Relative weights of the score components (non-negative, not all zero)."""

    topic_coverage: float = 0.40
    reverse_coverage: float = 0.15
    availability: float = 0.20
    department_diversity: float = 0.10
    pairing_request: float = 0.15

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


COMPONENTS = tuple(f.name for f in fields(Weights))


@dataclass
class Problem:
    """A full matching problem.

    `locked` pairs (mentor_id, mentee_id) are kept as given even if they break rules, and use
    mentor capacity. `rejected` pairs are forbidden. `org_managers` maps person id -> manager id
    for the whole organisation, so managers who are not participants are known too.
    """

    mentors: list[Mentor]
    mentees: list[Mentee]
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    locked: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    org_managers: dict[str, str | None] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Semantic validation of a Problem (also used for dataclass input coming from Django).
# ---------------------------------------------------------------------------------------------


def validate_problem(problem: Problem) -> None:
    """Raise ProblemError listing every semantic problem of `problem`."""
    errors: list[ProblemIssue] = []
    for kind, group in (("mentors", problem.mentors), ("mentees", problem.mentees)):
        if len(group) > MAX_PEOPLE:
            errors.append(issue("too_many", f"{len(group)} {kind}; at most {MAX_PEOPLE:,}"))
    people = [*problem.mentors, *problem.mentees]
    _check_ids(people, errors)
    for person in people:
        _check_participant(person, errors)
    for mentor in problem.mentors:
        if not _is_int(mentor.capacity) or not 1 <= mentor.capacity <= MAX_CAPACITY:
            errors.append(issue(
                "capacity",
                f"mentor {{0}} has capacity {_literal(repr(mentor.capacity))}; "
                f"capacity must be between 1 and {MAX_CAPACITY}",
                mentor.id,
            ))
    _check_rules(problem.rules, errors)
    _check_weights(problem.weights, errors)
    _check_pairs(problem, errors)
    errors.extend(manager_chain_errors(problem))
    if errors:
        raise ProblemError(errors)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(value: object, low: int, high: int) -> bool:
    return _is_int(value) and low <= value <= high  # type: ignore[operator]


def _check_ids(people: list[Person], errors: list[ProblemIssue]) -> None:
    seen: set[str] = set()
    for person in people:
        if not isinstance(person.id, str) or not person.id:
            errors.append(issue(
                "invalid_id", f"participant id {_literal(repr(person.id))} must be a non-empty "
                "string"))
        elif person.id in seen:
            errors.append(issue("duplicate_id", "duplicate participant id {0}", person.id))
        seen.add(person.id)


def _check_participant(person: Person, errors: list[ProblemIssue]) -> None:
    def fail(code: str, text: str) -> None:
        errors.append(issue(code, "participant {0}: " + text, person.id))

    if not _in_range(person.level, -MAX_LEVEL, MAX_LEVEL):
        fail("level", f"level must be an integer between {-MAX_LEVEL} and {MAX_LEVEL}, "
                      f"got {_literal(json_repr(person.level))}")
    for kind, topics in (("teaches", person.teaches), ("learns", person.learns)):
        for topic, value in topics.items():
            if not isinstance(topic, str) or not topic:
                fail("topic", f"{kind} topic {_literal(repr(topic))} must be a non-empty string")
            if not _is_int(value) or not 1 <= value <= 3:
                fail("topic_value", f"{kind}['{_literal(topic)}'] must be an integer 1-3, "
                                    f"got {_literal(repr(value))}")
    if not known_time_zone(person.timezone):
        fail("time_zone", f"unknown time zone {_literal(json_repr(person.timezone))}")
    for kind, topics in (("teaches", person.teaches), ("learns", person.learns)):
        if len(topics) > MAX_TOPICS:
            fail("topics", f"{kind} lists {len(topics)} topics; at most {MAX_TOPICS}")
    if len(person.availability) > MAX_WINDOWS:
        fail("availability", f"{len(person.availability)} availability windows; "
                             f"at most {MAX_WINDOWS}")
    for window in person.availability:
        if not _valid_window(window):
            fail("availability", f"availability window {_literal(repr(window))} must be "
                                 f"(weekday 0-6, start, end) with 0 <= start < end <= "
                                 f"{MINUTES_PER_DAY}")


@lru_cache(maxsize=1024)
def _loads_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name that is a directory of the zone database ("Europe") or too long
        # for the file system.
        return False
    return True


def known_time_zone(name: object) -> bool:
    """Whether ``name`` is an IANA time zone the engine can load."""
    return isinstance(name, str) and 0 < len(name) <= MAX_TIME_ZONE_LENGTH and _loads_time_zone(
        name)


def _valid_window(window: object) -> bool:
    if not isinstance(window, tuple | list) or len(window) != 3:
        return False
    if not all(_is_int(v) for v in window):
        return False
    weekday, start, end = window
    return 0 <= weekday <= 6 and 0 <= start < end <= MINUTES_PER_DAY


def _check_rules(rules: Rules, errors: list[ProblemIssue]) -> None:
    problems: list[str] = []
    _rule_problems(rules, problems)
    errors.extend(issue("rules", _literal(text)) for text in problems)


def _rule_problems(rules: Rules, errors: list[str]) -> None:
    if not _in_range(rules.min_seniority_gap, 0, MAX_SENIORITY_GAP):
        errors.append("rules.min_seniority_gap must be an integer between 0 and "
                      f"{MAX_SENIORITY_GAP}")
    if not _in_range(rules.manager_chain_depth, 0, MAX_CHAIN_DEPTH):
        errors.append(f"rules.manager_chain_depth must be an integer between 0 and "
                      f"{MAX_CHAIN_DEPTH}")
    if not _in_range(rules.overlap_target_minutes, 1, MAX_OVERLAP_TARGET):
        errors.append("rules.overlap_target_minutes must be an integer between 1 and "
                      f"{MAX_OVERLAP_TARGET} (a week)")
    if rules.objective not in OBJECTIVES:
        errors.append(f"rules.objective must be one of {', '.join(OBJECTIVES)}")
    if rules.fairness and rules.objective != "participation":
        errors.append("rules.fairness requires objective 'participation'")
    if not isinstance(rules.spread_load, bool):
        errors.append("rules.spread_load must be true or false")
    if not isinstance(rules.reference_week, date) or rules.reference_week.weekday() != 0:
        errors.append("rules.reference_week must be a Monday")
    elif not REFERENCE_YEARS[0] <= rules.reference_week.year <= REFERENCE_YEARS[1]:
        errors.append(f"rules.reference_week must be a Monday in the years "
                      f"{REFERENCE_YEARS[0]}-{REFERENCE_YEARS[1]}")


def _check_weights(weights: Weights, errors: list[ProblemIssue]) -> None:
    values = {name: getattr(weights, name) for name in COMPONENTS}
    if not all(_finite_weight(v) for v in values.values()):
        errors.append(issue("weights", "weights must be finite non-negative numbers"))
        return
    largest = max(float(v) for v in values.values())
    if largest <= 0:
        errors.append(issue("weights", "at least one weight must be positive"))
        return
    errors.extend(
        issue("weights", f"weights.{name} is {value!r}, less than a millionth of the largest "
                         f"weight ({largest!r}) and would count as 0: set it to 0 or raise it")
        for name, value in values.items()
        if 0 < float(value) < largest / WEIGHT_RESOLUTION
    )


def _finite_weight(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return 0 <= value <= 10**300
    return math.isfinite(value) and value >= 0


def integer_weights(weights: Weights) -> tuple[int, ...]:
    """The weights the engine scores with, as integers in COMPONENTS order (validated
    weights): the smallest integers in the exact ratios of the weights' decimal forms
    (0.4, 0.15, 0.2, 0.1, 0.15 -> 8, 3, 4, 2, 3; 1e-50 alone -> 1) when they add up to at
    most WEIGHT_RESOLUTION, else each weight divided by the largest, rounded to millionths."""
    values = [getattr(weights, name) for name in COMPONENTS]
    # repr is the shortest decimal that reads back as the same float: the number as written.
    exact = [Fraction(v) if isinstance(v, int) else Fraction(repr(float(v))) for v in values]
    common = math.lcm(*(f.denominator for f in exact))
    scaled = [int(f * common) for f in exact]
    divisor = math.gcd(*scaled)
    if sum(scaled) <= WEIGHT_RESOLUTION * divisor:
        return tuple(v // divisor for v in scaled)
    largest = max(exact)
    return tuple(round(f / largest * WEIGHT_RESOLUTION) for f in exact)


def _check_pairs(problem: Problem, errors: list[ProblemIssue]) -> None:
    # Pairs are shown as the engine writes them, "(mentor, mentee)" with bare ids: the ids are
    # carried in the issue, the sentence keeps them literal.
    mentor_ids = {m.id: m for m in problem.mentors}
    mentee_ids = {m.id for m in problem.mentees}
    for kind, pairs in (("locked", problem.locked), ("rejected", problem.rejected)):
        for pair in pairs:
            mentor_id, mentee_id = pair
            shown = f"{kind} pair ({_literal(mentor_id)}, {_literal(mentee_id)})"
            if mentor_id not in mentor_ids:
                errors.append(issue(f"{kind}_unknown_mentor", f"{shown}: unknown mentor id",
                                    mentor_id, mentee_id))
            if mentee_id not in mentee_ids:
                errors.append(issue(f"{kind}_unknown_mentee", f"{shown}: unknown mentee id",
                                    mentor_id, mentee_id))
    both = {tuple(p) for p in problem.locked} & {tuple(p) for p in problem.rejected}
    errors.extend(
        issue("locked_and_rejected",
              f"pair ({_literal(a)}, {_literal(b)}) is both locked and rejected", a, b)
        for a, b in sorted(both))
    locks_per_mentee: dict[str, int] = {}
    locks_per_mentor: dict[str, int] = {}
    for mentor_id, mentee_id in {tuple(p) for p in problem.locked}:
        locks_per_mentee[mentee_id] = locks_per_mentee.get(mentee_id, 0) + 1
        locks_per_mentor[mentor_id] = locks_per_mentor.get(mentor_id, 0) + 1
    errors.extend(
        issue("mentee_locks", f"mentee {{0}} is locked to {count} mentors", mentee)
        for mentee, count in sorted(locks_per_mentee.items())
        if count > 1
    )
    for mentor_id, count in sorted(locks_per_mentor.items()):
        mentor = mentor_ids.get(mentor_id)
        if mentor is not None and _is_int(mentor.capacity) and count > mentor.capacity:
            errors.append(issue(
                "mentor_locks",
                f"mentor {{0}} has {count} locked pairs but capacity {mentor.capacity}",
                mentor_id,
            ))


def manager_map(problem: Problem) -> dict[str, str | None]:
    """Person id -> manager id over the org mapping and every participant's own manager_id."""
    managers: dict[str, str | None] = dict(problem.org_managers)
    for person in (*problem.mentors, *problem.mentees):
        if person.manager_id is not None:
            managers[person.id] = person.manager_id
        else:
            managers.setdefault(person.id, None)
    return managers


def manager_chain_errors(problem: Problem) -> list[ProblemIssue]:
    """Report conflicting manager ids and cycles in the reporting lines."""
    errors = []
    for person in (*problem.mentors, *problem.mentees):
        org = problem.org_managers.get(person.id)
        if person.manager_id is not None and org is not None and org != person.manager_id:
            errors.append(issue(
                "manager_conflict",
                "participant {0}: manager_id {1} conflicts with org_managers {2}",
                person.id, person.manager_id, org,
            ))
    errors.extend(
        issue(MANAGER_CYCLE, "cyclic manager chain", *cycle, cycle[0])
        for cycle in manager_cycles(manager_map(problem))
    )
    return errors


def manager_cycles(managers: Mapping[str, str | None]) -> list[list[str]]:
    """Every cycle of the reporting lines, each once, starting at its smallest id, in the
    order the sorted ids reach them. Linear in the number of people: each person's chain is
    walked until it reaches someone already walked, so nobody is visited twice."""
    walked: dict[str, int] = {}  # person -> number of the walk that reached them first
    cycles = []
    for walk, start in enumerate(sorted(managers)):
        path = []
        node: str | None = start
        while node is not None and node not in walked:
            walked[node] = walk
            path.append(node)
            node = managers.get(node)
        if node is not None and walked[node] == walk:
            cycle = path[path.index(node):]
            first = cycle.index(min(cycle))
            cycles.append(cycle[first:] + cycle[:first])
    return cycles


# ---------------------------------------------------------------------------------------------
# JSON (dict) -> Problem with type checking.
# ---------------------------------------------------------------------------------------------

class LongInteger:
    """A JSON integer too long to be any value the format allows (more than
    ``LongInteger.DIGITS`` characters): kept as its length only, so reading a 5,000-digit
    number neither fails nor costs quadratic time, and validation reports it as out of range.
    """

    DIGITS = 30

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


def _parse_int(text: str) -> int | LongInteger:
    return int(text) if len(text) <= LongInteger.DIGITS else LongInteger(text)


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings ignored);
    linear time, no recursion."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def problem_json_loads(text: str) -> Any:
    """Parse a problem file's JSON text, refusing what the standard reader would crash on:
    nesting deeper than MAX_JSON_DEPTH (``json`` recurses and raises RecursionError) and
    integers too long to convert (read as :class:`LongInteger`, refused by validation).
    Raises ProblemError for the nesting and ``json.JSONDecodeError`` for invalid JSON."""
    depth = json_nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ProblemError([issue(
            "json_depth", f"arrays and objects nest {depth} levels deep; a problem file nests "
                          f"at most {MAX_JSON_DEPTH}")])
    return json.loads(text, parse_int=_parse_int)


_PARTICIPANT_KEYS = {f.name for f in fields(Mentee)}
_MENTOR_KEYS = {f.name for f in fields(Mentor)}
_TOP_KEYS = {"mentors", "mentees", "rules", "weights", "locked", "rejected", "org_managers"}


class _Reader:
    """Collects type errors while converting JSON values, so all are reported at once."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def typed(self, where: str, value: Any, check: Callable[[Any], bool], what: str) -> bool:
        if check(value):
            return True
        self.fail(where, f"expected {what}, got {json_repr(value)}")
        return False

    def keys(self, where: str, obj: Mapping[str, Any], allowed: Iterable[str]) -> None:
        unknown = sorted(set(obj) - set(allowed))
        if unknown:
            self.fail(where, "unknown field(s) " + ", ".join(unknown))


def json_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_json_int(value: Any) -> bool:
    """An integer of the JSON text; one too long for any bound is checked by validation."""
    return _is_int(value) or isinstance(value, LongInteger)


def _is_topic_map(value: Any) -> bool:
    return isinstance(value, dict) and all(_is_json_int(v) for v in value.values())


def _is_pair_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in value
    )


def _is_windows(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(w, list) and len(w) == 3 and all(_is_json_int(v) for v in w) for w in value
    )


_PARTICIPANT_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "id": (_is_str, "a string"),
    "name": (_is_str, "a string"),
    "level": (_is_json_int, "an integer"),
    "department": (_is_str, "a string"),
    "manager_id": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "languages": (_is_str_list, "a list of strings"),
    "teaches": (_is_topic_map, "an object mapping topic to integer proficiency 1-3"),
    "learns": (_is_topic_map, "an object mapping topic to integer priority 1-3"),
    "availability": (_is_windows, "a list of [weekday, start_minute, end_minute]"),
    "timezone": (_is_str, "an IANA time zone name"),
    "requested": (_is_str_list, "a list of ids"),
    "excluded": (_is_str_list, "a list of ids"),
    "capacity": (_is_json_int, "an integer"),
}

_RULE_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "min_seniority_gap": (_is_json_int, "an integer"),
    "allow_same_department": (lambda v: isinstance(v, bool), "true or false"),
    "language_must_match": (lambda v: isinstance(v, bool), "true or false"),
    "manager_chain_depth": (_is_json_int, "an integer"),
    "objective": (lambda v: v in OBJECTIVES, "one of " + ", ".join(OBJECTIVES)),
    "fairness": (lambda v: isinstance(v, bool), "true or false"),
    "spread_load": (lambda v: isinstance(v, bool), "true or false"),
    "overlap_target_minutes": (_is_json_int, "an integer"),
    "reference_week": (_is_str, "an ISO date string (a Monday)"),
}


def problem_from_dict(data: Any, *, validate: bool = True) -> Problem:
    """Build and validate a Problem from its JSON form (see docs/matching.md).

    Raises ProblemError with every type or semantic problem found. ``validate=False`` checks
    the types only, for a caller that hands the problem straight to ``solve()`` (which
    validates it), so the semantic checks run once.
    """
    reader = _Reader()
    if not isinstance(data, dict):
        raise ProblemError(["problem: expected a JSON object"])
    reader.keys("problem", data, _TOP_KEYS)
    mentors = _read_people(reader, data.get("mentors", []), "mentors", Mentor, _MENTOR_KEYS)
    mentees = _read_people(reader, data.get("mentees", []), "mentees", Mentee, _PARTICIPANT_KEYS)
    rules = _read_rules(reader, data.get("rules", {}))
    weights = _read_weights(reader, data.get("weights", {}))
    locked = _read_pairs(reader, data.get("locked", []), "locked")
    rejected = _read_pairs(reader, data.get("rejected", []), "rejected")
    org = data.get("org_managers", {})
    if not reader.typed(
        "org_managers",
        org,
        lambda v: isinstance(v, dict) and all(m is None or isinstance(m, str) for m in v.values()),
        "an object mapping person id to manager id or null",
    ):
        org = {}
    if reader.errors:
        raise ProblemError(reader.errors)
    problem = Problem(mentors, mentees, rules, weights, locked, rejected, dict(org))
    if validate:
        validate_problem(problem)
    return problem


def _read_people(
    reader: _Reader, items: Any, where: str, cls: type[Person], allowed: set[str]
) -> list[Any]:
    if not reader.typed(where, items, lambda v: isinstance(v, list), "a list of objects"):
        return []
    people = []
    for index, item in enumerate(items):
        spot = f"{where}[{index}]"
        if not reader.typed(spot, item, lambda v: isinstance(v, dict), "an object"):
            continue
        reader.keys(spot, item, allowed)
        if "id" not in item:
            reader.fail(spot, "missing field id")
            continue
        ok = True
        for key in sorted(set(item) & allowed):
            check, what = _PARTICIPANT_TYPES[key]
            ok &= reader.typed(f"{spot}.{key}", item[key], check, what)
        if ok:
            people.append(cls(**_participant_kwargs(item, allowed)))
    return people


def _participant_kwargs(item: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    kwargs = {k: v for k, v in item.items() if k in allowed}
    for key in ("languages", "requested", "excluded"):
        if key in kwargs:
            kwargs[key] = frozenset(kwargs[key])
    if "availability" in kwargs:
        kwargs["availability"] = tuple(tuple(w) for w in kwargs["availability"])
    for key in ("teaches", "learns"):
        if key in kwargs:
            kwargs[key] = dict(kwargs[key])
    return kwargs


def _read_rules(reader: _Reader, data: Any) -> Rules:
    if not reader.typed("rules", data, lambda v: isinstance(v, dict), "an object"):
        return Rules()
    reader.keys("rules", data, _RULE_TYPES)
    kwargs: dict[str, Any] = {}
    for key in sorted(set(data) & set(_RULE_TYPES)):
        check, what = _RULE_TYPES[key]
        if reader.typed(f"rules.{key}", data[key], check, what):
            kwargs[key] = data[key]
    if "reference_week" in kwargs:
        try:
            kwargs["reference_week"] = date.fromisoformat(kwargs["reference_week"])
        except ValueError:
            reader.fail("rules.reference_week", "expected an ISO date string (a Monday)")
            del kwargs["reference_week"]
    return Rules(**kwargs)


def _read_weights(reader: _Reader, data: Any) -> Weights:
    if not reader.typed("weights", data, lambda v: isinstance(v, dict), "an object"):
        return Weights()
    reader.keys("weights", data, COMPONENTS)
    kwargs = {}
    for key in sorted(set(data) & set(COMPONENTS)):
        if reader.typed(
            f"weights.{key}",
            data[key],
            lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "a number",
        ):
            kwargs[key] = data[key]
    return Weights(**kwargs)


def _read_pairs(reader: _Reader, data: Any, where: str) -> list[tuple[str, str]]:
    if not reader.typed(where, data, _is_pair_list, "a list of [mentor_id, mentee_id]"):
        return []
    return [(a, b) for a, b in data]


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON form of a Problem (inverse of problem_from_dict)."""

    def person(p: Person) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": p.id,
            "name": p.name,
            "level": p.level,
            "department": p.department,
            "manager_id": p.manager_id,
            "languages": sorted(p.languages),
            "teaches": dict(sorted(p.teaches.items())),
            "learns": dict(sorted(p.learns.items())),
            "availability": [list(w) for w in p.availability],
            "timezone": p.timezone,
            "requested": sorted(p.requested),
            "excluded": sorted(p.excluded),
        }
        if isinstance(p, Mentor):
            out["capacity"] = p.capacity
        return out

    rules = {f.name: getattr(problem.rules, f.name) for f in fields(Rules)}
    rules["reference_week"] = problem.rules.reference_week.isoformat()
    return {
        "mentors": [person(m) for m in problem.mentors],
        "mentees": [person(m) for m in problem.mentees],
        "rules": rules,
        "weights": problem.weights.as_dict(),
        "locked": [list(p) for p in problem.locked],
        "rejected": [list(p) for p in problem.rejected],
        "org_managers": dict(problem.org_managers),
    }
