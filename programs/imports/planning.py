"""Planning an import: every row checked against the organization, no writes. What the
database holds is loaded in a few bulk queries (a query per :data:`CHUNK` emails at most).

Only the organization's own rows are read: its members (by address), its profiles and places,
and its own invitations. Whether an address that is not a member has an account anywhere is
never looked up, so nothing the plan holds can depend on it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from programs.imports.cells import parse_role, parse_time_zone, parse_topic_list
from programs.imports.columns import COLUMNS, COLUMNS_BY_KEY
from programs.imports.reading import ParsedFile, cell
from programs.imports.report import Action, ImportIssue, RowPreview
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

CHUNK = 2000


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
    membership: Membership | None = None  # with its ``user``; None: not a member (yet)
    profile: Profile | None = None
    participant: Participant | None = None
    #: Not a member: their unanswered invitation into this cohort (open or expired), if any.
    place: CohortInvitation | None = None
    preview: RowPreview | None = None

    @property
    def user(self) -> User | None:
        return self.membership.user if self.membership is not None else None

    @property
    def is_invited(self) -> bool:
        """Not a member, with an invitation into this cohort that can still be accepted: the
        import updates that invitation's details (no new email)."""
        return (self.membership is None and self.place is not None
                and self.place.invitation.is_pending)


class StoredTopic(NamedTuple):
    """A participant's stored topic (a ``ParticipantTopic`` row, read as plain values)."""

    pk: int
    participant_id: int
    topic_id: int
    interest: str
    strength: int


@dataclass
class ImportPlan:
    cohort: Cohort
    rows: list[PlannedRow]
    errors: list[ImportIssue]
    warnings: list[ImportIssue]
    existing_topics: dict[int, list[StoredTopic]]  # participant id -> topics
    #: The organization's members among the file's addresses and managers, by address.
    members: dict[str, Membership] = field(default_factory=dict)


def chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class _OrgData:
    """Everything validation needs from the database, loaded in a few bulk queries."""

    def __init__(self, cohort: Cohort, emails: set[str]):
        self.levels = {level.name.lower(): level for level in SeniorityLevel.objects.all()}
        self.level_by_pk = {level.pk: level for level in self.levels.values()}
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
        # Members of this organization only (the scope, and the filter for scope-free callers).
        self.members: dict[str, Membership] = {}
        for chunk in chunks(ordered):
            for membership in (Membership.objects.filter(organization_id=cohort.organization_id)
                               .select_related("user").annotate(email_lower=Lower("user__email"))
                               .filter(email_lower__in=chunk)):
                self.members[membership.email_lower] = membership
        self.memberships: dict[int, Membership] = {
            membership.user_id: membership for membership in self.members.values()}
        # This cohort's unanswered invitations of the file's addresses (open or expired).
        self.places: dict[str, CohortInvitation] = {}
        now = timezone.now()
        for chunk in chunks(ordered):
            for place in (CohortInvitation.objects.filter(
                    cohort=cohort, invitation__email__in=chunk,
                    invitation__accepted_at__isnull=True, invitation__revoked_at__isnull=True)
                    .select_related("invitation").order_by("invitation__created_at")):
                self.places[place.invitation.email] = place  # the newest wins
        # Addresses invited into the organization (any cohort) whose invitation is still open:
        # they may be named as managers before they join.
        self.invited: set[str] = set()
        for chunk in chunks(ordered):
            self.invited.update(Invitation.objects.filter(
                organization_id=cohort.organization_id, email__in=chunk,
                accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
                .values_list("email", flat=True))
        self.participants: dict[int, Participant] = {}
        self.cohort_people: list[tuple[int, str, str, int | None]] = []  # membership, role...
        for participant in Participant.objects.filter(cohort=cohort).select_related("profile"):
            self.participants[participant.membership_id] = participant
            level = self.level_by_pk.get(participant.profile.level_id)
            self.cohort_people.append((participant.membership_id, participant.role,
                                       participant.status, level.rank if level else None))
        self.profiles: dict[int, Profile] = {
            p.membership_id: p.profile for p in self.participants.values()}
        missing = [m.pk for m in self.memberships.values() if m.pk not in self.profiles]
        for chunk in chunks(missing):
            for profile in Profile.objects.filter(membership_id__in=chunk):
                self.profiles[profile.membership_id] = profile
        # Reporting lines of the whole organization (for loops through people not in the file),
        # members' and those of people invited but not joined yet.
        self.manager_of: dict[str, str] = {
            email.lower(): manager.lower()
            for email, manager in Profile.objects.filter(manager__isnull=False)
            .values_list("membership__user__email", "manager__user__email")
        }
        for email, manager in (Profile.objects.filter(manager__isnull=True)
                               .exclude(pending_manager_email="")
                               .values_list("membership__user__email", "pending_manager_email")):
            self.manager_of[email.lower()] = manager.lower()
        for email, manager in (CohortInvitation.objects
                               .filter(invitation__accepted_at__isnull=True,
                                       invitation__revoked_at__isnull=True,
                                       invitation__expires_at__gt=now)
                               .exclude(manager_email="")
                               .values_list("invitation__email", "manager_email")):
            self.manager_of.setdefault(email.lower(), manager.lower())
        self.membership_emails = {m.pk: email for email, m in self.members.items()}

    def topic(self, name: str) -> Topic | None:
        topic = self.topics_by_key.get(name.lower())
        seen = set()
        while topic is not None and topic.merged_into_id and topic.pk not in seen:
            seen.add(topic.pk)
            topic = self.topic_by_pk.get(topic.merged_into_id)
        return topic


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
        value = cell(record, self.columns, key)
        if value and len(value) > max_length:
            self.error(row, key, value[:60] + "…",
                       f"Too long: at most {max_length} characters (this has {len(value)}).")
            return None
        return value or None

    def topics(self, row: int, record, key: str) -> dict[int, int] | None:
        value = cell(record, self.columns, key)
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
            value = cell(record, columns, key)
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
        email = (cell(record, columns, "email") or "").lower()
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
        raw_role = cell(record, columns, "role") or ""
        role = parse_role(raw_role)
        if role is None:
            checker.error(number, "role", raw_role,
                          "The role must be “mentor” (junior, teaches) or “mentee” (senior "
                          "leader)" + (f", not “{raw_role}”." if raw_role else "; it is empty."))
        planned = PlannedRow(row=number, email=email, name=name, role=role or "")
        planned.title = checker.text(number, record, "title", 120)
        planned.department = checker.text(number, record, "department", 120)
        raw_level = cell(record, columns, "level")
        if raw_level:
            planned.level = data.levels.get(raw_level.lower())
            if planned.level is None:
                checker.error(number, "level", raw_level,
                              f"Unknown level “{raw_level}”. The levels of "
                              f"{cohort.organization.name} are: {level_names or 'none yet'}.")
        manager = (cell(record, columns, "manager_email") or "").lower()
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
        raw_zone = cell(record, columns, "time_zone")
        if raw_zone:
            zone, close = parse_time_zone(raw_zone)
            if zone is None:
                hint = (f" Did you mean {' or '.join(close)}?" if close
                        else " Use an IANA name such as Europe/Berlin or America/New_York.")
                checker.error(number, "time_zone", raw_zone,
                              f"Unknown time zone “{raw_zone}”.{hint}")
            planned.time_zone = zone
        raw_languages = cell(record, columns, "languages")
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

    existing_topics = _attach_existing(rows, data)
    _check_managers(checker, rows, data, cohort)
    _check_seniority(checker, rows, data, cohort)
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
        if user is not None and user.full_name and planned.name and \
                user.full_name != planned.name:
            warnings.append(ImportIssue(
                row=planned.row, field="name", value=planned.name, column=columns["name"][1],
                message=f"{planned.email} already has an account named “{user.full_name}”; "
                        "people manage their own name, so it stays."))
    errors = sorted(checker.errors, key=lambda e: (e.row or 0, _field_order(e.field)))
    return ImportPlan(cohort=cohort, rows=rows, errors=errors, warnings=warnings,
                      existing_topics=existing_topics, members=data.members)


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
        if manager not in data.members and manager not in data.invited:
            checker.error(row.row, "manager_email", manager,
                          f"Manager {manager} was not found: they are not in this file, not "
                          f"a member of {cohort.organization.name} and not invited. Add a row "
                          "for them or leave the cell empty.")
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
        membership = row.membership
        if membership is not None:
            in_file[membership.pk] = row
        level = row.level
        if level is None and row.profile is not None:
            level = data.level_by_pk.get(row.profile.level_id)
        if level is None and row.is_invited:
            level = data.level_by_pk.get(row.place.level_id)
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


def _attach_existing(rows: list[PlannedRow], data: _OrgData) -> dict[int, list[StoredTopic]]:
    participant_ids = []
    for row in rows:
        row.membership = data.members.get(row.email) if row.email else None
        row.place = data.places.get(row.email) if row.email else None
        if row.membership is not None:
            row.profile = data.profiles.get(row.membership.pk)
            row.participant = data.participants.get(row.membership.pk)
            if row.participant is not None:
                participant_ids.append(row.participant.pk)
    existing: dict[int, list[StoredTopic]] = {}
    for chunk in chunks(participant_ids):
        for stored in ParticipantTopic.objects.filter(participant_id__in=chunk).values_list(
                "pk", "participant_id", "topic_id", "interest", "strength"):
            existing.setdefault(stored[1], []).append(StoredTopic(*stored))
    return existing


PROFILE_CHANGES = (("title", "job_title"), ("department", "department"),
                   ("time_zone", "time_zone"), ("languages", "languages"))


def _topic_map(topics: list[StoredTopic], interest: str) -> dict[int, int]:
    return {t.topic_id: t.strength for t in topics if t.interest == interest}


def _place_changes(row: PlannedRow) -> list[str]:
    """What the file changes in the details of the open invitation ``row.place``."""
    place = row.place
    changes = []
    if place.role != row.role:
        changes.append("role")
    if row.name and place.name != row.name:
        changes.append("name")
    for key, attribute in PROFILE_CHANGES:
        value = getattr(row, key)
        if value is not None and getattr(place, attribute) != value:
            changes.append(COLUMNS_BY_KEY[key].header)
    if row.level is not None and place.level_id != row.level.pk:
        changes.append("level")
    if row.manager_email is not None and place.manager_email != row.manager_email:
        changes.append("manager")
    topics = place_topic_maps(place.topics)
    if row.teach is not None and topics[TopicInterest.TEACH] != row.teach:
        changes.append("teach topics")
    if row.learn is not None and topics[TopicInterest.LEARN] != row.learn:
        changes.append("learn topics")
    return changes


def place_topic_maps(topics: list) -> dict[str, dict[int, int]]:
    """A place's stored ``[[topic_id, interest, strength], ...]`` as topic → strength maps."""
    maps: dict[str, dict[int, int]] = {TopicInterest.TEACH: {}, TopicInterest.LEARN: {}}
    for topic_id, interest, strength in topics:
        maps.setdefault(interest, {})[topic_id] = strength
    return maps


def _preview(row: PlannedRow, data: _OrgData,
             existing_topics: dict[int, list[StoredTopic]]) -> RowPreview:
    preview = RowPreview(row=row.row, email=row.email, name=row.name, role=row.role)
    if row.membership is None:
        # Not a member: invited (again, if an earlier invitation expired), or the open
        # invitation's details updated. What the address may be elsewhere is never looked up.
        if not row.is_invited:
            preview.action = Action.NEW_PERSON
            return preview
        preview.changes = _place_changes(row)
        preview.action = Action.UPDATE if preview.changes else Action.UNCHANGED
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
    current_manager = (data.membership_emails.get(profile.manager_id) if profile.manager_id
                       else profile.pending_manager_email or None)
    if row.manager_email is not None and current_manager != row.manager_email:
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
