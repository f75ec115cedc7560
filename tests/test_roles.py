"""Role permissions on every org route (from the views' ``allowed_roles`` /
``allowed_write_roles``), plus the pages whose roles matter most, spelled out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from core.tenancy import organization_scope
from tests.org_routes import ORG_ROUTES

pytestmark = pytest.mark.django_db

ROLES = [Role.ADMIN, Role.EXECUTIVE, Role.MEMBER]
READS = ("get", "head", "options")
ROUTES = pytest.mark.parametrize("route", ORG_ROUTES, ids=str)


# The people and organizations of the shared world (tests/isolation_fixtures.py): built once
# for the module instead of once per test.

@pytest.fixture
def organization(shared_world):
    return shared_world.organization


@pytest.fixture
def admin_user(shared_world):
    return shared_world.admin_user


@pytest.fixture
def executive_user(shared_world):
    return shared_world.executive_user


@pytest.fixture
def member_user(shared_world):
    return shared_world.member_user


@pytest.fixture
def org_url(organization, org_url_kwargs):
    def build(route) -> str:
        with organization_scope(organization):
            return route.url(organization.slug, org_url_kwargs)

    return build


def signed_in_clients(users_by_role) -> dict[str, Client]:
    """One signed-in client per role, signed in before any snapshot (signing in writes)."""
    clients = {}
    for role, user in users_by_role.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


@ROUTES
def test_get_head_and_options_follow_allowed_roles(route, org_url, users_by_role,
                                                   db_snapshot):
    """For every role: HEAD and OPTIONS answer like GET, allowed where GET is (never a server
    error) and 403 where GET is (changing nothing)."""
    route.assert_guarded()
    url = org_url(route)
    allowed = route.allowed_roles("GET")
    clients = signed_in_clients(users_by_role)
    problems = []

    before = db_snapshot()
    for role in (r for r in ROLES if r not in allowed):
        statuses = {method: getattr(clients[role], method)(url).status_code
                    for method in READS}
        if statuses != dict.fromkeys(READS, 403):
            problems.append(f"{role} may not open {route} but got {statuses}")
    assert db_snapshot() == before, "a refused read changed the database"

    first = Role.ADMIN if Role.ADMIN in allowed else sorted(allowed)[0]
    for role in (r for r in ROLES if r in allowed):
        responses = {method: getattr(clients[role], method)(url) for method in READS}
        statuses = {method: response.status_code for method, response in responses.items()}
        if any(s in (403, 404) or s >= 500 for s in statuses.values()) \
                or statuses["head"] != statuses["get"]:
            problems.append(f"{role} may open {route} but got {statuses}")
        # the samples are real: the URL works for org A's own HR admin (or, on a route admins
        # may not open, for the first role that may); POST-only routes say so
        get = responses["get"]
        if role == first and not (get.status_code < 400 or (
                get.status_code == 405 and "POST" in get["Allow"])):
            problems.append(f"{url} answered {get.status_code} to org A's own {role}: the "
                            "sample objects in org_url_kwargs (tests/conftest.py) do not fit "
                            "this route")

    assert not problems, "\n".join(problems)


def _write_denied():
    """Routes where some role may not write; unguarded routes too, so that
    ``assert_guarded`` reports them."""
    for route in ORG_ROUTES:
        view = route.view_class
        if view is None or not hasattr(view, "allowed_roles") or \
                set(ROLES) - route.allowed_roles("POST"):
            yield route


@pytest.mark.parametrize("route", list(_write_denied()), ids=str)
def test_post_refused_to_roles_that_may_not_write(route, org_url, users_by_role,
                                                 db_snapshot):
    route.assert_guarded()
    denied = [role for role in ROLES if role not in route.allowed_roles("POST")]
    url = org_url(route)
    clients = signed_in_clients(users_by_role)
    before = db_snapshot()

    statuses = {}
    for role in denied:
        statuses[role] = clients[role].post(url, {"name": "Renamed", "anonymity_threshold": 9,
                                           "role": "admin",
                                           "email": "new@acme.example"}).status_code

    assert statuses == dict.fromkeys(denied, 403)
    assert db_snapshot() == before


def test_member_cannot_open_admin_pages(member_client, org_url):
    admin_pages = [r for r in ORG_ROUTES
                   if not r.is_api and r.allowed_roles("GET") == {Role.ADMIN}]
    assert "org_settings" in {r.name for r in admin_pages}

    for route in admin_pages:
        response = member_client.get(org_url(route))

        assert response.status_code == 403, route


def test_member_cannot_invite(member_client, organization, db_snapshot):
    before = db_snapshot()

    response = member_client.post(
        reverse("member_invite", kwargs={"org_slug": organization.slug}),
        {"email": "friend@acme.example", "role": Role.ADMIN},
    )

    assert response.status_code == 403
    assert db_snapshot() == before


def test_executive_cannot_change_settings(client, executive_user, organization):
    client.force_login(executive_user)
    url = reverse("org_settings", kwargs={"org_slug": organization.slug})

    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "Exec Corp", "time_zone": "UTC",
                                 "anonymity_threshold": 3})

    assert response.status_code == 403
    unchanged = Organization.objects.get(pk=organization.pk)
    assert (unchanged.name, unchanged.time_zone, unchanged.anonymity_threshold) == (
        "Acme Retail", "Europe/London", 5)


def test_executive_and_member_see_the_org_home(client, executive_user, member_user,
                                               organization):
    url = reverse("org_home", kwargs={"org_slug": organization.slug})
    for user in (executive_user, member_user):
        client.force_login(user)

        response = client.get(url)

        assert response.status_code == 200
        assert response.context["membership"].user == user


# --- executives read aggregates only (design.md, "Roles and privacy") ------------------------

#: URL kwargs that name a person, a pair, or something one of them wrote, answered or was
#: proposed for: a route that takes one shows someone, never an aggregate.
PERSONAL_KWARGS = frozenset({
    "participant_pk", "membership_pk", "invitation_pk", "pair_pk", "session_pk", "action_pk",
    "goal_pk", "commitment_pk", "alert_pk", "run_pk", "proposal_pk", "decision_pk",
    "batch_pk", "token"})
#: The only routes with a survey in the URL that executives may open: its results, which are
#: aggregates of at least k answers and never free text (feedback/selectors.py).
EXECUTIVE_SURVEY_ROUTES = frozenset({"feedback:results", "feedback:results_csv",
                                     "api_survey_results"})
#: Routes that show a named pair or person, their answers, notes, summaries or free text,
#: spelled out so that none can be opened to executives by a change of allowed_roles unseen.
NAMED_PERSON_ROUTES = frozenset({
    # a pair and its workspace: sessions, summaries, notes, goals, commitments, check-ins
    "sessions:workspace", "sessions:session_list", "sessions:session_detail",
    "sessions:session_note", "sessions:pair_note", "sessions:goal_detail",
    "sessions:commitment", "sessions:action_item", "sessions:cohort_commitments",
    "checkins:check_in", "checkins:fit_check", "checkins:mine",
    "api_pair", "api_pairs", "api_sessions", "api_session", "api_session_note",
    "api_pair_note", "api_my_notes", "api_goals", "api_goal", "api_commitments",
    "api_commitment", "api_pair_check_in", "api_my_check_ins", "api_my_fit_checks",
    # pairs and people as HR and their partners see them
    "matching:my_pairs", "matching:pair_hr", "matching:pair_health",
    "matching:pair_health_csv", "matching:run_detail", "api_matching_pairs",
    "api_matching_pair", "api_matching_my_pairs", "api_matching_proposals",
    "programs:participant_profile", "programs:participant_program", "programs:cohort_roster",
    "programs:cohort_roster_csv", "programs:member_search", "participant-list",
    "participant-detail", "membership-list", "org_settings",
    # people invited into cohorts (HR's API)
    "cohort-invitation-list", "cohort-invitation-detail", "cohort-invitation-resend",
    # HR alerts (a pair, a reason, the person's wish to talk)
    "checkins:hr_alerts_all", "checkins:hr_alerts", "checkins:hr_alert", "api_hr_alerts",
    "api_hr_alert",
    # survey answers: the answer form, one's own responses, the survey as HR builds it
    "feedback:answer", "feedback:my_surveys", "feedback:survey_detail", "api_my_surveys",
    "api_my_survey", "api_my_survey_responses",
    # HR analytics: its operational lists name pairs and people
    "dashboards:hr", "dashboards:hr_print", "dashboards:hr_csv", "dashboards:hr_panel_csv",
})


def _executive_routes() -> list:
    return [r for r in ORG_ROUTES if Role.EXECUTIVE in r.allowed_roles("GET")]


def _denied_to_executives() -> list:
    return [r for r in ORG_ROUTES if Role.EXECUTIVE not in r.allowed_roles("GET")]


def test_no_route_an_executive_may_open_names_a_person_or_a_pair():
    for route in ORG_ROUTES:
        route.assert_guarded()
    naming = {r.name: sorted(PERSONAL_KWARGS & set(r.kwargs)) for r in _executive_routes()
              if PERSONAL_KWARGS & set(r.kwargs)}
    surveys = {r.name for r in _executive_routes() if "survey_pk" in r.kwargs}

    assert naming == {}, "routes open to executives that name a person or a pair"
    assert surveys <= EXECUTIVE_SURVEY_ROUTES, "a survey route other than its results"


def test_executives_are_denied_every_route_that_names_a_person_or_a_pair():
    denied = {r.name for r in _denied_to_executives()}
    names = {r.name for r in ORG_ROUTES}
    by_kwarg = {r.name for r in ORG_ROUTES if PERSONAL_KWARGS & set(r.kwargs)}

    assert names >= NAMED_PERSON_ROUTES, f"renamed or gone: {NAMED_PERSON_ROUTES - names}"
    assert NAMED_PERSON_ROUTES - denied == set()
    assert by_kwarg - denied == set()
    # the executive's own way in is open
    assert {"dashboards:dashboard", "dashboards:print", "dashboards:csv",
            "dashboards:panel_csv", "feedback:results_list", "org_home"} <= names - denied


def test_an_executive_is_refused_every_named_person_route(org_url, executive_user,
                                                          db_snapshot):
    """The routes above, asked for by a signed-in executive: 403 each, nothing changed."""
    client = Client()
    client.force_login(executive_user)
    routes = [r for r in ORG_ROUTES
              if r.name in NAMED_PERSON_ROUTES or PERSONAL_KWARGS & set(r.kwargs)]
    urls = {route.name: org_url(route) for route in routes}
    before = db_snapshot()

    statuses = {name: client.get(url).status_code for name, url in urls.items()}

    assert len(statuses) >= len(NAMED_PERSON_ROUTES)
    assert {name: status for name, status in statuses.items() if status != 403} == {}
    assert db_snapshot() == before
