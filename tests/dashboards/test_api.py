"""The dashboards' API (dashboards/api.py): roles, isolation, the k rule as null plus the
cells' coordinates, filter errors as 400 with field messages, constant queries, the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.settings import import_from_string

from accounts.models import Role
from core.tenancy import organization_scope
from dashboards.panels import operations
from dashboards.selectors import SECTIONS
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.checkins import HRAlertFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory
from tests.factories.sessions import CommitmentFactory, MentoringSessionFactory

pytestmark = pytest.mark.django_db

PANEL_FIELDS = {"key", "title", "description", "columns", "rows", "suppressed", "headline",
                "chart", "notes"}


def _dashboard(slug: str = "acme") -> str:
    return f"/api/v1/o/{slug}/dashboard/"


def _panel(key: str, slug: str = "acme") -> str:
    return f"/api/v1/o/{slug}/dashboard/panels/{key}/"


def _cohort(organization, *, enrolled: int, name: str = "Spring"):
    """A cohort enrolling now, with ``enrolled`` people none of whose profiles is complete."""
    today = timezone.localdate()
    with organization_scope(organization):
        program = ProgramFactory(organization=organization, name="Digital skills")
        cohort = CohortFactory(program=program, name=name, status="enrolling",
                               start_date=today - dt.timedelta(days=30),
                               end_date=today + dt.timedelta(days=120))
        for index in range(enrolled):
            ParticipantFactory(cohort=cohort, role="mentor" if index % 2 else "mentee")
    return cohort


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- roles -----------------------------------------------------------------------------------

def test_admins_get_every_section_with_the_hr_lists(client, admin_user, organization):
    _cohort(organization, enrolled=5)

    response = _signed_in(client, admin_user).get(_dashboard())

    assert response.status_code == 200
    body = response.json()
    assert [s["key"] for s in body["sections"]] == [s.key for s in SECTIONS]
    operations_section = body["sections"][-1]
    assert operations_section["key"] == "operations"
    assert operations_section["hr_only"] is True
    assert [p["key"] for p in operations_section["panels"]] == list(operations.KEYS)
    for section in body["sections"]:
        for panel in section["panels"]:
            assert set(panel) == PANEL_FIELDS
            assert all(set(c) == {"key", "label", "unit"} for c in panel["columns"])
            assert all(len(row) == len(panel["columns"]) for row in panel["rows"])


def test_executives_get_the_aggregate_sections_only(client, executive_user, organization):
    _cohort(organization, enrolled=5)

    response = _signed_in(client, executive_user).get(_dashboard())

    assert response.status_code == 200
    keys = [s["key"] for s in response.json()["sections"]]
    assert keys == [s.key for s in SECTIONS if not s.hr_only]
    assert "operations" not in keys


@pytest.mark.parametrize("key", operations.KEYS)
def test_the_hr_lists_are_403_to_executives_and_200_to_admins(client, executive_user,
                                                               admin_user, key):
    assert _signed_in(client, executive_user).get(_panel(key)).status_code == 403

    response = _signed_in(client, admin_user).get(_panel(key))

    assert response.status_code == 200
    assert response.json()["section"] == "operations"
    assert response.json()["panel"]["key"] == key


def test_members_and_anonymous_callers_are_refused(client, member_user, api_client):
    assert api_client.get(_dashboard()).status_code in (401, 403)
    assert api_client.get(_panel("funnel")).status_code in (401, 403)

    member = _signed_in(client, member_user)

    assert member.get(_dashboard()).status_code == 403
    assert member.get(_panel("funnel")).status_code == 403


def test_an_unknown_panel_is_404(client, admin_user):
    response = _signed_in(client, admin_user).get(_panel("no-such-panel"))

    assert response.status_code == 404


def test_a_panel_with_its_scope_and_section(client, executive_user, organization):
    cohort = _cohort(organization, enrolled=5)

    response = _signed_in(client, executive_user).get(
        _panel("funnel"), {"cohort": cohort.pk, "from": "2026-01-01", "to": "2026-11-30"})

    assert response.status_code == 200
    body = response.json()
    assert body["section"] == "participation"
    assert body["scope"] == {"program": cohort.program_id, "cohort": cohort.pk,
                             "from": "2026-01-01", "to": "2026-11-30",
                             "today": timezone.localdate().isoformat(), "k": 5}
    assert body["panel"]["key"] == "funnel"


# --- isolation -------------------------------------------------------------------------------

def test_another_organization_is_404(client, other_admin_user, organization):
    _cohort(organization, enrolled=5)
    other = _signed_in(client, other_admin_user)

    assert other.get(_dashboard()).status_code == 404
    assert other.get(_panel("funnel")).status_code == 404


def test_a_program_or_cohort_of_another_organization_is_404(client, admin_user,
                                                            other_organization):
    theirs = _cohort(other_organization, enrolled=5)
    admin = _signed_in(client, admin_user)

    for params in ({"cohort": theirs.pk}, {"program": theirs.program_id}):
        assert admin.get(_dashboard(), params).status_code == 404, params
        assert admin.get(_panel("funnel"), params).status_code == 404, params


def test_the_other_organizations_people_are_not_counted(client, admin_user, organization,
                                                        other_organization):
    _cohort(organization, enrolled=5)
    _cohort(other_organization, enrolled=7)

    panel = _signed_in(client, admin_user).get(_panel("funnel")).json()["panel"]

    assert panel["rows"][1][:2] == ["Enrolled", 5]


# --- the k rule --------------------------------------------------------------------------------

def test_a_group_of_k_minus_one_is_null_and_listed_as_suppressed(client, executive_user,
                                                                 organization):
    _cohort(organization, enrolled=4)  # k = 5

    panel = _signed_in(client, executive_user).get(_panel("funnel")).json()["panel"]

    # 4 invited and enrolled: every step is under k, every count and share hidden; the first
    # step has no "drop" (no data, so null but not listed)
    assert panel["rows"][0] == ["Invited", None, None, None]
    assert panel["rows"][1] == ["Enrolled", None, None, None]
    assert [0, "drop"] not in panel["suppressed"]
    assert [0, "people"] in panel["suppressed"]
    assert [0, "share"] in panel["suppressed"]
    assert [1, "drop"] in panel["suppressed"]
    assert len(panel["suppressed"]) == 2 + 3 * 6  # 7 steps: 2 cells of the first, 3 of others
    enrolled = next(f for f in panel["headline"] if f["key"] == "enrolled")
    assert enrolled == {"key": "enrolled", "label": enrolled["label"], "value": None,
                        "unit": "people", "suppressed": True}
    assert panel["chart"]["series"][0]["values"][:2] == [None, None]


def test_a_group_of_k_is_shown(client, executive_user, organization):
    _cohort(organization, enrolled=5)

    panel = _signed_in(client, executive_user).get(_panel("funnel")).json()["panel"]

    # 5 invited, 5 enrolled (no drop, 100 % of invited); nobody's profile is complete (0 < k)
    assert panel["rows"][0] == ["Invited", 5, None, 100.0]
    assert panel["rows"][1] == ["Enrolled", 5, 0, 100.0]
    assert panel["rows"][2] == ["Profile complete", None, None, None]
    assert [0, "people"] not in panel["suppressed"]
    assert [1, "people"] not in panel["suppressed"]
    assert [2, "people"] in panel["suppressed"]
    enrolled = next(f for f in panel["headline"] if f["key"] == "enrolled")
    assert (enrolled["value"], enrolled["suppressed"]) == (5, False)


def test_the_hr_lists_carry_links(client, admin_user, organization):
    with organization_scope(organization):
        today = timezone.localdate()
        cohort = CohortFactory(program=ProgramFactory(organization=organization),
                               status="active", start_date=today - dt.timedelta(days=60),
                               end_date=today + dt.timedelta(days=60))
        pair = PairFactory(cohort=cohort, mentor__membership__user__full_name="Max Mentor",
                           mentee__membership__user__full_name="Lea Leader")
        alert = HRAlertFactory(pair=pair, shared_text="SECRET-SHARED words")

    panel = _signed_in(client, admin_user).get(
        _panel(operations.OPEN_ALERTS)).json()["panel"]

    assert panel["rows"][0][0] == {"text": "Max Mentor & Lea Leader",
                                   "url": f"/o/acme/check-ins/alerts/{alert.pk}/"}
    assert "SECRET-SHARED" not in str(panel)


# --- bad filters -------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "31/03/2026"}, "from", "Give a date as YYYY-MM-DD, for example 2026-03-31."),
    ({"to": "yesterday"}, "to", "Give a date as YYYY-MM-DD, for example 2026-03-31."),
    ({"from": "1999-12-31"}, "from", "Choose a date between 2000 and 2100."),
    ({"to": "2101-01-01"}, "to", "Choose a date between 2000 and 2100."),
    ({"from": "2026-05-01", "to": "2026-04-30"}, "to",
     "'to' is before 'from': give a last day on or after the first."),
    ({"from": "2100-01-01"}, "from", None),  # after today, without 'to'
    ({"program": "abc"}, "program", "Give the id of a program, a whole number."),
    ({"cohort": "0"}, "cohort", "Give the id of a cohort, a whole number."),
    ({"cohort": str(2**64)}, "cohort", "No cohort has this id."),
])
@pytest.mark.parametrize("url", [_dashboard(), _panel("funnel")])
def test_bad_filters_are_400_with_the_fields_message(client, admin_user, params, field,
                                                     message, url):
    response = _signed_in(client, admin_user).get(url, params)

    assert response.status_code == 400
    errors = response.json()[field]
    if message is None:
        assert errors[0].startswith("'from' is after today ("), errors
    else:
        assert errors == [message]


def test_a_cohort_outside_the_program_is_400(client, admin_user, organization):
    spring = _cohort(organization, enrolled=1)
    with organization_scope(organization):
        elsewhere = ProgramFactory(organization=organization)

    response = _signed_in(client, admin_user).get(
        _dashboard(), {"program": elsewhere.pk, "cohort": spring.pk})

    assert response.status_code == 400
    assert response.json() == {"cohort": [
        "This cohort is not part of the given program: give one of its cohorts, or leave "
        "'program' out."]}


# --- queries ---------------------------------------------------------------------------------

def _busy_organization(pairs: int):
    """An organization whose HR admin sees ``pairs`` pairs, each with a session held, an open
    alert and an overdue commitment."""
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Role.ADMIN,
                              user=UserFactory()).user
    today = timezone.localdate()
    with organization_scope(organization):
        cohort = CohortFactory(program=ProgramFactory(organization=organization),
                               status="active", start_date=today - dt.timedelta(days=60),
                               end_date=today + dt.timedelta(days=60))
        for _ in range(pairs):
            pair = PairFactory(cohort=cohort)
            MentoringSessionFactory(pair=pair, held=True)
            HRAlertFactory(pair=pair)
            CommitmentFactory(pair=pair, due_date=today - dt.timedelta(days=3))
    return organization, admin


@pytest.mark.parametrize("url", [_dashboard, lambda slug: _panel(operations.PAIRS_AT_RISK, slug)])
def test_the_query_count_does_not_grow_with_the_pairs(client, url):
    def count(pairs: int) -> int:
        organization, admin = _busy_organization(pairs)
        client.force_login(admin)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(organization.slug))
        assert response.status_code == 200
        return len(queries)

    assert count(1) == count(20)


# --- the schema ----------------------------------------------------------------------------

def test_the_schema_documents_both_endpoints_and_the_panels_shape():
    from django.conf import settings

    generator = import_from_string(settings.SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"],
                                   "generator")
    schema = generator().get_schema(public=True)

    for path in ("/api/v1/o/{org_slug}/dashboard/",
                 "/api/v1/o/{org_slug}/dashboard/panels/{panel_key}/"):
        operation = schema["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert names == {"program", "cohort", "from", "to"}, path
        assert {"200", "400", "401", "403", "404", "429"} <= set(operation["responses"]), path
    components = schema["components"]["schemas"]
    assert set(components["DashboardPanel"]["properties"]) == PANEL_FIELDS
    assert set(components["DashboardColumn"]["properties"]) == {"key", "label", "unit"}
    assert set(components["DashboardScope"]["properties"]) == {"program", "cohort", "from",
                                                               "to", "today", "k"}
