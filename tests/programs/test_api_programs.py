"""REST API for programs, cohorts, topics, participants and CSV import: roles, tenancy,
filters, writes through services, constant query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Role, User
from core.models import Notification
from core.tenancy import organization_scope
from programs.models import Cohort, CohortInvitation, Participant, Program
from programs.services import organization_defaults_ensure
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    ProfileFactory,
    ProgramFactory,
)
from tests.programs.test_imports import GOOD_ROWS, make_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(organization):
    return f"/api/v1/o/{organization.slug}/"


@pytest.fixture
def cohort(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        return CohortFactory(program=ProgramFactory(organization=organization, name="Pilot"),
                             organization=organization, name="Spring")


@pytest.fixture
def client_for(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def _participant(cohort, email, role="mentor", department="Marketing", status="active"):
    membership = MembershipFactory(organization=cohort.organization,
                                   user=UserFactory(email=email))
    profile = ProfileFactory(membership=membership, department=department)
    return ParticipantFactory(cohort=cohort, membership=membership, profile=profile, role=role,
                              status=status)


# --- roles ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "resource", "expected"), [
    (Role.ADMIN, "programs", 200), (Role.ADMIN, "cohorts", 200), (Role.ADMIN, "topics", 200),
    (Role.ADMIN, "participants", 200),
    (Role.EXECUTIVE, "programs", 200), (Role.EXECUTIVE, "cohorts", 200),
    (Role.EXECUTIVE, "topics", 200), (Role.EXECUTIVE, "participants", 403),
    (Role.MEMBER, "programs", 403), (Role.MEMBER, "cohorts", 403),
    (Role.MEMBER, "topics", 200), (Role.MEMBER, "participants", 200),
])
def test_list_access_by_role(client_for, users_by_role, base, cohort, role, resource,
                             expected):
    response = client_for(users_by_role[role]).get(f"{base}{resource}/")

    assert response.status_code == expected


def test_executive_sees_cohort_counts_but_no_participant_data(client_for, executive_user, base,
                                                              cohort):
    with organization_scope(cohort.organization):
        _participant(cohort, "m1@acme.example", role="mentor")
        _participant(cohort, "m2@acme.example", role="mentee")
        _participant(cohort, "m3@acme.example", role="mentee", status="applied")

    body = client_for(executive_user).get(f"{base}cohorts/{cohort.pk}/").json()

    assert (body["mentor_count"], body["mentee_count"], body["applied_count"]) == (1, 1, 1)
    assert "@" not in str(body)


def test_executive_cannot_write(client_for, executive_user, base, cohort, db_snapshot):
    api = client_for(executive_user)
    before = db_snapshot()

    responses = [
        api.post(f"{base}programs/", {"name": "X"}, format="json"),
        api.patch(f"{base}cohorts/{cohort.pk}/", {"name": "Renamed"}, format="json"),
        api.post(f"{base}topics/", {"name": "New"}, format="json"),
        api.post(f"{base}cohorts/{cohort.pk}/import/",
                 {"file": SimpleUploadedFile("p.csv", make_csv(GOOD_ROWS))},
                 format="multipart"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert db_snapshot() == before


def test_member_sees_and_updates_only_their_own_place(client_for, member_user, base, cohort):
    with organization_scope(cohort.organization):
        own = ParticipantFactory(cohort=cohort, role="mentor",
                                 membership=Membership.objects.get(user=member_user))
        other = _participant(cohort, "someone@acme.example")
    api = client_for(member_user)

    listed = api.get(f"{base}participants/").json()
    other_response = api.get(f"{base}participants/{other.pk}/")
    updated = api.patch(f"{base}participants/{own.pk}/",
                        {"learning_goals": "Understand strategy", "capacity": 2,
                         "role": "mentee", "status": "withdrawn"}, format="json")
    created = api.post(f"{base}participants/",
                       {"cohort": cohort.pk, "email": "maya@acme.example", "role": "mentor"},
                       format="json")

    assert [p["id"] for p in listed["results"]] == [own.pk]
    assert other_response.status_code == 404
    assert updated.status_code == 200, updated.json()
    own.refresh_from_db()
    assert (own.learning_goals, own.capacity, own.role, own.status) == (
        "Understand strategy", 2, "mentor", "active")
    assert created.status_code == 403


def test_other_organization_gets_404(client_for, other_admin_user, base, cohort):
    with organization_scope(cohort.organization):
        participant = _participant(cohort, "p@acme.example")
    api = client_for(other_admin_user)

    assert api.get(f"{base}cohorts/").status_code == 404
    assert api.get(f"{base}participants/{participant.pk}/").status_code == 404
    globex = f"/api/v1/o/{other_admin_user.memberships.model.objects.with_scopes_disabled().get(user=other_admin_user).organization.slug}/"  # noqa: E501
    assert api.get(f"{globex}cohorts/{cohort.pk}/").status_code == 404
    assert api.get(f"{globex}participants/{participant.pk}/").status_code == 404


# --- admin writes -----------------------------------------------------------------------------

def test_admin_creates_program_from_template_and_cohort(client_for, admin_user, base,
                                                        organization):
    api = client_for(admin_user)

    program = api.post(f"{base}programs/", {"name": "Digital 2027",
                                            "template_key": "digital-ai"}, format="json")
    cohort = api.post(f"{base}cohorts/", {
        "program": program.json()["id"], "name": "Wave 1", "start_date": "2027-02-01",
        "end_date": "2027-07-01", "min_seniority_gap": 3}, format="json")
    bad = api.post(f"{base}cohorts/", {
        "program": program.json()["id"], "name": "Backwards", "start_date": "2027-07-01",
        "end_date": "2027-02-01"}, format="json")

    assert program.status_code == 201, program.json()
    assert program.json()["objectives"]
    assert len(program.json()["focus_areas"]) > 0
    assert cohort.status_code == 201, cohort.json()
    assert (cohort.json()["status"], cohort.json()["mentor_count"]) == ("draft", 0)
    assert bad.status_code == 400
    assert "end_date" in bad.json()
    with organization_scope(organization):
        assert Cohort.objects.filter(name="Wave 1", min_seniority_gap=3).exists()
        assert Program.objects.count() == 1


def test_admin_enrolls_existing_member_and_updates_status(
        client_for, admin_user, base, cohort, django_capture_on_commit_callbacks):
    MembershipFactory(organization=cohort.organization, user=UserFactory(email="li@acme.example"))
    api = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(f"{base}participants/", {
            "cohort": cohort.pk, "email": "LI@acme.example", "role": "mentee",
            "learning_goals": "TikTok"}, format="json")
    stranger = api.post(f"{base}participants/", {
        "cohort": cohort.pk, "email": "nobody@acme.example", "role": "mentee"}, format="json")
    withdrawn = api.patch(f"{base}participants/{created.json()['id']}/",
                          {"status": "withdrawn"}, format="json")
    impossible = api.patch(f"{base}participants/{created.json()['id']}/",
                           {"status": "applied"}, format="json")

    assert created.status_code == 201, created.json()
    assert (created.json()["email"], created.json()["learning_goals"]) == (
        "li@acme.example", "TikTok")
    assert Notification.objects.filter(kind="welcome", email="li@acme.example").count() == 1
    assert stranger.status_code == 400
    assert "not a member" in stranger.json()["email"][0]
    assert withdrawn.json()["status"] == "withdrawn"
    assert impossible.status_code == 400


def test_admin_filters_participants(client_for, admin_user, base, cohort):
    with organization_scope(cohort.organization):
        _participant(cohort, "a@acme.example", role="mentor", department="Sales")
        _participant(cohort, "b@acme.example", role="mentee", department="Sales")
        _participant(cohort, "c@acme.example", role="mentee", department="IT",
                     status="withdrawn")
    api = client_for(admin_user)

    def emails(query):
        return sorted(p["email"] for p in api.get(f"{base}participants/?{query}").json()["results"])

    assert emails("role=mentee") == ["b@acme.example", "c@acme.example"]
    assert emails("department=sales") == ["a@acme.example", "b@acme.example"]
    assert emails("status=withdrawn") == ["c@acme.example"]
    assert emails(f"cohort={cohort.pk}&role=mentor") == ["a@acme.example"]


def test_participant_list_query_count_is_constant(client_for, admin_user, base, cohort,
                                                  django_assert_num_queries):
    api = client_for(admin_user)

    def add(n):
        with organization_scope(cohort.organization):
            for _ in range(n):
                participant = ParticipantFactory(cohort=cohort)
                ParticipantTopicFactory(participant=participant, interest="teach")
                ParticipantTopicFactory(participant=participant, interest="learn")

    add(1)
    api.get(f"{base}participants/")  # warm caches (content types etc.)
    with django_assert_num_queries(4) as one:
        assert api.get(f"{base}participants/").json()["count"] == 1
    add(19)
    with django_assert_num_queries(len(one.captured_queries)):
        body = api.get(f"{base}participants/").json()
    assert body["count"] == 20
    assert all(len(p["teach_topics"]) == 1 for p in body["results"])


def test_cohort_list_query_count_is_constant(client_for, admin_user, base, cohort,
                                             django_assert_num_queries):
    api = client_for(admin_user)
    api.get(f"{base}cohorts/")
    with django_assert_num_queries(3) as one:
        api.get(f"{base}cohorts/")
    with organization_scope(cohort.organization):
        for _ in range(5):
            ParticipantFactory(cohort=CohortFactory(program=cohort.program,
                                                    organization=cohort.organization))
    with django_assert_num_queries(len(one.captured_queries)):
        assert api.get(f"{base}cohorts/").json()["count"] == 6


# --- import -----------------------------------------------------------------------------------

def test_import_dry_run_then_real(client_for, admin_user, base, cohort,
                                  django_capture_on_commit_callbacks):
    api = client_for(admin_user)
    url = f"{base}cohorts/{cohort.pk}/import/"

    dry = api.post(url, {"file": SimpleUploadedFile("p.csv", make_csv(GOOD_ROWS)),
                         "dry_run": "true"}, format="multipart")
    assert dry.status_code == 200, dry.json()
    assert (dry.json()["dry_run"], dry.json()["imported"]) == (True, False)
    assert dry.json()["summary"]["new_people"] == 3
    assert not User.objects.filter(email="ana@acme.example").exists()

    with django_capture_on_commit_callbacks(execute=True):
        real = api.post(url, {"file": SimpleUploadedFile("p.csv", make_csv(GOOD_ROWS))},
                        format="multipart")
    assert real.status_code == 200
    assert real.json()["imported"] is True
    assert real.json()["summary"] == {"rows": 3, "new_people": 3, "enrolled": 0,
                                      "updated": 0, "unchanged": 0}
    with organization_scope(cohort.organization):
        # nobody is a member yet: all three are invited, and join when they accept
        assert not Participant.objects.filter(cohort=cohort).exists()
        assert sorted(CohortInvitation.objects.filter(cohort=cohort)
                      .values_list("invitation__email", flat=True)) == [
            "ana@acme.example", "ben@acme.example", "cmo@acme.example"]
    assert not User.objects.filter(email="ana@acme.example").exists()


def test_import_with_errors_returns_400_per_row_and_field(client_for, admin_user, base,
                                                          cohort, db_snapshot):
    rows = [["bad", "Bad", "mentor", "", "", "", "", "", "", "", ""],
            ["ok@acme.example", "Ok", "mentor", "", "", "L99", "", "Mars/Base", "", "", ""]]
    api = client_for(admin_user)
    before = db_snapshot()

    response = api.post(f"{base}cohorts/{cohort.pk}/import/",
                        {"file": SimpleUploadedFile("p.csv", make_csv(rows))},
                        format="multipart")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["field"], e["column"], e["value"]) for e in errors] == [
        (2, "email", "email", "bad"), (3, "level", "level", "L99"),
        (3, "time_zone", "time zone", "Mars/Base")]
    assert all(e["message"] for e in errors)
    assert db_snapshot() == before


def test_import_without_file_is_400(client_for, admin_user, base, cohort):
    response = client_for(admin_user).post(f"{base}cohorts/{cohort.pk}/import/", {},
                                           format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


# --- participant list for an HR sync: page size, email and search -----------------------------

def _people(cohort, count: int, *, prefix: str = "sync") -> list[Participant]:
    with organization_scope(cohort.organization):
        people = []
        for index in range(count):
            participant = _participant(cohort, f"{prefix}{index:03d}@acme.example")
            ParticipantTopicFactory(participant=participant, interest="teach")
            people.append(participant)
        return people


def test_page_size_is_honoured_up_to_500(client_for, admin_user, base, cohort, monkeypatch):
    from programs import api as programs_api

    monkeypatch.setattr(programs_api.ParticipantPagination, "max_page_size", 7)
    _people(cohort, 9)
    api = client_for(admin_user)

    three = api.get(f"{base}participants/?page_size=3&page=2").json()
    capped = api.get(f"{base}participants/?page_size=100000").json()
    garbled = api.get(f"{base}participants/?page_size=lots").json()

    assert programs_api.ParticipantPagination.page_size == 50
    assert [p["email"] for p in three["results"]] == [f"sync{i:03d}@acme.example"
                                                      for i in (3, 4, 5)]
    assert three["count"] == 9
    assert "page_size=3" in three["next"]
    assert len(capped["results"]) == 7
    assert len(garbled["results"]) == 9  # the default (50) holds them all


def test_a_participant_page_reads_its_keys_with_the_total_then_its_people_by_key(
        client_for, admin_user, base, cohort):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _people(cohort, 7)
    api = client_for(admin_user)
    api.get(f"{base}participants/?page_size=3")  # warm-up

    with CaptureQueriesContext(connection) as queries:
        second = api.get(f"{base}participants/?page_size=3&page=2").json()

    reads = [q["sql"] for q in queries.captured_queries
             if 'FROM "programs_participant"' in q["sql"]]
    assert len(reads) == 2, reads  # no COUNT query of its own
    assert "OVER ()" in reads[0]
    assert '"programs_participant"."id" IN (' in reads[1]
    assert [p["email"] for p in second["results"]] == [f"sync{i:03d}@acme.example"
                                                       for i in (3, 4, 5)]
    assert second["count"] == 7
    assert "page=3" in second["next"]
    assert "page_size=3" in second["previous"]
    # DRF's own answers where the page is not a plain number or past the end
    last = api.get(f"{base}participants/?page_size=3&page=last").json()
    assert [p["email"] for p in last["results"]] == ["sync006@acme.example"]
    assert last["next"] is None
    assert api.get(f"{base}participants/?page_size=3&page=4").status_code == 404
    assert api.get(f"{base}participants/?page=0").status_code == 404
    assert api.get(f"{base}participants/?page=x").status_code == 404


def test_the_real_cap_is_500(client_for, admin_user, base, cohort):
    from programs import api as programs_api

    assert programs_api.ParticipantPagination.max_page_size == 500


def test_email_filter_is_exact_and_ignores_case(client_for, admin_user, base, cohort):
    _people(cohort, 3)
    _people(cohort, 1, prefix="xsync")  # xsync000@… contains sync000@… but is not it
    api = client_for(admin_user)

    found = api.get(f"{base}participants/?email=SYNC000@ACME.example").json()["results"]
    missing = api.get(f"{base}participants/?email=sync000@acme").json()["results"]

    assert [p["email"] for p in found] == ["sync000@acme.example"]
    assert missing == []


def test_search_finds_names_in_any_case_and_accent_and_emails(client_for, admin_user, base,
                                                               cohort):
    with organization_scope(cohort.organization):
        zoe = _participant(cohort, "zk@acme.example")
        zoe.membership.user.full_name = "Zoë Kruger"
        zoe.membership.user.save()
        lukasz = _participant(cohort, "lnowak@acme.example")
        lukasz.membership.user.full_name = "Łukasz Nowak"
        lukasz.membership.user.save()
    api = client_for(admin_user)

    def search(text):
        return [p["name"] for p in api.get(f"{base}participants/",
                                           {"search": text}).json()["results"]]

    assert search("ZOË") == ["Zoë Kruger"]
    assert search("lukasz") == ["Łukasz Nowak"]
    assert search("LNOWAK@") == ["Łukasz Nowak"]
    assert search("nobody") == []


def test_members_filtering_still_see_only_their_own_places(client_for, member_user, base,
                                                           cohort):
    others = _people(cohort, 2)
    api = client_for(member_user)

    body = api.get(f"{base}participants/",
                   {"email": others[0].membership.user.email, "page_size": 500}).json()

    assert body["results"] == []


def test_page_size_email_and_search_are_in_the_openapi_schema(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/o/{org_slug}/participants/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert {"page", "page_size", "email", "search"} <= set(parameters)
    assert "500" in parameters["page_size"]["description"]
    assert "exactly" in parameters["email"]["description"]
    assert "accents" in parameters["search"]["description"]


def test_large_pages_and_filters_cost_the_same_queries(client_for, admin_user, base, cohort,
                                                       django_assert_num_queries):
    api = client_for(admin_user)
    _people(cohort, 1, prefix="one")
    query = {"page_size": 500, "search": "acme", "role": "mentor"}
    api.get(f"{base}participants/", query)  # warm caches

    with django_assert_num_queries(4) as one:
        assert api.get(f"{base}participants/", query).json()["count"] == 1
    _people(cohort, 30)
    with django_assert_num_queries(len(one.captured_queries)):
        body = api.get(f"{base}participants/", query).json()
    assert len(body["results"]) == 31
