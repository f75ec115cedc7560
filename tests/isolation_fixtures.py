"""A shared world for the isolation and role tests: organization A (Acme) with an HR admin, an
executive and a member, and organization B (Globex) full of data whose every text carries a
unique marker (``ZZMARKER-<n>``), so a response to A's people that shows any of B's data
is caught by a substring search.

The world is built once per test module (:func:`shared_world`, inside an outer transaction
rolled back at the end of the module; each test runs in a savepoint inside it), because the
enumerated tests run hundreds of times. A test module opts in by overriding the people and
organization fixtures from tests/conftest.py with the ones of the world::

    @pytest.fixture
    def organization(shared_world):
        return shared_world.organization

Registered in tests/conftest.py through ``pytest_plugins``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection, models, transaction

from accounts.models import ApiToken, Organization, Role, User, hash_token
from core.models import Notification
from core.tenancy import organization_scope, scopes_disabled

MARKER = "ZZMARKER"
MARKER_PATTERN = re.compile(rf"{MARKER}-\d+", re.IGNORECASE)

#: Request parameters (form fields, serializer fields, filters) that carry a row's id, and
#: which of organization B's rows the isolation tests send in them (keys of
#: ``World.other_ids``). tests/test_isolation.py fails on an id parameter missing here.
ID_PARAMS: dict[str, str] = {
    "cohort": "cohort",
    "program": "program",
    "copy_from": "program",
    "topic": "topic",
    "target": "topic",
    "source": "topic",
    "focus_areas": "topic",
    "teach": "topic",
    "learn": "topic",
    "mentor": "mentor",
    "mentee": "mentee",
    "participant": "mentor",
    "requested_partners": "mentor",
    "excluded_partners": "mentee",
    "manager": "membership",
    "membership": "membership",
    "level": "level",
    "first": "proposal",
    "second": "other_proposal",
    "proposal": "proposal",
    "run": "run",
    "pair": "pair",
    "invitation": "invitation",
    "batch": "batch",
    "user": "user",
    "question": "question",
    "topics": "topic",
}
#: Id parameters that take a list in JSON bodies.
MANY_ID_PARAMS = {"focus_areas", "teach", "learn", "requested_partners", "excluded_partners",
                  "topics"}

#: Values for the other fields of the forms and serializers, so that a request carrying B's
#: ids is otherwise valid (and would act on them if they were accepted).
PLAIN_FIELDS: dict[str, Any] = {
    "name": "Probe", "purpose": "Probe purpose", "email": "probe@acme.example",
    "role": Role.MEMBER, "kind": "lock", "decision": "approve", "reason": "probe",
    "action": "merge", "text": "Probe prompt", "title": "Probe", "body": "Probe body",
    "url": "https://acme.example/probe", "start_date": "2027-01-11",
    "end_date": "2027-06-30", "start_from": "blank", "override_reason": "probe",
    "phase": "kickoff", "audience": "both", "learning_goals": "Probe goals", "note": "probe",
    "capacity": 2, "status": "active", "time_zone": "Europe/London",
    "anonymity_threshold": 5,
}


@dataclass
class World:
    organization: Organization
    other_organization: Organization
    admin_user: User
    executive_user: User
    member_user: User
    other_admin_user: User
    other_ids: dict[str, int] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)  # marker -> what carries it
    other_token: ApiToken | None = None

    @property
    def users_by_role(self) -> dict[str, User]:
        return {Role.ADMIN: self.admin_user, Role.EXECUTIVE: self.executive_user,
                Role.MEMBER: self.member_user}

    def mark(self, what: str) -> str:
        marker = f"{MARKER}-{len(self.markers) + 1}"
        self.markers[marker] = what
        return marker

    def form_data(self) -> dict[str, Any]:
        """A form body (or query string) with B's id in every id parameter."""
        topic = self.other_ids["topic"]
        return {**PLAIN_FIELDS,
                **{name: self.other_ids[key] for name, key in ID_PARAMS.items()},
                f"teach_{topic}": 3, f"learn_{topic}": 3}

    def json_data(self) -> dict[str, Any]:
        data = self.form_data()
        for name in MANY_ID_PARAMS:
            data[name] = [data[name]]
        return data

    def leaks(self, content: bytes) -> list[str]:
        """B's markers found in a response body, each with what carries it."""
        found = {m.upper() for m in MARKER_PATTERN.findall(content.decode("utf-8", "replace"))}
        return sorted(f"{m} ({self.markers.get(m, '?')})" for m in found)


def response_content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _person(world: World, organization: Organization, role: str, *, email: str | None = None,
            full_name: str | None = None):
    from tests.factories.accounts import MembershipFactory, UserFactory

    user = UserFactory(email=email or f"{world.mark('email').lower()}@globex.example",
                       full_name=full_name or world.mark("person's name"))
    return MembershipFactory(organization=organization, role=role, user=user)


def _fill_other_organization(world: World) -> None:
    """Organization B with a marker in every text a page or API could show."""
    from matching.models import DecisionKind, MatchingRun, Pair, PairDecision, Proposal, RunStatus
    from programs.models import (
        Cohort,
        CohortInvitation,
        CohortStatus,
        DirectedPrompt,
        ImportBatch,
        Participant,
        ParticipantTopic,
        Profile,
        Program,
        Resource,
        SeniorityLevel,
        Topic,
    )
    from tests.factories.accounts import InvitationFactory

    org = world.other_organization
    mark = world.mark
    ids = world.other_ids
    with organization_scope(org):
        admin = world.other_admin_user.memberships.get()
        level = SeniorityLevel.objects.create(organization=org, rank=1,
                                              name=mark("seniority level"))
        topic = Topic.objects.create(organization=org, name=mark("topic name"),
                                     slug=mark("topic slug").lower(),
                                     description=mark("topic description"))
        program = Program.objects.create(
            organization=org, name=mark("program name"), slug=mark("program slug").lower(),
            purpose=mark("program purpose"), objectives=[mark("program objective")],
            guidelines=mark("program guidelines"),
            confidentiality_statement=mark("confidentiality statement"))
        program.focus_areas.set([topic])
        DirectedPrompt.objects.create(organization=org, program=program, topic=topic,
                                      text=mark("prompt text"))
        Resource.objects.create(organization=org, program=program, title=mark("resource"),
                                body=mark("resource body"),
                                url=f"https://{mark('resource link').lower()}.example/")
        cohort = Cohort.objects.create(
            organization=org, program=program, name=mark("cohort name"),
            slug=mark("cohort slug").lower(), start_date=dt.date(2027, 1, 11),
            end_date=dt.date(2027, 6, 30), status=CohortStatus.MATCHING,
            enrollment_token=mark("enrollment token").lower())
        people = {}
        for role in ("mentor", "mentee", "spare"):
            membership = _person(world, org, Role.MEMBER)
            profile = Profile.objects.create(
                organization=org, membership=membership, job_title=mark(f"{role}'s job title"),
                department=mark(f"{role}'s department"), level=level, manager=admin,
                location=mark(f"{role}'s location"), time_zone="Europe/Berlin",
                languages=["en"], bio=mark(f"{role}'s bio"))
            people[role] = Participant.objects.create(
                organization=org, cohort=cohort, membership=membership, profile=profile,
                role="mentee" if role == "mentee" else "mentor",
                learning_goals=mark(f"{role}'s learning goals"),
                application_note=mark(f"{role}'s application note"),
                availability=[{"weekday": 0, "start": "09:00", "end": "10:00"}])
            ParticipantTopic.objects.create(organization=org, participant=people[role],
                                            topic=topic, interest="teach", strength=3)
        people["mentee"].requested_partners.set([people["mentor"]])
        people["mentee"].excluded_partners.set([people["spare"]])
        invitation = InvitationFactory(organization=org, email=f"{mark('invitee').lower()}"
                                                               "@globex.example")
        CohortInvitation.objects.create(organization=org, invitation=invitation, cohort=cohort,
                                        role="mentee")
        batch = ImportBatch.objects.create(
            organization=org, cohort=cohort, filename=f"{mark('import file name')}.csv",
            content=f"email,name,role\n{mark('import row').lower()}@globex.example,x,mentor\n",
            content_sha256="0" * 64, row_count=1)
        run = MatchingRun.objects.create(
            organization=org, cohort=cohort, status=RunStatus.SUCCEEDED,
            error=mark("run error"), snapshot={"note": mark("run snapshot")},
            unmatched=[mark("unmatched person")],
            spare_capacity={str(people["spare"].pk): 1})
        proposal = Proposal.objects.create(
            organization=org, run=run, mentor=people["mentor"], mentee=people["mentee"],
            score=0.9, components={"topics": 0.9}, explanation=[mark("proposal explanation")])
        other_proposal = Proposal.objects.create(
            organization=org, run=run, mentor=people["spare"],
            mentee=_other_mentee(world, org, cohort, level, admin), score=0.5,
            explanation=[mark("second proposal explanation")])
        decision = PairDecision.objects.create(
            organization=org, cohort=cohort, mentor=people["mentor"], mentee=people["mentee"],
            kind=DecisionKind.LOCK, override_reason=mark("decision reason"))
        pair = Pair.objects.create(
            organization=org, cohort=cohort, mentor=people["mentor"], mentee=people["mentee"],
            run=run, score=0.9, explanation=[mark("pair explanation")],
            override_reason=mark("pair override reason"))
        _fill_workspace(world, pair)
    Notification.objects.create(
        organization=org, recipient=world.other_admin_user, email=world.other_admin_user.email,
        kind="invitation", key=mark("notification key"), subject=mark("notification subject"),
        body_text=mark("notification body"), link=f"/o/{org.slug}/")
    world.other_token = ApiToken.objects.create(
        user=world.other_admin_user, name=mark("API token name"), prefix="zzmark",
        key_hash=hash_token(mark("API token key")))
    ids.update(cohort=cohort.pk, program=program.pk, topic=topic.pk, level=level.pk,
               mentor=people["mentor"].pk, mentee=people["mentee"].pk,
               membership=people["mentor"].membership_id, proposal=proposal.pk,
               other_proposal=other_proposal.pk, run=run.pk, decision=decision.pk,
               pair=pair.pk, invitation=invitation.pk, batch=batch.pk,
               user=world.other_admin_user.pk, token=world.other_token.pk)
    with organization_scope(org):
        _fill_surveys(world, org, cohort, people)


def _fill_surveys(world: World, org: Organization, cohort, people) -> None:
    """B's survey: a marker in its title, intro, questions, options and released answers."""
    from django.utils import timezone

    from feedback.models import Answer, Question, Response, Survey

    today = timezone.localdate()
    mark = world.mark
    survey = Survey.objects.create(
        organization=org, cohort=cohort, kind="midpoint", title=mark("survey title"),
        intro=mark("survey intro"), opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=3), published_at=timezone.now())
    question = Question.objects.create(organization=org, survey=survey, kind="single",
                                       text=mark("question text"), position=1,
                                       choices=[mark("option"), "Other"])
    comment = Question.objects.create(organization=org, survey=survey, kind="text",
                                      text=mark("free-text question"), position=2)
    Response.objects.create(organization=org, survey=survey, participant=people["mentor"],
                            responded_on=today)
    Answer.objects.bulk_create([Answer(organization=org, survey=survey, question=comment,
                                       role="mentor", department="", released_on=today,
                                       text=mark("free-text answer")) for _ in range(10)])
    world.other_ids.update(survey=survey.pk, question=question.pk)


def _fill_workspace(world: World, pair) -> None:
    """B's pair has a workspace: a session, its log and action item, a goal with an update, a
    commitment and private notes, every text marked."""
    from django.utils import timezone

    from sessions.models import (
        ActionItem,
        Commitment,
        Goal,
        GoalUpdate,
        MentoringSession,
        PrivateNote,
    )

    mark, org = world.mark, pair.organization
    session = MentoringSession.objects.create(
        organization=org, pair=pair, starts_at=timezone.now() - dt.timedelta(days=3),
        duration_minutes=45, status="happened", location=mark("session location"),
        agenda=mark("session agenda"), summary=mark("session summary"),
        cancel_reason=mark("session cancel reason"))
    ActionItem.objects.create(organization=org, pair=pair, session=session,
                              owner=pair.mentor, text=mark("action item"))
    goal = Goal.objects.create(organization=org, pair=pair, owner=pair.mentee,
                               title=mark("goal title"), why=mark("goal why"),
                               success_measure=mark("goal measure"))
    GoalUpdate.objects.create(organization=org, goal=goal, author=pair.mentee, percent=10,
                              comment=mark("goal update"))
    Commitment.objects.create(organization=org, pair=pair, owner=pair.mentee,
                              text=mark("commitment"), shared_with_partner=True,
                              due_date=timezone.localdate(), outcome_note=mark("outcome"))
    PrivateNote.objects.create(organization=org, author=pair.mentee, pair=pair,
                               text=mark("private note"))
    PrivateNote.objects.create(organization=org, author=pair.mentor, pair=pair,
                               session=session, text=mark("private session note"))
    world.other_ids.update(session=session.pk, goal=goal.pk)


def _other_mentee(world, org, cohort, level, admin):
    from programs.models import Participant, Profile

    membership = _person(world, org, Role.MEMBER)
    profile = Profile.objects.create(organization=org, membership=membership, level=level,
                                     manager=admin, job_title=world.mark("job title"),
                                     bio=world.mark("bio"))
    return Participant.objects.create(organization=org, cohort=cohort, membership=membership,
                                      profile=profile, role="mentee",
                                      learning_goals=world.mark("learning goals"))


def build_world() -> World:
    from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory

    organization = OrganizationFactory(name="Acme Retail", slug="acme")
    users = {
        role: MembershipFactory(organization=organization, role=role,
                                user=UserFactory(email=email)).user
        for role, email in ((Role.ADMIN, "hr@acme.example"),
                            (Role.EXECUTIVE, "exec@acme.example"),
                            (Role.MEMBER, "maya@acme.example"))
    }
    world = World(organization=organization, other_organization=None, admin_user=users["admin"],
                  executive_user=users["executive"], member_user=users["member"],
                  other_admin_user=None)
    world.other_organization = OrganizationFactory(name=f"Globex {world.mark('org name')}",
                                                   slug="globex")
    world.other_admin_user = _person(world, world.other_organization, Role.ADMIN,
                                     email="hr@globex.example").user
    _person(world, world.other_organization, Role.EXECUTIVE)
    _fill_other_organization(world)
    with organization_scope(world.other_organization):
        _fill_records(world)
    return world


def _fill_records(world: World) -> None:
    """The rest of B's tables (tests/test_isolation.py checks that every tenant table has a
    row of B): pair history, session topics, ratings, edit log and calendar file, goal
    topics, a survey draft, a pending and an attributed answer."""
    from django.utils import timezone

    from feedback.models import AttributedAnswer, PendingAnswer, Question, Response, SurveyDraft
    from matching.models import Pair, PairEvent
    from programs.models import Topic
    from sessions.models import (
        CalendarInvite,
        Goal,
        GoalTopic,
        MentoringSession,
        SessionChange,
        SessionRating,
        SessionTopic,
    )

    mark, ids, org = world.mark, world.other_ids, world.other_organization
    pair = Pair.objects.get(pk=ids["pair"])
    session = MentoringSession.objects.get(pk=ids["session"])
    topic = Topic.objects.get(pk=ids["topic"])
    question = Question.objects.get(pk=ids["question"])
    PairEvent.objects.create(organization=org, pair=pair, kind="paused", actor_role="mentee",
                             note=mark("pair event note"))
    SessionTopic.objects.create(organization=org, session=session, topic=topic)
    SessionRating.objects.create(organization=org, session=session, participant=pair.mentee,
                                 value=2)
    SessionChange.objects.create(organization=org, session=session, actor=pair.mentee,
                                 kind="scheduled", changes=[{
                                     "field": "location", "old": mark("old location"),
                                     "new": mark("new location")}])
    CalendarInvite.objects.create(organization=org, session=session, sequence=99,
                                  method="REQUEST",
                                  ics=f"BEGIN:VCALENDAR\r\nSUMMARY:{mark('calendar')}\r\n"
                                      "END:VCALENDAR\r\n")
    GoalTopic.objects.create(organization=org, goal=Goal.objects.get(pk=ids["goal"]),
                             topic=topic)
    SurveyDraft.objects.create(organization=org, survey=question.survey,
                               participant=pair.mentee,
                               data={str(question.pk): mark("survey draft")})
    PendingAnswer.objects.create(organization=org, survey=question.survey, question=question,
                                 role="mentee", department="", text=mark("pending answer"))
    response = Response.objects.create(organization=org, survey=question.survey,
                                       participant=pair.mentee, session=session,
                                       responded_on=timezone.localdate())
    AttributedAnswer.objects.create(organization=org, response=response,
                                    survey=question.survey, question=question,
                                    text=mark("attributed answer"))
    _fill_check_ins(world, pair)


def _fill_check_ins(world: World, pair) -> None:
    """B's pair has a check-in schedule, an answered check-in that raised an HR alert (the
    person's words shared with HR), a fit check's "no" and its re-match case."""
    from django.utils import timezone

    from sessions.models import CheckIn, CheckInSchedule, FitCheck, HRAlert

    mark, org = world.mark, world.other_organization
    CheckInSchedule.objects.create(organization=org, cohort=pair.cohort, cadence_days=21)
    check_in = CheckIn.objects.create(
        organization=org, pair=pair, participant=pair.mentee, period=1,
        due_on=timezone.localdate(), status="answered", score=1, blockers=["relationship"],
        blocker_text=mark("check-in text"), agenda_set_by="partner", candour=1,
        wants_hr_contact=True, share_text_with_hr=True, answered_at=timezone.now())
    fit = FitCheck.objects.create(organization=org, pair=pair, participant=pair.mentor,
                                  answer="no", answered_at=timezone.now())
    alert = HRAlert.objects.create(
        organization=org, cohort=pair.cohort, pair=pair, participant=pair.mentee,
        kind="check_in", reasons=["low_score", "relationship"], check_in=check_in,
        shared_text=mark("alert shared text"), resolution_note=mark("alert resolution note"))
    HRAlert.objects.create(organization=org, cohort=pair.cohort, pair=pair,
                           participant=pair.mentor, kind="rematch", reasons=["not_working"],
                           fit_check=fit, resolution_note=mark("re-match note"))
    world.other_ids.update(alert=alert.pk)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Organizations A and B (see the module docstring), built once for the test module in
    a transaction that is rolled back after its last test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # tests' own atomics nest in it as savepoints
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _rows_of(model: type[models.Model], organization: Organization, user_ids: list[int]):
    """The rows of ``model`` that belong to ``organization`` or its people (or ``None``)."""
    rows = model._base_manager.all()  # the plain manager: tests compare every tenant's rows
    names = {f.name: f for f in model._meta.get_fields() if f.concrete}
    if model is Organization:
        return rows.filter(pk=organization.pk)
    if "organization" in names:
        return rows.filter(organization=organization)
    if model is User:
        return rows.filter(pk__in=user_ids)
    relations = [f for f in names.values() if f.is_relation and f.many_to_one]
    for relation in relations:
        if relation.related_model is User:
            return rows.filter(**{f"{relation.name}__in": user_ids})
    for relation in relations:
        if "organization" in {f.name for f in relation.related_model._meta.get_fields()}:
            return rows.filter(**{f"{relation.name}__organization": organization})
    return None


@pytest.fixture
def org_snapshot(db):
    """``org_snapshot(organization)``: every row of ``organization``, of its members' accounts
    and of the tables joining them, to prove a request of another organization changed none.

    The per-table queries are compiled once per organization (the first call) and then run as
    plain SQL in one cursor: the sweep takes two snapshots per route.
    """
    models_ = [m for m in django_apps.get_models(include_auto_created=True)
               if m._meta.managed and not m._meta.proxy]
    compiled: dict[int, list[tuple[str, str, tuple]]] = {}

    def queries(organization: Organization) -> list[tuple[str, str, tuple]]:
        if organization.pk not in compiled:
            with scopes_disabled():  # tests read every tenant's rows on purpose
                user_ids = list(User.objects.filter(memberships__organization=organization)
                                .values_list("pk", flat=True))
                found = []
                for model in models_:
                    rows = _rows_of(model, organization, user_ids)
                    if rows is not None:
                        sql, params = rows.values_list().query.sql_with_params()
                        found.append((model._meta.label, sql, params))
            compiled[organization.pk] = found
        return compiled[organization.pk]

    def snapshot(organization: Organization) -> dict[str, list]:
        result = {}
        with connection.cursor() as cursor:
            for label, sql, params in queries(organization):
                cursor.execute(sql, params)
                result[label] = sorted(cursor.fetchall(), key=repr)
        return result

    return snapshot
