"""Reads for programs; each chooses its joins so pages keep a constant query count."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape as html_escape

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership
from accounts.names import CodePointOrder, name_key
from programs.completeness import Completeness, ProfileFacts, profile_completeness
from programs.guide import prompts_in_phase_order
from programs.models import (
    Cohort,
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
    """Participants of ``cohort`` filtered and sorted for the roster's CSV export (model
    instances with everything the export writes; the page uses :func:`roster_page`).

    Two queries for any slice of it (participants with joins, then their topics). Names
    sort by ``User.name_key``, so "Łukasz" sits among the Ls on SQLite and PostgreSQL alike.
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
    """One line of the roster page: plain values, no model instances (a page of 50 people
    with their topics would otherwise build some 900 of them)."""

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
    url: str = ""  # filled in by the view

    @property
    def status_label(self) -> str:
        return ParticipantStatus(self.status).label

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


_ROSTER_VALUES = ("pk", "role", "status", "completeness", "created_at", "shown_capacity",
                  "membership__user__full_name", "membership__user__first_name",
                  "membership__user__last_name", "membership__user__email",
                  "profile__department", "profile__level__name")


def roster_page(*, cohort: Cohort, sort: str = "name", **filters) -> QuerySet:
    """The roster's filtered, sorted rows as dictionaries, for a paginator; turn a page of
    them into :class:`RosterRow` with :func:`roster_rows`."""
    return _roster_filtered(cohort=cohort, sort=sort, **filters).annotate(
        shown_capacity=Coalesce("capacity", Value(cohort.default_mentor_capacity)),
    ).values(*_ROSTER_VALUES)


def roster_count(*, cohort: Cohort, sort: str = "name", **filters) -> int:
    """How many rows :func:`roster_page` has, joining only what the filters need (the
    paginator would otherwise count through the page query's joins)."""
    return _roster_filtered(cohort=cohort, **filters).order_by().count()


def roster_rows(values: list[dict]) -> list[RosterRow]:
    """One page of :func:`roster_page` with each person's topics: one query for the topics
    of the whole page."""
    topics: dict[int, list[RosterTopic]] = {}
    rows = (ParticipantTopic.objects.filter(participant_id__in=[v["pk"] for v in values])
            .order_by("topic__name", "pk")
            .values_list("participant_id", "interest", "topic__name", "strength"))
    for participant_id, interest, name, strength in rows:
        topics.setdefault(participant_id, []).append(RosterTopic(interest, name, strength))
    return [RosterRow(
        pk=v["pk"],
        name=(v["membership__user__full_name"]
              or f"{v['membership__user__first_name']} {v['membership__user__last_name']}"
              .strip() or v["membership__user__email"]),
        email=v["membership__user__email"], role=v["role"], status=v["status"],
        department=v["profile__department"] or "", level=v["profile__level__name"] or "",
        completeness=v["completeness"], created_at=v["created_at"],
        capacity=v["shown_capacity"] if v["role"] == ParticipantRole.MENTOR else None,
        topics=topics.get(v["pk"], [])) for v in values]


def _roster_filtered(
    *, cohort: Cohort, q: str = "", role: str = "", status: str = "", department: str = "",
    level: SeniorityLevel | None = None, completeness_below: int | None = None,
    sort: str = "name",
) -> QuerySet[Participant]:
    queryset = Participant.objects.filter(cohort=cohort)
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


def roster_departments(*, cohort: Cohort) -> list[str]:
    return list(Profile.objects.filter(participations__cohort=cohort)
                .exclude(department="").values_list("department", flat=True)
                .distinct().order_by("department"))


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


def roster_summary(*, cohort: Cohort) -> RosterSummary:
    """Counts for the enrolled participants of ``cohort``: two queries, any cohort size."""
    active = Q(status=ParticipantStatus.ACTIVE)
    mentor = Q(role=ParticipantRole.MENTOR)
    mentee = Q(role=ParticipantRole.MENTEE)
    counts = Participant.objects.filter(cohort=cohort).aggregate(
        mentors=Count("pk", filter=active & mentor),
        mentees=Count("pk", filter=active & mentee),
        applied=Count("pk", filter=Q(status=ParticipantStatus.APPLIED)),
        complete=Count("pk", filter=active & Q(completeness__gte=100)),
        capacity=Sum(Coalesce("capacity", Value(cohort.default_mentor_capacity)),
                     filter=active & mentor),
    )
    rows = (ParticipantTopic.objects
            .filter(participant__cohort=cohort, participant__status=ParticipantStatus.ACTIVE)
            .filter(Q(interest=TopicInterest.LEARN, participant__role=ParticipantRole.MENTEE)
                    | Q(interest=TopicInterest.TEACH, participant__role=ParticipantRole.MENTOR))
            .values("topic_id", "topic__name")
            .annotate(wanted=Count("pk", filter=Q(interest=TopicInterest.LEARN)),
                      teachable=Count("pk", filter=Q(interest=TopicInterest.TEACH)))
            .order_by("topic__name"))
    topics = [TopicBalance(topic_id=row["topic_id"], name=row["topic__name"],
                           wanted_by=row["wanted"], teachable_by=row["teachable"])
              for row in rows]
    topics.sort(key=lambda t: (not t.uncovered, -t.gap, t.name.lower()))
    return RosterSummary(
        mentors=counts["mentors"], mentees=counts["mentees"], applied=counts["applied"],
        mentor_capacity=counts["capacity"] or 0, mentee_demand=counts["mentees"],
        complete_profiles=counts["complete"], topics=topics,
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
    surveys, pairs)."""
    return list(Participant.objects.filter(membership=membership)
                .select_related("cohort__program").order_by("-cohort__start_date"))
