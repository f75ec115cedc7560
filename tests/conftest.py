"""Shared fixtures: two organizations with every role, logged-in clients, tenant scopes,
service availability (PostgreSQL, Redis, Chromium) and Playwright on Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from hypothesis import settings as settings_profiles
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import organization_scope
from tests.factories.accounts import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

# CI explores the same examples on every run (a red CI then always means a code change);
# local runs keep exploring new ones.
settings_profiles.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings_profiles.load_profile("ci")

pytest_plugins = ["tests.worker_fixtures", "tests.isolation_fixtures"]

CHROMIUM = "/usr/bin/chromium"
REQUIRE_SERVICES = os.environ.get("FLIPSIDE_REQUIRE_SERVICES") == "1"
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "test-screenshots"


# --- services --------------------------------------------------------------------------------

def postgres_available() -> bool:
    return connection.vendor == "postgresql"


def redis_available() -> bool:
    return bool(settings.REDIS_URL)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, no autovacuum on the test database's tables. Tests insert rows and roll
    them back, so autovacuum finds pages of dead rows and records "N pages, 0 rows"; the planner
    then takes every table for empty, and a query with a few joins and an OR (the start page's
    pairs) becomes nested loops over whole tables: minutes instead of milliseconds, depending
    on when autovacuum ran. Without it a table keeps the statistics its migrations left (no
    pages), and the planner estimates from its real size. Production keeps autovacuum: there
    the statistics describe committed data."""
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"ALTER TABLE {connection.ops.quote_name(table)} SET "
                               "(autovacuum_enabled = false, toast.autovacuum_enabled = false)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (for failure screenshots); in CI
    (FLIPSIDE_REQUIRE_SERVICES=1) turn every skip into a failure: nothing may hide there."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if REQUIRE_SERVICES and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, where every service must be present: {report.longrepr}"


@pytest.fixture(autouse=True)
def _broker_breaker_closed():
    """Each test starts with the broker circuit breaker closed (see core/broker.py)."""
    from core.broker import broker_breaker_reset

    broker_breaker_reset()
    yield
    broker_breaker_reset()


@pytest.fixture(autouse=True)
def _requests_start_outside_the_tests_scope(monkeypatch):
    """A real server never starts a request inside a tenant scope, but a test body often
    holds one open (the ``scoped_organization`` fixture) while it calls the test client. Each
    test-client request therefore starts with no scope, as on a worker; the test's own scope
    is back when the response is returned. A request that leaves a scope open fails the test."""
    from django.test.client import ClientHandler
    from django_scopes.state import state as scope_state

    from core.tenancy import open_scope_description

    handle = ClientHandler.__call__

    def call_without_the_tests_scope(self, environ):
        token = scope_state.set(None)
        try:
            response = handle(self, environ)
            left_open = open_scope_description()
        finally:
            scope_state.reset(token)
        assert left_open is None, f"the request left a tenant scope open: {left_open}"
        return response

    monkeypatch.setattr(ClientHandler, "__call__", call_without_the_tests_scope)


# --- tenants and people ----------------------------------------------------------------------

@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Acme Retail", slug="acme")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Globex Energy", slug="globex")


def _member(organization, role, email):
    return MembershipFactory(organization=organization, role=role,
                             user=UserFactory(email=email)).user


@pytest.fixture
def admin_user(organization):
    return _member(organization, Role.ADMIN, "hr@acme.example")


@pytest.fixture
def executive_user(organization):
    return _member(organization, Role.EXECUTIVE, "exec@acme.example")


@pytest.fixture
def member_user(organization):
    return _member(organization, Role.MEMBER, "maya@acme.example")


@pytest.fixture
def other_admin_user(other_organization):
    return _member(other_organization, Role.ADMIN, "hr@globex.example")


@pytest.fixture
def users_by_role(admin_user, executive_user, member_user):
    return {Role.ADMIN: admin_user, Role.EXECUTIVE: executive_user, Role.MEMBER: member_user}


@pytest.fixture
def scoped_organization(organization):
    """The first organization, with its tenant scope open for the test body."""
    with organization_scope(organization):
        yield organization


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def member_client(client, member_user):
    client.force_login(member_user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The locmem cache holds allauth's rate-limit counters: start every test without them."""
    cache.clear()
    yield
    cache.clear()


# --- URL samples for the enumerated isolation and role tests ---------------------------------

@pytest.fixture
def org_url_kwargs(organization):
    """Sample values for the URL kwargs of every ``/o/<org_slug>/…`` and
    ``/api/v1/o/<org_slug>/…`` route, used by tests/test_isolation.py and tests/test_roles.py.

    Keys are a kwarg name (``"cohort_pk"``) or, for generic names such as DRF's ``pk``, a
    ``(url_name, kwarg)`` tuple (``("membership-detail", "pk")``), which wins over the plain
    name. Each value is a callable ``f(kwargs_so_far) -> value`` that creates a *real* object
    in ``organization`` (org A); ``kwargs_so_far`` holds the values already chosen for the
    route's earlier kwargs, so a child can belong to its parent::

        "run_pk": lambda kw: MatchingRunFactory(organization=organization,
                                                cohort_id=kw["cohort_pk"]).pk,

    The callables run inside org A's tenant scope. Add a sample here when you add a route
    with a new kwarg; the enumerated tests fail and say so until you do.
    """
    return {
        "membership_pk": lambda kw: MembershipFactory(organization=organization).pk,
        "invitation_pk": lambda kw: InvitationFactory(organization=organization).pk,
        ("membership-detail", "pk"): lambda kw: MembershipFactory(organization=organization).pk,
        "format": lambda kw: "json",
        "cohort_pk": lambda kw: _sample_cohort(organization).pk,
        "participant_pk": lambda kw: _sample_participant(organization).pk,
        # The member's own place, so a member may open it (others' profiles are 404).
        ("programs:participant_profile", "participant_pk"):
            lambda kw: _sample_participant(organization, owner_role=Role.MEMBER).pk,
        ("programs:participant_program", "participant_pk"):
            lambda kw: _sample_participant(organization, owner_role=Role.MEMBER).pk,
        ("programs:cohort_apply", "token"):
            lambda kw: _sample_cohort(organization).enrollment_token,
        "program_pk": lambda kw: _sample_program(organization).pk,
        "topic_pk": lambda kw: _sample_topic(organization).pk,
        "prompt_pk": lambda kw: _sample_prompt(organization, kw["program_pk"]).pk,
        "resource_pk": lambda kw: _sample_resource(organization, kw["program_pk"]).pk,
        "batch_pk": lambda kw: _sample_import_batch(organization, kw["cohort_pk"]).pk,
        ("program-detail", "pk"): lambda kw: _sample_program(organization).pk,
        ("cohort-detail", "pk"): lambda kw: _sample_cohort(organization).pk,
        ("cohort-import", "pk"): lambda kw: _sample_cohort(organization).pk,
        ("topic-detail", "pk"): lambda kw: _sample_topic(organization).pk,
        # The member's own place: members may read theirs (others' places are 404).
        ("participant-detail", "pk"):
            lambda kw: _sample_participant(organization, owner_role=Role.MEMBER).pk,
        # Someone invited into a cohort of the organization (HR's API only).
        ("cohort-invitation-detail", "pk"):
            lambda kw: _sample_cohort_invitation(organization).pk,
        ("cohort-invitation-resend", "pk"):
            lambda kw: _sample_cohort_invitation(organization).pk,
        "run_pk": lambda kw: _sample_run(organization, kw.get("cohort_pk")).pk,
        "proposal_pk": lambda kw: _sample_proposal(kw["run_pk"]).pk,
        "decision_pk": lambda kw: _sample_decision(organization, kw["cohort_pk"]).pk,
        # An open survey of a cohort where the member (mentor) and the HR admin (mentee) both
        # have a place: both roles that may answer it can open it.
        "survey_pk": lambda kw: _sample_survey(organization).pk,
        "question_pk": lambda kw: _sample_question(kw["survey_pk"]).pk,
        # A pair of the member (mentor) and the HR admin (mentee): only its two people may
        # open it, and both roles that may are in it.
        "pair_pk": lambda kw: _sample_pair(organization).pk,
        "session_pk": lambda kw: _sample_session(kw["pair_pk"]).pk,
        "action_pk": lambda kw: _sample_action_item(kw["pair_pk"]).pk,
        "goal_pk": lambda kw: _sample_goal(kw["pair_pk"]).pk,
        "commitment_pk": lambda kw: _sample_commitment(kw["pair_pk"]).pk,
        # An open HR alert of a pair of the organization (HR's pages only).
        "alert_pk": lambda kw: _sample_alert(organization).pk,
        # A dashboard panel every role that opens the dashboard may read (no object: the
        # keys are the same in every organization; the HR-only ones have their own tests).
        "panel_key": lambda kw: "funnel",
        # HR analytics' own CSV route: one of its HR-only lists (operations).
        ("dashboards:hr_panel_csv", "panel_key"): lambda kw: _sample_hr_panel_key(),
    }


def _sample_hr_panel_key() -> str:
    from dashboards.selectors import SECTIONS

    return next(key for section in SECTIONS if section.hr_only for key in section.keys)


def _sample_alert(organization):
    from tests.factories.checkins import HRAlertFactory
    from tests.factories.matching import PairFactory

    return HRAlertFactory(pair=PairFactory(cohort__program__organization=organization))


def _sample_program(organization):
    from tests.factories.programs import ProgramFactory

    return ProgramFactory(organization=organization)


def _sample_topic(organization):
    from tests.factories.programs import TopicFactory

    return TopicFactory(organization=organization)


def _sample_prompt(organization, program_pk):
    from tests.factories.programs import DirectedPromptFactory

    return DirectedPromptFactory(program_id=program_pk, organization=organization)


def _sample_resource(organization, program_pk):
    from tests.factories.programs import ResourceFactory

    return ResourceFactory(program_id=program_pk, organization=organization)


def _sample_cohort(organization):
    from tests.factories.programs import CohortFactory

    return CohortFactory(program__organization=organization)


def _sample_cohort_invitation(organization):
    from tests.factories.programs import CohortInvitationFactory

    return CohortInvitationFactory(cohort=_sample_cohort(organization),
                                   invitation__email="invited@acme.example")


def _sample_import_batch(organization, cohort_pk):
    from programs.imports.reading import content_sha256
    from programs.models import ImportBatch

    content = "email,name,role\nsample@acme.example,Sample,mentor\n"
    return ImportBatch.objects.create(organization=organization, cohort_id=cohort_pk,
                                      content=content, content_sha256=content_sha256(content),
                                      row_count=1)


def _sample_participant(organization, owner_role=None):
    """A participant in ``organization``; with ``owner_role``, the place of an existing member
    with that role (e.g. the ``member_user`` fixture) when there is one."""
    from accounts.models import Membership
    from programs.models import Profile
    from tests.factories.programs import ParticipantFactory

    membership = None
    if owner_role is not None:
        membership = Membership.objects.filter(organization=organization, role=owner_role) \
            .order_by("pk").first()
    if membership is None:
        return ParticipantFactory(cohort=_sample_cohort(organization))
    # a member has one profile, shared by their places (a second sample reuses it)
    profile = Profile.objects.filter(membership=membership).first()
    return ParticipantFactory(cohort=_sample_cohort(organization), membership=membership,
                              **({"profile": profile} if profile else {}))


@pytest.fixture
def db_snapshot(db):
    """A callable returning every row of every model (login sessions aside), to prove that a
    denied request changed nothing: ``before = db_snapshot(); …; assert db_snapshot() == before``.
    """

    tables = sorted({
        model._meta.db_table for model in django_apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
        and model._meta.db_table not in ("django_session", "auth_permission",
                                         "django_content_type")
    })
    quote = connection.ops.quote_name

    def snapshot() -> dict[str, list[tuple]]:
        # plain SQL, every table in one cursor: this runs twice in hundreds of tests
        rows = {}
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (model tables)
                rows[table] = sorted(cursor.fetchall(), key=repr)
        return rows

    return snapshot


# --- browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not chromium_available():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (CI installs Debian's)")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def page(page, request):
    """Playwright page that saves a screenshot under var/test-screenshots when a test fails,
    and fails the test on any Content-Security-Policy violation (tests/browser/helpers.py)."""
    from tests.browser.helpers import policy_violations, record_policy_violations

    page.set_default_timeout(15_000)
    violations = record_policy_violations(page)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{request.node.name}.png"), full_page=True)
    found = policy_violations(page, violations)
    assert not found, "the page broke its Content-Security-Policy or Permissions-Policy:\n" \
        + "\n".join(found)


@pytest.fixture(scope="session")
def _allow_async_unsafe_while_playwright_runs():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def playwright(_allow_async_unsafe_while_playwright_runs, playwright):
    """pytest-playwright's ``playwright``, with sync ORM calls allowed from its start to the
    end of the session: the sync API keeps an asyncio loop running in the main thread all that
    time, and Django refuses sync database calls next to a running loop (test database
    creation, a transactional test's flush, any test that runs after a browser test)."""
    return playwright


def _sample_pair(organization):
    """An active pair whose mentor is the organization's first member and whose mentee is
    its first HR admin (created when missing), in a cohort of its own."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Membership
    from programs.models import CohortStatus
    from tests.factories.matching import PairFactory
    from tests.factories.programs import CohortFactory
    from tests.factories.sessions import place_of

    def first(role):
        return Membership.objects.filter(organization=organization, role=role) \
            .order_by("pk").first() or MembershipFactory(organization=organization, role=role)

    today = timezone.localdate()
    cohort = CohortFactory(program__organization=organization, status=CohortStatus.ACTIVE,
                           start_date=today - dt.timedelta(days=30),
                           end_date=today + dt.timedelta(days=150))
    windows = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
    mentor = place_of(first(Role.MEMBER), cohort, "mentor", availability=windows)
    mentee = place_of(first(Role.ADMIN), cohort, "mentee", availability=windows)
    return PairFactory(cohort=cohort, mentor=mentor, mentee=mentee)


def _sample_session(pair_pk):
    from matching.models import Pair
    from tests.factories.sessions import MentoringSessionFactory

    return MentoringSessionFactory(pair=Pair.objects.get(pk=pair_pk))


def _sample_action_item(pair_pk):
    from matching.models import Pair
    from tests.factories.sessions import ActionItemFactory, MentoringSessionFactory

    session = MentoringSessionFactory(pair=Pair.objects.get(pk=pair_pk), held=True)
    return ActionItemFactory(session=session)


def _sample_goal(pair_pk):
    from matching.models import Pair
    from tests.factories.sessions import GoalFactory

    return GoalFactory(pair=Pair.objects.get(pk=pair_pk))


def _sample_commitment(pair_pk):
    """The mentee's commitment, shared with the partner (so both may open it)."""
    from matching.models import Pair
    from tests.factories.sessions import CommitmentFactory

    return CommitmentFactory(pair=Pair.objects.get(pk=pair_pk), shared_with_partner=True)


def _sample_survey(organization):
    from accounts.models import Membership
    from programs.models import Profile
    from tests.factories.feedback import QuestionFactory, SurveyFactory
    from tests.factories.programs import CohortFactory, ParticipantFactory

    cohort = CohortFactory(program__organization=organization)
    for role, place in ((Role.MEMBER, "mentor"), (Role.ADMIN, "mentee")):
        membership = Membership.objects.filter(organization=organization, role=role) \
            .order_by("pk").first() or MembershipFactory(organization=organization, role=role)
        profile = Profile.objects.filter(membership=membership).first()
        ParticipantFactory(cohort=cohort, membership=membership, role=place,
                           **({"profile": profile} if profile else {}))
    survey = SurveyFactory(cohort=cohort, title="Sample midpoint")
    QuestionFactory(survey=survey, text="Sample question")
    return survey


def _sample_question(survey_pk):
    from feedback.models import Survey
    from tests.factories.feedback import QuestionFactory

    return QuestionFactory(survey=Survey.objects.get(pk=survey_pk))


def _sample_run(organization, cohort_pk=None):
    from programs.models import Cohort
    from tests.factories.matching import MatchingRunFactory

    if cohort_pk is None:
        return MatchingRunFactory(cohort__program__organization=organization)
    return MatchingRunFactory(cohort=Cohort.objects.get(pk=cohort_pk))


def _sample_proposal(run_pk):
    from matching.models import MatchingRun
    from tests.factories.matching import ProposalFactory

    return ProposalFactory(run=MatchingRun.objects.get(pk=run_pk))


def _sample_decision(organization, cohort_pk):
    from programs.models import Cohort
    from tests.factories.matching import PairDecisionFactory

    return PairDecisionFactory(cohort=Cohort.objects.get(pk=cohort_pk))
