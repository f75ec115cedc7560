"""Reads for matching, including the translation of a cohort into an engine Problem."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from matching.engine import Mentee, Mentor, Problem, Rules, Weights
from matching.friendly import Side, availability_in, why_paired
from matching.models import DecisionKind, MatchingRun, Pair, PairDecision, PairStatus, Proposal
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


def latest_successful_run(*, cohort: Cohort) -> MatchingRun | None:
    return MatchingRun.objects.filter(cohort=cohort, status="succeeded") \
        .order_by("-number").first()


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


def pairs_of_user(*, user) -> QuerySet[Pair]:
    """Active pairs the user is in (as mentor or mentee), within the open tenant scope."""
    from django.db.models import Q

    return Pair.objects.filter(
        Q(mentor__membership__user=user) | Q(mentee__membership__user=user),
        status=PairStatus.ACTIVE,
    ).select_related(
        "cohort__program", "mentor__membership__user", "mentee__membership__user",
        "mentor__profile__level", "mentee__profile__level",
    ).prefetch_related("mentor__topics__topic", "mentee__topics__topic").order_by(
        "-created_at", "-id")


def runs_for_api() -> QuerySet[MatchingRun]:
    """Every run of the open tenant scope, newest first, without the (large) input snapshot."""
    return MatchingRun.objects.select_related("cohort", "started_by").defer("snapshot") \
        .order_by("-created_at", "-id")


def proposals_with_decisions(*, run: MatchingRun) -> QuerySet[Proposal]:
    """A run's proposals with the cohort's current decision on each pair (one query)."""
    from django.db.models import OuterRef, Subquery

    decisions = PairDecision.objects.filter(
        cohort_id=run.cohort_id, mentor=OuterRef("mentor"), mentee=OuterRef("mentee"))
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


def pair_cards_of_user(*, user, default_tz: str) -> list[PairCard]:
    """The user's active pairs with the partner's public part (never requests, exclusions,
    manager or email) and friendly reasons, in a fixed number of queries."""
    cards = []
    for pair in pairs_of_user(user=user):
        me_mentor = pair.mentor.membership.user_id == user.pk
        me, partner = (pair.mentor, pair.mentee) if me_mentor else (pair.mentee, pair.mentor)
        partner_topics = topic_rows(partner)
        cards.append(PairCard(
            pair=pair, my_role="mentor" if me_mentor else "mentee", partner=partner,
            teaches=[name for interest, name, _ in partner_topics
                     if interest == TopicInterest.TEACH],
            learns=[name for interest, name, _ in partner_topics
                    if interest == TopicInterest.LEARN],
            availability=partner_availability(pair=pair, me=me, partner=partner,
                                              default_tz=default_tz),
            reasons=pair_reasons(pair=pair, me=me, partner=partner, my_topics=topic_rows(me),
                                 partner_topics=partner_topics, default_tz=default_tz),
            time_zone=time_zone_of(me, default_tz),
        ))
    return cards
