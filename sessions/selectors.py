"""Reads for the pair's workspace, each with a fixed number of queries whatever the number of
sessions, goals or commitments.

Security boundary: a pair is only ever loaded through :func:`pair_of_member`, which returns a
pair the given membership is one of the two people of (anyone else gets ``Pair.DoesNotExist``,
a 404 in the views). Private notes are read filtered by their author, ratings by their rater,
commitments by owner unless shared with the partner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from accounts.models import Membership, Organization
from core.compiled import ALL, CompiledInstances, CompiledQuery
from matching.models import Pair, PairStatus
from programs.markdown import render_markdown
from programs.models import (
    Audience,
    DirectedPrompt,
    Participant,
    ParticipantRole,
    ParticipantTopic,
    Phase,
    Resource,
    Topic,
    TopicInterest,
)
from sessions import slots
from sessions.models import (
    ActionItem,
    CalendarInvite,
    Commitment,
    Goal,
    GoalUpdate,
    MentoringSession,
    PrivateNote,
    SessionChange,
    SessionRating,
    SessionStatus,
)
from sessions.phases import cohort_phase

SLOT_HORIZON = timedelta(weeks=8)
SLOT_LEAD = timedelta(minutes=30)
PAIR_RELATED = ("cohort__program", "cohort__organization", "mentor__membership__user",
                "mentee__membership__user", "mentor__profile", "mentee__profile")


# --- the pair and its two people -------------------------------------------------------------

def pair_is_writable(pair: Pair) -> bool:
    """Only an active pair (of a cohort that is not finished) can be changed; other pairs keep
    their history readable. Reads ``Pair.is_active`` when the model has it."""
    active = getattr(pair, "is_active", None)
    if active is None:
        active = pair.status == PairStatus.ACTIVE
    return bool(active) and not pair.cohort.is_read_only


def pairs_of_membership(*, membership: Membership) -> QuerySet[Pair]:
    """Every pair (active first, then newest) the membership is one of the two people of."""
    return Pair.objects.filter(
        Q(mentor__membership=membership) | Q(mentee__membership=membership),
    ).select_related(*PAIR_RELATED).order_by("status", "-created_at", "-id")


def _with_paths(*paths: str) -> dict[str, str]:
    """Every field along each ``select_related`` path (for core.compiled)."""
    found = {}
    for path in paths:
        parts = path.split("__")
        for end in range(1, len(parts) + 1):
            found["__".join(parts[:end])] = ALL
    return found


#: :func:`pairs_of_membership`'s query for one pair, compiled once (every pair page runs it).
_member_pair = CompiledInstances(
    lambda pair_pk, membership_id: Pair.objects.filter(
        Q(mentor__membership_id=membership_id) | Q(mentee__membership_id=membership_id),
        pk=pair_pk),
    fields=ALL, related=_with_paths(*PAIR_RELATED), pair_pk=int, membership_id=int)


def pair_of_member(*, pair_pk: int, membership: Membership) -> Pair:
    """The pair ``pair_pk`` if ``membership`` is one of its two people; else
    ``Pair.DoesNotExist`` (the same for a pair of someone else and no pair at all).

    The query of ``pairs_of_membership(membership=membership).get(pk=pair_pk)``, with the
    same instances, compiled once (core.compiled)."""
    found = _member_pair(pair_pk=int(pair_pk), membership_id=membership.pk)
    if not found:
        raise Pair.DoesNotExist("Pair matching query does not exist.")
    return found[0]


def me_in(pair: Pair, membership: Membership) -> Participant:
    return pair.mentor if pair.mentor.membership_id == membership.pk else pair.mentee


def partner_in(pair: Pair, membership: Membership) -> Participant:
    return pair.mentee if pair.mentor.membership_id == membership.pk else pair.mentor


def time_zone_of(participant: Participant, organization: Organization) -> str:
    return slots.zone(participant.profile.time_zone or organization.time_zone).key


def person_of(participant: Participant, organization: Organization) -> slots.Person:
    return slots.Person(windows=slots.parse_windows(participant.availability),
                        timezone=time_zone_of(participant, organization))


def busy_intervals(*, memberships: Iterable[Membership], start: datetime, end: datetime,
                   exclude_session_pk: int | None = None) -> list[slots.Interval]:
    """Sessions already booked (scheduled) of these people in any of their pairs that overlap
    [start, end)."""
    ids = [m.pk for m in memberships]
    booked = MentoringSession.objects.filter(
        Q(pair__mentor__membership_id__in=ids) | Q(pair__mentee__membership_id__in=ids),
        status=SessionStatus.SCHEDULED,
        starts_at__lt=end, starts_at__gte=start - timedelta(minutes=600),
    ).exclude(pk=exclude_session_pk).values_list("starts_at", "duration_minutes")
    return [(begin, begin + timedelta(minutes=minutes)) for begin, minutes in booked
            if begin + timedelta(minutes=minutes) > start]


@dataclass(frozen=True)
class SlotOption:
    """A suggested start, as each of the two people reads it."""

    start: datetime
    value: str  # ISO 8601 in UTC: what the form sends back
    mine: str
    partners: str


def local_label(moment: datetime, minutes: int, tz_name: str) -> str:
    """``"Tue 2 Mar 2027, 09:00–09:45 Europe/London"``."""
    tz = slots.zone(tz_name)
    local, end = moment.astimezone(tz), (moment + timedelta(minutes=minutes)).astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}–{end:%H:%M} {tz.key}"


def slot_options(*, pair: Pair, membership: Membership, now: datetime | None = None,
                 exclude_session_pk: int | None = None,
                 minutes: int | None = None) -> list[SlotOption]:
    """The next five starts of the cohort's session length that fall inside both people's
    weekly availability and clear of their other booked sessions (three queries)."""
    now = now or timezone.now()
    minutes = minutes or pair.cohort.session_minutes
    organization = pair.cohort.organization
    me, partner = me_in(pair, membership), partner_in(pair, membership)
    earliest, until = now + SLOT_LEAD, now + SLOT_HORIZON
    busy = busy_intervals(memberships=[me.membership, partner.membership], start=earliest,
                          end=until, exclude_session_pk=exclude_session_pk)
    starts = slots.find_slots([person_of(me, organization), person_of(partner, organization)],
                              earliest=earliest, until=until, minutes=minutes, busy=busy)
    my_tz, partner_tz = time_zone_of(me, organization), time_zone_of(partner, organization)
    return [SlotOption(start=start, value=start.isoformat(),
                       mine=local_label(start, minutes, my_tz),
                       partners=local_label(start, minutes, partner_tz)) for start in starts]


def slot_is_free(*, pair: Pair, start: datetime, minutes: int,
                 exclude_session_pk: int | None = None) -> bool:
    organization = pair.cohort.organization
    people = [person_of(pair.mentor, organization), person_of(pair.mentee, organization)]
    busy = busy_intervals(memberships=[pair.mentor.membership, pair.mentee.membership],
                          start=start, end=start + timedelta(minutes=minutes),
                          exclude_session_pk=exclude_session_pk)
    return slots.is_free(people, start=start, minutes=minutes, busy=busy)


def clashes_with_booked(*, pair: Pair, start: datetime, minutes: int,
                        exclude_session_pk: int | None = None) -> bool:
    busy = busy_intervals(memberships=[pair.mentor.membership, pair.mentee.membership],
                          start=start, end=start + timedelta(minutes=minutes),
                          exclude_session_pk=exclude_session_pk)
    return slots.overlaps(start, minutes, busy)


# --- sessions --------------------------------------------------------------------------------

def sessions_of_pair(*, pair: Pair) -> QuerySet[MentoringSession]:
    return MentoringSession.objects.filter(pair=pair).select_related(
        "cancelled_by__membership__user").prefetch_related("session_topics__topic") \
        .order_by("starts_at", "id")


def past_sessions_of_pair(*, pair: Pair, now: datetime | None = None
                          ) -> QuerySet[MentoringSession]:
    """Sessions that are over or were not kept (logged, cancelled, or past), newest first."""
    now = now or timezone.now()
    return sessions_of_pair(pair=pair).filter(
        ~Q(status=SessionStatus.SCHEDULED) | Q(starts_at__lt=now)).order_by("-starts_at", "-id")


def session_of_pair(*, pair: Pair, session_pk: int) -> MentoringSession:
    """``MentoringSession.DoesNotExist`` for a session of another pair (or none)."""
    return sessions_of_pair(pair=pair).get(pk=session_pk)


def my_ratings(*, participant: Participant, sessions: Iterable[MentoringSession]
               ) -> dict[int, int]:
    """The participant's own ratings of ``sessions`` (session id → 1–5), one query."""
    ids = [s.pk for s in sessions]
    return dict(SessionRating.objects.filter(participant=participant, session_id__in=ids)
                .values_list("session_id", "value"))


def my_ratings_of_pair(*, participant: Participant, pair: Pair) -> dict[int, int]:
    """The participant's own ratings of the pair's sessions (session id → 1–5), one query."""
    return dict(SessionRating.objects.filter(participant=participant, session__pair=pair)
                .values_list("session_id", "value"))


def my_session_note(*, author: Participant, session: MentoringSession) -> PrivateNote | None:
    return PrivateNote.objects.filter(author=author, session=session).first()


def my_pair_note(*, author: Participant, pair: Pair) -> PrivateNote | None:
    return PrivateNote.objects.filter(author=author, pair=pair, session__isnull=True).first()


def my_notes(*, membership: Membership) -> QuerySet[PrivateNote]:
    """Every private note the membership wrote (in any pair), newest first."""
    return PrivateNote.objects.filter(author__membership=membership).order_by(
        "-updated_at", "-id")


def action_items_of_session(*, session: MentoringSession) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(session=session).order_by("done_at", "due_date", "id")


def action_items_of_pair(*, pair: Pair, open_only: bool = False) -> QuerySet[ActionItem]:
    items = ActionItem.objects.filter(pair=pair).select_related("session")
    if open_only:
        items = items.filter(done_at__isnull=True)
    return items.order_by("done_at", "due_date", "id")


def history_of_session(*, session: MentoringSession) -> QuerySet[SessionChange]:
    return SessionChange.objects.filter(session=session).order_by("-at", "-id")


def latest_invite(*, session: MentoringSession) -> CalendarInvite | None:
    return CalendarInvite.objects.filter(session=session).order_by("-sequence").first()


# --- goals and commitments -------------------------------------------------------------------

def _goal_prefetches() -> tuple:
    return (Prefetch("updates",
                     queryset=GoalUpdate.objects.order_by("on_date", "created_at", "id")),
            "goal_topics__topic")


def goals_of_pair(*, pair: Pair) -> QuerySet[Goal]:
    return Goal.objects.filter(pair=pair).prefetch_related(*_goal_prefetches()) \
        .order_by("created_at", "id")


def goal_of_pair(*, pair: Pair, goal_pk: int) -> Goal:
    return goals_of_pair(pair=pair).get(pk=goal_pk)


def goal_progress(goal: Goal) -> int | None:
    """The owner's latest reported percent (from prefetched updates)."""
    reported = [u for u in goal.updates.all()
                if u.percent is not None and u.author_id == goal.owner_id]
    return reported[-1].percent if reported else None


def commitments_visible_to(*, pair: Pair, participant: Participant) -> QuerySet[Commitment]:
    """The participant's own commitments and those their partner shared with them."""
    return Commitment.objects.filter(pair=pair).filter(
        Q(owner=participant) | Q(shared_with_partner=True)).select_related("session") \
        .order_by("due_date", "id")


def commitment_visible_to(*, pair: Pair, participant: Participant,
                          commitment_pk: int) -> Commitment:
    return commitments_visible_to(pair=pair, participant=participant).get(pk=commitment_pk)


def commitments_due_for_check_in(*, today: date) -> list[int]:
    """Ids of open commitments of active pairs that are due and not yet asked about (in the
    open tenant scope)."""
    return list(Commitment.objects.filter(
        outcome__in=("pending", "not_yet"), due_date__lte=today, asked_at__isnull=True,
        pair__status=PairStatus.ACTIVE,
    ).order_by("due_date", "id").values_list("pk", flat=True)[:1000])


# --- the workspace page ----------------------------------------------------------------------

@dataclass
class PartnerCard:
    name: str
    role: str
    role_label: str
    job_title: str
    department: str
    bio: str
    teaches: list[str]
    learns: list[str]
    availability: list[str]
    time_zone: str


@dataclass
class Workspace:
    pair: Pair
    me: Participant
    partner: Participant
    my_role: str
    writable: bool
    time_zone: str
    partner_card: PartnerCard
    phase: str
    phase_label: str
    prompts: list[DirectedPrompt]
    shared_topics: list[Topic]
    resources: list[Resource]
    upcoming: list[MentoringSession]
    past: list[MentoringSession]
    my_ratings: dict[int, int]
    goals: list[Goal]
    commitments: list[Commitment]
    open_actions: list[ActionItem]
    pair_note: PrivateNote | None
    people: dict[int, str] = field(default_factory=dict)  # participant id -> name

    @property
    def next_session(self) -> MentoringSession | None:
        return self.upcoming[0] if self.upcoming else None

    @property
    def objectives(self) -> list[str]:
        return list(self.pair.cohort.program.objectives or [])

    @property
    def guidelines_html(self) -> str:
        return render_markdown(self.pair.cohort.program.guidelines)


# --- the workspace page's reads, compiled once (core.compiled): the same querysets as the
# selectors above, with the same instances; the prefetches run as the ORM's.

_pair_topics = CompiledInstances(
    lambda place_ids: ParticipantTopic.objects.filter(participant_id__in=place_ids)
    .order_by("interest", "-strength", "topic__name"),
    fields=ALL, related={"topic": ALL}, place_ids=list)
_phase_prompts = CompiledInstances(
    lambda program_id, phase, topic_ids: DirectedPrompt.objects.filter(
        program_id=program_id, phase=phase).filter(
        Q(topic__isnull=True) | Q(topic__in=topic_ids)).order_by("position", "id"),
    fields=ALL, related={"topic": ALL}, program_id=int, phase=str, topic_ids=list)
_phase_prompts_without_topics = CompiledInstances(
    lambda program_id, phase: DirectedPrompt.objects.filter(
        program_id=program_id, phase=phase, topic__isnull=True).order_by("position", "id"),
    fields=ALL, related={"topic": ALL}, program_id=int, phase=str)
_audience_resources = CompiledInstances(
    lambda program_id, audience: Resource.objects.filter(
        program_id=program_id, audience__in=[Audience.BOTH, audience]).order_by("position", "id"),
    fields=ALL, program_id=int, audience=str)
_pair_sessions = CompiledInstances(
    lambda pair_id: MentoringSession.objects.filter(pair_id=pair_id).order_by("starts_at", "id"),
    fields=ALL, related=_with_paths("cancelled_by__membership__user"), pair_id=int)
_my_session_ratings = CompiledQuery(
    lambda participant_id, session_ids: SessionRating.objects.filter(
        participant_id=participant_id, session_id__in=session_ids)
    .values_list("session_id", "value"),
    participant_id=int, session_ids=list)
_pair_goals = CompiledInstances(
    lambda pair_id: Goal.objects.filter(pair_id=pair_id).order_by("created_at", "id"),
    fields=ALL, pair_id=int)
_visible_commitments = CompiledInstances(
    lambda pair_id, participant_id: Commitment.objects.filter(pair_id=pair_id).filter(
        Q(owner_id=participant_id) | Q(shared_with_partner=True)).order_by("due_date", "id"),
    fields=ALL, related={"session": ALL}, pair_id=int, participant_id=int)
_open_action_items = CompiledInstances(
    lambda pair_id: ActionItem.objects.filter(pair_id=pair_id, done_at__isnull=True)
    .order_by("done_at", "due_date", "id"),
    fields=ALL, related={"session": ALL}, pair_id=int)
_pair_notes = CompiledInstances(
    lambda author_id, pair_id: PrivateNote.objects.filter(
        author_id=author_id, pair_id=pair_id, session__isnull=True).order_by("-updated_at", "-id"),
    fields=ALL, author_id=int, pair_id=int)


def _topic_rows(pair: Pair) -> dict[int, list[ParticipantTopic]]:
    rows: dict[int, list[ParticipantTopic]] = {pair.mentor_id: [], pair.mentee_id: []}
    for row in _pair_topics(place_ids=[pair.mentor_id, pair.mentee_id]):
        rows[row.participant_id].append(row)
    return rows


def _shared_topics(mine: list[ParticipantTopic], theirs: list[ParticipantTopic]) -> list[Topic]:
    """Topics one of them can teach and the other wants to learn, or both want to learn."""
    def of(rows, interest):
        return {row.topic_id: row.topic for row in rows if row.interest == interest}

    my_teach, my_learn = of(mine, TopicInterest.TEACH), of(mine, TopicInterest.LEARN)
    their_teach, their_learn = of(theirs, TopicInterest.TEACH), of(theirs, TopicInterest.LEARN)
    shared = {**{k: v for k, v in my_teach.items() if k in their_learn},
              **{k: v for k, v in their_teach.items() if k in my_learn},
              **{k: v for k, v in my_learn.items() if k in their_learn}}
    return sorted(shared.values(), key=lambda t: t.name.casefold())


def partner_card(*, pair: Pair, membership: Membership,
                 partner_topics: list[ParticipantTopic] | None = None,
                 now: datetime | None = None) -> PartnerCard:
    """The partner's public part, their weekly availability shown in the reader's zone for
    the current week. ``partner_topics`` defaults to the partner's prefetched topics."""
    now = now or timezone.now()
    organization = pair.cohort.organization
    me, partner = me_in(pair, membership), partner_in(pair, membership)
    my_tz = time_zone_of(me, organization)
    if partner_topics is None:
        partner_topics = list(partner.topics.all())
    today = now.astimezone(slots.zone(my_tz)).date()
    availability = slots.windows_in_zone(person_of(partner, organization), my_tz, today)
    return PartnerCard(
        name=partner.membership.user.display_name, role=partner.role,
        role_label=partner.get_role_display(), job_title=partner.profile.job_title,
        department=partner.profile.department, bio=partner.profile.bio,
        teaches=[r.topic.name for r in partner_topics if r.interest == TopicInterest.TEACH],
        learns=[r.topic.name for r in partner_topics if r.interest == TopicInterest.LEARN],
        availability=[slots.window_label(w) for w in availability],
        time_zone=time_zone_of(partner, organization))


def pairs_with_partner_topics(*, membership: Membership) -> QuerySet[Pair]:
    """:func:`pairs_of_membership` with both people's topics prefetched (for lists)."""
    rows = ParticipantTopic.objects.select_related("topic").order_by(
        "interest", "-strength", "topic__name")
    return pairs_of_membership(membership=membership).prefetch_related(
        Prefetch("mentor__topics", queryset=rows), Prefetch("mentee__topics", queryset=rows))


def workspace(*, pair: Pair, membership: Membership, now: datetime | None = None) -> Workspace:
    """Everything the pair's page shows to one of its two people (about ten queries)."""
    now = now or timezone.now()
    organization = pair.cohort.organization
    program = pair.cohort.program
    me, partner = me_in(pair, membership), partner_in(pair, membership)
    my_tz = time_zone_of(me, organization)
    topics = _topic_rows(pair)
    partner_topics = topics[partner.pk]
    today = now.astimezone(slots.zone(my_tz)).date()
    card = partner_card(pair=pair, membership=membership, partner_topics=partner_topics,
                        now=now)
    shared = _shared_topics(topics[me.pk], partner_topics)
    phase = cohort_phase(start=pair.cohort.start_date, end=pair.cohort.end_date, today=today)
    if shared:
        prompts = _phase_prompts(program_id=program.pk, phase=phase,
                                 topic_ids=[t.pk for t in shared])
    else:
        prompts = _phase_prompts_without_topics(program_id=program.pk, phase=phase)
    audience = Audience.MENTOR if me.role == ParticipantRole.MENTOR else Audience.MENTEE
    resources = _audience_resources(program_id=program.pk, audience=audience)
    sessions = _pair_sessions(pair_id=pair.pk)
    prefetch_related_objects(sessions, "session_topics__topic")
    upcoming = [s for s in sessions if s.is_scheduled and s.ends_at > now]
    past = [s for s in reversed(sessions) if s not in upcoming]
    goals = _pair_goals(pair_id=pair.pk)
    prefetch_related_objects(goals, *_goal_prefetches())
    notes = _pair_notes(author_id=me.pk, pair_id=pair.pk)
    return Workspace(
        pair=pair, me=me, partner=partner, my_role=me.role, writable=pair_is_writable(pair),
        time_zone=my_tz, partner_card=card, phase=phase, phase_label=Phase(phase).label,
        prompts=prompts, shared_topics=shared, resources=resources, upcoming=upcoming,
        past=past, my_ratings=dict(_my_session_ratings(
            participant_id=me.pk, session_ids=[s.pk for s in sessions])) if sessions else {},
        goals=goals,
        commitments=_visible_commitments(pair_id=pair.pk, participant_id=me.pk),
        open_actions=_open_action_items(pair_id=pair.pk),
        pair_note=notes[0] if notes else None,
        people={pair.mentor_id: pair.mentor.membership.user.display_name,
                pair.mentee_id: pair.mentee.membership.user.display_name},
    )


# --- the start page --------------------------------------------------------------------------

@dataclass
class DueItem:
    text: str
    due: date | None
    url_name: str
    kwargs: dict
    url: str = ""  # filled in by the web layer


@dataclass
class PairSummary:
    pair: Pair
    partner_name: str
    next_session: MentoringSession | None
    next_label: str
    due: list[DueItem]


# Every start page runs these three: compiled once per number of pairs (core.compiled).
_home_sessions = CompiledInstances(
    lambda pair_ids, since: MentoringSession.objects.filter(
        pair_id__in=pair_ids, status=SessionStatus.SCHEDULED, starts_at__gte=since)
    .order_by("starts_at", "id"),
    fields=("pair", "starts_at", "duration_minutes", "status"), pair_ids=list, since=datetime)
_home_action_items = CompiledInstances(
    lambda pair_ids, owner_ids, due_by: ActionItem.objects.filter(
        pair_id__in=pair_ids, owner_id__in=owner_ids, done_at__isnull=True)
    .filter(Q(due_date__isnull=True) | Q(due_date__lte=due_by)).order_by("due_date", "id"),
    fields=("pair", "text", "due_date"), pair_ids=list, owner_ids=list, due_by=date)
_home_commitments = CompiledInstances(
    lambda pair_ids, owner_ids, due_by: Commitment.objects.filter(
        pair_id__in=pair_ids, owner_id__in=owner_ids, due_date__lte=due_by,
        outcome__in=("pending", "not_yet")).order_by("due_date", "id"),
    fields=("pair", "text", "due_date"), pair_ids=list, owner_ids=list, due_by=date)


def home_summaries(*, membership: Membership, now: datetime | None = None,
                   horizon_days: int = 7, pairs: list[Pair] | None = None
                   ) -> list[PairSummary]:
    """For the start page: each active pair's next session (in the viewer's zone) and what
    is due within a week (the viewer's open action items and commitments). Four queries, or
    three when ``pairs`` are the membership's pairs already loaded (as
    :func:`pairs_of_membership` loads them: the start page shares them between panels)."""
    now = now or timezone.now()
    if pairs is None:
        pairs = list(pairs_of_membership(membership=membership))
    pairs = [p for p in pairs if p.status == PairStatus.ACTIVE]
    if not pairs:
        return []
    pair_ids = [p.pk for p in pairs]
    upcoming: dict[int, MentoringSession] = {}
    for session in _home_sessions(pair_ids=pair_ids, since=now - timedelta(hours=4)):
        if session.ends_at > now:
            upcoming.setdefault(session.pair_id, session)
    my_ids = [me_in(p, membership).pk for p in pairs]
    due_by = (now + timedelta(days=horizon_days)).date()
    due: dict[int, list[DueItem]] = {pk: [] for pk in pair_ids}
    for item in _home_action_items(pair_ids=pair_ids, owner_ids=my_ids, due_by=due_by):
        due[item.pair_id].append(DueItem(text=item.text, due=item.due_date,
                                         url_name="sessions:action_item",
                                         kwargs={"pair_pk": item.pair_id,
                                                 "action_pk": item.pk}))
    for commitment in _home_commitments(pair_ids=pair_ids, owner_ids=my_ids, due_by=due_by):
        due[commitment.pair_id].append(DueItem(
            text=commitment.text, due=commitment.due_date, url_name="sessions:commitment",
            kwargs={"pair_pk": commitment.pair_id, "commitment_pk": commitment.pk}))
    summaries = []
    for pair in pairs:
        me = me_in(pair, membership)
        session = upcoming.get(pair.pk)
        summaries.append(PairSummary(
            pair=pair, partner_name=partner_in(pair, membership).membership.user.display_name,
            next_session=session,
            next_label=local_label(session.starts_at, session.duration_minutes,
                                   time_zone_of(me, pair.cohort.organization))
            if session else "", due=due[pair.pk]))
    return summaries
