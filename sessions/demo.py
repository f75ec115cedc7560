"""Demo data for the workspace: an active cohort, started four months ago, whose pairs have
a realistic history — sessions every two weeks (a few cancelled or missed), shared summaries,
topics, action items, ratings, two-way goals with progress, commitments (some done, some
slipping) — pairs that stopped meeting (slipping), one that is paused, one that ended (with
its reason and history), and upcoming sessions.

``manage.py seed_demo`` calls :func:`seed` after the programs demo (apps in
``INSTALLED_APPS`` order). Safe to run again: an organization that has the cohort is left as
it is. Rows are written directly (no emails are sent).
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.demo import DEMO_ORGS, ensure_membership, ensure_user
from accounts.models import Membership, Organization, Role
from core.tenancy import organization_scope
from matching.models import (
    Pair,
    PairEndReason,
    PairEvent,
    PairEventActor,
    PairEventKind,
    PairStatus,
)
from programs import services
from programs.models import CohortStatus, Program, SeniorityLevel, Topic
from programs.services import participants as participant_services
from sessions.checkins.demo import seed_check_ins
from sessions.models import (
    ActionItem,
    Commitment,
    CommitmentOutcome,
    Goal,
    GoalStatus,
    GoalTopic,
    GoalUpdate,
    MentoringSession,
    PrivateNote,
    SessionFormat,
    SessionRating,
    SessionStatus,
    SessionTopic,
)

COHORT_NAME = "Autumn cohort"
WEEKS_AGO = 17

#: (mentor local part, mentee local part, how the pair is doing): on track (meets every two
#: weeks, makes up a missed meeting), slipping (met regularly, nothing for two and a half
#: weeks), stalled (stopped meeting after its fourth: at risk), paused, ended
PAIRS = {
    "acme": [("maya", "grace", "on_track"), ("leo", "tom", "stalled"),
             ("priya", "sam", "slipping"), ("nina", "omar", "ended"),
             ("ivy", "raj", "paused")],
    "globex": [("ana", "ben", "on_track"), ("chloe", "dev", "slipping")],
}
#: People of the pairs that ended or paused (not among the accounts demo's members).
EXTRA_PEOPLE = {"acme": [("nina", "Nina Park"), ("omar", "Omar Haddad"),
                         ("ivy", "Ivy Chen"), ("raj", "Raj Mehta")]}
#: The ended pair's reason and the paused pair's note, as their people gave them.
ENDED_NOTE = "Omar moved to the Singapore office and could no longer meet in our hours."
PAUSED_NOTE = "Parental leave for Raj; we pick up again when he is back."
MENTOR_PROFILE = {"job_title": "Graduate Analyst", "department": "Technology",
                  "time_zone": "Europe/London", "level": 2}
MENTEE_PROFILES = [
    {"job_title": "Chief Financial Officer", "department": "Finance",
     "time_zone": "America/New_York", "level": 9},
    {"job_title": "VP Operations", "department": "Operations", "time_zone": "Europe/Berlin",
     "level": 8},
    {"job_title": "Head of Sales", "department": "Sales", "time_zone": "Europe/London",
     "level": 7},
]
SUMMARIES = [
    "Kick-off: we agreed to meet every two weeks and to keep what we say between us. "
    "{mentee} wants to **use AI tools** with confidence; {mentor} wants to see how "
    "decisions are made at the top.",
    "We tried three AI assistants on a real board paper. Summaries were good, the numbers "
    "needed checking. {mentor} showed how to write a prompt with context and a format.",
    "Social media: how younger customers find us (TikTok first, search second). {mentee} "
    "shared how the marketing budget is decided each year.",
    "Data literacy: reading a dashboard critically. We looked at where last quarter's "
    "figures come from and what they leave out.",
    "Reverse shadowing: {mentor} sat in on a leadership meeting and we debriefed. Lots to "
    "unpack about how trade-offs are argued.",
    "Gen Z values at work: flexibility, purpose, feedback. What {mentee} could change in "
    "team rituals.",
    "Prompting for analysis: {mentee} prepared the weekly report with an assistant and we "
    "reviewed what worked.",
    "Mid-point review of our goals; {mentor} presented a budget proposal to {mentee} for "
    "feedback.",
]
ACTIONS = ["Share a prompt library for board papers", "Send the TikTok trend report",
           "Book a reverse-shadowing slot", "Read the budget process memo",
           "Try the meeting summariser for a week", "Draft a one-page strategy note"]
TOPICS = ["AI tools", "Generative AI prompting", "Social media", "Data literacy",
          "Gen Z values", "Strategy", "Decision making", "Financial acumen"]
#: What each side wants from the program, in their own words (a complete profile has them).
LEARNING_GOALS = {
    "mentor": "See how strategy is made at the top and learn to argue for my team's ideas.",
    "mentee": "Use AI tools with confidence and understand what our youngest customers expect.",
}
COMMITMENTS = ["Try an AI assistant for my weekly report",
               "Add a junior voice to the product review",
               "Post once a week on LinkedIn about our sustainability work",
               "Ask my team for feedback in a short anonymous survey"]


def _place(organization: Organization, cohort, membership: Membership, role: str,
           profile: dict, levels: dict, topics: dict, rng: random.Random):
    record = participant_services.profile_get_or_create(membership=membership)
    if not record.job_title:
        record.job_title, record.department = profile["job_title"], profile["department"]
        record.time_zone = profile["time_zone"]
        record.level = levels.get(profile["level"])
        record.languages = record.languages or ["en"]
        record.bio = ("Curious about how the business really works." if role == "mentor"
                      else "Twenty years in the business; keen to learn how our youngest "
                           "customers think.")
        record.save()
    participant, created = participant_services.participant_enroll(
        cohort=cohort, membership=membership, role=role)
    if created:
        # the same three hours for both people of a pair (14:00-17:00 UTC today), written in
        # each person's own zone, so the demo pairs get suggested times whatever zones their
        # profiles already had
        hour = min(20, dt.datetime.combine(timezone.localdate(), dt.time(14), tzinfo=dt.UTC)
                   .astimezone(ZoneInfo(record.time_zone or "UTC")).hour)
        participant.availability = [{"weekday": day, "start": f"{hour:02d}:00",
                                     "end": f"{hour + 3:02d}:00"} for day in (0, 1, 3)]
        participant.learning_goals = LEARNING_GOALS[role]
        participant.save(update_fields=["availability", "learning_goals"])
        teach, learn = (TOPICS[:5], TOPICS[5:]) if role == "mentor" else (TOPICS[5:],
                                                                          TOPICS[:5])
        participant_services.participant_set_topics(
            participant=participant,
            teach={topics[name]: rng.randint(2, 3) for name in rng.sample(teach, 2)
                   if name in topics},
            learn={topics[name]: rng.randint(2, 3) for name in rng.sample(learn, 2)
                   if name in topics})
    return participant


def _history(pair: Pair, health: str, cohort_start: dt.date, topics: dict,
             rng: random.Random) -> None:
    now = timezone.now()
    organization_id = pair.organization_id
    mentor, mentee = pair.mentor, pair.mentee
    names = {"mentor": mentor.membership.user.display_name.split()[0],
             "mentee": mentee.membership.user.display_name.split()[0]}
    stop_after = {"stalled": 4, "ended": 3, "paused": 6}.get(health, 99)
    quiet_since = now - dt.timedelta(days=18) if health == "slipping" else now - dt.timedelta(
        days=2)
    first = dt.datetime.combine(cohort_start + dt.timedelta(days=3), dt.time(14, 0),
                                tzinfo=dt.UTC)
    held = []
    plan = []  # (index, start, status, planned ahead)
    for index in range(WEEKS_AGO // 2 + 1):
        starts_at = first + dt.timedelta(days=14 * index)
        if starts_at > quiet_since or index >= stop_after:
            break
        status = SessionStatus.HAPPENED
        if index == 3:
            status = SessionStatus.CANCELLED
        elif index == 6 and health == "on_track":
            status = SessionStatus.NO_SHOW
        plan.append((index, starts_at, status, True))
        if status != SessionStatus.HAPPENED and health in ("on_track", "slipping"):
            # the pairs on track make up for a missed meeting a few days later
            plan.append((index, starts_at + dt.timedelta(days=4, hours=1),
                         SessionStatus.HAPPENED, False))
    for index, starts_at, status, was_scheduled in plan:
        session = MentoringSession.objects.create(was_scheduled=was_scheduled,
            organization_id=organization_id, pair=pair, starts_at=starts_at,
            duration_minutes=45, format=SessionFormat.VIDEO if index % 3 else
            SessionFormat.IN_PERSON, meeting_url="https://meet.example/flipside-demo"
            if index % 3 else "", location="" if index % 3 else "Room 4.12, head office",
            status=status, created_by=mentee, logged_by=mentor,
            logged_at=starts_at + dt.timedelta(hours=2),
            cancelled_by=mentee if status == SessionStatus.CANCELLED else None,
            cancel_reason="Board meeting moved" if status == SessionStatus.CANCELLED else "",
            actual_minutes=rng.choice([40, 45, 50, 60]) if status == SessionStatus.HAPPENED
            else None,
            summary=SUMMARIES[index % len(SUMMARIES)].format(**names)
            if status == SessionStatus.HAPPENED else "")
        if status != SessionStatus.HAPPENED:
            continue
        held.append(session)
        for name in rng.sample(TOPICS, 2):
            if name in topics:
                SessionTopic.objects.create(organization_id=organization_id, session=session,
                                            topic=topics[name])
        for person in (mentor, mentee):
            SessionRating.objects.create(organization_id=organization_id, session=session,
                                         participant=person, value=rng.choice([3, 4, 4, 5]))
        owner = mentor if index % 2 else mentee
        ActionItem.objects.create(
            organization_id=organization_id, pair=pair, session=session, owner=owner,
            created_by=mentor, text=ACTIONS[index % len(ACTIONS)],
            due_date=(starts_at + dt.timedelta(days=10)).date(),
            done_at=starts_at + dt.timedelta(days=8)
            if starts_at < now - dt.timedelta(days=20) and index % 3 != 2 else None)
    if health == "on_track":
        upcoming = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=4),
                                       dt.time(14, 0), tzinfo=dt.UTC)
        MentoringSession.objects.create(
            organization_id=organization_id, pair=pair, starts_at=upcoming,
            duration_minutes=45, meeting_url="https://meet.example/flipside-demo",
            agenda="- Review the weekly report made with AI\n- Plan the reverse-shadowing day",
            created_by=mentee)
    _goals(pair, health, held, topics, rng)
    _commitments(pair, health, held)
    if held:
        PrivateNote.objects.create(organization_id=organization_id, author=mentor, pair=pair,
                                   text="Private: I was nervous before the first session; it "
                                        "went better than expected.")


def _goals(pair: Pair, health: str, held: list, topics: dict, rng: random.Random) -> None:
    organization_id = pair.organization_id
    objectives = list(pair.cohort.program.objectives or [])
    plans = [
        (pair.mentee, "Use an AI assistant for board preparation",
         "Board papers take me a full day each month.",
         "Two board papers prepared with an assistant and checked by me.", "AI tools"),
        (pair.mentor, "Understand how budget decisions are made",
         "I want to argue for my team's projects in the language leadership uses.",
         "Present one budget proposal to a director.", "Financial acumen"),
    ]
    for owner, title, why, measure, topic in plans:
        goal = Goal.objects.create(
            organization_id=organization_id, pair=pair, owner=owner, title=title, why=why,
            success_measure=measure, objectives=objectives[:1],
            target_date=pair.cohort.end_date - dt.timedelta(days=14),
            status=GoalStatus.IN_PROGRESS if held else GoalStatus.NOT_STARTED)
        if topic in topics:
            GoalTopic.objects.create(organization_id=organization_id, goal=goal,
                                     topic=topics[topic])
        percent = 0
        for session in held[1::2]:
            percent = min(percent + rng.choice([15, 20, 25]), 100)
            GoalUpdate.objects.create(organization_id=organization_id, goal=goal,
                                      author=owner, on_date=session.starts_at.date(),
                                      percent=percent, comment="Progress after our session.")
        if held:
            partner = pair.mentor if owner.pk == pair.mentee_id else pair.mentee
            GoalUpdate.objects.create(organization_id=organization_id, goal=goal,
                                      author=partner, on_date=held[-1].starts_at.date(),
                                      comment="Great step, keep going!")
        if percent >= 100:
            goal.status = GoalStatus.ACHIEVED
            goal.save(update_fields=["status"])


def _commitments(pair: Pair, health: str, held: list) -> None:
    today = timezone.localdate()
    outcomes = [CommitmentOutcome.DONE, CommitmentOutcome.PARTLY, CommitmentOutcome.DONE,
                CommitmentOutcome.NOT_YET]
    for index, session in enumerate(held[::2][:4]):
        due = session.starts_at.date() + dt.timedelta(days=14)
        answered = due < today and not (health in ("slipping", "stalled") and index > 0)
        Commitment.objects.create(
            organization_id=pair.organization_id, pair=pair, owner=pair.mentee,
            session=session, text=COMMITMENTS[index % len(COMMITMENTS)], due_date=due,
            shared_with_partner=index != 2,
            outcome=outcomes[index] if answered else CommitmentOutcome.PENDING,
            outcome_note="Worked well, I will keep doing it." if answered and index == 0
            else "", answered_at=timezone.now() if answered else None,
            asked_at=timezone.now() if due <= today else None)
    if health == "on_track":
        Commitment.objects.create(
            organization_id=pair.organization_id, pair=pair, owner=pair.mentee,
            text="Use the meeting summariser in my staff meeting", shared_with_partner=True,
            due_date=today + dt.timedelta(days=3))


def _lifecycle(pair: Pair, health: str, admin: Membership | None) -> None:
    """The ended pair ended eight weeks ago (asked by the mentee, confirmed by HR, with the
    reason); the paused pair paused three weeks ago until four weeks from now. The pair's
    history records both, as the lifecycle services would."""
    now = timezone.now()
    hr = admin.user if admin is not None else None
    if health == "ended":
        asked, ended = now - dt.timedelta(weeks=8, days=2), now - dt.timedelta(weeks=8)
        PairEvent.objects.create(
            organization_id=pair.organization_id, pair=pair, kind=PairEventKind.END_REQUESTED,
            actor=pair.mentee.membership.user, actor_role=PairEventActor.MENTEE,
            reason=PairEndReason.NO_LONGER_AVAILABLE, note=ENDED_NOTE, at=asked)
        PairEvent.objects.create(
            organization_id=pair.organization_id, pair=pair, kind=PairEventKind.ENDED,
            actor=hr, actor_role=PairEventActor.ADMIN,
            reason=PairEndReason.NO_LONGER_AVAILABLE, at=ended,
            data={"requested_by": pair.mentee_id})
        pair.status, pair.end_reason, pair.ended_by, pair.ended_at = (
            PairStatus.ENDED, PairEndReason.NO_LONGER_AVAILABLE, hr, ended)
        pair.save(update_fields=["status", "end_reason", "ended_by", "ended_at"])
    elif health == "paused":
        paused_at = now - dt.timedelta(weeks=3)
        until = timezone.localdate() + dt.timedelta(weeks=4)
        PairEvent.objects.create(
            organization_id=pair.organization_id, pair=pair, kind=PairEventKind.PAUSED,
            actor=pair.mentee.membership.user, actor_role=PairEventActor.MENTEE,
            paused_until=until, note=PAUSED_NOTE, at=paused_at)
        pair.status, pair.paused_at, pair.paused_until = PairStatus.PAUSED, paused_at, until
        pair.save(update_fields=["status", "paused_at", "paused_until"])


def _seed_organization(organization: Organization, slug: str) -> None:
    program = Program.objects.filter(slug="digital-ai-skills-for-leaders").first()
    if program is None or program.cohorts.filter(name=COHORT_NAME).exists():
        return
    today = timezone.localdate()
    start = today - dt.timedelta(weeks=WEEKS_AGO)
    cohort = services.cohort_create(program=program, name=COHORT_NAME, start_date=start,
                                    end_date=start + dt.timedelta(weeks=26),
                                    default_mentor_capacity=1, cadence_days=14)
    cohort.status = CohortStatus.ACTIVE
    cohort.status_changed_at = timezone.now()
    cohort.save(update_fields=["status", "status_changed_at"])
    rng = random.Random(f"flipside-sessions-demo-{slug}")  # noqa: S311  demo data
    levels = {level.rank: level for level in SeniorityLevel.objects.all()}
    topics = {topic.name: topic for topic in Topic.objects.filter(name__in=TOPICS)}
    spec = next(s for s in DEMO_ORGS if s.slug == slug)
    members = {local: Membership.objects.get(user__email=f"{local}@{spec.domain}")
               for _, local in spec.members}
    for local, name in EXTRA_PEOPLE.get(slug, []):
        members[local] = ensure_membership(
            organization, ensure_user(f"{local}@{spec.domain}", name), Role.MEMBER)
    admin = Membership.objects.filter(user__email=f"hr@{spec.domain}").first()
    for index, (mentor_local, mentee_local, health) in enumerate(PAIRS[slug]):
        mentor = _place(organization, cohort, members[mentor_local], "mentor", MENTOR_PROFILE,
                        levels, topics, rng)
        mentee = _place(organization, cohort, members[mentee_local], "mentee",
                        MENTEE_PROFILES[index % len(MENTEE_PROFILES)], levels, topics, rng)
        pair = Pair.objects.create(
            organization=organization, cohort=cohort, mentor=mentor, mentee=mentee,
            score=round(0.65 + 0.05 * index, 2),
            explanation=["Shares wanted topics", "Free at the same times"])
        Pair.objects.filter(pk=pair.pk).update(
            created_at=dt.datetime.combine(start - dt.timedelta(days=3), dt.time(9),
                                           tzinfo=dt.UTC))
        _history(pair, health, start, topics, rng)
        _lifecycle(pair, health, admin=admin)


def seed(stdout) -> list[tuple[str, str]]:
    for spec in DEMO_ORGS:
        organization = Organization.objects.get(slug=spec.slug)
        with organization_scope(organization):
            _seed_organization(organization, spec.slug)
            seed_check_ins(organization=organization, cohort_name=COHORT_NAME,
                           stalled=next((p[:2] for p in PAIRS[spec.slug] if p[2] == "stalled"),
                                        None))
    return []

