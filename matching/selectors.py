"""Reads for matching, including the translation of a cohort into an engine Problem."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from accounts.models import DISPLAY_NAME_FIELDS, display_name_of
from accounts.names import CodePointOrder, name_key
from core.compiled import ALL, CompiledInstances, CompiledQuery
from core.models import NotificationChannel, NotificationPreference
from core.pagination import keyed_page, keys_with_total, page_number, page_of_keys
from matching.engine import Mentee, Mentor, Problem, Rules, Weights
from matching.friendly import Side, availability_in, why_paired
from matching.models import (
    LIVE_PAIR_STATUSES,
    DecisionKind,
    MatchingRun,
    Pair,
    PairDecision,
    PairStatus,
    Proposal,
    RunStatus,
)
from programs.languages import language_match_key
from programs.models import (
    Cohort,
    MatchingMode,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    TopicInterest,
)
from programs.selectors import participant_completeness, people_search


@dataclass(frozen=True)
class CohortProblem:
    """An engine problem plus the map from engine ids back to participants."""

    problem: Problem
    participants: dict[str, Participant]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _windows(availability: list[dict]) -> tuple[tuple[int, int, int], ...]:
    windows = []
    for window in availability or []:
        try:
            windows.append((int(window["weekday"]), _minutes(window["start"]),
                            _minutes(window["end"])))
        except (KeyError, TypeError, ValueError):
            continue  # an unreadable window only costs availability score
    return tuple(w for w in windows if 0 <= w[0] <= 6 and 0 <= w[1] < w[2] <= 1440)


def engine_id(participant: Participant) -> str:
    """Engine ids are membership ids, the space the organization's manager chain lives in."""
    return str(participant.membership_id)


def active_participants(*, cohort: Cohort) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(cohort=cohort, status=ParticipantStatus.ACTIVE)
        .select_related("membership__user", "profile__level")
        .order_by("pk")
    )


def _topics_of_active(cohort: Cohort) -> dict[int, list[tuple[str, str, int]]]:
    """(interest, topic name, strength) per active participant, in one query (a plain
    ``prefetch_related`` costs a scoped queryset per participant: seconds at 2,000 people)."""
    topics: dict[int, list[tuple[str, str, int]]] = {}
    rows = ParticipantTopic.objects.filter(
        participant__cohort=cohort, participant__status=ParticipantStatus.ACTIVE,
    ).order_by("participant_id", "interest", "-strength", "topic__name").values_list(
        "participant_id", "interest", "topic__name", "strength")
    for participant_id, interest, name, strength in rows:
        topics.setdefault(participant_id, []).append((interest, name, strength))
    return topics


def _partner_ids(cohort: Cohort, field: str) -> dict[int, frozenset[str]]:
    """Engine ids of each cohort participant's requested (or excluded) partners."""
    through = getattr(Participant, field).through
    partners: dict[int, set[str]] = {}
    for participant_id, membership_id in through.objects.filter(
            from_participant__cohort=cohort).values_list("from_participant_id",
                                                          "to_participant__membership_id"):
        partners.setdefault(participant_id, set()).add(str(membership_id))
    return {k: frozenset(v) for k, v in partners.items()}


def cohort_rules(cohort: Cohort) -> Rules:
    return Rules(
        min_seniority_gap=cohort.min_seniority_gap,
        allow_same_department=cohort.allow_same_department,
        language_must_match=cohort.language_must_match,
        manager_chain_depth=cohort.manager_chain_depth,
        objective="score" if cohort.matching_mode == MatchingMode.SCORE else "participation",
        fairness=cohort.fairness,
        spread_load=cohort.spread_load,
    )


def cohort_weights(cohort: Cohort) -> Weights:
    defaults = Weights().as_dict()
    chosen = {k: float(v) for k, v in (cohort.matching_weights or {}).items() if k in defaults}
    return Weights(**{**defaults, **chosen})


def _engine_person(participant: Participant, default_tz: str,
                   topics: list[tuple[str, str, int]], requested: frozenset[str],
                   excluded: frozenset[str]) -> dict:
    profile = participant.profile
    return {
        "id": engine_id(participant),
        "name": participant.membership.user.display_name,
        "level": profile.level.rank if profile.level_id else 0,
        "department": profile.department.strip(),
        "manager_id": str(profile.manager_id) if profile.manager_id else None,
        "languages": frozenset(language_match_key(lang) for lang in profile.languages or []),
        "teaches": {name: strength for interest, name, strength in topics
                    if interest == TopicInterest.TEACH},
        "learns": {name: strength for interest, name, strength in topics
                   if interest == TopicInterest.LEARN},
        "availability": _windows(participant.availability),
        "timezone": profile.time_zone or default_tz,
        "requested": requested,
        "excluded": excluded,
    }


def cohort_problem(*, cohort: Cohort) -> CohortProblem:
    """Load a cohort's active participants, rules, weights and admin decisions as a Problem
    (a fixed number of queries whatever the cohort size)."""
    participants = list(active_participants(cohort=cohort))
    topics = _topics_of_active(cohort)
    requested = _partner_ids(cohort, "requested_partners")
    excluded = _partner_ids(cohort, "excluded_partners")
    default_tz = cohort.organization.time_zone
    mentors, mentees, by_id = [], [], {}
    for participant in participants:
        participant.cohort = cohort  # effective_capacity reads it: no query per mentor
        person = _engine_person(participant, default_tz, topics.get(participant.pk, []),
                                requested.get(participant.pk, frozenset()),
                                excluded.get(participant.pk, frozenset()))
        by_id[person["id"]] = participant
        if participant.role == ParticipantRole.MENTOR:
            mentors.append(Mentor(capacity=participant.effective_capacity, **person))
        else:
            mentees.append(Mentee(**person))
    decisions = PairDecision.objects.filter(cohort=cohort).values_list(
        "mentor__membership_id", "mentee__membership_id", "kind")
    locked, rejected = [], []
    for mentor_id, mentee_id, kind in decisions:
        pair = (str(mentor_id), str(mentee_id))
        if pair[0] in by_id and pair[1] in by_id:
            (locked if kind == DecisionKind.LOCK else rejected).append(pair)
    managers = {
        str(membership_id): str(manager_id) if manager_id else None
        for membership_id, manager_id in Profile.objects.values_list("membership_id",
                                                                     "manager_id")
    }
    problem = Problem(mentors=mentors, mentees=mentees, rules=cohort_rules(cohort),
                      weights=cohort_weights(cohort), locked=sorted(locked),
                      rejected=sorted(rejected), org_managers=managers)
    return CohortProblem(problem=problem, participants=by_id)


def runs_of_cohort(*, cohort: Cohort) -> QuerySet[MatchingRun]:
    return MatchingRun.objects.filter(cohort=cohort).select_related("started_by") \
        .order_by("-number")


def run_fields_but_snapshot() -> tuple[str, ...]:
    """A run's fields without ``snapshot``: the whole engine input, megabytes at 5,000 people,
    which no page loads."""
    return tuple(f.name for f in MatchingRun._meta.concrete_fields if f.name != "snapshot")


_latest_run = CompiledInstances(
    lambda cohort_id: MatchingRun.objects.filter(cohort_id=cohort_id,
                                                 status=RunStatus.SUCCEEDED).order_by("-number"),
    fields=run_fields_but_snapshot, cohort_id=int)


_run_with_cohort = CompiledInstances(
    lambda run_pk: MatchingRun.objects.filter(pk=run_pk),
    fields=run_fields_but_snapshot, related={"cohort": ALL, "cohort__program": ALL},
    run_pk=int)


def run_with_cohort(*, run_pk: int) -> MatchingRun | None:
    """The run ``run_pk`` of the open tenant scope with its cohort and program, without its
    snapshot (``None`` for another tenant's or no run): every run page reads it, compiled once
    (core.compiled)."""
    runs = _run_with_cohort(run_pk=run_pk)
    return runs[0] if runs else None


def latest_successful_run(*, cohort: Cohort) -> MatchingRun | None:
    """The cohort's newest successful run (without its snapshot), compiled once
    (core.compiled): the review page shows whether a newer run exists."""
    runs = _latest_run(cohort_id=cohort.pk)
    return runs[0] if runs else None


def proposals_of_run(*, run: MatchingRun) -> QuerySet[Proposal]:
    return Proposal.objects.filter(run=run).select_related(
        "mentor__membership__user", "mentee__membership__user",
        "mentor__profile__level", "mentee__profile__level",
    ).order_by("-score", "id")


def decisions_of_cohort(*, cohort: Cohort) -> QuerySet[PairDecision]:
    return PairDecision.objects.filter(cohort=cohort).select_related(
        "mentor__membership__user", "mentee__membership__user")


def pairs_of_cohort(*, cohort: Cohort) -> QuerySet[Pair]:
    return Pair.objects.filter(cohort=cohort, status=PairStatus.ACTIVE).select_related(
        "mentor__membership__user", "mentee__membership__user",
        "mentor__profile__level", "mentee__profile__level",
    ).order_by("-score", "id")


class _InSubquery(Func):
    """``<column> IN (<subquery>)``, as ``<column> = ANY(ARRAY(<subquery>))`` on PostgreSQL:
    there the subquery is computed once (an InitPlan) and an OR of two such conditions reads
    each column's index (a BitmapOr), where an OR across joins hash-joins the whole table."""

    output_field = BooleanField()

    def __init__(self, column: str, subquery: QuerySet):
        super().__init__(F(column), Subquery(subquery))

    def as_sql(self, compiler, connection, array: bool = False, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        subquery_sql, subquery_params = compiler.compile(self.source_expressions[1])
        sql = (f"{column_sql} = ANY(ARRAY{subquery_sql})" if array
               else f"{column_sql} IN {subquery_sql}")
        return sql, (*column_params, *subquery_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, array=True, **extra_context)


def pairs_of_user(*, user) -> QuerySet[Pair]:
    """Live pairs (active or paused) the user is in (as mentor or mentee), within the open
    tenant scope. The user's places are a subquery computed once; each side of the pair is
    then read by its index (not a join of every pair of the organization with its people)."""
    mine = Participant.objects.filter(membership__user=user).order_by().values("pk")
    return Pair.objects.filter(
        Q(_InSubquery("mentor_id", mine)) | Q(_InSubquery("mentee_id", mine)),
        status__in=LIVE_PAIR_STATUSES,
    ).select_related(
        "cohort__program", "mentor__membership__user", "mentee__membership__user",
        "mentor__profile__level", "mentee__profile__level",
    ).prefetch_related(  # each side's topics with their names: two queries, not four
        Prefetch("mentor__topics", queryset=ParticipantTopic.objects.select_related("topic")),
        Prefetch("mentee__topics", queryset=ParticipantTopic.objects.select_related("topic")),
    ).order_by(
        "-created_at", "-id")


def runs_for_api() -> QuerySet[MatchingRun]:
    """Every run of the open tenant scope, newest first, without the (large) input snapshot."""
    return MatchingRun.objects.select_related("cohort", "started_by").defer("snapshot") \
        .order_by("-created_at", "-id")


def proposals_with_decisions(*, run: MatchingRun) -> QuerySet[Proposal]:
    """A run's proposals with the cohort's current decision on each pair (one query)."""
    from django.db.models import OuterRef, Subquery

    # At most one decision per (cohort, mentor, mentee) (a unique constraint): no ordering,
    # which would sort (and join the cohort) once per proposal.
    decisions = PairDecision.objects.filter(
        cohort_id=run.cohort_id, mentor=OuterRef("mentor"), mentee=OuterRef("mentee")
    ).order_by()
    return proposals_of_run(run=run).annotate(
        decision_id=Subquery(decisions.values("pk")[:1]),
        decision_kind=Subquery(decisions.values("kind")[:1]),
    )


def pairs_for_api() -> QuerySet[Pair]:
    """Every pair of the open tenant scope (admins), with both people's public profile."""
    return Pair.objects.select_related(
        "cohort", "mentor__membership__user", "mentee__membership__user",
        "mentor__profile__level", "mentee__profile__level",
    ).order_by("cohort_id", "-score", "id")


# --- what participants see of their pair ------------------------------------------------------

TopicRows = list[tuple[str, str, int]]
"""(interest, topic name, strength) of one participant."""


def topic_rows(participant: Participant) -> TopicRows:
    """Topics from a ``prefetch_related("topics__topic")`` (no query of its own)."""
    return [(t.interest, t.topic.name, t.strength) for t in participant.topics.all()]


def topics_of_cohort(*, cohort: Cohort) -> dict[int, TopicRows]:
    """Every cohort participant's topics, in one query (publishing 5,000 pairs needs them)."""
    topics: dict[int, TopicRows] = {}
    rows = ParticipantTopic.objects.filter(participant__cohort=cohort).order_by(
        "participant_id", "interest", "-strength", "topic__name").values_list(
        "participant_id", "interest", "topic__name", "strength")
    for participant_id, interest, name, strength in rows:
        topics.setdefault(participant_id, []).append((interest, name, strength))
    return topics


def time_zone_of(participant: Participant, default: str) -> str:
    return participant.profile.time_zone or default or "UTC"


def friendly_side(participant: Participant, topics: TopicRows, default_tz: str) -> Side:
    """The public part of a participant the friendly explanation may use."""
    profile = participant.profile
    return Side(
        name=participant.membership.user.display_name,
        teaches={name: s for interest, name, s in topics if interest == TopicInterest.TEACH},
        learns={name: s for interest, name, s in topics if interest == TopicInterest.LEARN},
        availability=_windows(participant.availability),
        timezone=time_zone_of(participant, default_tz),
        department=profile.department.strip(),
    )


def pair_reasons(*, pair: Pair, me: Participant, partner: Participant, my_topics: TopicRows,
                 partner_topics: TopicRows, default_tz: str) -> list[str]:
    """"Why you were paired", addressed to ``me``, in my own time zone: shared topics, what
    each can teach the other, when both are free. Admin matters (locks, rule overrides,
    scores) never appear: they stay on the admin's review."""
    return why_paired(
        me=friendly_side(me, my_topics, default_tz),
        partner=friendly_side(partner, partner_topics, default_tz),
        timezone=time_zone_of(me, default_tz), reference=pair.cohort.start_date)


def partner_availability(*, pair: Pair, me: Participant, partner: Participant,
                         default_tz: str) -> list[str]:
    """The partner's weekly windows in my time zone ("Monday 09:00–11:00")."""
    side = friendly_side(partner, [], default_tz)
    return availability_in(side, time_zone_of(me, default_tz), pair.cohort.start_date)


@dataclass(frozen=True)
class PairCard:
    """One pair as a participant sees it: the partner's public profile and why."""

    pair: Pair
    my_role: str
    partner: Participant
    teaches: list[str]
    learns: list[str]
    availability: list[str]
    reasons: list[str]
    time_zone: str


_CARD_NAMES = ("full_name", "first_name", "last_name", "email")
#: What My pairs shows and reasons with (:func:`pairs_of_user`'s pairs, fewer columns).
_card_pairs = CompiledInstances(
    lambda user_id: Pair.objects.filter(
        Q(_InSubquery("mentor_id", _places_of_user(user_id)))
        | Q(_InSubquery("mentee_id", _places_of_user(user_id))),
        status__in=LIVE_PAIR_STATUSES).order_by("-created_at", "-id"),
    fields=("status", "created_at", "mentor", "mentee", "cohort", "paused_until",
            "end_requested_at", "end_requested_by", "end_request_reason"),
    related={"cohort": ("name", "start_date", "program"), "cohort__program": ("name",),
             "mentor": ("membership", "profile", "role", "availability"),
             "mentee": ("membership", "profile", "role", "availability"),
             "mentor__membership": ("user",), "mentee__membership": ("user",),
             "mentor__membership__user": _CARD_NAMES, "mentee__membership__user": _CARD_NAMES,
             "mentor__profile": ("job_title", "department", "bio", "time_zone"),
             "mentee__profile": ("job_title", "department", "bio", "time_zone")},
    user_id=int)
_card_topics = CompiledQuery(
    lambda place_ids: ParticipantTopic.objects.filter(participant_id__in=place_ids)
    .order_by("participant_id", "interest", "-strength", "topic__name")
    .values_list("participant_id", "interest", "topic__name", "strength"),
    place_ids=list)


def _places_of_user(user_id: int) -> QuerySet:
    return Participant.objects.filter(membership__user_id=user_id).order_by().values("pk")


def pair_cards_of_user(*, user, default_tz: str) -> list[PairCard]:
    """The user's active pairs with the partner's public part (never requests, exclusions,
    manager or email) and friendly reasons: two queries, compiled once (core.compiled)."""
    pairs = _card_pairs(user_id=user.pk)
    topics: dict[int, TopicRows] = {}
    for participant_id, interest, name, strength in _card_topics(
            place_ids=[place for pair in pairs for place in (pair.mentor_id, pair.mentee_id)]):
        topics.setdefault(participant_id, []).append((interest, name, strength))
    cards = []
    for pair in pairs:
        me_mentor = pair.mentor.membership.user_id == user.pk
        me, partner = (pair.mentor, pair.mentee) if me_mentor else (pair.mentee, pair.mentor)
        partner_topics = topics.get(partner.pk, [])
        cards.append(PairCard(
            pair=pair, my_role="mentor" if me_mentor else "mentee", partner=partner,
            teaches=[name for interest, name, _ in partner_topics
                     if interest == TopicInterest.TEACH],
            learns=[name for interest, name, _ in partner_topics
                    if interest == TopicInterest.LEARN],
            availability=partner_availability(pair=pair, me=me, partner=partner,
                                              default_tz=default_tz),
            reasons=pair_reasons(pair=pair, me=me, partner=partner,
                                 my_topics=topics.get(me.pk, []),
                                 partner_topics=partner_topics, default_tz=default_tz),
            time_zone=time_zone_of(me, default_tz),
        ))
    return cards


# --- the admin's review of a run ---------------------------------------------------------------

REVIEW_PAGE_SIZE = 50
_MENTOR_NAME = CodePointOrder("mentor__membership__user__name_key")
_MENTEE_NAME = CodePointOrder("mentee__membership__user__name_key")
REVIEW_SORTS: dict[str, tuple[str, list]] = {
    "-score": ("Score, best first", [F("score").desc(), "pk"]),
    "score": ("Score, worst first", [F("score").asc(), "pk"]),
    "mentor": ("Mentor A–Z", [_MENTOR_NAME.asc(), "pk"]),
    "-mentor": ("Mentor Z–A", [_MENTOR_NAME.desc(), "pk"]),
    "mentee": ("Mentee A–Z", [_MENTEE_NAME.asc(), "pk"]),
    "-mentee": ("Mentee Z–A", [_MENTEE_NAME.desc(), "pk"]),
}
REVIEW_DECISIONS = {
    "open": "Not decided yet",
    "locked": "Locked",
    "rejected": "Rejected",
}


def review_proposals(*, run: MatchingRun, q: str = "", decision: str = "",
                     sort: str = "-score") -> QuerySet[Proposal]:
    """A run's proposals for the review page, filtered and sorted in SQL (one query for any
    page, one to count): ``q`` finds the mentor or the mentee by name (any case, any accents)
    or email, ``decision`` is one of REVIEW_DECISIONS."""
    queryset = proposals_with_decisions(run=run)
    if q.strip():
        queryset = queryset.filter(people_search(q, prefix="mentor__membership__user__")
                                   | people_search(q, prefix="mentee__membership__user__"))
    if decision == "open":
        queryset = queryset.filter(locked=False, decision_kind__isnull=True)
    elif decision == "locked":
        queryset = queryset.filter(Q(locked=True) | Q(decision_kind=DecisionKind.LOCK))
    elif decision == "rejected":
        queryset = queryset.filter(decision_kind=DecisionKind.REJECT)
    return queryset.order_by(*REVIEW_SORTS.get(sort, REVIEW_SORTS["-score"])[1])


_review_keys: dict[tuple[str, str], CompiledQuery] = {}


def review_page(*, run: MatchingRun, number, size: int, q: str = "", decision: str = "",
                sort: str = "-score") -> Page:
    """Page ``number`` of :func:`review_proposals`'s keys with the total (core.pagination's
    page_of_keys). Without a search, the keys are read by a query compiled once per decision
    filter and sort (core.compiled), the page being two of its parameters; a search, and a
    page past the end, go through the ORM."""
    if q.strip():
        return page_of_keys(review_proposals(run=run, q=q, decision=decision, sort=sort),
                            number=number, size=size)
    decision = decision if decision in REVIEW_DECISIONS else ""
    sort = sort if sort in REVIEW_SORTS else "-score"
    if (decision, sort) not in _review_keys:
        # Only a decision filter reads the cohort's decisions (and so its id).
        _review_keys[(decision, sort)] = CompiledQuery(
            lambda run_id, cohort_id=None: keys_with_total(review_proposals(
                run=MatchingRun(pk=run_id, cohort_id=cohort_id), decision=decision, sort=sort)),
            sliced=True, run_id=int, **({"cohort_id": int} if decision else {}))
    wanted = page_number(number)
    rows = _review_keys[(decision, sort)](
        run_id=run.pk, offset=(wanted - 1) * size, limit=size,
        **({"cohort_id": run.cohort_id} if decision else {}))
    if not rows:
        return page_of_keys(review_proposals(run=run, decision=decision, sort=sort),
                            number=number, size=size)
    return keyed_page(rows, number=wanted, size=size)


@dataclass(slots=True)
class ReviewPerson:
    name: str
    title: str  # "job title · level", as the review shows it


@dataclass(slots=True)
class ReviewRow:
    """One proposed pair as the review page shows it (no model instances)."""

    pk: int
    mentor: ReviewPerson
    mentee: ReviewPerson
    score: float
    locked: bool  # on the proposal or by the cohort's decision
    rejected: bool
    explanation: list[str]
    percent: int = 0  # set by the page
    decide_url: str = ""  # set by the page


def _review_person(prefix: str) -> tuple[str, ...]:
    return (*(f"{prefix}__membership__user__{name}" for name in DISPLAY_NAME_FIELDS),
            f"{prefix}__profile__job_title", f"{prefix}__profile__level__name")


_review_rows = CompiledQuery(
    lambda run_id, cohort_id, pks: proposals_with_decisions(
        run=MatchingRun(pk=run_id, cohort_id=cohort_id)).filter(pk__in=pks).order_by()
    .values_list("pk", "score", "locked", "decision_kind", "explanation",
                 *_review_person("mentor"), *_review_person("mentee")),
    run_id=int, cohort_id=int, pks=list)


def _person_line(full_name, first_name, last_name, email, job_title, level) -> ReviewPerson:
    return ReviewPerson(name=display_name_of(full_name, first_name, last_name, email),
                        title=f"{job_title} · {level}" if level else job_title)


def review_rows(*, run: MatchingRun, pks: list[int]) -> list[ReviewRow]:
    """The proposals ``pks`` of the run (one page of :func:`review_proposals`, in that order)
    with their people and decisions: one query by primary key, compiled once per page length
    (core.compiled), as plain rows. The page's keys come first from a query without the
    people's joins, so PostgreSQL joins the page's proposals rather than every proposal of the
    run before it sorts and cuts (25 ms at 1,000 proposals)."""
    found = {}
    for pk, score, locked, kind, explanation, *people in _review_rows(
            run_id=run.pk, cohort_id=run.cohort_id, pks=list(pks)):
        found[pk] = ReviewRow(
            pk=pk, mentor=_person_line(*people[:6]), mentee=_person_line(*people[6:]),
            score=score, locked=locked or kind == DecisionKind.LOCK,
            rejected=kind == DecisionKind.REJECT, explanation=explanation)
    return [found[pk] for pk in pks if pk in found]


@dataclass(frozen=True)
class ReviewSummary:
    """Figures of a run's review beyond those stored on the run, counted in SQL."""

    mentors_used: int
    locked: int
    rejected: int


_review_figures = CompiledQuery(
    # the run's proposals as one group (they share their run): one row, or none without any
    lambda run_id, cohort_id: proposals_with_decisions(
        run=MatchingRun(pk=run_id, cohort_id=cohort_id)).order_by().values("run").annotate(
        mentors_used=Count("mentor", distinct=True),
        locked=Count("pk", filter=Q(locked=True) | Q(decision_kind=DecisionKind.LOCK)),
        rejected=Count("pk", filter=Q(decision_kind=DecisionKind.REJECT)),
    ).values_list("mentors_used", "locked", "rejected"),
    run_id=int, cohort_id=int)


def review_summary(*, run: MatchingRun) -> ReviewSummary:
    """One aggregate query over the run's proposals and the cohort's decisions on them,
    compiled once (core.compiled)."""
    found = _review_figures(run_id=run.pk, cohort_id=run.cohort_id)
    mentors_used, locked, rejected = found[0] if found else (0, 0, 0)
    return ReviewSummary(mentors_used=mentors_used, locked=locked, rejected=rejected)


def spare_mentors(*, run: MatchingRun, limit: int = 20) -> tuple[list[tuple[Participant, int]],
                                                                  int]:
    """The first ``limit`` mentors the run left with spare capacity (by name) and how many
    there are in all. One query."""
    spare = {int(pk): count for pk, count in (run.spare_capacity or {}).items()}
    if not spare:
        return [], 0
    people = Participant.objects.filter(pk__in=list(spare)).select_related(
        "membership__user", "profile").order_by(
        CodePointOrder("membership__user__name_key"), "pk")[:limit]
    return [(p, spare[p.pk]) for p in people], len(spare)


# --- incomplete profiles before a run and before publishing ------------------------------------

INCOMPLETE_SHOWN = 20


@dataclass(frozen=True)
class IncompleteProfile:
    participant: Participant
    percent: int
    missing: list[str]


@dataclass(frozen=True)
class IncompleteProfiles:
    """How many enrolled participants have an incomplete profile, of how many, and the first
    INCOMPLETE_SHOWN of them (least complete first) with what is missing."""

    count: int
    enrolled: int
    people: list[IncompleteProfile]

    @property
    def more(self) -> int:
        return self.count - len(self.people)


def incomplete_profiles(*, cohort: Cohort, limit: int = INCOMPLETE_SHOWN) -> IncompleteProfiles:
    """Three queries whatever the cohort size: the counts, the first ``limit`` people with
    their profiles, their topics."""
    enrolled = Participant.objects.filter(cohort=cohort, status=ParticipantStatus.ACTIVE)
    counts = enrolled.aggregate(enrolled=Count("pk"),
                                incomplete=Count("pk", filter=Q(completeness__lt=100)))
    first = list(enrolled.filter(completeness__lt=100).select_related(
        "membership__user", "profile").prefetch_related(Prefetch(
            "topics", queryset=ParticipantTopic.objects.only("interest", "participant_id")))
        .order_by("completeness", CodePointOrder("membership__user__name_key"), "pk")[:limit])
    people = []
    for participant in first:
        result = participant_completeness(participant=participant)
        people.append(IncompleteProfile(participant=participant,
                                        percent=participant.completeness,
                                        missing=result.missing))
    return IncompleteProfiles(count=counts["incomplete"] or 0, enrolled=counts["enrolled"] or 0,
                              people=people)


# --- the manual-pair picker --------------------------------------------------------------------

PICKER_LIMIT = 20


@dataclass(frozen=True)
class PersonOption:
    """One person the manual-pair picker offers: enough to tell namesakes apart."""

    pk: int
    name: str
    job_title: str
    department: str
    email: str

    @property
    def detail(self) -> str:
        return " · ".join(x for x in (self.job_title, self.department, self.email) if x)


def _option(participant: Participant) -> PersonOption:
    user, profile = participant.membership.user, participant.profile
    return PersonOption(pk=participant.pk, name=user.display_name, job_title=profile.job_title,
                        department=profile.department, email=user.email)


def pickable_people(*, cohort: Cohort, role: str) -> QuerySet[Participant]:
    """Whom the manual-pair form accepts for ``role``: the cohort's enrolled mentors or
    mentees (never evaluated whole)."""
    return Participant.objects.filter(cohort=cohort, role=role,
                                      status=ParticipantStatus.ACTIVE)


def person_options(*, cohort: Cohort, role: str, q: str = "", selected: int | None = None,
                   limit: int = PICKER_LIMIT) -> tuple[list[PersonOption], bool]:
    """At most ``limit`` enrolled people of ``role`` whose name, email, job title or
    department contains ``q`` (names starting with it first), the ``selected`` one always
    first, and whether there were more. Two queries at most; none without ``q``/``selected``.
    """
    text = q.strip()
    if not selected and not text:
        return [], False  # what the review page shows before anyone types: no query to build
    base = pickable_people(cohort=cohort, role=role).select_related("membership__user",
                                                                    "profile")
    options: list[PersonOption] = []
    chosen = base.filter(pk=selected).first() if selected else None
    if chosen is not None:
        options.append(_option(chosen))
    if not text:
        return options, False
    folded = name_key(text)
    matches = base.filter(people_search(text) | Q(profile__job_title__icontains=text)
                          | Q(profile__department__icontains=text))
    if chosen is not None:
        matches = matches.exclude(pk=chosen.pk)
    rows = list(matches.annotate(rank=Case(
        When(membership__user__name_key__startswith=folded, then=Value(0)),
        When(membership__user__name_key__contains=f" {folded}", then=Value(1)),
        default=Value(2))).order_by(
        "rank", CodePointOrder("membership__user__name_key"), "pk")[:limit + 1])
    options.extend(_option(p) for p in rows[:limit])
    return options, len(rows) > limit


INTRODUCTION_KIND = "pair_introduction"

# --- publishing --------------------------------------------------------------------------------

def publishable_proposals(*, run: MatchingRun) -> list[Proposal]:
    """The run's proposals minus pairs rejected since: what publishing turns into pairs."""
    rejected = set(PairDecision.objects.filter(cohort_id=run.cohort_id,
                                               kind=DecisionKind.REJECT)
                   .values_list("mentor_id", "mentee_id"))
    return [p for p in proposals_of_run(run=run) if (p.mentor_id, p.mentee_id) not in rejected]


@dataclass(frozen=True)
class PublishPreview:
    """What publishing a run will do: pairs created, introduction emails that will go out (one
    to each person of each pair, minus those who turned introduction emails off), distinct
    people introduced, active pairs it ends."""

    pairs: int
    emails: int
    people: int
    ending: int
    silent: int = 0


def publish_preview(*, run: MatchingRun) -> PublishPreview:
    """Counted in SQL (a fixed handful of queries), so the confirmation shows real numbers."""
    rejected = PairDecision.objects.filter(
        cohort_id=run.cohort_id, kind=DecisionKind.REJECT, mentor=OuterRef("mentor"),
        mentee=OuterRef("mentee"))
    kept = Proposal.objects.filter(run=run).exclude(Exists(rejected))
    pairs = kept.count()
    if not pairs:
        return PublishPreview(pairs=0, emails=0, people=0,
                              ending=_active_pairs(run.cohort_id))
    no_email = NotificationPreference.objects.filter(kind=INTRODUCTION_KIND).exclude(
        channel=NotificationChannel.EMAIL).values("user_id")
    silent = (kept.filter(mentor__membership__user_id__in=no_email).count()
              + kept.filter(mentee__membership__user_id__in=no_email).count())
    people = len(set(kept.values_list("mentor_id", flat=True))
                 | set(kept.values_list("mentee_id", flat=True)))
    return PublishPreview(pairs=pairs, emails=2 * pairs - silent, people=people,
                          ending=_active_pairs(run.cohort_id), silent=silent)


def _active_pairs(cohort_id: int) -> int:
    return Pair.objects.filter(cohort_id=cohort_id, status=PairStatus.ACTIVE).count()


#: What the start page's panels read of a pair (matching/home.py, sessions/home.py): its
#: status and age, its cohort's name and zone, each person's name, job title and zone.
_PANEL_NAMES = ("full_name", "first_name", "last_name", "email")
_panel_pairs = CompiledInstances(
    lambda place_ids: Pair.objects.filter(Q(mentor_id__in=place_ids) | Q(mentee_id__in=place_ids))
    .order_by("status", "-created_at", "-id"),
    fields=("status", "created_at", "mentor", "mentee", "cohort"),
    related={"cohort": ("name", "organization"), "cohort__organization": ("time_zone",),
             "mentor": ("membership", "profile", "role"),
             "mentee": ("membership", "profile", "role"),
             "mentor__membership": ("user",), "mentee__membership": ("user",),
             "mentor__membership__user": _PANEL_NAMES, "mentee__membership__user": _PANEL_NAMES,
             "mentor__profile": ("job_title", "time_zone"),
             "mentee__profile": ("job_title", "time_zone")},
    place_ids=list)


def pairs_of_places(*, place_ids: list[int]) -> list[Pair]:
    """Every pair (any status; active first, then newest) with one of these places (a
    membership's participant rows) on either side, with both people: one query that the
    start page's panels share, compiled once per number of places (core.compiled). By literal
    ids, so that PostgreSQL reads each side's index; an OR across the people's joins made it
    join every pair of the organization."""
    if not place_ids:
        return []
    return _panel_pairs(place_ids=place_ids)


def partners_of_pairs(*, pairs: list[Pair], membership) -> list[dict]:
    """The membership's active partners for the start page, from its pairs (no query): name,
    job title and cohort, newest pair first (My pairs uses :func:`pair_cards_of_user`)."""
    live = sorted((p for p in pairs if p.status in LIVE_PAIR_STATUSES),
                  key=lambda p: (p.created_at, p.pk), reverse=True)
    partners = []
    for pair in live:
        partner = pair.mentee if pair.mentor.membership_id == membership.pk else pair.mentor
        partners.append({"name": partner.membership.user.display_name,
                         "title": partner.profile.job_title or "",
                         "cohort": pair.cohort.name})
    return partners
