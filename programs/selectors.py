"""Reads for programs; each chooses its joins so pages keep a constant query count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape as html_escape

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership, invitation_status_of
from accounts.names import CodePointOrder, name_key
from core.compiled import ALL, CompiledInstances, CompiledQuery
from programs.completeness import Completeness, ProfileFacts, profile_completeness
from programs.guide import prompts_in_phase_order
from programs.models import (
    Cohort,
    CohortInvitation,
    Participant,
    ParticipantQuestions,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    Program,
    SeniorityLevel,
    Topic,
    TopicInterest,
)


def programs_list() -> QuerySet[Program]:
    return Program.objects.annotate(
        cohort_count=Count("cohorts", distinct=True),
    ).order_by("is_archived", "name")


def program_detail(*, pk: int) -> Program:
    """A program with its focus areas, resources and prompts (in phase order: kick-off,
    early, mid-program, closing)."""
    return Program.objects.prefetch_related(
        "focus_areas", Prefetch("prompts", queryset=prompts_in_phase_order()), "resources",
    ).get(pk=pk)


def cohort_participant_counts() -> dict:
    """The participant counts of a cohort as annotations (the one definition of them):
    ``mentor_count`` and ``mentee_count`` (enrolled, i.e. active) and ``applied_count``
    (applications waiting for a decision)."""
    active = Q(participants__status=ParticipantStatus.ACTIVE)
    return {
        "mentor_count": Count("participants", filter=active & Q(
            participants__role=ParticipantRole.MENTOR)),
        "mentee_count": Count("participants", filter=active & Q(
            participants__role=ParticipantRole.MENTEE)),
        "applied_count": Count("participants", filter=Q(
            participants__status=ParticipantStatus.APPLIED)),
    }


_cohort_with_program = CompiledInstances(
    lambda cohort_pk: Cohort.objects.filter(pk=cohort_pk), fields=ALL,
    related={"program": ALL, "organization": ALL}, cohort_pk=int)


def cohort_with_program(*, pk: int) -> Cohort | None:
    """The cohort ``pk`` of the open tenant scope with its program and organization
    (``None`` for another tenant's or no cohort): every cohort page reads it, compiled once
    (core.compiled)."""
    cohorts = _cohort_with_program(cohort_pk=pk)
    return cohorts[0] if cohorts else None


def cohorts_with_counts() -> QuerySet[Cohort]:
    """Cohorts with their program and :func:`cohort_participant_counts` (one query)."""
    return Cohort.objects.select_related("program").annotate(**cohort_participant_counts())


def cohorts_of_program(*, program: Program) -> QuerySet[Cohort]:
    return program.cohorts.annotate(**cohort_participant_counts()).order_by("-start_date")


def cohort_with_counts(*, pk: int) -> Cohort:
    return cohorts_with_counts().annotate(
        complete_count=Count("participants", filter=Q(
            participants__status=ParticipantStatus.ACTIVE, participants__completeness=100)),
    ).get(pk=pk)


def topics_with_usage() -> QuerySet[Topic]:
    return Topic.objects.select_related("merged_into").annotate(
        program_count=Count("programs", distinct=True),
    ).order_by("is_retired", "name")


def active_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(is_retired=False).order_by("name")


def participants_of_cohort(*, cohort: Cohort) -> QuerySet[Participant]:
    return Participant.objects.filter(cohort=cohort).select_related(
        "membership__user", "profile__level",
    )


# --- participants, applications and the roster ---------------------------------------------

def participant_completeness(
    *, participant: Participant, profile: Profile | None = None,
    teach_count: int | None = None, learn_count: int | None = None,
) -> Completeness:
    """How complete ``participant``'s profile is: the one place that turns a participant into
    :class:`~programs.completeness.ProfileFacts`. Topic counts come from the participant's
    ``topics`` (prefetched: no query) unless given (a place not saved yet); ``profile``
    defaults to ``participant.profile``."""
    profile = profile or participant.profile
    if teach_count is None or learn_count is None:
        topics = list(participant.topics.all())
        teach_count = sum(1 for t in topics if t.interest == TopicInterest.TEACH)
        learn_count = sum(1 for t in topics if t.interest == TopicInterest.LEARN)
    return profile_completeness(ProfileFacts(
        role=participant.role, job_title=profile.job_title, department=profile.department,
        has_level=profile.level_id is not None, time_zone=profile.time_zone,
        languages=profile.languages, teach_count=teach_count, learn_count=learn_count,
        learning_goals=participant.learning_goals,
        availability_windows=len(participant.availability or []),
    ))


def cohort_invitation_completeness(*, place: CohortInvitation) -> Completeness:
    """How complete the profile of the person invited with ``place`` will be when they
    accept, from what the organization said about them: the same measure as
    :func:`participant_completeness` (no goals or availability yet)."""
    teach = sum(1 for _, interest, _ in place.topics if interest == TopicInterest.TEACH)
    learn = sum(1 for _, interest, _ in place.topics if interest == TopicInterest.LEARN)
    return profile_completeness(ProfileFacts(
        role=place.role, job_title=place.job_title, department=place.department,
        has_level=place.level_id is not None, time_zone=place.time_zone,
        languages=place.languages, teach_count=teach, learn_count=learn, learning_goals="",
        availability_windows=0))


def participations_of_membership(*, membership) -> QuerySet[Participant]:
    """The member's own places in cohorts, newest cohort first, for "My programs"."""
    return (Participant.objects.filter(membership=membership)
            .select_related("cohort__program")
            .order_by("-cohort__start_date", "cohort__name"))


def participant_for_profile(*, pk: int) -> Participant:
    """One participant with everything the profile page shows (constant query count)."""
    return (Participant.objects
            .select_related("cohort__program", "cohort__organization", "membership__user",
                            "profile__level", "profile__manager__user")
            .prefetch_related(
                Prefetch("topics", queryset=ParticipantTopic.objects.select_related("topic")),
                Prefetch("requested_partners",
                         queryset=Participant.objects.select_related("membership__user")),
                Prefetch("excluded_partners",
                         queryset=Participant.objects.select_related("membership__user")))
            .get(pk=pk))


def possible_partners(*, participant: Participant) -> QuerySet[Participant]:
    """People ``participant`` could be paired with: the other role in the same cohort."""
    return (Participant.objects
            .filter(cohort_id=participant.cohort_id,
                    status__in=[ParticipantStatus.ACTIVE, ParticipantStatus.APPLIED])
            .exclude(role=participant.role).exclude(pk=participant.pk)
            .select_related("membership__user", "profile")
            .order_by("membership__user__full_name", "membership__user__email"))


def members_for_picker(*, exclude_membership_id: int | None = None) -> QuerySet:
    """The members a picker may resolve an id to (never evaluated whole: 10,000 people)."""
    queryset = Membership.objects.select_related("user")
    if exclude_membership_id is not None:
        queryset = queryset.exclude(pk=exclude_membership_id)
    return queryset


MEMBER_PICKER_LIMIT = 20
NAMELESS_MEMBER = "A member without a name"


@dataclass(frozen=True)
class MemberOption:
    """One person offered by the member picker: a name and where they work. ``email`` is
    filled in only for viewers allowed to see it (HR admins)."""

    pk: int
    name: str
    job_title: str = ""
    department: str = ""
    email: str = ""

    @property
    def detail(self) -> str:
        return " · ".join(x for x in (self.job_title, self.department) if x)


def member_label(user, *, with_email: bool) -> str:
    """How the picker names ``user``: their name; without one, their email for HR admins
    and a neutral phrase for everyone else (an email is never shown to a member)."""
    return (user.full_name or user.get_full_name()
            or (user.email if with_email else NAMELESS_MEMBER))


def member_options(
    *, q: str, exclude_membership_id: int | None = None, with_emails: bool = False,
    limit: int = MEMBER_PICKER_LIMIT,
) -> tuple[list[MemberOption], bool]:
    """At most ``limit`` members whose name contains ``q`` (any case, any accents), names
    starting with it first, and whether there were more. One query.

    Without ``with_emails`` (every viewer but an HR admin) only names are searched and people
    who have not set a name are left out: their only name is their email address.
    """
    folded = name_key(q)
    if not folded:
        return [], False
    queryset = Membership.objects.all()
    if exclude_membership_id is not None:
        queryset = queryset.exclude(pk=exclude_membership_id)
    if with_emails:
        queryset = queryset.filter(people_search(q, prefix="user__"))
    else:
        queryset = (queryset.filter(user__name_key__contains=folded)
                    .exclude(user__full_name="", user__first_name="", user__last_name=""))
    rows = list(queryset.annotate(rank=Case(
        When(user__name_key__startswith=folded, then=Value(0)),
        When(user__name_key__contains=f" {folded}", then=Value(1)),
        default=Value(2))).order_by("rank", CodePointOrder("user__name_key"), "pk").values(
            "pk", "user__full_name", "user__first_name", "user__last_name", "user__email",
            "profile__job_title", "profile__department")[:limit + 1])
    options = [MemberOption(
        pk=row["pk"],
        name=(row["user__full_name"]
              or f"{row['user__first_name']} {row['user__last_name']}".strip()
              or (row["user__email"] if with_emails else NAMELESS_MEMBER)),
        job_title=row["profile__job_title"] or "", department=row["profile__department"] or "",
        email=row["user__email"] if with_emails else "") for row in rows[:limit]]
    return options, len(rows) > limit


def seniority_levels() -> QuerySet[SeniorityLevel]:
    return SeniorityLevel.objects.order_by("rank")


#: The roster's status of a row that is an invitation not answered yet (not a participant).
ROSTER_INVITED = "invited"
INVITED_LABEL = "Invited — not yet signed in"
INVITATION_EXPIRED_LABEL = "Invitation expired"

_NAME = CodePointOrder("membership__user__name_key")
_SORT_KEYS = {
    "name": (_NAME, "membership__user__full_name", "membership__user__email"),
    "role": ("role", _NAME),
    "status": ("status", _NAME),
    "department": ("profile__department", _NAME),
    "level": ("profile__level__rank", _NAME),
    "completeness": ("completeness", _NAME),
    "applied": ("created_at",),
}


def _ordering(sort: str) -> list:
    """``sort`` ("name", "-level", ...) as an ORDER BY: the first key in the asked direction
    (missing values last), then the name, then ``pk`` so that pages never overlap."""
    descending = sort.startswith("-")
    keys = _SORT_KEYS.get(sort.lstrip("-"), _SORT_KEYS["name"])
    first = keys[0] if hasattr(keys[0], "resolve_expression") else F(keys[0])
    first = first.desc(nulls_last=True) if descending else first.asc(nulls_last=True)
    return [first, *keys[1:], "pk"]


def people_search(q: str, *, prefix: str = "membership__user__", emails: bool = True) -> Q:
    """Rows whose person's name contains ``q`` in any case and with or without accents
    ("ZOË" finds "Zoë", "lukasz" finds "Łukasz"), or, with ``emails``, whose email does."""
    condition = Q(pk__in=[])
    folded = name_key(q)
    if folded:
        condition |= Q(**{f"{prefix}name_key__contains": folded})
    if emails and q.strip():
        condition |= Q(**{f"{prefix}email__icontains": q.strip()})
    return condition


def roster_participants(
    *, cohort: Cohort, q: str = "", role: str = "", status: str = "", department: str = "",
    level: SeniorityLevel | None = None, completeness_below: int | None = None,
    sort: str = "name",
) -> QuerySet[Participant]:
    """Participants of ``cohort`` filtered and sorted (model instances with their topics).

    Two queries for any slice of it (participants with joins, then their topics). Names
    sort by ``User.name_key``, so "Łukasz" sits among the Ls on SQLite and PostgreSQL alike.
    Only participants: the roster page and its CSV list open invitations too
    (:func:`roster_page`).
    """
    return _roster_filtered(
        cohort=cohort, q=q, role=role, status=status, department=department, level=level,
        completeness_below=completeness_below, sort=sort,
    ).select_related("cohort", "membership__user", "profile__level").prefetch_related(
        Prefetch("topics", queryset=ParticipantTopic.objects.select_related("topic")))


@dataclass
class RosterTopic:
    interest: str
    name: str
    strength: int


@dataclass
class RosterRow(ParticipantQuestions):
    """One line of the roster: a participant, or an invitation into the cohort not answered
    yet (``is_invited``; ``pk`` is then the invitation's place). Plain values, no model
    instances (a page of 50 people with their topics would otherwise build some 900 of them).

    An invited row is built from the organization's own invitation only (what it said about
    the person), so it reads the same whoever the address belongs to."""

    pk: int
    name: str
    email: str
    role: str
    status: str
    department: str
    level: str
    completeness: int
    created_at: object
    capacity: int | None  # mentors only: their own capacity or the cohort's default
    topics: list[RosterTopic] = field(default_factory=list)
    url: str = ""  # filled in by the view (participants only)
    expires_at: object = None  # invited rows: when the invitation expires

    @property
    def is_invited(self) -> bool:
        return self.status == ROSTER_INVITED

    @property
    def invitation_expired(self) -> bool:
        return self.is_invited and self.expires_at is not None and \
            self.expires_at <= timezone.now()

    @property
    def status_label(self) -> str:
        if self.is_invited:
            return INVITATION_EXPIRED_LABEL if self.invitation_expired else INVITED_LABEL
        return ParticipantStatus(self.status).label

    @property
    def topics_text(self) -> dict[str, str]:
        """The topics as the CSV writes them: ``{"teach": "AI tools (3); …", "learn": …}``."""
        return {interest: "; ".join(f"{t.name} ({t.strength})" for t in self.topics
                                    if t.interest == interest)
                for interest in (TopicInterest.TEACH, TopicInterest.LEARN)}

    @property
    def topics_html(self) -> SafeString:
        """The topic badges, built here rather than by a template loop: a page has some
        300 of them, and the template engine would localise every number in them. Safe: the
        topic name, the only text from users, is escaped; the rest are fixed strings."""
        badges = []
        for t in self.topics:
            teach = t.interest == TopicInterest.TEACH
            title = (f"can teach, proficiency {int(t.strength)}" if teach
                     else f"wants to learn, priority {int(t.strength)}")
            badges.append(f'<span class="badge text-bg-light border" title="{title}">'
                          f'{"▲" if teach else "▽"} {html_escape(t.name)}</span>')
        return mark_safe(" ".join(badges))  # noqa: S308  every variable part escaped above


# The roster's columns, in the same order on both sides of its UNION (participants, then
# invitations): every one an alias, so that both SELECTs list them alike.
_PARTICIPANT_ROW = 0
_INVITATION_ROW = 1
_ROW_SORT_KEYS = {
    "name": ("r_sort_name", "r_full_name", "r_email"),
    "role": ("r_role", "r_sort_name"),
    "status": ("r_status", "r_sort_name"),
    "department": ("r_department", "r_sort_name"),
    "level": ("r_level_rank", "r_sort_name"),
    "completeness": ("r_completeness", "r_sort_name"),
    "applied": ("r_created_at",),
}


def _row_ordering(sort: str) -> list:
    """:func:`_ordering` for the roster's UNION, on its column aliases; rows of the same key
    are kept apart by their kind and ``pk`` so that pages never overlap."""
    descending = sort.startswith("-")
    keys = _ROW_SORT_KEYS.get(sort.lstrip("-"), _ROW_SORT_KEYS["name"])
    first = F(keys[0]).desc(nulls_last=True) if descending else F(keys[0]).asc(nulls_last=True)
    return [first, *keys[1:], "r_kind", "r_pk"]


def _participant_columns(cohort: Cohort) -> dict:
    return {
        "r_kind": Value(_PARTICIPANT_ROW),
        "r_pk": F("pk"),
        "r_sort_name": _NAME,
        "r_full_name": F("membership__user__full_name"),
        "r_first_name": F("membership__user__first_name"),
        "r_last_name": F("membership__user__last_name"),
        "r_email": F("membership__user__email"),
        "r_role": F("role"),
        "r_status": F("status"),
        "r_department": Coalesce("profile__department", Value("")),
        "r_level_name": F("profile__level__name"),
        "r_level_rank": F("profile__level__rank"),
        "r_completeness": F("completeness"),
        "r_created_at": F("created_at"),
        "r_capacity": Coalesce("capacity", Value(cohort.default_mentor_capacity)),
        "r_expires_at": Value(None, output_field=DateTimeField()),
    }


def _invitation_columns(cohort: Cohort) -> dict:
    return {
        "r_kind": Value(_INVITATION_ROW),
        "r_pk": F("pk"),
        "r_sort_name": CodePointOrder("name_key"),
        "r_full_name": F("name"),
        "r_first_name": Value(""),
        "r_last_name": Value(""),
        "r_email": F("invitation__email"),
        "r_role": F("role"),
        "r_status": Value(ROSTER_INVITED),
        "r_department": F("department"),
        "r_level_name": F("level__name"),
        "r_level_rank": F("level__rank"),
        "r_completeness": F("completeness"),
        "r_created_at": F("invitation__created_at"),
        "r_capacity": Value(cohort.default_mentor_capacity),
        "r_expires_at": F("invitation__expires_at"),
    }


def roster_page(*, cohort: Cohort, sort: str = "name", **filters) -> QuerySet:
    """The roster's filtered, sorted rows as dictionaries, for a paginator: the cohort's
    participants and its invitations not answered yet, in one UNION sorted and sliced by the
    database. Turn a page of them into :class:`RosterRow` with :func:`roster_rows`."""
    participants = _roster_filtered(cohort=cohort, **filters).order_by().annotate(
        **_participant_columns(cohort)).values(*_participant_columns(cohort))
    invitations = _roster_invitations(cohort=cohort, **filters).order_by().annotate(
        **_invitation_columns(cohort)).values(*_invitation_columns(cohort))
    return participants.union(invitations, all=True).order_by(*_row_ordering(sort))


def roster_window(*, cohort: Cohort, offset: int, limit: int, sort: str = "name",
                  **filters) -> list[dict]:
    """Rows ``offset`` to ``offset + limit`` of :func:`roster_page`, the same dictionaries.
    Without a search or a completeness bound the query is compiled once per combination of
    filters and sort (core.compiled), the window being two of its parameters."""
    if _roster_through_the_orm(filters):
        return list(roster_page(cohort=cohort, sort=sort, **filters)[offset:offset + limit])
    values, status = _roster_filter_values(filters)
    if status == ROSTER_INVITED:
        sides = ("invitations",)
    elif status:
        sides, values["status"] = ("participants",), status
    else:
        sides = ("participants", "invitations")
    if sort.lstrip("-") not in _ROW_SORT_KEYS:
        sort = "name"
    query = _compiled_roster_window(sides=sides, given=tuple(sorted(values)), sort=sort)
    columns = tuple(_participant_columns(cohort))
    return [dict(zip(columns, row, strict=True)) for row in query(
        cohort_id=cohort.pk, default_capacity=cohort.default_mentor_capacity,
        offset=offset, limit=limit, **values)]


_roster_windows: dict[tuple, CompiledQuery] = {}


def _compiled_roster_window(*, sides: tuple[str, ...], given: tuple[str, ...],
                            sort: str) -> CompiledQuery:
    key = (sides, given, sort)
    if key not in _roster_windows:
        def build(cohort_id: int, default_capacity: int, level_id: int | None = None,
                  **values) -> QuerySet:
            if level_id is not None:
                values["level"] = SeniorityLevel(pk=level_id)
            cohort = Cohort(pk=cohort_id, default_mentor_capacity=default_capacity)
            parts = []
            if "participants" in sides:
                columns = _participant_columns(cohort)
                parts.append(_roster_filtered(cohort=cohort, **values).order_by()
                             .annotate(**columns).values_list(*columns))
            if "invitations" in sides:
                columns = _invitation_columns(cohort)
                parts.append(_roster_invitations(cohort=cohort, **values).order_by()
                             .annotate(**columns).values_list(*columns))
            rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
            return rows.order_by(*_row_ordering(sort))

        _roster_windows[key] = CompiledQuery(
            build, sliced=True, cohort_id=int, default_capacity=int,
            **{name: _ROSTER_VALUE_FILTERS[name] for name in given})
    return _roster_windows[key]


#: The roster's filters compiled with their values as parameters: not ``q`` (it becomes a
#: pattern) nor ``completeness_below`` (the ORM leaves out a bound no percentage can reach,
#: such as the compiler's marker values).
_ROSTER_VALUE_FILTERS = {"role": str, "status": str, "department": str, "level_id": int}
def _roster_through_the_orm(filters: dict) -> bool:
    """Whether the roster's filters include one its compiled reads leave to the ORM."""
    return bool(filters.get("q")) or filters.get("completeness_below") is not None


def _roster_filter_values(filters: dict) -> tuple[dict, str]:
    """The filters given, as the compiled reads' parameters (the level by its id), and the
    status apart (it decides which side of the roster is read)."""
    level = filters.get("level")
    values = {name: value for name, value in
              {**filters, "level": None, "level_id": level.pk if level is not None else None
               }.items() if value not in ("", None)}
    return values, values.pop("status", "")


_roster_counts: dict[tuple[bool, tuple[str, ...]], CompiledQuery] = {}


def _compiled_roster_count(*, invitations: bool, given: tuple[str, ...]) -> CompiledQuery:
    """One count of :func:`roster_count` (the participants' or the invitations') under the
    filters named ``given``, compiled once per combination of filters (core.compiled)."""
    key = (invitations, given)
    if key not in _roster_counts:
        def build(cohort_id: int, level_id: int | None = None, **values) -> QuerySet:
            if level_id is not None:
                values["level"] = SeniorityLevel(pk=level_id)
            rows = (_roster_invitations if invitations else _roster_filtered)(
                cohort=Cohort(pk=cohort_id), **values)
            return (rows.order_by().values("cohort_id").annotate(n=Count("pk"))
                    .values_list("n", flat=True))

        _roster_counts[key] = CompiledQuery(
            build, cohort_id=int, **{name: _ROSTER_VALUE_FILTERS[name] for name in given})
    return _roster_counts[key]


def roster_count(*, cohort: Cohort, sort: str = "name", q: str = "", **filters) -> int:
    """How many rows :func:`roster_page` has (two counts joining only what the filters
    need; the paginator would otherwise count through the page query's joins). Without a
    search they are compiled once per combination of filters (core.compiled)."""
    if _roster_through_the_orm({**filters, "q": q}):
        return (_roster_filtered(cohort=cohort, q=q, **filters).order_by().count()
                + _roster_invitations(cohort=cohort, q=q, **filters).order_by().count())
    values, status = _roster_filter_values(filters)
    count = 0
    if status != ROSTER_INVITED:  # participants (of that status)
        given = {**values, **({"status": status} if status else {})}
        count += sum(_compiled_roster_count(invitations=False, given=tuple(sorted(given)))(
            cohort_id=cohort.pk, **given))
    if not status or status == ROSTER_INVITED:  # invitations have no other status
        count += sum(_compiled_roster_count(invitations=True, given=tuple(sorted(values)))(
            cohort_id=cohort.pk, **values))
    return count


_roster_topics = CompiledQuery(
    lambda participant_ids: ParticipantTopic.objects.filter(participant_id__in=participant_ids)
    .order_by("topic__name", "pk")
    .values_list("participant_id", "interest", "topic__name", "strength"),
    participant_ids=list)


def roster_rows(values: list[dict]) -> list[RosterRow]:
    """One page of :func:`roster_page` with each row's topics: one query for the
    participants' topics, one for the invitations' and one for those topics' names."""
    participant_ids = [v["r_pk"] for v in values if v["r_kind"] == _PARTICIPANT_ROW]
    place_ids = [v["r_pk"] for v in values if v["r_kind"] == _INVITATION_ROW]
    topics: dict[tuple[int, int], list[RosterTopic]] = {}
    for participant_id, interest, name, strength in _roster_topics(
            participant_ids=participant_ids):
        topics.setdefault((_PARTICIPANT_ROW, participant_id), []).append(
            RosterTopic(interest, name, strength))
    place_topics = dict(CohortInvitation.objects.filter(pk__in=place_ids)
                        .values_list("pk", "topics"))
    names = dict(Topic.objects.filter(pk__in={topic_id for chosen in place_topics.values()
                                              for topic_id, _, _ in chosen})
                 .values_list("pk", "name"))
    for place_id, chosen in place_topics.items():
        found = [RosterTopic(interest, names[topic_id], strength)
                 for topic_id, interest, strength in chosen if topic_id in names]
        topics[(_INVITATION_ROW, place_id)] = sorted(found, key=lambda t: t.name)
    return [RosterRow(
        pk=v["r_pk"],
        name=(v["r_full_name"] or f"{v['r_first_name']} {v['r_last_name']}".strip()
              or v["r_email"]),
        email=v["r_email"], role=v["r_role"], status=v["r_status"],
        department=v["r_department"] or "", level=v["r_level_name"] or "",
        completeness=v["r_completeness"], created_at=v["r_created_at"],
        capacity=v["r_capacity"] if v["r_role"] == ParticipantRole.MENTOR else None,
        topics=topics.get((v["r_kind"], v["r_pk"]), []),
        expires_at=v["r_expires_at"]) for v in values]


@dataclass
class RosterExportLine:
    """A roster row with the profile answers only the CSV shows (an invitation's are what
    the organization said; it has no location or availability yet)."""

    row: RosterRow
    job_title: str = ""
    location: str = ""
    time_zone: str = ""
    languages: list[str] = field(default_factory=list)
    availability: list = field(default_factory=list)


_EXPORT_CHUNK = 2000


def roster_export(*, cohort: Cohort, sort: str = "name", **filters) -> list[RosterExportLine]:
    """Every row of :func:`roster_page` (no page) for the CSV, in its order: a constant
    number of queries per 2,000 rows."""
    rows = []
    values = list(roster_page(cohort=cohort, sort=sort, **filters))
    for start in range(0, len(values), _EXPORT_CHUNK):
        rows.extend(roster_rows(values[start:start + _EXPORT_CHUNK]))
    details: dict[tuple[bool, int], tuple] = {}
    for start in range(0, len(rows), _EXPORT_CHUNK):
        chunk = rows[start:start + _EXPORT_CHUNK]
        for pk, *answers in Participant.objects.filter(
                pk__in=[r.pk for r in chunk if not r.is_invited]).values_list(
                "pk", "profile__job_title", "profile__location", "profile__time_zone",
                "profile__languages", "availability"):
            details[(False, pk)] = tuple(answers)
        for pk, job_title, time_zone, languages in CohortInvitation.objects.filter(
                pk__in=[r.pk for r in chunk if r.is_invited]).values_list(
                "pk", "job_title", "time_zone", "languages"):
            details[(True, pk)] = (job_title, "", time_zone, languages, [])
    lines = []
    for row in rows:
        job_title, location, time_zone, languages, availability = details.get(
            (row.is_invited, row.pk), ("", "", "", [], []))
        lines.append(RosterExportLine(row=row, job_title=job_title or "",
                                      location=location or "", time_zone=time_zone or "",
                                      languages=languages or [],
                                      availability=availability or []))
    return lines


def _roster_filtered(
    *, cohort: Cohort, q: str = "", role: str = "", status: str = "", department: str = "",
    level: SeniorityLevel | None = None, completeness_below: int | None = None,
    sort: str = "name",
) -> QuerySet[Participant]:
    queryset = Participant.objects.filter(cohort=cohort)
    if status == ROSTER_INVITED:
        return queryset.none()
    if q:
        queryset = queryset.filter(people_search(q))
    if role:
        queryset = queryset.filter(role=role)
    if status:
        queryset = queryset.filter(status=status)
    if department:
        queryset = queryset.filter(profile__department=department)
    if level is not None:
        queryset = queryset.filter(profile__level=level)
    if completeness_below is not None:
        queryset = queryset.filter(completeness__lt=completeness_below)
    return queryset.order_by(*_ordering(sort))


def cohort_open_invitations(*, cohort: Cohort) -> QuerySet[CohortInvitation]:
    """The cohort's invitations not answered yet (open or expired, not withdrawn), leaving
    out any whose address has a place in the cohort by now (it is on the roster as that
    participant)."""
    # NOT IN a list the database builds once, not NOT EXISTS for each invitation: SQLite ran
    # that subquery 10,000 times for 10,000 invitations (220 ms a query, four a roster page).
    places = (Participant.objects.filter(cohort=cohort).order_by()
              .annotate(address=Lower("membership__user__email")).values("address"))
    return (CohortInvitation.objects
            .filter(cohort=cohort, invitation__accepted_at__isnull=True,
                    invitation__revoked_at__isnull=True)
            .exclude(invitation__email__in=places))


def cohort_pending_invitations(*, cohort: Cohort) -> QuerySet[CohortInvitation]:
    """The cohort's invitations that can still be accepted (not answered, not expired, no
    place in the cohort by now), newest first, with their invitation."""
    return (cohort_open_invitations(cohort=cohort)
            .filter(invitation__expires_at__gt=timezone.now())
            .select_related("invitation").order_by("-invitation__created_at", "-pk"))


def cohort_invited_count(*, cohort: Cohort) -> int:
    """How many people are invited into ``cohort`` and have not accepted yet (open
    invitations, however they were made)."""
    return cohort_open_invitations(cohort=cohort).filter(
        invitation__expires_at__gt=timezone.now()).count()


def _roster_invitations(
    *, cohort: Cohort, q: str = "", role: str = "", status: str = "", department: str = "",
    level: SeniorityLevel | None = None, completeness_below: int | None = None,
    sort: str = "name",
) -> QuerySet[CohortInvitation]:
    """The roster's invitation rows under the same filters as its participants."""
    queryset = cohort_open_invitations(cohort=cohort)
    if status and status != ROSTER_INVITED:
        return queryset.none()
    if q:
        folded = name_key(q)
        condition = Q(invitation__email__icontains=q.strip())
        if folded:
            condition |= Q(name_key__contains=folded)
        queryset = queryset.filter(condition)
    if role:
        queryset = queryset.filter(role=role)
    if department:
        queryset = queryset.filter(department=department)
    if level is not None:
        queryset = queryset.filter(level=level)
    if completeness_below is not None:
        queryset = queryset.filter(completeness__lt=completeness_below)
    return queryset


def _departments_of_cohort(cohort_id: int) -> QuerySet:
    cohort = Cohort(pk=cohort_id)
    participants = (Profile.objects.filter(participations__cohort=cohort).exclude(department="")
                    .order_by().values_list("department", flat=True))
    invited = (cohort_open_invitations(cohort=cohort).exclude(department="").order_by()
               .values_list("department", flat=True))
    # UNION, not UNION ALL: the database hands back each department once (a profile's
    # default ordering would otherwise make DISTINCT keep one row per person).
    return participants.union(invited)


_roster_departments = CompiledQuery(_departments_of_cohort, cohort_id=int)


def roster_departments(*, cohort: Cohort) -> list[str]:
    """The departments on the roster: its participants' and its open invitations' (one
    query, compiled once: core.compiled)."""
    return sorted(_roster_departments(cohort_id=cohort.pk))


def cohort_applications(*, cohort: Cohort) -> QuerySet[Participant]:
    """Open applications, oldest first, with the topics the applicants named."""
    return (Participant.objects.filter(cohort=cohort, status=ParticipantStatus.APPLIED)
            .select_related("membership__user", "profile__level")
            .prefetch_related(Prefetch(
                "topics", queryset=ParticipantTopic.objects.select_related("topic")))
            .order_by("created_at", "pk"))


@dataclass(frozen=True)
class TopicBalance:
    topic_id: int
    name: str
    wanted_by: int  # enrolled mentees who want to learn it
    teachable_by: int  # enrolled mentors who can teach it

    @property
    def uncovered(self) -> bool:
        return self.wanted_by > 0 and self.teachable_by == 0

    @property
    def gap(self) -> int:
        return self.wanted_by - self.teachable_by


@dataclass(frozen=True)
class RosterSummary:
    mentors: int
    mentees: int
    applied: int
    mentor_capacity: int  # mentees the enrolled mentors can take in total
    mentee_demand: int  # enrolled mentees, each needing one mentor
    complete_profiles: int
    topics: list[TopicBalance] = field(default_factory=list)
    invited: int = 0  # open invitations into the cohort (not yet accepted)
    invitations_expired: int = 0  # invitations that expired unanswered

    @property
    def total(self) -> int:
        return self.mentors + self.mentees

    @property
    def capacity_gap(self) -> int:
        """Positive: mentees without a mentor place; negative: spare mentor places."""
        return self.mentee_demand - self.mentor_capacity

    @property
    def spare_places(self) -> int:
        return max(0, self.mentor_capacity - self.mentee_demand)

    @property
    def uncovered_topics(self) -> list[TopicBalance]:
        return [t for t in self.topics if t.uncovered]


def _participant_counts(cohort_id: int, default_capacity: int) -> QuerySet:
    active = Q(status=ParticipantStatus.ACTIVE)
    mentor = Q(role=ParticipantRole.MENTOR)
    mentee = Q(role=ParticipantRole.MENTEE)
    return (Participant.objects.filter(cohort_id=cohort_id).order_by().values("cohort_id")
            .annotate(mentors=Count("pk", filter=active & mentor),
                      mentees=Count("pk", filter=active & mentee),
                      applied=Count("pk", filter=Q(status=ParticipantStatus.APPLIED)),
                      complete=Count("pk", filter=active & Q(completeness__gte=100)),
                      capacity=Sum(Coalesce("capacity", Value(default_capacity)),
                                   filter=active & mentor))
            .values_list("mentors", "mentees", "applied", "complete", "capacity"))


def _topic_balance(cohort_id: int) -> QuerySet:
    return (ParticipantTopic.objects
            .filter(participant__cohort_id=cohort_id,
                    participant__status=ParticipantStatus.ACTIVE)
            .filter(Q(interest=TopicInterest.LEARN, participant__role=ParticipantRole.MENTEE)
                    | Q(interest=TopicInterest.TEACH, participant__role=ParticipantRole.MENTOR))
            .values("topic_id", "topic__name")
            .annotate(wanted=Count("pk", filter=Q(interest=TopicInterest.LEARN)),
                      teachable=Count("pk", filter=Q(interest=TopicInterest.TEACH)))
            .order_by("topic__name")
            .values_list("topic_id", "topic__name", "wanted", "teachable"))


def _invitation_counts(cohort_id: int, now: datetime) -> QuerySet:
    return (cohort_open_invitations(cohort=Cohort(pk=cohort_id)).order_by()
            .values("cohort_id")
            .annotate(open=Count("pk", filter=Q(invitation__expires_at__gt=now)),
                      expired=Count("pk", filter=Q(invitation__expires_at__lte=now)))
            .values_list("open", "expired"))


_roster_participant_counts = CompiledQuery(_participant_counts, cohort_id=int,
                                           default_capacity=int)
_roster_topic_balance = CompiledQuery(_topic_balance, cohort_id=int)
_roster_invitation_counts = CompiledQuery(_invitation_counts, cohort_id=int, now=datetime)


def roster_summary(*, cohort: Cohort) -> RosterSummary:
    """Counts for the enrolled participants of ``cohort``, and its invitations not accepted
    yet (each counted once, however it was made): three queries, any cohort size, compiled
    once (core.compiled)."""
    counts = _roster_participant_counts(cohort_id=cohort.pk,
                                        default_capacity=cohort.default_mentor_capacity)
    mentors, mentees, applied, complete, capacity = counts[0] if counts else (0, 0, 0, 0, 0)
    topics = [TopicBalance(topic_id=topic_id, name=name, wanted_by=wanted,
                           teachable_by=teachable)
              for topic_id, name, wanted, teachable in _roster_topic_balance(cohort_id=cohort.pk)]
    topics.sort(key=lambda t: (not t.uncovered, -t.gap, t.name.lower()))
    invitations = _roster_invitation_counts(cohort_id=cohort.pk, now=timezone.now())
    invited, expired = invitations[0] if invitations else (0, 0)
    return RosterSummary(
        invited=invited, invitations_expired=expired,
        mentors=mentors, mentees=mentees, applied=applied,
        mentor_capacity=capacity or 0, mentee_demand=mentees,
        complete_profiles=complete, topics=topics,
    )


# --- REST API ------------------------------------------------------------------------------

def programs_for_api() -> QuerySet[Program]:
    """Programs with their cohort count and focus areas (two queries per page)."""
    return (Program.objects.annotate(cohort_count=Count("cohorts", distinct=True))
            .prefetch_related("focus_areas").order_by("name", "pk"))


def cohorts_for_api() -> QuerySet[Cohort]:
    """Cohorts with participant counts only (what executives may see): one query per page."""
    return cohorts_with_counts().order_by("-start_date", "name", "pk")


def topics_for_api() -> QuerySet[Topic]:
    return Topic.objects.order_by("name", "pk")


def participants_for_api(*, membership: Membership | None = None) -> QuerySet[Participant]:
    """Participants with person, profile, level and topics: two queries per page whatever
    its size (the cohort is written as its id: not joined). With ``membership``, only that
    member's own places."""
    queryset = (Participant.objects
                .select_related("membership__user", "profile__level")
                .prefetch_related(Prefetch(
                    "topics", queryset=ParticipantTopic.objects.select_related("topic")
                    .only("participant_id", "topic_id", "interest", "strength",
                          "topic__name")))
                .order_by("cohort_id", "role", "membership__user__email", "pk"))
    if membership is not None:
        queryset = queryset.filter(membership=membership)
    return queryset


def places_of_membership(*, membership: Membership) -> list[Participant]:
    """Every place (participant row, any status) of the membership with its cohort and
    program, newest cohort first: one query that the start page's panels share (programs,
    surveys, pairs), compiled once (core.compiled)."""
    return _places_of_membership(membership_id=membership.pk)


_places_of_membership = CompiledInstances(
    lambda membership_id: Participant.objects.filter(membership_id=membership_id)
    .order_by("-cohort__start_date"),
    fields=ALL, related={"cohort": ALL, "cohort__program": ALL}, membership_id=int)


# --- invitations into cohorts, for the REST API ----------------------------------------------

def cohort_invitations_list() -> QuerySet[CohortInvitation]:
    """Every invitation into a cohort of the organization, whatever its status, in a stable
    order for a sync (cohort, role, address, id). Filter it with
    :func:`cohort_invitations_search` and ``accounts.selectors.invitation_status_condition``
    (prefix ``"invitation__"``); read a page of it with :func:`cohort_invitation_rows`."""
    return CohortInvitation.objects.order_by("cohort_id", "role", "invitation__email", "pk")


def cohort_invitations_search(q: str) -> Q:
    """Invitations whose name contains ``q`` in any case and with or without accents, or whose
    address does: :func:`people_search` on what the organization itself wrote (the place's
    name and the invitation's address), never on an account."""
    condition = people_search(q, prefix="", emails=False)
    if q.strip():
        condition |= Q(invitation__email__icontains=q.strip())
    return condition


@dataclass(frozen=True)
class CohortInvitationRow:
    """One invitation into a cohort as plain values: what the organization said about the
    person (an import's cells), the invitation's address, status and dates. Nothing of an
    account: it reads the same whoever the address belongs to."""

    pk: int
    cohort_id: int
    role: str
    email: str
    name: str
    job_title: str
    department: str
    level: str | None
    manager_email: str
    time_zone: str
    languages: list[str]
    completeness: int
    teach_topics: list[dict]  # [{"topic": id, "name": …, "strength": 1-3}], strongest first
    learn_topics: list[dict]
    status: str  # accounts.models.InvitationStatus
    created_at: object
    expires_at: object
    accepted_at: object


_INVITATION_ROW_COLUMNS = (
    "pk", "cohort_id", "role", "invitation__email", "name", "job_title", "department",
    "level__name", "manager_email", "time_zone", "languages", "completeness", "topics",
    "invitation__created_at", "invitation__expires_at", "invitation__accepted_at",
    "invitation__revoked_at")


def cohort_invitation_rows(*, keys: list[int]) -> list[CohortInvitationRow]:
    """The invitations ``keys`` (a page of :func:`cohort_invitations_list`, already filtered)
    in that order, in two queries whatever their number: the rows with their invitation and
    level, then the names of their topics (those since deleted are left out, as on the
    roster)."""
    if not keys:
        return []
    rows = list(CohortInvitation.objects.filter(pk__in=keys).order_by()
                .values_list(*_INVITATION_ROW_COLUMNS))
    topic_ids = {topic_id for row in rows for topic_id, _, _ in row[12]}
    names = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "name")) \
        if topic_ids else {}
    now = timezone.now()
    found = {}
    for (pk, cohort_id, role, email, name, job_title, department, level, manager_email,
         time_zone, languages, completeness, topics, created_at, expires_at, accepted_at,
         revoked_at) in rows:
        chosen: dict[str, list[dict]] = {TopicInterest.TEACH: [], TopicInterest.LEARN: []}
        for topic_id, interest, strength in topics:
            if topic_id in names and interest in chosen:
                chosen[interest].append(
                    {"topic": topic_id, "name": names[topic_id], "strength": strength})
        for listed in chosen.values():
            listed.sort(key=lambda topic: (-topic["strength"], topic["name"]))
        found[pk] = CohortInvitationRow(
            pk=pk, cohort_id=cohort_id, role=role, email=email, name=name,
            job_title=job_title, department=department, level=level,
            manager_email=manager_email, time_zone=time_zone, languages=list(languages),
            completeness=completeness, teach_topics=chosen[TopicInterest.TEACH],
            learn_topics=chosen[TopicInterest.LEARN],
            status=invitation_status_of(accepted_at=accepted_at, revoked_at=revoked_at,
                                        expires_at=expires_at, now=now),
            created_at=created_at, expires_at=expires_at, accepted_at=accepted_at)
    return [found[key] for key in keys if key in found]
