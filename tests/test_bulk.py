"""core/bulk.py writes what the ORM would write: every kind of value (text, JSON,
foreign keys, nulls, dates, defaults, auto_now), primary keys back in order, in a number of
statements that does not grow with each row (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Invitation, Role, User
from core import bulk
from core.bulk import rows_insert, rows_update
from programs.models import CohortInvitation, Participant, Profile
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, SeniorityLevelFactory

pytestmark = pytest.mark.django_db

IGNORED = {"id", "token", "created_at", "updated_at"}


def _stored(model, pk) -> dict:
    return {k: v for k, v in model.objects.filter(pk=pk).values()[0].items() if k not in IGNORED}


def test_rows_insert_stores_what_the_orm_stores_and_returns_the_keys_in_order(scoped_organization):
    cohort = CohortFactory(
        program__organization=scoped_organization, organization=scoped_organization
    )
    level = SeniorityLevelFactory(organization=scoped_organization)
    expires = timezone.now() + dt.timedelta(days=3)
    emails = [f"p{i}@acme.example" for i in range(7)]
    before = timezone.now()

    ids = rows_insert(
        Invitation,
        [
            {
                "organization_id": scoped_organization.pk,
                "email": email,
                "role": Role.MEMBER,
                "expires_at": expires,
            }
            for email in emails
        ],
    )
    places = [
        {
            "organization_id": scoped_organization.pk,
            "invitation_id": pk,
            "cohort_id": cohort.pk,
            "role": "mentee",
            "name": f"Zoë {i} “quoted”",
            "level_id": level.pk if i % 2 else None,
            "languages": ["de", "pt-br"],
            "topics": [[1, "teach", 3]],
            "completeness": i,
        }
        for i, pk in enumerate(ids)
    ]
    place_ids = rows_insert(CohortInvitation, places)

    assert [Invitation.objects.get(pk=pk).email for pk in ids] == emails
    invitation = Invitation.objects.get(pk=ids[0])
    orm = Invitation.objects.create(
        organization=scoped_organization, email="orm@acme.example", expires_at=expires
    )
    assert _stored(Invitation, ids[0]) == {**_stored(Invitation, orm.pk), "email": emails[0]}
    assert before <= invitation.created_at <= timezone.now()  # auto_now_add
    assert len({Invitation.objects.get(pk=pk).token for pk in ids}) == 7  # a default each
    for values, pk in zip(places, place_ids, strict=True):
        twin_values = {key: value for key, value in values.items() if key != "invitation_id"}
        twin = CohortInvitation.objects.create(
            **twin_values,
            invitation=Invitation.objects.create(
                organization=scoped_organization, email=f"twin{pk}@acme.example"
            ),
        )
        # save() derives the sort key; the import passes its own
        assert _stored(CohortInvitation, pk) == {
            **_stored(CohortInvitation, twin.pk),
            "invitation_id": values["invitation_id"],
            "name_key": "",
        }


def test_rows_update_sets_each_kind_of_value_as_save_would(scoped_organization):
    level = SeniorityLevelFactory(organization=scoped_organization)
    boss = MembershipFactory(organization=scoped_organization)
    profiles = [
        Profile.objects.create(
            organization=scoped_organization,
            membership=MembershipFactory(organization=scoped_organization),
        )
        for _ in range(3)
    ]
    changes = [
        {
            "pk": profile.pk,
            "job_title": f"Lead {i} ‘x’",
            "level_id": level.pk,
            "manager_id": boss.pk if i else None,
            "languages": ["en", "ja"],
            "pending_manager_email": "" if i else "later@acme.example",
        }
        for i, profile in enumerate(profiles)
    ]

    rows_update(
        Profile,
        changes,
        ["job_title", "level_id", "manager_id", "languages", "pending_manager_email"],
    )

    for change in changes:
        profile = Profile.objects.get(pk=change["pk"])
        assert (
            profile.job_title,
            profile.level_id,
            profile.manager_id,
            profile.languages,
            profile.pending_manager_email,
        ) == (
            change["job_title"],
            change["level_id"],
            change["manager_id"],
            change["languages"],
            change["pending_manager_email"],
        )
    assert Profile.objects.get(pk=profiles[0].pk).department == profiles[0].department


def test_rows_update_of_names_keeps_the_sort_key_the_model_would(db):
    users = [UserFactory(full_name="") for _ in range(2)]
    for user, name in zip(users, ["Łukasz Żółw", "Zoë Ng"], strict=True):
        user.full_name = name
        user.refresh_name_key()

    rows_update(
        User,
        [{"pk": u.pk, "full_name": u.full_name, "name_key": u.name_key} for u in users],
        ["full_name", "name_key"],
    )

    assert list(
        User.objects.filter(pk__in=[u.pk for u in users])
        .order_by("pk")
        .values_list("full_name", "name_key")
    ) == [("Łukasz Żółw", "lukasz zolw"), ("Zoë Ng", "zoe ng")]


def test_statements_grow_per_batch_not_per_row(scoped_organization, monkeypatch):
    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 10)
    cohort = CohortFactory(
        program__organization=scoped_organization, organization=scoped_organization
    )
    members = [MembershipFactory(organization=scoped_organization) for _ in range(25)]
    profiles = rows_insert(
        Profile,
        [{"organization_id": scoped_organization.pk, "membership_id": m.pk} for m in members],
    )

    with CaptureQueriesContext(connection) as inserted:
        ids = rows_insert(
            Participant,
            [
                {
                    "organization_id": scoped_organization.pk,
                    "cohort_id": cohort.pk,
                    "membership_id": m.pk,
                    "profile_id": p,
                    "role": "mentor",
                }
                for m, p in zip(members, profiles, strict=True)
            ],
        )
    with CaptureQueriesContext(connection) as updated:
        rows_update(Participant, [{"pk": pk, "completeness": 50} for pk in ids], ["completeness"])

    assert len(inserted) == len(updated) == 3  # 25 rows, 10 a statement
    assert sorted(Participant.objects.values_list("completeness", flat=True)) == [50] * 25
    participant = Participant.objects.get(pk=ids[0])
    assert (participant.status, participant.availability, participant.capacity) == (
        "active",
        [],
        None,
    )  # the model's defaults
    assert participant.created_at == participant.updated_at  # auto_now(_add)


def test_rows_insert_can_leave_out_rows_that_break_a_unique_constraint(organization):
    from core.models import Notification

    taken = Notification.objects.create(
        organization=organization,
        email="a@acme.example",
        kind="welcome",
        key="welcome:1",
        subject="Earlier",
        body_text="earlier",
    )
    rows = [
        {
            "organization_id": organization.pk,
            "email": f"{n}@acme.example",
            "kind": "welcome",
            "key": f"welcome:{n}",
            "subject": "Hello",
            "body_text": "Hi",
        }
        for n in (1, 2, 3)
    ]

    ids = rows_insert(Notification, rows, ignore_conflicts=True)

    assert len(ids) == 2
    assert taken.pk not in ids
    assert Notification.objects.get(key="welcome:1").subject == "Earlier"  # the first wins
    assert sorted(Notification.objects.filter(pk__in=ids).values_list("key", "status")) == [
        ("welcome:2", "pending"),
        ("welcome:3", "pending"),
    ]
