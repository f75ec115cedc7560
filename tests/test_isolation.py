"""Tenant isolation, proven on every route that takes an organization: who can reach it, and
what it returns.

The routes come from the URL resolver at collection time (tests/org_routes.py), so a route
added later is covered without touching this file; its URL kwargs come from the samples in
the ``org_url_kwargs`` fixture (tests/conftest.py). The people and organizations come from the
shared world of tests/isolation_fixtures.py: organization B is full of marker strings, and
no response to organization A's people (any role, any method, web and API) may contain one,
even when B's ids are put in the path, the query string or the body.
"""

from __future__ import annotations

import ast
import html.parser
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import django_filters
import pytest
from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework import serializers

from accounts.models import Role
from core.tenancy import organization_scope
from tests.isolation_fixtures import ID_PARAMS, response_content
from tests.org_routes import ALL_ROUTES, ORG_ROUTES, OrgRoute
from tests.test_route_inventory import PUBLIC_ROUTES, USER_ROUTES
from tests.test_unscoped_reads import view_and_api_modules

pytestmark = pytest.mark.django_db

ROUTES = pytest.mark.parametrize("route", ORG_ROUTES, ids=str)
ROLES = [Role.ADMIN, Role.EXECUTIVE, Role.MEMBER]
READS = ("get", "head", "options")
MISSING_PK = 987654321


# --- the shared world (tests/isolation_fixtures.py) --------------------------------------

@pytest.fixture
def organization(shared_world):
    return shared_world.organization


@pytest.fixture
def other_organization(shared_world):
    return shared_world.other_organization


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
def other_admin_user(shared_world):
    return shared_world.other_admin_user


@pytest.fixture
def org_url(organization, org_url_kwargs):
    """Build a route's URL in the first organization (org A) with real sample objects."""

    def build(route: OrgRoute) -> str:
        with organization_scope(organization):
            return route.url(organization.slug, org_url_kwargs)

    return build


def _send(client, method: str, url: str, *, api: bool, data: dict | None = None):
    """One request; ``data`` goes in the query string of reads and in the body of writes
    (form-encoded on web routes, JSON on API routes)."""
    if method in READS:
        query = f"?{urlencode(data, doseq=True)}" if data else ""
        return getattr(client, method)(url + query)
    if api:
        return getattr(client, method)(url, data or {}, content_type="application/json")
    return getattr(client, method)(url, data or {})


# --- who can reach a route ---------------------------------------------------------------

def test_there_are_web_and_api_routes_to_enumerate():
    assert any(not r.is_api for r in ORG_ROUTES)
    assert any(r.is_api for r in ORG_ROUTES)


@ROUTES
def test_every_org_route_uses_the_tenant_mixin(route):
    route.assert_guarded()


@ROUTES
def test_other_tenants_get_404_and_anonymous_visitors_are_refused(route, client, org_url,
                                                                  other_admin_user,
                                                                  db_snapshot):
    # given an admin of org B, an anonymous visitor and a URL of org A with real objects in it
    url = org_url(route)
    client.force_login(other_admin_user)
    anonymous = Client()
    before = db_snapshot()

    # when they open it, ask for its headers or its options, or post to it
    tenant = {method: getattr(client, method)(url) for method in READS}
    tenant["post"] = client.post(url, {"name": "Hijacked", "role": "admin",
                                       "email": "x@evil.example"})
    visitor = {method: getattr(anonymous, method)(url) for method in READS}
    visitor["post"] = anonymous.post(url, {"name": "Hijacked", "role": "admin"})

    # then org A does not exist for the other tenant, and the visitor must sign in first
    assert {m: r.status_code for m, r in tenant.items()} == dict.fromkeys(tenant, 404)
    for method, response in visitor.items():
        if route.is_api:
            assert response.status_code in (401, 403), method
        else:
            assert response.status_code == 302, method
            assert response.url.startswith(f"{reverse('account_login')}?next="), method
    assert db_snapshot() == before


OBJECT_ROUTES = [r for r in ORG_ROUTES if r.object_kwargs]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_object_of_another_org_through_own_org_url_is_404(route, client, organization,
                                                          org_url_kwargs, other_organization,
                                                          other_admin_user, db_snapshot):
    """An admin of org B puts org A's object ids into org B's URLs: still 404."""
    route.assert_guarded()
    with organization_scope(organization):
        url = route.url(other_organization.slug, org_url_kwargs)
    client.force_login(other_admin_user)
    before = db_snapshot()
    data = {"role": "member", "name": "Hijacked"}

    statuses = {
        "GET": client.get(url).status_code,
        "POST": client.post(url, data).status_code,
        "PATCH": client.patch(url, data, content_type="application/json").status_code,
        "DELETE": client.delete(url).status_code,
    }

    # every method is refused without revealing the object: 404, or 405 where the route
    # has no such method (403 only where admins may not write at all)
    write_refusal = {404, 405} if "admin" in route.allowed_roles("POST") else {403}
    assert statuses["GET"] in {404, 405}
    assert all(statuses[m] in write_refusal for m in ("POST", "PATCH", "DELETE")), statuses
    assert 404 in statuses.values(), statuses
    assert db_snapshot() == before


# --- what a route returns: organization B's data never reaches organization A ----------

def _methods(route) -> tuple[str, ...]:
    return (*READS, "post", "patch") if route.is_api else (*READS, "post")


def _body_methods(route) -> tuple[str, ...]:
    """Methods whose answer has a body (HEAD has none; test_roles.py checks its status)."""
    return tuple(m for m in _methods(route) if m != "head")


def _user_route_url(route, world) -> str:
    """User-scoped routes: B's API token to revoke; a pending invitation of org A to open."""
    from tests.factories.accounts import InvitationFactory

    values = {}
    if "token_pk" in route.kwargs:
        values["token_pk"] = world.other_ids["token"]
    if "token" in route.kwargs:
        values["token"] = "no-such-token"
    if route.route == "invitations/<str:token>/":
        values["token"] = InvitationFactory(organization=world.organization,
                                            email="newcomer@acme.example").token
    return reverse(route.name, kwargs=values)


SWEPT_ROUTES = [*ORG_ROUTES, *(r for r in ALL_ROUTES
                               if r.route in USER_ROUTES or r.route in PUBLIC_ROUTES)]


@pytest.mark.parametrize("route", SWEPT_ROUTES, ids=str)
def test_no_response_to_org_a_shows_or_changes_org_b(route, client, shared_world, org_url,
                                                     org_snapshot):
    """Every role of org A, every method, with B's ids in every id parameter of the query
    string and of the body: no server error, none of B's markers in any response, nothing of
    B changed."""
    url = org_url(route) if route.takes_org else _user_route_url(route, shared_world)
    form, json = shared_world.form_data(), shared_world.json_data()
    before = org_snapshot(shared_world.other_organization)
    problems = []

    for role, user in shared_world.users_by_role.items():
        client.force_login(user)
        for method in _body_methods(route):
            response = _send(client, method, url, api=route.is_api,
                             data=json if route.is_api and method not in READS else form)
            leaks = shared_world.leaks(response_content(response))
            if response.status_code >= 500 or leaks:
                problems.append(f"{method.upper()} {url} as org A's {role}: "
                                f"{response.status_code} {leaks or ''}")

    assert not problems, "\n".join(problems)
    assert org_snapshot(shared_world.other_organization) == before


def test_the_markers_would_be_seen(client, shared_world):
    """The sweep is not blind: B's own admin sees B's markers on the same pages."""
    client.force_login(shared_world.other_admin_user)
    slug = shared_world.other_organization.slug
    ids = shared_world.other_ids

    pages = {
        "topics": reverse("programs:topic_list", kwargs={"org_slug": slug}),
        "program": reverse("programs:program_detail",
                           kwargs={"org_slug": slug, "program_pk": ids["program"]}),
        "roster": reverse("programs:cohort_roster",
                          kwargs={"org_slug": slug, "cohort_pk": ids["cohort"]}),
        "run": reverse("matching:run_detail", kwargs={"org_slug": slug, "run_pk": ids["run"]}),
        "participants API": reverse("participant-list", kwargs={"org_slug": slug}),
        "cohort invitations API": reverse("cohort-invitation-list", kwargs={"org_slug": slug}),
        "pairs API": reverse("api_matching_pairs", kwargs={"org_slug": slug}),
        "notifications": reverse("notification_list"),
        "API tokens": reverse("api_tokens"),
    }

    for what, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, what
        assert shared_world.leaks(response_content(response)), f"no marker on B's {what}"


def test_the_other_org_has_rows_in_every_tenant_table(shared_world):
    """A new tenant model fails here until organization B gets a row of it (with a marker in
    its texts) in tests/isolation_fixtures.py, so the sweep above can see it leak."""
    from django.apps import apps

    from core.tenancy import TenantModel

    empty = [model._meta.label for model in apps.get_models()
             if issubclass(model, TenantModel)
             and not model._base_manager.filter(organization=shared_world.other_organization)
             .exists()]

    assert not empty, ("organization B of the shared world has no rows in these tenant "
                       f"tables; add some (texts marked with world.mark()): {empty}")


def test_schema_and_api_docs_show_no_tenant_data(admin_client, shared_world):
    for name in ("schema", "swagger-ui"):
        response = admin_client.get(reverse(name))

        assert response.status_code == 200
        assert shared_world.leaks(response_content(response)) == []


# --- every id parameter is known ----------------------------------------------------------

#: Request parameters that look like they could carry an id but do not (name → what it is).
NON_ID_PARAMS: dict[str, str] = {
    "anonymity_threshold": "the organization's k, a number",
    "cadence_days": "a number of days",
    "inactivity_days": "a number of days",
    "session_minutes": "a number of minutes",
    "default_mentor_capacity": "a number of mentees",
    "capacity": "a number of mentees",
    "min_seniority_gap": "a number of levels",
    "manager_chain_depth": "a number of levels",
    "completeness_below": "a percentage (roster filter)",
    "strength": "a 1-3 scale (response field)",
    "id": "the signed-in person's id in /api/v1/me (response only)",
    "participant_id": "a person in a proposal or pair (response only)",
    "pairs": "a count of published pairs (response only)",
    "q": "a search text",
    "page": "a page number",
    "ipage": "a page number (the settings page's pending invitations)",
    "iq": "a search text (the settings page's pending invitations)",
    "role": "a role name",
    "action": "a verb: rename, merge, retire, restore",
    "sha256": "the hash of the previewed import file",
    "fragment": "the name of a page fragment for htmx",
    "next": "a local URL to return to",
    "dry_run": "a yes/no flag",
    "duration_minutes": "a session's length in minutes",
    "actual_minutes": "how long a session lasted, in minutes",
    "rating": "a 1-5 rating of a session",
    "percent": "a goal's progress in percent",
}

PROJECT_APPS = [config.name for config in django_apps.get_app_configs()
                if Path(config.path).is_relative_to(settings.BASE_DIR)
                and "site-packages" not in config.path]


def _project_modules():
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if any(part in info.name for part in (".migrations", ".management", "__main__",
                                                  ".cli", ".tests")):
                continue
            yield importlib.import_module(info.name)


def _is_id_like_field(field_) -> bool:
    if isinstance(field_, (forms.ModelChoiceField, forms.IntegerField)):
        return True
    if isinstance(field_, (serializers.RelatedField, serializers.ManyRelatedField,
                           serializers.IntegerField)):
        return not field_.read_only
    if isinstance(field_, serializers.ListField):
        return not field_.read_only and isinstance(field_.child, serializers.IntegerField)
    return isinstance(field_, (django_filters.NumberFilter, django_filters.ModelChoiceFilter,
                               django_filters.ModelMultipleChoiceFilter))


def _ast_request_params() -> dict[str, str]:
    """Names views and APIs read straight from request.GET/POST/data/query_params."""
    found = {}
    for path in view_and_api_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            target = key = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("get", "getlist") and node.args:
                target, key = node.func.value, node.args[0]
            elif isinstance(node, ast.Subscript):
                target, key = node.value, node.slice
            if isinstance(target, ast.Attribute) and \
                    target.attr in ("GET", "POST", "data", "query_params") and \
                    isinstance(key, ast.Constant) and isinstance(key.value, str):
                found[key.value] = f"{path.name}:{node.lineno}"
    return found


def discovered_request_params() -> dict[str, str]:
    """Every form field, writable serializer field and filter that could carry an id, and
    every name read straight from the request, with where it was seen."""
    found = _ast_request_params()
    for module in _project_modules():
        for obj in vars(module).values():
            if not inspect.isclass(obj) or obj.__module__ != module.__name__:
                continue
            where = f"{obj.__module__}.{obj.__qualname__}"
            if issubclass(obj, forms.BaseForm):
                fields = obj.base_fields
            elif issubclass(obj, serializers.Serializer):
                fields = obj().fields
            elif issubclass(obj, django_filters.FilterSet):
                fields = obj.base_filters
            else:
                fields = {}
                for name in getattr(obj, "filterset_fields", None) or ():
                    model = obj.queryset.model  # a view filtering on its model's fields
                    if model._meta.get_field(name).is_relation:
                        found[name] = f"{where}.filterset_fields"
            for name, field_ in fields.items():
                if _is_id_like_field(field_):
                    found.setdefault(name, where)
    return found


def test_every_id_parameter_is_sent_with_the_other_orgs_ids():
    found = discovered_request_params()
    unknown = {name: where for name, where in found.items()
               if name not in ID_PARAMS and name not in NON_ID_PARAMS
               and not name.startswith(("teach_", "learn_"))}

    assert {"cohort", "program", "copy_from", "mentor", "mentee", "target", "manager",
            "topic", "focus_areas", "first", "second", "level"} <= set(found)
    assert not unknown, (
        "These request parameters may carry an id: add each to ID_PARAMS in "
        "tests/isolation_fixtures.py (with the row of organization B to send in it) or, if "
        f"it is no id, to NON_ID_PARAMS in tests/test_isolation.py: {unknown}")


# --- a child of another parent, another member's place -----------------------------------

NESTED_ROUTES = [r for r in ORG_ROUTES if len(r.object_kwargs) >= 2]


def _missing(value):
    return MISSING_PK if isinstance(value, int) else "no-such-object"


def _statuses(client, route, url) -> dict[str, int]:
    return {method: _send(client, method, url, api=route.is_api,
                          data=None if method in READS else {"name": "Probe"}).status_code
            for method in _methods(route)}


def test_there_are_nested_routes():
    assert {"programs:prompt_delete", "programs:cohort_import_preview",
            "matching:decision_remove", "matching:proposal_decide",
            "api_matching_proposal"} <= {r.name for r in NESTED_ROUTES}


@pytest.mark.parametrize("route", NESTED_ROUTES, ids=str)
def test_child_of_another_parent_in_the_same_org_is_404(route, client, organization,
                                                        org_url_kwargs, users_by_role,
                                                        db_snapshot):
    """A prompt of program X through program Y's URL (a batch of another cohort, a proposal
    of another run, …) is answered exactly like a child that does not exist."""
    allowed = route.allowed_roles("POST")
    client.force_login(users_by_role["admin" if "admin" in allowed else sorted(allowed)[0]])
    child = route.object_kwargs[-1]
    with organization_scope(organization):
        own = route.sample_values(organization.slug, org_url_kwargs)
        other = route.sample_values(organization.slug, org_url_kwargs)
        assert other[child] != own[child]
        mixed = route.reverse({**own, child: other[child]})
        missing = route.reverse({**own, child: _missing(own[child])})
    before = db_snapshot()

    statuses = _statuses(client, route, mixed)

    assert statuses == _statuses(client, route, missing), (
        f"{mixed}: a {child} of another parent is not answered like a missing one")
    assert 404 in statuses.values(), statuses
    assert db_snapshot() == before
    # while the child through its own parent's URL is found
    assert 404 not in _statuses(client, route, route.reverse(own)).values()


def _someone_elses_place(organization) -> int:
    from tests.factories.programs import CohortFactory, ParticipantFactory

    return ParticipantFactory(cohort=CohortFactory(program__organization=organization)).pk


#: Routes members may open with an object in the URL: how to get another member's object.
OTHER_MEMBERS_OBJECTS: dict[tuple[str, str], Callable] = {
    ("programs:participant_profile", "participant_pk"): _someone_elses_place,
    ("programs:participant_program", "participant_pk"): _someone_elses_place,
    ("participant-detail", "pk"): _someone_elses_place,
}
def _someone_elses_pair(organization) -> int:
    from tests.factories.matching import PairFactory

    return PairFactory(cohort__program__organization=organization).pk


# Every route of a pair's workspace (sessions app): a pair of two other people.
OTHER_MEMBERS_OBJECTS.update({
    (route.name, "pair_pk"): _someone_elses_pair for route in ORG_ROUTES
    if "pair_pk" in route.kwargs and route.view_class is not None
    and route.view_class.__module__.startswith("sessions.")})
# The people's own lifecycle actions on their pair (matching app): a pair of two other people.
OTHER_MEMBERS_OBJECTS.update({
    (route.name, "pair_pk"): _someone_elses_pair for route in ORG_ROUTES
    if "pair_pk" in route.kwargs and route.view_class is not None
    and route.view_class.__module__.startswith("matching.")
    and Role.MEMBER in route.allowed_roles("GET")})
def _someone_elses_survey(organization) -> int:
    """An open survey of a cohort the member has no place in."""
    from tests.factories.feedback import QuestionFactory, SurveyFactory

    survey = SurveyFactory(cohort__program__organization=organization)
    QuestionFactory(survey=survey)
    return survey.pk


# The surveys a participant answers: a survey of another cohort.
OTHER_MEMBERS_OBJECTS.update({(name, "survey_pk"): _someone_elses_survey for name in (
    "feedback:answer", "api_my_survey", "api_my_survey_responses")})
#: ... or why the object in the URL is shared with every member.
SHARED_WITH_EVERY_MEMBER = {
    "programs:cohort_apply": "the enrollment link is shared with the whole organization",
    "topic-detail": "the topic taxonomy is read by every member (they pick topics from it)",
}
MEMBER_OBJECT_ROUTES = [r for r in ORG_ROUTES
                        if Role.MEMBER in r.allowed_roles("GET") and r.object_kwargs]


def test_every_member_route_with_an_object_is_classified():
    unclassified = [r.name for r in MEMBER_OBJECT_ROUTES
                    if r.name not in SHARED_WITH_EVERY_MEMBER
                    and not any((r.name, k) in OTHER_MEMBERS_OBJECTS for k in r.object_kwargs)]

    assert MEMBER_OBJECT_ROUTES
    assert not unclassified, (
        "Members may open these routes with an object in the URL: add how to get another "
        "member's object to OTHER_MEMBERS_OBJECTS (or a reason to SHARED_WITH_EVERY_MEMBER) "
        f"in tests/test_isolation.py: {unclassified}")


@pytest.mark.parametrize("route", [r for r in MEMBER_OBJECT_ROUTES
                                   if r.name not in SHARED_WITH_EVERY_MEMBER], ids=str)
def test_another_members_object_is_404_for_a_member(route, client, organization,
                                                    org_url_kwargs, member_user, db_snapshot):
    client.force_login(member_user)
    with organization_scope(organization):
        own = route.sample_values(organization.slug, org_url_kwargs)
        theirs = dict(own)
        for kwarg in route.object_kwargs:
            make = OTHER_MEMBERS_OBJECTS.get((route.name, kwarg))
            if make:
                theirs[kwarg] = make(organization)
        if theirs == own:
            pytest.fail(f"{route.name}: say how to get another member's object in "
                        "OTHER_MEMBERS_OBJECTS (or why it is shared, in "
                        "SHARED_WITH_EVERY_MEMBER)")
        other_url = route.reverse(theirs)
        missing_url = route.reverse({k: _missing(v) if theirs[k] != own[k] else v
                                     for k, v in theirs.items()})
    assert client.get(route.reverse(own)).status_code == 200  # the member's own place
    before = db_snapshot()

    statuses = _statuses(client, route, other_url)

    assert statuses["get"] == 404
    assert statuses == _statuses(client, route, missing_url)
    assert db_snapshot() == before


# --- ids of organization B (or of another parent) in the body, checked one by one --------

class _Inputs(html.parser.HTMLParser):
    """The values a browser would submit with a page's forms (text, hidden, checked boxes,
    selected options, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def page_form_data(client, url) -> dict[str, list[str]]:
    parser = _Inputs()
    parser.feed(response_content(client.get(url)).decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


@dataclass
class IdCase:
    """One request that takes ids in its body (or query string)."""

    id: str
    role: str
    method: str  # "post" (form), "post_json", "get_json" (query string, JSON answer)
    url: str
    body: Callable[[dict[str, int]], dict]
    own: dict[str, int]  # ids of org A that the request accepts
    other_keys: dict[str, str]  # body name -> key of World.other_ids
    sibling: dict[str, int] | None = None  # ids of org A under another parent
    own_status: set[int] = field(default_factory=lambda: {200, 201, 202, 302})
    refused_status: set[int] = field(default_factory=lambda: {302, 400, 404})
    prefill: bool = False  # start from the values of the page's own form


def _id_cases(world) -> list[IdCase]:
    """Build the cases in org A (call inside its scope)."""
    from programs.models import CohortStatus, ParticipantRole
    from tests.factories.accounts import MembershipFactory
    from tests.factories.feedback import QuestionFactory, SurveyFactory
    from tests.factories.matching import MatchingRunFactory, PairFactory, ProposalFactory
    from tests.factories.programs import (
        CohortFactory,
        CohortInvitationFactory,
        ParticipantFactory,
        ProgramFactory,
        SeniorityLevelFactory,
        TopicFactory,
    )

    org = world.organization
    slug = org.slug
    program = ProgramFactory(organization=org)
    topic, other_topic = TopicFactory(organization=org), TopicFactory(organization=org)
    matching = CohortFactory(program=program, status=CohortStatus.MATCHING)
    mentor = ParticipantFactory(cohort=matching, role=ParticipantRole.MENTOR)
    mentee = ParticipantFactory(cohort=matching, role=ParticipantRole.MENTEE)
    elsewhere = CohortFactory(program=program, status=CohortStatus.MATCHING)
    far_mentor = ParticipantFactory(cohort=elsewhere, role=ParticipantRole.MENTOR)
    far_mentee = ParticipantFactory(cohort=elsewhere, role=ParticipantRole.MENTEE)
    run = MatchingRunFactory(cohort=matching, succeeded=True)
    first, second = ProposalFactory(run=run), ProposalFactory(run=run)
    other_run = MatchingRunFactory(cohort=matching, succeeded=True)
    far_first, far_second = ProposalFactory(run=other_run), ProposalFactory(run=other_run)
    PairFactory(cohort=matching)
    enrolling = CohortFactory(program=program, status=CohortStatus.ENROLLING)
    newcomer = MembershipFactory(organization=org)
    place = ParticipantFactory(cohort=matching, role=ParticipantRole.MENTOR,
                               membership=world.member_user.memberships.get())
    level = SeniorityLevelFactory(organization=org)
    manager = MembershipFactory(organization=org)
    url = lambda name, **kw: reverse(name, kwargs={"org_slug": slug, **kw})  # noqa: E731
    pair_body = lambda ids: {"mentor": ids["mentor"], "mentee": ids["mentee"],  # noqa: E731
                             "override_reason": "checked"}
    pair_own = {"mentor": mentor.pk, "mentee": mentee.pk}
    pair_sibling = {"mentor": far_mentor.pk, "mentee": far_mentee.pk}
    pair_keys = {"mentor": "mentor", "mentee": "mentee"}
    swap_body = lambda ids: {"first": ids["first"], "second": ids["second"],  # noqa: E731
                             "override_reason": "checked"}
    swap_keys = {"first": "proposal", "second": "other_proposal"}
    profile_url = url("programs:participant_profile", participant_pk=place.pk)
    survey = SurveyFactory(cohort=matching)
    question = QuestionFactory(survey=survey)
    CohortInvitationFactory(cohort=matching)

    return [
        IdCase("web copy_from", "admin", "post", url("programs:program_create"),
               lambda ids: {"name": "Copied", "start_from": "blank", "purpose": "",
                            "copy_from": ids["program"]},
               {"program": program.pk}, {"program": "program"}, refused_status={400}),
        IdCase("web focus_areas", "admin", "post",
               url("programs:program_edit", program_pk=program.pk),
               lambda ids: {"name": "Renamed", "purpose": "Why", "objectives": "",
                            "guidelines": "", "confidentiality_statement": "",
                            "focus_areas": ids["topic"]},
               {"topic": topic.pk}, {"topic": "topic"}, refused_status={400}),
        IdCase("web prompt topic", "admin", "post",
               url("programs:prompt_add", program_pk=program.pk),
               lambda ids: {"text": "Ask", "phase": "kickoff", "topic": ids["topic"]},
               {"topic": topic.pk}, {"topic": "topic"}, refused_status={400}),
        IdCase("web merge target", "admin", "post",
               url("programs:topic_action", topic_pk=other_topic.pk),
               lambda ids: {"action": "merge", "target": ids["topic"]},
               {"topic": topic.pk}, {"topic": "topic"}),
        IdCase("web apply topics", "member", "post",
               url("programs:cohort_apply", token=enrolling.enrollment_token),
               lambda ids: {"role": "mentor", "note": "Keen", "teach": ids["topic"],
                            "learn": ids["topic"]},
               {"topic": topic.pk}, {"topic": "topic"}, refused_status={400}),
        IdCase("web profile manager and level", "member", "post", profile_url,
               lambda ids: {"level": ids["level"], "manager": ids["manager"]},
               {"level": level.pk, "manager": manager.pk},
               {"level": "level", "manager": "membership"}, refused_status={400},
               prefill=True),
        IdCase("web manual pair", "admin", "post",
               url("matching:manual_pair", cohort_pk=matching.pk), pair_body, pair_own,
               pair_keys, sibling=pair_sibling),
        IdCase("web swap", "admin", "post", url("matching:proposal_swap", run_pk=run.pk),
               swap_body, {"first": first.pk, "second": second.pk}, swap_keys,
               sibling={"first": far_first.pk, "second": far_second.pk}),
        IdCase("api cohort program", "admin", "post_json", url("cohort-list"),
               lambda ids: {"program": ids["program"], "name": "API cohort",
                            "start_date": "2027-01-11", "end_date": "2027-06-30"},
               {"program": program.pk}, {"program": "program"}, refused_status={400}),
        IdCase("api program focus_areas", "admin", "post_json", url("program-list"),
               lambda ids: {"name": "API program", "purpose": "Why",
                            "focus_areas": [ids["topic"]]},
               {"topic": topic.pk}, {"topic": "topic"}, refused_status={400}),
        IdCase("api participant cohort", "admin", "post_json", url("participant-list"),
               lambda ids: {"cohort": ids["cohort"], "email": newcomer.user.email,
                            "role": "mentor"},
               {"cohort": matching.pk}, {"cohort": "cohort"}, refused_status={400}),
        IdCase("api run cohort", "admin", "post_json", url("api_matching_runs"),
               lambda ids: {"cohort": ids["cohort"]},
               {"cohort": elsewhere.pk}, {"cohort": "cohort"}, refused_status={400}),
        IdCase("api swap", "admin", "post_json", url("api_matching_run_swap", run_pk=run.pk),
               swap_body, {"first": first.pk, "second": second.pk}, swap_keys,
               sibling={"first": far_first.pk, "second": far_second.pk},
               refused_status={404}),
        IdCase("api lock pair", "admin", "post_json",
               url("api_matching_pair_lock", cohort_pk=matching.pk), pair_body, pair_own,
               pair_keys, sibling=pair_sibling, refused_status={404}),
        IdCase("api assess pair", "admin", "post_json",
               url("api_matching_pair_assess", cohort_pk=matching.pk), pair_body, pair_own,
               pair_keys, sibling=pair_sibling, refused_status={404}),
        IdCase("web survey cohort", "admin", "post", url("feedback:survey_create"),
               lambda ids: {"cohort": ids["cohort"], "template": "baseline",
                            "reminder_days": 2},
               {"cohort": matching.pk}, {"cohort": "cohort"}, refused_status={400}),
        IdCase("api survey cohort", "admin", "post_json", url("api_surveys"),
               lambda ids: {"cohort": ids["cohort"], "template": "midpoint"},
               {"cohort": matching.pk}, {"cohort": "cohort"}, refused_status={400}),
        IdCase("api answer question", "member", "post_json",
               url("api_my_survey_responses", survey_pk=survey.pk),
               lambda ids: {"answers": [{"question": ids["question"], "value": 3}]},
               {"question": question.pk}, {"question": "question"}, refused_status={400}),
        *(IdCase(f"api filter {name}", "admin", "get_json", url(name),
                 lambda ids, key=key: {key: ids[key]}, {key: own}, {key: key},
                 own_status={200}, refused_status={200, 400})
          for name, key, own in (("participant-list", "cohort", matching.pk),
                                 ("cohort-invitation-list", "cohort", matching.pk),
                                 ("api_matching_runs", "cohort", matching.pk),
                                 ("api_matching_pairs", "cohort", matching.pk),
                                 ("cohort-list", "program", program.pk))),
    ]


CASE_IDS = ["web copy_from", "web focus_areas", "web prompt topic", "web merge target",
            "web apply topics", "web profile manager and level", "web manual pair", "web swap",
            "api cohort program", "api program focus_areas", "api participant cohort",
            "api run cohort", "api swap", "api lock pair", "api assess pair",
            "web survey cohort", "api survey cohort", "api answer question",
            "api filter participant-list", "api filter cohort-invitation-list",
            "api filter api_matching_runs",
            "api filter api_matching_pairs", "api filter cohort-list"]


def _results(response) -> list:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_ids_of_another_org_or_parent_in_the_body_are_refused(case_id, client, shared_world,
                                                              db_snapshot, org_snapshot):
    world = shared_world
    with organization_scope(world.organization):
        cases = {case.id: case for case in _id_cases(world)}
    case = cases[case_id]
    client.force_login(world.users_by_role[case.role])
    page = page_form_data(client, case.url) if case.prefill else {}

    def send(ids):
        if case.method == "get_json":
            return client.get(f"{case.url}?{urlencode(case.body(ids))}")
        if case.method == "post_json":
            return client.post(case.url, case.body(ids), content_type="application/json")
        return client.post(case.url, {**page, **case.body(ids)})

    attempts = {"organization B": {n: world.other_ids[k] for n, k in case.other_keys.items()}}
    if case.sibling:
        attempts["another parent in org A"] = case.sibling
    for what, ids in attempts.items():
        before, before_b = db_snapshot(), org_snapshot(world.other_organization)

        response = send(ids)

        assert response.status_code in case.refused_status, (what, response.status_code)
        if case.method == "get_json" and response.status_code == 200:
            assert _results(response) == [], what
        assert db_snapshot() == before, f"ids of {what} were acted on"
        assert org_snapshot(world.other_organization) == before_b
        assert world.leaks(response_content(response)) == []

    # and the same request with org A's own ids works: the parameters are really read
    before = db_snapshot()
    response = send(case.own)
    assert response.status_code in case.own_status, response.content[:500]
    if case.method == "get_json":
        assert len(_results(response)) >= 1
    elif "assess" not in case.id:
        assert db_snapshot() != before, "the request with org A's own ids changed nothing"


def test_every_case_is_run(shared_world):
    with organization_scope(shared_world.organization):
        assert [case.id for case in _id_cases(shared_world)] == CASE_IDS

