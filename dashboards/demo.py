"""Demo data for the dashboards: Acme's Autumn cohort (``sessions/demo.py``) grows into a
program an executive would recognise, so that the dashboard has something honest to say.

Forty more people join the cohort's ten, across eight departments, seven seniority levels
and the voluntary generation bands (two small departments, a small top level and a small
generation are merged into "Other" by the k rule). Seventeen more pairs meet every two
weeks in two rhythms (so every week has sessions), each with a make-up after a cancelled
meeting; two stopped meeting, one is slipping, one was matched late, and three matched late
and never met. Six people are still waiting for a match (four of them with incomplete
profiles), two applied and were not yet enrolled, one withdrew, and six invitations were
never accepted. Held sessions carry topics and both people's ratings; every pair has two
goals (some achieved) and its leader's commitments (some done, some not yet).

The cohort then gets a closed baseline and a closed midpoint, answered through the survey
services (answers released in blocks of k exactly as in use): focus-topic confidence before
and after, psychological safety and, at the midpoint, the would-recommend question (NPS).

Runs after the other apps' demos (``dashboards`` comes last in ``INSTALLED_APPS``).
Deterministic (one seeded generator) and idempotent: a cohort that already has the first
newcomer is left as it is. Rows are written directly (no emails), many in bulk.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.demo import DEMO_ORGS, ensure_membership, ensure_user
from accounts.models import Invitation, Membership, Organization, Role
from core.tenancy import organization_scope
from feedback import catalog
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import Question, QuestionKind, Survey
from matching.models import Pair
from programs.demo import FIRST, LAST
from programs.models import (
    Cohort,
    CohortInvitation,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    SeniorityLevel,
    Topic,
)
from programs.services import participants as participant_services
from sessions.demo import COHORT_NAME, SUMMARIES
from sessions.models import (
    Commitment,
    CommitmentOutcome,
    Goal,
    GoalStatus,
    GoalTopic,
    MentoringSession,
    SessionFormat,
    SessionRating,
    SessionStatus,
    SessionTopic,
)

ORGANIZATION = "acme"
MENTOR, MENTEE = ParticipantRole.MENTOR.value, ParticipantRole.MENTEE.value

#: The juniors (mentors) who join: (department, level rank, generation band).
JUNIORS = [
    *(("Technology", rank, band) for rank, band in
      ((1, "gen_z"), (2, "gen_z"), (3, "millennial"), (1, "gen_z"), (2, ""), (3, "millennial"))),
    *(("Marketing", rank, band) for rank, band in
      ((1, "gen_z"), (2, "gen_z"), (2, "millennial"), (3, ""))),
    *(("Customer Service", rank, band) for rank, band in
      ((1, "gen_z"), (1, "gen_z"), (2, "gen_z"), (2, "millennial"), (3, "millennial"))),
    *(("Sales", rank, band) for rank, band in ((1, "gen_z"), (2, ""), (3, "millennial"))),
    ("People", 2, "gen_z"), ("People", 3, "millennial"), ("Legal", 2, "gen_z"),
]
#: The leaders (mentees) who join.
LEADERS = [
    *(("Marketing", rank, band) for rank, band in
      ((6, "gen_x"), (7, "gen_x"), (8, ""), (7, "millennial"))),
    *(("Finance", rank, band) for rank, band in
      ((6, "gen_x"), (7, ""), (8, "boomer"), (9, "gen_x"), (8, "gen_x"))),
    *(("Operations", rank, band) for rank, band in
      ((6, "gen_x"), (7, "gen_x"), (8, ""), (9, "boomer"), (7, ""))),
    *(("Sales", rank, band) for rank, band in ((6, "millennial"), (7, "gen_x"), (8, ""))),
    ("People", 7, "gen_x"), ("Legal", 8, ""),
]
NEW_PAIRS = 17
#: How each new pair (by its index) is doing; the rest meet steadily.
NEVER_MET = {2, 9, 14}  # matched in weeks six to eight, no session held
STOPPED = {4: 4, 11: 6}  # stopped meeting after this many sessions (at risk)
SLIPPING = {16}  # skipped its last meeting
LATE = {7}  # matched in week three, steady since
#: Of those still waiting for a match, this many juniors and leaders left their profile
#: incomplete (no learning goals, no availability).
INCOMPLETE = 2
APPLIED, WITHDRAWN, INVITED = 2, 1, 6

JUNIOR_TITLES = ["Graduate Analyst", "Junior Developer", "Marketing Associate",
                 "Customer Insight Analyst", "Social Media Coordinator", "Data Analyst"]
LEADER_TITLES = ["Director", "Head of Department", "Vice President", "Regional Director"]
MENTOR_TEACH = ["AI tools", "Generative AI prompting", "Social media", "Data literacy",
                "Gen Z values"]
MENTEE_LEARN = ["AI tools", "Social media", "Data literacy"]
MENTOR_LEARN = ["Strategy", "Financial acumen", "Decision making"]
MENTEE_TEACH = ["Strategy", "Decision making", "Financial acumen", "Stakeholder management"]
LEARNING_GOALS = {MENTOR: "Understand how decisions are made at the top.",
                  MENTEE: "Use AI tools with confidence and hear what younger customers think."}
GOALS = {MENTEE: ["Prepare a board paper with an AI assistant",
                  "Run a team ritual shaped by Gen Z feedback",
                  "Read our social media data without help"],
         MENTOR: ["Present a proposal to the leadership team",
                  "Understand how the annual budget is set"]}
COMMITMENT_TEXT = "Try one new practice from our session with my team"


@dataclass
class _Place:
    participant: Participant
    role: str
    index: int


def _name(index: int) -> tuple[str, str]:
    first, last = FIRST[index % len(FIRST)], LAST[(index + 7) % len(LAST)]
    return f"{first} {last}", f"{first}.{last}".lower()


def _join(organization: Organization, cohort: Cohort, role: str, number: int, spec: tuple,
          levels: dict, topics: dict, rng: random.Random, *,
          status=ParticipantStatus.ACTIVE) -> Participant:
    """One newcomer (``number`` picks a name: juniors 0–20, the applicants and the one who
    withdrew 21–23, the invitations 24–29, leaders 30–48; unique below 60)."""
    department, rank, band = spec
    full_name, local = _name(number)
    membership = ensure_membership(organization, ensure_user(f"{local}@acme.example",
                                                             full_name), Role.MEMBER)
    profile = participant_services.profile_get_or_create(membership=membership)
    profile.job_title = rng.choice(JUNIOR_TITLES if role == MENTOR else LEADER_TITLES)
    profile.department, profile.level, profile.generation_band = department, levels[rank], band
    profile.time_zone = "Europe/London"
    profile.languages = ["en"]
    profile.save()
    participant, _ = participant_services.participant_enroll(
        cohort=cohort, membership=membership, role=role, status=status)
    participant.learning_goals = LEARNING_GOALS[role]
    participant.availability = [{"weekday": rng.randrange(5), "start": "14:00",
                                 "end": "16:00"}]
    participant.save(update_fields=["learning_goals", "availability"])
    teach, learn = (MENTOR_TEACH, MENTOR_LEARN) if role == MENTOR else (MENTEE_TEACH,
                                                                         MENTEE_LEARN)
    participant_services.participant_set_topics(
        participant=participant,
        teach={topics[name]: rng.randint(2, 3) for name in rng.sample(teach, 2)},
        learn={topics[name]: rng.randint(2, 3) for name in rng.sample(learn, 2)})
    return participant


def _pairs(juniors: list[Participant], leaders: list[Participant]) -> list[tuple]:
    """Each of the first juniors with the first free leader of another department."""
    free = list(leaders)
    pairs = []
    for mentor in juniors[:NEW_PAIRS]:
        mentee = next(m for m in free if m.profile.department != mentor.profile.department)
        free.remove(mentee)
        pairs.append((mentor, mentee))
    return pairs


def _plan(index: int, start: dt.datetime, now: dt.datetime,
          rng: random.Random) -> tuple[dt.datetime, list[tuple[dt.datetime, str, bool]]]:
    """When the pair was created and its sessions: (starts at, status, planned ahead)."""
    created = start - dt.timedelta(days=3)
    if index in NEVER_MET:
        created = start + dt.timedelta(weeks=6 + index % 3)
        first = created + dt.timedelta(days=9)
        if index % 2:  # met once on paper: the first meeting was cancelled
            return created, [(first.replace(hour=11), SessionStatus.CANCELLED, True)]
        return created, []
    if index in LATE:
        created = start + dt.timedelta(weeks=3)
    offset = 1 + index % 5 if index % 2 == 0 else 8 + index % 5  # two rhythms of two weeks
    first = max(created, start) + dt.timedelta(days=offset, hours=9 + index % 7)
    stop = STOPPED.get(index)
    plan = []
    meeting = 0
    while True:
        starts_at = first + dt.timedelta(days=14 * meeting)
        if starts_at > now - dt.timedelta(hours=12) or (stop and meeting >= stop):
            break
        if index in SLIPPING and starts_at > now - dt.timedelta(days=14):
            break
        if meeting == 2 + index % 4:  # one cancelled meeting, made up a few days later
            plan.append((starts_at, SessionStatus.CANCELLED, True))
            plan.append((starts_at + dt.timedelta(days=3), SessionStatus.HAPPENED, False))
        elif meeting == 5 and index % 3 == 0 and not stop:
            plan.append((starts_at, SessionStatus.NO_SHOW, True))
            plan.append((starts_at + dt.timedelta(days=2), SessionStatus.HAPPENED, False))
        else:
            plan.append((starts_at, SessionStatus.HAPPENED, True))
        meeting += 1
    if not stop and index not in SLIPPING:
        plan.append((first + dt.timedelta(days=14 * meeting), SessionStatus.SCHEDULED, True))
    return created, plan


def _history(organization: Organization, cohort: Cohort, pairs: list[tuple], topics: dict,
             rng: random.Random) -> dict[int, str]:
    """Pairs, sessions, topics, ratings, goals and commitments of the new pairs; returns how
    each new pair's people are doing (participant id → "steady", "stopped", "never")."""
    now = timezone.now()
    start = dt.datetime.combine(cohort.start_date, dt.time(), tzinfo=dt.UTC)
    today = timezone.localdate()
    doing: dict[int, str] = {}
    sessions, ratings, session_topics, goals, goal_topics, commitments = [], [], [], [], [], []
    for index, (mentor, mentee) in enumerate(pairs):
        created, plan = _plan(index, start, now, rng)
        pair = Pair.objects.create(organization=organization, cohort=cohort, mentor=mentor,
                                   mentee=mentee, score=round(0.6 + 0.02 * (index % 10), 2),
                                   explanation=["Shares wanted topics",
                                                "Free at the same times"])
        Pair.objects.filter(pk=pair.pk).update(created_at=created)
        state = "never" if index in NEVER_MET else "stopped" if index in STOPPED else "steady"
        doing[mentor.pk] = doing[mentee.pk] = state
        names = {"mentor": mentor.membership.user.display_name.split()[0],
                 "mentee": mentee.membership.user.display_name.split()[0]}
        learn = [t.topic for t in mentee.topics.all() if t.interest == "learn"]
        teach = [t.topic for t in mentee.topics.all() if t.interest == "teach"]
        held = []
        for number, (starts_at, status, planned) in enumerate(plan):
            happened = status == SessionStatus.HAPPENED
            session = MentoringSession(
                organization=organization, pair=pair, starts_at=starts_at,
                duration_minutes=45, was_scheduled=planned,
                format=SessionFormat.IN_PERSON if number % 4 == 0 else SessionFormat.VIDEO,
                meeting_url="" if number % 4 == 0 else "https://meet.example/flipside-demo",
                location="Room 2.07, head office" if number % 4 == 0 else "",
                status=status, created_by=mentee,
                logged_by=mentor if status != SessionStatus.SCHEDULED else None,
                logged_at=starts_at + dt.timedelta(hours=3)
                if status != SessionStatus.SCHEDULED else None,
                cancelled_by=(mentee if number % 3 else mentor)
                if status == SessionStatus.CANCELLED else None,
                cancel_reason="Clash with a client meeting"
                if status == SessionStatus.CANCELLED else "",
                actual_minutes=rng.choice([35, 45, 50, 60, 75]) if happened else None,
                summary=SUMMARIES[number % len(SUMMARIES)].format(**names) if happened else "")
            sessions.append(session)
            if not happened:
                continue
            held.append(session)
            for topic in {rng.choice(learn), rng.choice(teach)}:
                session_topics.append(SessionTopic(organization=organization, session=session,
                                                   topic=topic))
            low = state == "stopped"
            for person in (mentor, mentee):
                ratings.append(SessionRating(organization=organization, session=session,
                                             participant=person, value=rng.choice(
                                                 [2, 3, 3, 4] if low else [3, 4, 4, 5, 5])))
        for owner, side in ((mentee, MENTEE), (mentor, MENTOR)):
            status = GoalStatus.NOT_STARTED
            if held:
                status = GoalStatus.IN_PROGRESS
                if state == "steady" and (index + (side == MENTOR)) % 3 == 0:
                    status = GoalStatus.ACHIEVED
            goal = Goal(organization=organization, pair=pair, owner=owner,
                        title=GOALS[side][index % len(GOALS[side])], status=status,
                        target_date=cohort.end_date - dt.timedelta(days=14),
                        objectives=list(cohort.program.objectives or [])[:1])
            goals.append(goal)
            owner_learns = [t.topic for t in owner.topics.all() if t.interest == "learn"]
            goal_topics.append((goal, owner_learns[0]))
        for number, session in enumerate(held[1::2][:3]):
            due = session.starts_at.date() + dt.timedelta(days=14)
            answered = due < today and not (state == "stopped" and number > 0)
            outcome = CommitmentOutcome.PENDING
            if answered:
                outcome = rng.choice([CommitmentOutcome.DONE, CommitmentOutcome.DONE,
                                      CommitmentOutcome.PARTLY, CommitmentOutcome.NOT_YET]
                                     if state == "steady" else [CommitmentOutcome.NOT_YET])
            commitments.append(Commitment(
                organization=organization, pair=pair, owner=mentee, session=session,
                text=COMMITMENT_TEXT, due_date=due, shared_with_partner=True, outcome=outcome,
                asked_at=dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC)
                if due <= today else None,
                answered_at=dt.datetime.combine(due + dt.timedelta(days=2), dt.time(9),
                                                tzinfo=dt.UTC) if answered else None))
    MentoringSession.objects.bulk_create(sessions)
    SessionTopic.objects.bulk_create(session_topics)
    SessionRating.objects.bulk_create(ratings)
    Goal.objects.bulk_create(goals)
    GoalTopic.objects.bulk_create([GoalTopic(organization=organization, goal=goal, topic=topic)
                                   for goal, topic in goal_topics])
    Commitment.objects.bulk_create(commitments)
    return doing


def _invitations(organization: Organization, cohort: Cohort, admin: Membership | None) -> None:
    """Invitations sent for the cohort and never accepted."""
    for index in range(INVITED):
        _, local = _name(24 + index)
        invitation = Invitation.objects.create(
            organization=organization, email=f"{local}@acme.example", role=Role.MEMBER,
            invited_by=admin.user if admin else None)
        CohortInvitation.objects.create(organization=organization, invitation=invitation,
                                        cohort=cohort, role=MENTOR if index % 2 else MENTEE)


# --- surveys -------------------------------------------------------------------------------

def _confidence(stage: str, state: str, rng: random.Random) -> int:
    if stage == "baseline":
        return rng.choice([1, 2, 2, 2, 3, 3])
    if state == "never":
        return rng.choice([1, 2, 2, 3])
    if state == "stopped":
        return rng.choice([2, 3, 3, 4])
    return rng.choice([3, 4, 4, 4, 5, 5])


def _value(question: Question, stage: str, state: str, rng: random.Random):
    if question.kind == QuestionKind.NPS:
        if state == "never":
            return rng.choice([3, 5, 6, 7])
        return rng.choice([10, 10, 9, 9, 9, 8, 8, 7, 6] if state == "steady"
                          else [8, 7, 6, 5])
    if question.kind == QuestionKind.SCALE:
        if stage == "baseline":
            return rng.choice([2, 3, 3, 4])
        return rng.choice([4, 4, 5, 5, 3] if state == "steady" else [2, 3, 3, 4])
    if question.kind == QuestionKind.SINGLE:
        return rng.choice(question.choices)
    if question.kind == QuestionKind.MULTIPLE:
        return rng.sample(question.choices, 1)
    return None  # free texts are left blank here (the pilot's surveys have them)


def _answer(survey: Survey, places: list[Participant], doing: dict[int, str], stage: str,
            rng: random.Random) -> None:
    for place in places:
        state = doing.get(place.pk, "steady")
        answers = []
        for question in feedback_selectors.questions_for_respondent(survey=survey,
                                                                    participant=place):
            if question.kind == QuestionKind.TOPIC_SCALE:
                answers.extend(feedback_services.AnswerInput(
                    question_id=question.pk, topic_id=topic.pk,
                    value=_confidence(stage, state, rng))
                    for topic in feedback_selectors.respondent_topics(participant=place))
                continue
            value = _value(question, stage, state, rng)
            if value is not None:
                answers.append(feedback_services.AnswerInput(question_id=question.pk,
                                                             value=value))
        feedback_services.response_submit(survey=survey, participant=place, answers=answers)


def _surveys(organization: Organization, cohort: Cohort, doing: dict[int, str],
             rng: random.Random) -> None:
    """A closed baseline (weeks before the start) and a closed midpoint (weeks eight and
    nine) with focus-topic confidence added, so the dashboard compares before and after."""
    today = timezone.now().astimezone(ZoneInfo(organization.time_zone or "UTC")).date()
    places = list(Participant.objects.filter(cohort=cohort, status=ParticipantStatus.ACTIVE)
                  .select_related("profile", "cohort__program").order_by("pk"))
    for template, stage, opens, closes, share in (
            ("baseline", "baseline", -10, 4, 0.9), ("midpoint", "midpoint", 56, 69, 0.85)):
        survey = feedback_services.survey_create(cohort=cohort, actor=None, template=template,
                                                 opens_on=today, closes_on=today)
        if stage == "midpoint":
            question = feedback_services.question_create(
                survey=survey, kind=QuestionKind.TOPIC_SCALE,
                text=catalog.TOPIC_CONFIDENCE.text, help_text=catalog.TOPIC_CONFIDENCE.help_text)
            Question.objects.filter(pk=question.pk).update(
                builtin_key=catalog.TOPIC_CONFIDENCE.key, position=0)
        Survey.objects.filter(pk=survey.pk).update(published_at=timezone.now())
        survey.refresh_from_db()
        respondents = [place for place in places if rng.random() < share
                       and (stage == "baseline" or doing.get(place.pk) != "never"
                            or rng.random() < 0.5)]
        _answer(survey, respondents, doing, stage, rng)
        feedback_services.survey_close(survey=survey)
        Survey.objects.filter(pk=survey.pk).update(
            opens_on=cohort.start_date + dt.timedelta(days=opens),
            closes_on=cohort.start_date + dt.timedelta(days=closes))


# --- the cohort ----------------------------------------------------------------------------

def _seed_organization(organization: Organization) -> None:
    cohort = Cohort.objects.filter(name=COHORT_NAME).select_related("program").first()
    first_email = f"{_name(0)[1]}@acme.example"
    if cohort is None or Participant.objects.filter(
            cohort=cohort, membership__user__email=first_email).exists():
        return
    rng = random.Random(f"flipside-dashboard-demo-{organization.slug}")  # noqa: S311  demo
    levels = {level.rank: level for level in SeniorityLevel.objects.all()}
    topics = {topic.name: topic for topic in Topic.objects.filter(
        name__in={*MENTOR_TEACH, *MENTOR_LEARN, *MENTEE_TEACH, *MENTEE_LEARN})}
    juniors = [_join(organization, cohort, MENTOR, index, spec, levels, topics, rng)
               for index, spec in enumerate(JUNIORS)]
    leaders = [_join(organization, cohort, MENTEE, 30 + index, spec, levels, topics, rng)
               for index, spec in enumerate(LEADERS)]
    others = [_join(organization, cohort, role, 21 + index, spec, levels, topics, rng,
                    status=status)
              for index, (role, spec, status) in enumerate(
                  [(MENTOR, ("Technology", 1, "gen_z"), ParticipantStatus.APPLIED),
                   (MENTEE, ("Finance", 7, ""), ParticipantStatus.APPLIED),
                   (MENTEE, ("Operations", 8, "gen_x"), ParticipantStatus.ACTIVE)][
                      :APPLIED + WITHDRAWN])]
    Participant.objects.filter(pk=others[-1].pk).update(status=ParticipantStatus.WITHDRAWN)
    placed = Participant.objects.filter(pk__in=[p.pk for p in (*juniors, *leaders)]) \
        .select_related("profile", "membership__user").prefetch_related("topics__topic")
    by_pk = {p.pk: p for p in placed}
    pairs = _pairs([by_pk[p.pk] for p in juniors], [by_pk[p.pk] for p in leaders])
    matched = {person.pk for pair in pairs for person in pair}
    for side in (juniors, leaders):
        for person in [p for p in side if p.pk not in matched][:INCOMPLETE]:
            person = by_pk[person.pk]
            person.learning_goals, person.availability = "", []
            person.save(update_fields=["learning_goals", "availability"])
            participant_services.participant_refresh_completeness(participant=person)
    doing = _history(organization, cohort, pairs, topics, rng)
    admin = Membership.objects.filter(user__email="hr@acme.example").first()
    _invitations(organization, cohort, admin)
    _surveys(organization, cohort, doing, rng)


def seed(stdout) -> list[tuple[str, str]]:
    spec = next(s for s in DEMO_ORGS if s.slug == ORGANIZATION)
    organization = Organization.objects.get(slug=spec.slug)
    with organization_scope(organization):
        _seed_organization(organization)
    return []
