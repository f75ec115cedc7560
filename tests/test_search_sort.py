"""Names are found in any case and with or without accents, and sort in alphabetical place,
identically on SQLite and PostgreSQL (CI runs this file on PostgreSQL)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from accounts.models import User
from accounts.names import name_key
from programs import selectors
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "key"), [
    ("ZOË", "zoe"),
    ("Zoë Ångström", "zoe angstrom"),
    ("Łukasz Żółć", "lukasz zolc"),
    ("Đorđe Ðinić", "dorde dinic"),
    ("Ñuño Peña", "nuno pena"),
    ("Søren Ærø", "soren aero"),
    ("Straße", "strasse"),
    ("İlkay Işık", "ilkay isik"),
    ("Œdipe", "oedipe"),
    ("ΆΛΚΗΣΤΙΣ", "αλκηστισ"),
    ("Ёлкин Йосиф", "елкин иосиф"),
    ("  Ana\t Lucía  ", "ana lucia"),
    ("ｆｕｌｌ", "full"),
    ("محمّد", "محمد"),
    ("한지민", "한지민"),
    ("क्षितिज", "क्षितिज"),  # vowel signs and viramas are letters, not accents
])
def test_name_key_folds_case_and_accents(name, key):
    assert name_key(name) == key


def test_the_key_follows_every_way_a_name_is_written():
    user = UserFactory(full_name="ZOË Kruger", email="zk@example.com")
    assert User.objects.get(pk=user.pk).name_key == "zoe kruger"

    user.full_name = "Łukasz Nowak"
    user.save(update_fields=["full_name"])
    assert User.objects.get(pk=user.pk).name_key == "lukasz nowak"

    User.objects.filter(pk=user.pk).update(full_name="Đorđe Petrović")
    assert User.objects.get(pk=user.pk).name_key == "dorde petrovic"

    user.full_name = "Ñuño Peña"
    User.objects.bulk_update([user], ["full_name"])
    assert User.objects.get(pk=user.pk).name_key == "nuno pena"

    created = User.objects.bulk_create([User(email="nameless@example.com", full_name="")])
    assert User.objects.get(pk=created[0].pk).name_key == "nameless@example.com"

    user.save(update_fields=["last_login"])  # unrelated partial saves leave it alone
    assert User.objects.get(pk=user.pk).name_key == "nuno pena"


def test_the_data_migration_fills_existing_rows():
    zoe = UserFactory(full_name="ZOË Kruger")
    nameless = UserFactory(full_name="", first_name="Ana", last_name="Núñez")
    User.objects.filter(pk__in=[zoe.pk, nameless.pk]).update(name_key="")
    migration = importlib.import_module("accounts.migrations.0003_user_name_key")

    migration.fill_name_keys(django_apps, None)

    assert dict(User.objects.filter(pk__in=[zoe.pk, nameless.pk])
                .values_list("pk", "name_key")) == {zoe.pk: "zoe kruger",
                                                     nameless.pk: "ana nunez"}


# --- through the roster ------------------------------------------------------------------

ALPHABETICAL = ["Ana Vidal", "Dara Quinn", "Đorđe Petrović", "Lena Ortiz", "Łukasz Nowak",
                "Nadia Haddad", "Ñuño Peña", "Omar Ali", "Zoë Kruger", "Zygmunt Ząbek"]


@pytest.fixture
def everyone(scoped_organization):
    cohort = CohortFactory(organization=scoped_organization,
                           program__organization=scoped_organization)
    for index, name in enumerate(reversed(ALPHABETICAL)):
        membership = MembershipFactory(organization=cohort.organization, user=UserFactory(
            full_name=name, email=f"p{index}@acme.example"))
        ParticipantFactory(cohort=cohort, membership=membership)
    return cohort


def roster_names(client, cohort, query: str) -> list[str]:
    url = reverse("programs:cohort_roster", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk}) + query
    response = client.get(url)
    assert response.status_code == 200
    return [p.name for p in response.context["participants"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("ZOË", ["Zoë Kruger"]),
    ("zoe", ["Zoë Kruger"]),
    ("łukasz", ["Łukasz Nowak"]),
    ("ŁUKASZ", ["Łukasz Nowak"]),
    ("lukasz", ["Łukasz Nowak"]),
    ("ĐORĐE", ["Đorđe Petrović"]),
    ("petrovic", ["Đorđe Petrović"]),
    ("ÑUÑO", ["Ñuño Peña"]),
    ("ząb", ["Zygmunt Ząbek"]),
    (" nuno  ", ["Ñuño Peña"]),
])
def test_roster_search_ignores_case_and_accents(admin_client, everyone, query, expected):
    assert roster_names(admin_client, everyone, f"?q={query}") == expected


def test_roster_search_finds_emails_too(admin_client, everyone):
    third = list(reversed(ALPHABETICAL))[3]  # the fixture's p3@acme.example

    assert roster_names(admin_client, everyone, "?q=P3@ACME") == [third]


def test_roster_sorts_every_letter_in_its_alphabetical_place(admin_client, everyone):
    assert roster_names(admin_client, everyone, "?sort=name") == ALPHABETICAL
    assert roster_names(admin_client, everyone, "?sort=-name") == ALPHABETICAL[::-1]


def test_namesakes_differing_only_in_accents_keep_a_stable_order(everyone):
    for name in ("Lukasz Nowak", "LUKASZ NOWAK"):
        ParticipantFactory(cohort=everyone, membership=MembershipFactory(
            organization=everyone.organization, user=UserFactory(full_name=name)))

    names = [p.membership.user.full_name
             for p in selectors.roster_participants(cohort=everyone, q="lukasz")]

    assert names == ["LUKASZ NOWAK", "Lukasz Nowak", "Łukasz Nowak"]
