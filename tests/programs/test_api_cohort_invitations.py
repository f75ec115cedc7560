"""The people invited into cohorts through the REST API (``/api/v1/o/<org>/cohort-invitations/``):
what an item says, the filters and pages, resend and withdraw, who may use it, what it costs.

The account-blindness of every answer (an address known in another organization reads like a
new one) is proven in tests/programs/test_api_cohort_invitations_alike.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.fields import DateTimeField

from accounts.models import Invitation, Role
from accounts.services import api_token_create
from core.models import Notification
from core.tenancy import organization_scope
from programs import selectors
from programs.models import CohortInvitation, CohortStatus
from programs.services import organization_defaults_ensure
from tests.factories.accounts import InvitationFactory, MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    CohortInvitationFactory,
    ParticipantFactory,
    ProgramFactory,
    SeniorityLevelFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

WHEN = DateTimeField().to_representation  # how the API writes a date


@pytest.fixture
def base(organization):
    return f"/api/v1/o/{organization.slug}/cohort-invitations/"


@pytest.fixture
def cohort(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        return CohortFactory(
            program=ProgramFactory(organization=organization, name="Pilot"),
            organization=organization,
            name="Spring",
            status="enrolling",
        )


@pytest.fixture
def hr(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def invite(cohort, email, *, state="pending", **details) -> CohortInvitation:
    """An invitation into ``cohort`` in ``state`` (pending, expired, accepted, revoked)."""
    now = timezone.now()
    sent = now - dt.timedelta(hours=1)  # the email went out an hour ago
    dates = {
        "pending": {"expires_at": sent + dt.timedelta(days=settings.FLIPSIDE_INVITATION_DAYS)},
        "expired": {"expires_at": now - dt.timedelta(days=1)},
        "accepted": {"accepted_at": now - dt.timedelta(hours=2)},
        "revoked": {"revoked_at": now - dt.timedelta(hours=3)},
    }[state]
    with organization_scope(cohort.organization):
        return CohortInvitationFactory(
            cohort=cohort,
            invitation=InvitationFactory(organization=cohort.organization, email=email, **dates),
            **details,
        )


def emails(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [item["email"] for item in response.json()["results"]]


# --- what an item says ----------------------------------------------------------------------


def test_an_item_is_what_the_organization_said_with_the_invitations_status_and_dates(
    hr, base, cohort
):
    with organization_scope(cohort.organization):
        level = SeniorityLevelFactory(organization=cohort.organization, name="Director", rank=99)
        ai = TopicFactory(organization=cohort.organization, name="AI tools")
        social = TopicFactory(organization=cohort.organization, name="Social media")
        budgets = TopicFactory(organization=cohort.organization, name="Budgets")
        gone = TopicFactory(organization=cohort.organization, name="Gone")
        gone_id = gone.pk
        gone.delete()
    place = invite(
        cohort,
        "zoe@new.example",
        name="Zoë Ōkubo",
        role="mentee",
        job_title="CFO",
        department="Finance",
        level=level,
        manager_email="ceo@acme.example",
        time_zone="Europe/Berlin",
        languages=["de", "en"],
        completeness=64,
        topics=[
            [social.pk, "learn", 2],
            [ai.pk, "learn", 3],
            [budgets.pk, "teach", 1],
            [gone_id, "teach", 3],
        ],
    )
    invitation = place.invitation

    listed = hr.get(base)
    detail = hr.get(f"{base}{place.pk}/")

    expected = {
        "id": place.pk,
        "cohort": cohort.pk,
        "role": "mentee",
        "email": "zoe@new.example",
        "name": "Zoë Ōkubo",
        "job_title": "CFO",
        "department": "Finance",
        "level": "Director",
        "manager_email": "ceo@acme.example",
        "time_zone": "Europe/Berlin",
        "languages": ["de", "en"],
        "completeness": 64,
        "teach_topics": [{"topic": budgets.pk, "name": "Budgets", "strength": 1}],
        "learn_topics": [
            {"topic": ai.pk, "name": "AI tools", "strength": 3},
            {"topic": social.pk, "name": "Social media", "strength": 2},
        ],
        "status": "pending",
        "created_at": WHEN(invitation.created_at),
        "expires_at": WHEN(invitation.expires_at),
        "accepted_at": None,
    }
    assert listed.json()["results"] == [expected]
    assert list(listed.json()["results"][0]) == list(expected)  # the schema's order
    assert listed.json()["count"] == 1
    assert detail.status_code == 200
    assert detail.json() == expected


def test_every_status_is_listed_by_default_and_each_can_be_asked_for(hr, base, cohort):
    for state in ("pending", "expired", "accepted", "revoked"):
        invite(cohort, f"{state}@new.example", state=state)

    everyone = hr.get(base).json()["results"]

    assert {item["email"]: item["status"] for item in everyone} == {
        f"{state}@new.example": state for state in ("pending", "expired", "accepted", "revoked")
    }
    accepted = next(item for item in everyone if item["status"] == "accepted")
    with organization_scope(cohort.organization):
        when = Invitation.objects.get(email="accepted@new.example").accepted_at
    assert accepted["accepted_at"] == WHEN(when)
    for state in ("pending", "expired", "accepted", "revoked"):
        assert emails(hr.get(base, {"status": state})) == [f"{state}@new.example"], state
    assert hr.get(base, {"status": "invited"}).status_code == 400


def test_filters_cohort_role_email_and_search(hr, base, cohort):
    with organization_scope(cohort.organization):
        autumn = CohortFactory(program=cohort.program, organization=cohort.organization)
    invite(cohort, "zoe@new.example", name="Zoë Ōkubo", role="mentee")
    invite(cohort, "lukasz@new.example", name="Łukasz Nowak", role="mentor")
    invite(autumn, "ana@other.example", name="Анна Каренина", role="mentor")
    invite(autumn, "kim@other.example", name="", role="mentee")

    assert emails(hr.get(base, {"cohort": cohort.pk})) == [
        "zoe@new.example",
        "lukasz@new.example",
    ]  # by role (mentee < mentor), then address
    assert emails(hr.get(base, {"cohort": autumn.pk, "role": "mentor"})) == ["ana@other.example"]
    assert emails(hr.get(base, {"email": "ZOE@New.Example"})) == ["zoe@new.example"]
    assert emails(hr.get(base, {"email": "zoe@new"})) == []  # exact, not contains
    assert emails(hr.get(base, {"search": "zoe okubo"})) == ["zoe@new.example"]
    assert emails(hr.get(base, {"search": "LUKASZ"})) == ["lukasz@new.example"]
    assert emails(hr.get(base, {"search": "АННА"})) == ["ana@other.example"]
    assert emails(hr.get(base, {"search": "OTHER.example"})) == [
        "kim@other.example",
        "ana@other.example",
    ]
    assert emails(hr.get(base, {"search": "   "})) != []  # blank: no filter
    assert hr.get(base, {"cohort": "abc"}).status_code == 400


def test_pages_like_the_participants_list(hr, base, cohort):
    for number in range(5):
        invite(cohort, f"p{number}@new.example")

    first = hr.get(base, {"page_size": 2}).json()
    last = hr.get(base, {"page_size": 2, "page": 3}).json()
    capped = hr.get(base, {"page_size": 100000}).json()

    assert first["count"] == last["count"] == 5
    assert [i["email"] for i in first["results"]] == ["p0@new.example", "p1@new.example"]
    assert [i["email"] for i in last["results"]] == ["p4@new.example"]
    assert first["next"]
    assert last["next"] is None
    assert len(capped["results"]) == 5
    assert hr.get(base, {"page": 4, "page_size": 2}).status_code == 404


# --- tenancy and roles ----------------------------------------------------------------------


def test_another_organizations_invitation_is_the_same_404_as_a_missing_one(
    hr, base, cohort, other_organization, db_snapshot
):
    with organization_scope(other_organization):
        theirs = CohortInvitationFactory(
            cohort=CohortFactory(
                program=ProgramFactory(organization=other_organization),
                organization=other_organization,
                status="enrolling",
            )
        )
    with organization_scope(cohort.organization):
        missing = (
            (CohortInvitation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
            + theirs.pk
            + 1000
        )
    before = db_snapshot()

    answers = {}
    for what, pk in (("elsewhere", theirs.pk), ("missing", missing)):
        answers[what] = [
            (r.status_code, r.content)
            for r in (
                hr.get(f"{base}{pk}/"),
                hr.post(f"{base}{pk}/resend/"),
                hr.delete(f"{base}{pk}/"),
            )
        ]

    assert answers["elsewhere"] == answers["missing"]
    assert {status for status, _ in answers["elsewhere"]} == {404}
    assert emails(hr.get(base)) == []
    assert db_snapshot() == before


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.MEMBER])
def test_executives_and_members_get_403_and_nothing_of_the_invitations(
    api_client, users_by_role, base, cohort, role, db_snapshot
):
    place = invite(cohort, "zoe@new.example", name="Zoë Ōkubo")
    api_client.force_authenticate(users_by_role[role])
    before = db_snapshot()

    responses = [
        api_client.get(base),
        api_client.get(f"{base}{place.pk}/"),
        api_client.post(f"{base}{place.pk}/resend/"),
        api_client.delete(f"{base}{place.pk}/"),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    for response in responses:
        assert b"zoe" not in response.content.lower()
        assert "kubo" not in response.content.decode()
    assert db_snapshot() == before


def test_an_hr_admins_api_token_reads_the_list(client, admin_user, member_user, base, cohort):
    invite(cohort, "zoe@new.example")
    admin_key = api_token_create(user=admin_user, name="HRIS sync").key
    member_key = api_token_create(user=member_user, name="mine").key

    as_admin = client.get(base, HTTP_AUTHORIZATION=f"Bearer {admin_key}")
    as_member = client.get(base, HTTP_AUTHORIZATION=f"Bearer {member_key}")

    assert emails(as_admin) == ["zoe@new.example"]
    assert as_member.status_code == 403


# --- resend -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "expired"])
def test_resend_emails_a_fresh_link_and_the_old_one_stops_working(
    hr, base, cohort, state, django_capture_on_commit_callbacks
):
    place = invite(cohort, "zoe@new.example", state=state, name="Zoë", role="mentee")
    old = place.invitation
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(f"{base}{place.pk}/resend/")

    with organization_scope(cohort.organization):
        renewed = Invitation.objects.get(pk=old.pk)
    assert response.status_code == 202
    assert response.json() == hr.get(f"{base}{place.pk}/").json()
    assert response.json()["status"] == "pending"
    assert response.json()["expires_at"] == WHEN(renewed.expires_at)
    assert renewed.token != old.token
    assert renewed.expires_at > timezone.now() + dt.timedelta(days=1)
    assert [m.to for m in mail.outbox] == [["zoe@new.example"]]
    body = mail.outbox[0].body
    assert renewed.token in body
    assert old.token not in body
    assert "Hello Zoë," in body
    assert 'in the cohort "Spring"' in body
    assert "take part in Pilot" in body
    assert "replaces the one in the earlier email" in body
    assert Notification.objects.get(email="zoe@new.example").recipient_id is None
    dead = hr.get(f"/invitations/{old.token}/")
    assert "not valid" in dead.content.decode()
    assert hr.get(f"/invitations/{renewed.token}/").status_code == 200


def test_a_second_resend_waits_for_the_interval_then_sends_a_second_fresh_link(
        hr, base, cohort, django_capture_on_commit_callbacks):
    """An HR system resending in a loop emails the person once per interval, not each time."""
    from accounts.services import INVITATION_RESEND_INTERVAL

    place = invite(cohort, "zoe@new.example")
    mail.outbox = []

    def resend():
        with django_capture_on_commit_callbacks(execute=True):
            response = hr.post(f"{base}{place.pk}/resend/")
        with organization_scope(cohort.organization):
            return response, Invitation.objects.get(pk=place.invitation_id).token

    first, token = resend()
    again, unchanged = resend()
    with time_machine.travel(timezone.now() + INVITATION_RESEND_INTERVAL
                             + dt.timedelta(seconds=1)):
        later, fresh = resend()

    assert first.status_code == 202
    assert again.status_code == 409
    assert "less than 10 minutes ago" in again.json()["detail"]
    assert unchanged == token  # the link mailed first still works
    assert later.status_code == 202
    assert fresh != token
    assert [m.to for m in mail.outbox] == [["zoe@new.example"]] * 2
    assert token in mail.outbox[0].body
    assert fresh in mail.outbox[1].body


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("accepted", "was accepted on"),
        ("revoked", "was withdrawn"),
    ],
)
def test_resend_is_refused_for_an_accepted_or_withdrawn_invitation(
    hr, base, cohort, state, message, db_snapshot, django_capture_on_commit_callbacks
):
    place = invite(cohort, "zoe@new.example", state=state)
    before = db_snapshot()
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(f"{base}{place.pk}/resend/")

    assert response.status_code == 409
    assert message in response.json()["detail"]
    assert db_snapshot() == before
    assert mail.outbox == []


def test_resend_is_refused_once_the_cohort_is_closed(hr, base, cohort, db_snapshot):
    place = invite(cohort, "zoe@new.example")
    with organization_scope(cohort.organization):
        type(cohort).objects.filter(pk=cohort.pk).update(status=CohortStatus.COMPLETED)
    before = db_snapshot()

    response = hr.post(f"{base}{place.pk}/resend/")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The cohort “Spring” is completed: nobody can join it now, so there is no invitation "
        "to send."
    )
    assert db_snapshot() == before


# --- withdraw ---------------------------------------------------------------------------------


def test_delete_withdraws_it_and_the_person_leaves_the_rosters_invited_rows(
    hr, admin_client, base, cohort
):
    place = invite(cohort, "zoe@new.example", name="Zoë Ōkubo")
    roster = reverse(
        "programs:cohort_roster",
        kwargs={"org_slug": cohort.organization.slug, "cohort_pk": cohort.pk},
    )
    with organization_scope(cohort.organization):
        assert [r["r_email"] for r in selectors.roster_page(cohort=cohort)] == ["zoe@new.example"]
    assert "zoe@new.example" in admin_client.get(roster).content.decode()
    token = place.invitation.token

    response = hr.delete(f"{base}{place.pk}/")
    again = hr.delete(f"{base}{place.pk}/")

    assert (response.status_code, response.content) == (204, b"")
    assert again.status_code == 204
    with organization_scope(cohort.organization):
        assert list(selectors.roster_page(cohort=cohort)) == []
        assert selectors.roster_summary(cohort=cohort).invited == 0
        assert Invitation.objects.get(pk=place.invitation_id).revoked_at is not None
    assert "zoe@new.example" not in admin_client.get(roster).content.decode()
    assert hr.get(f"{base}{place.pk}/").json()["status"] == "revoked"
    assert emails(hr.get(base, {"status": "pending"})) == []
    assert "withdrawn" in hr.get(f"/invitations/{token}/").content.decode()


def test_delete_is_refused_for_an_accepted_invitation(hr, base, cohort, db_snapshot):
    place = invite(cohort, "zoe@new.example", state="accepted")
    before = db_snapshot()

    response = hr.delete(f"{base}{place.pk}/")

    assert response.status_code == 409
    assert "the person is a participant now" in response.json()["detail"]
    assert db_snapshot() == before


# --- cost -------------------------------------------------------------------------------------


def test_the_list_takes_the_same_queries_for_1_and_20_invitations(
    hr, base, cohort, django_assert_num_queries
):
    with organization_scope(cohort.organization):
        level = SeniorityLevelFactory(organization=cohort.organization, name="Director", rank=99)
        topics = [TopicFactory(organization=cohort.organization) for _ in range(3)]

    def add(first, count):
        for number in range(first, first + count):
            invite(
                cohort,
                f"p{number}@new.example",
                level=level,
                name=f"Person {number}",
                topics=[
                    [topics[number % 3].pk, "teach", 2],
                    [topics[(number + 1) % 3].pk, "learn", 3],
                ],
                state=("pending", "expired", "accepted", "revoked")[number % 4],
            )

    add(0, 1)
    query = {"page_size": 500, "search": "person", "cohort": cohort.pk}
    hr.get(base, query)  # warm caches (content types etc.)
    with django_assert_num_queries(4) as one:  # memberships, page of keys, rows, topics
        assert hr.get(base, query).json()["count"] == 1
    add(1, 19)
    with django_assert_num_queries(len(one.captured_queries)):
        body = hr.get(base, query).json()
    assert body["count"] == 20
    assert all(
        len(item["teach_topics"]) == len(item["learn_topics"]) == 1 for item in body["results"]
    )


def test_an_invitation_whose_person_is_a_member_reads_like_any_other(hr, base, cohort):
    """A member of the organization (who had been invited into the cohort before joining it
    another way) is still listed from the invitation: its name, not the account's."""
    place = invite(cohort, "zoe@new.example", name="Zoë from the file")
    with organization_scope(cohort.organization):
        ParticipantFactory(
            cohort=CohortFactory(program=cohort.program, organization=cohort.organization),
            membership=MembershipFactory(
                organization=cohort.organization,
                user=UserFactory(email="zoe@new.example", full_name="Zoë Account"),
            ),
        )

    item = hr.get(f"{base}{place.pk}/").json()

    assert item["name"] == "Zoë from the file"
    assert "Account" not in str(item)
