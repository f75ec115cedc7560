"""Property-based API testing with schemathesis against our own OpenAPI schema.

Every operation of ``/api/schema/`` is called with generated input, signed in with an API
token as an HR admin and as a member, in process through the WSGI application against the
test database. A run fails on any 5xx and on any response that the schema does not
describe (status code, content type, body). Path parameters are pinned to organization A
and to real object ids in it (plus one id that does not exist), so requests reach the views
instead of stopping at "no such organization".

Bounded: a fixed number of examples per operation, no shrinking, derandomized, so the whole
module stays well under a minute or two.
"""

from __future__ import annotations

import copy

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.settings import import_from_string
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Membership, Role
from accounts.services import api_token_create
from core.api_schema import FlipsideAutoSchema
from core.tenancy import organization_scope
from programs.models import Topic
from programs.services import organization_defaults_ensure
from tests.factories.accounts import MembershipFactory
from tests.factories.matching import MatchingRunFactory, ProposalFactory
from tests.factories.programs import (
    CohortFactory,
    CohortInvitationFactory,
    ParticipantFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MISSING_ID = 987654321


@pytest.fixture
def world(organization, admin_user, member_user):
    """Organization A with one of everything the API's paths can name."""
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        program = ProgramFactory(organization=organization, name="Pilot")
        cohort = CohortFactory(program=program, organization=organization, name="Spring")
        member_place = ParticipantFactory(
            cohort=cohort, membership=Membership.objects.get(user=member_user), role="mentor")
        mentee = ParticipantFactory(
            cohort=cohort, role="mentee",
            membership=MembershipFactory(organization=organization, role=Role.MEMBER))
        run = MatchingRunFactory(cohort=cohort, organization=organization, succeeded=True)
        proposal = ProposalFactory(run=run, mentor=member_place, mentee=mentee)
        workspace = _workspace(organization, program, member_user, admin_user)
        ids = {
            "cohorts": cohort.pk, "programs": program.pk,
            "participants": member_place.pk, "memberships": member_place.membership_id,
            "cohort-invitations": CohortInvitationFactory(cohort=cohort).pk,
            "topics": Topic.objects.first().pk,
            "cohort_pk": cohort.pk, "run_pk": run.pk, "proposal_pk": proposal.pk,
            **_survey_ids(cohort),
            **workspace,
        }
    return organization, ids


def _workspace(organization, program, member_user, admin_user) -> dict:
    """An active pair of the member (mentor) and the admin (mentee) with one of each of its
    workspace's rows and an HR alert on it: both tokens reach the pair's endpoints."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories.checkins import HRAlertFactory
    from tests.factories.matching import PairFactory
    from tests.factories.sessions import (
        ActionItemFactory,
        CommitmentFactory,
        GoalFactory,
        MentoringSessionFactory,
        place_of,
    )

    today = timezone.localdate()
    active = CohortFactory(program=program, organization=organization, name="Autumn",
                           status="active", start_date=today - dt.timedelta(days=30),
                           end_date=today + dt.timedelta(days=150))
    windows = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
    pair = PairFactory(
        cohort=active,
        mentor=place_of(Membership.objects.get(user=member_user), active, "mentor",
                        availability=windows),
        mentee=place_of(Membership.objects.get(user=admin_user), active, "mentee",
                        availability=windows))
    session = MentoringSessionFactory(pair=pair)
    action = ActionItemFactory(session=MentoringSessionFactory(pair=pair, held=True))
    return {"pair_pk": pair.pk, "session_pk": session.pk, "action_pk": action.pk,
            "goal_pk": GoalFactory(pair=pair).pk,
            "commitment_pk": CommitmentFactory(pair=pair, shared_with_partner=True).pk,
            "alert_pk": HRAlertFactory(pair=pair).pk}


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: requests served in process must not close the test's
    database connection when they finish (it holds the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _survey_ids(cohort) -> dict:
    """An open anonymous survey of the member's cohort (the member answers it) with a question
    of each kind."""
    from feedback.models import QuestionKind
    from tests.factories.feedback import QuestionFactory, SurveyFactory

    survey = SurveyFactory(cohort=cohort, title="Midpoint")
    questions = [QuestionFactory(survey=survey, kind=kind, required=False)
                 for kind in QuestionKind.values]
    return {"survey_pk": survey.pk, "question_pk": questions[0].pk}


def _pin_path_parameters(schema: dict, org_slug: str, ids: dict) -> dict:
    schema = copy.deepcopy(schema)
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                name = parameter["name"]
                if name == "org_slug":
                    parameter["schema"] = {"type": "string", "enum": [org_slug]}
                    continue
                if name == "panel_key":  # a dashboard panel: an executive's, HR's, none
                    parameter["schema"] = {"type": "string",
                                           "enum": ["funnel", "ops_pairs_at_risk", "no-such"]}
                    continue
                segments = path.split("/")
                key = name if name in ids else segments[segments.index(f"{{{name}}}") - 1]
                parameter["schema"] = {"type": "integer", "enum": [ids[key], MISSING_ID]}
    return schema


def _generated_schema() -> dict:
    """The schema exactly as /api/schema/ serves it (same generator class)."""
    generator_class = import_from_string(
        django_settings.SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"], "generator")
    return generator_class().get_schema(public=True)


def _openapi(org_slug: str, ids: dict):
    loaded = schemathesis.openapi.from_dict(
        _pin_path_parameters(_generated_schema(), org_slug, ids))
    loaded.app = WSGIHandler()
    return loaded


def _explore(operation, headers: dict, failures: dict[str, str], calls: list[int],
             statuses: set[tuple[str, int]]):
    """A bounded Hypothesis run over one operation; the first failure of each is kept."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def explore(case):
        calls.append(1)
        cache.clear()  # throttling has its own tests; here every example must reach the view
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses.add((operation.label, response.status_code))
        except (Exception, BaseExceptionGroup) as error:  # every failure is reported below
            failures.setdefault(operation.label, f"{type(error).__name__}: {error}")

    return explore


@pytest.mark.usefixtures("keep_the_test_connection")
@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER])
def test_every_operation_answers_within_its_schema(role, world, admin_user, member_user):
    organization, ids = world
    user = admin_user if role == Role.ADMIN else member_user
    headers = {"Authorization": f"Bearer {api_token_create(user=user, name='fuzz').key}"}
    schema = _openapi(organization.slug, ids)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    calls: list[int] = []
    statuses: set[tuple[str, int]] = set()

    for operation in operations:
        _explore(operation, headers, failures, calls, statuses)()

    assert len(calls) >= len(operations)
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    reached = {label for label, status in statuses if status < 400}
    # the pinned ids are real: many operations got past validation at least once (a member
    # may use only a few of them)
    assert len(reached) >= (len(operations) // 3 if role == Role.ADMIN else 5), sorted(statuses)


def test_the_schema_documents_error_responses_on_every_operation():
    assert django_settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] == (
        f"{FlipsideAutoSchema.__module__}.{FlipsideAutoSchema.__name__}")
    schema = _generated_schema()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path, codes)
            if "{" in path:
                assert "404" in codes, (method, path, codes)
            if method in ("post", "put", "patch"):
                assert "400" in codes, (method, path, codes)
