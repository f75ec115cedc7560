"""Organization settings page: general settings, roles, removing people, the last admin."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organization, Role
from core.tenancy import organization_scope, scopes_disabled
from tests.conftest import postgres_available
from tests.factories.accounts import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def settings_url(organization):
    return reverse("org_settings", kwargs={"org_slug": organization.slug})


def _org_values(organization):
    fresh = Organization.objects.get(pk=organization.pk)
    return fresh.name, fresh.time_zone, fresh.anonymity_threshold


def _roles(organization):
    with organization_scope(organization):
        return dict(Membership.objects.values_list("user__email", "role"))


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _member_url(name, organization, membership):
    return reverse(name, kwargs={"org_slug": organization.slug, "membership_pk": membership.pk})


def _membership(organization, user):
    with organization_scope(organization):
        return Membership.objects.get(user=user)


def test_settings_page_shows_the_form_members_and_invitations(admin_client, settings_url,
                                                              organization, member_user):
    InvitationFactory(organization=organization, email="soon@acme.example")

    response = admin_client.get(settings_url)

    assert response.status_code == 200
    assert response.context["form"].initial["name"] == "Acme Retail"
    assert [m.user.email for m in response.context["members"]] == [
        "hr@acme.example", "maya@acme.example"]
    assert [i.email for i in response.context["invitations"]] == ["soon@acme.example"]


@pytest.mark.parametrize("members", [1, 20])
def test_settings_page_query_count_does_not_grow(admin_client, settings_url, organization,
                                                 members, django_assert_num_queries):
    for _ in range(members - 1):
        MembershipFactory(organization=organization)
    for _ in range(members):
        InvitationFactory(organization=organization)

    # session, user, the user's memberships with their organizations (the URL's organization
    # and the switcher); nav: unread count; page: member count (pagination), members,
    # pending invitation count (pagination), pending invitations
    with django_assert_num_queries(8):
        response = admin_client.get(settings_url)

    assert len(response.context["members"]) == members


def test_members_list_is_paginated_and_searchable(admin_client, settings_url, organization):
    for number in range(60):
        MembershipFactory(organization=organization,
                          user=UserFactory(email=f"staff{number:02d}@acme.example"))

    first = admin_client.get(settings_url)
    second = admin_client.get(settings_url, {"page": 2})
    found = admin_client.get(settings_url, {"q": "staff07"})

    assert first.context["member_count"] == 61
    assert len(first.context["members"]) == 50
    assert len(second.context["members"]) == 11
    assert [m.user.email for m in found.context["members"]] == ["staff07@acme.example"]


def test_pending_invitations_are_paginated_and_searchable(admin_client, settings_url,
                                                          organization):
    """10,000 imported invitations made a 5.7 MB settings page: 25 a page now, newest first,
    found by address."""
    for number in range(30):
        InvitationFactory(organization=organization, email=f"new{number:02d}@example.com")
    InvitationFactory(organization=organization, email="old@example.com",
                      accepted_at=timezone.now())

    first = admin_client.get(settings_url)
    second = admin_client.get(settings_url, {"ipage": 2})
    found = admin_client.get(settings_url, {"iq": "NEW07"})
    nothing = admin_client.get(settings_url, {"iq": "nobody"})

    assert first.context["invitation_count"] == 30
    assert [i.email for i in first.context["invitations"]] == [
        f"new{number:02d}@example.com" for number in reversed(range(5, 30))]
    assert [i.email for i in second.context["invitations"]] == [
        f"new{number:02d}@example.com" for number in reversed(range(5))]
    assert "Pending invitations (30)" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    assert [i.email for i in found.context["invitations"]] == ["new07@example.com"]
    assert "No pending invitation to an address containing “nobody”." in \
        nothing.content.decode()


def test_admin_updates_name_time_zone_and_k(admin_client, settings_url, organization):
    response = admin_client.post(settings_url, {
        "name": "Acme Retail Group", "time_zone": "Europe/Berlin", "anonymity_threshold": 7})

    assert response.status_code == 302
    assert response.url == settings_url
    assert _messages(response) == ["Organization settings saved."]
    assert _org_values(organization) == ("Acme Retail Group", "Europe/Berlin", 7)


@pytest.mark.parametrize(("data", "field", "error"), [
    ({"anonymity_threshold": 2}, "anonymity_threshold",
     "k must be at least 3 so that nobody's answers can be singled out."),
    ({"anonymity_threshold": 0}, "anonymity_threshold",
     "k must be at least 3 so that nobody's answers can be singled out."),
    ({"time_zone": "Mars/Olympus"}, "time_zone",
     "Select a valid choice. Mars/Olympus is not one of the available choices."),
    ({"name": ""}, "name", "This field is required."),
])
def test_invalid_settings_are_rejected_and_nothing_changes(admin_client, settings_url,
                                                           organization, data, field, error):
    before = _org_values(organization)
    valid = {"name": "Renamed", "time_zone": "UTC", "anonymity_threshold": 5}

    response = admin_client.post(settings_url, {**valid, **data})

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [error]}
    assert error.replace("'", "&#x27;") in response.content.decode()
    assert _org_values(organization) == before
    assert response.context["organization"].name == "Acme Retail"


def test_k_below_3_is_refused_by_the_service_too(organization):
    with pytest.raises(ValidationError) as error:
        services.organization_update(organization=organization, name="Acme",
                                     time_zone="UTC", anonymity_threshold=2)

    assert error.value.message_dict == {
        "anonymity_threshold": ["Ensure this value is greater than or equal to 3."]}
    assert _org_values(organization) == ("Acme Retail", "Europe/London", 5)


def test_admin_changes_a_role(admin_client, settings_url, organization, member_user):
    membership = _membership(organization, member_user)

    response = admin_client.post(_member_url("membership_role", organization, membership),
                                 {"role": Role.EXECUTIVE})

    assert response.url == settings_url
    assert _messages(response) == [f"{member_user.display_name} is now executive."]
    assert _roles(organization) == {"hr@acme.example": Role.ADMIN,
                                    "maya@acme.example": Role.EXECUTIVE}


def test_unknown_role_is_refused(admin_client, organization, member_user):
    membership = _membership(organization, member_user)

    response = admin_client.post(_member_url("membership_role", organization, membership),
                                 {"role": "owner"})

    assert _messages(response) == ["Choose one of the listed roles."]
    assert _roles(organization)["maya@acme.example"] == Role.MEMBER


def test_last_admin_cannot_be_demoted(admin_client, organization, admin_user, member_user):
    before = _roles(organization)

    response = admin_client.post(
        _member_url("membership_role", organization, _membership(organization, admin_user)),
        {"role": Role.MEMBER})

    assert _messages(response) == [
        "This is the last HR admin: make someone else an admin first."]
    assert _roles(organization) == before


def test_last_admin_cannot_be_removed(admin_client, organization, admin_user, member_user):
    before = _roles(organization)

    response = admin_client.post(
        _member_url("membership_remove", organization, _membership(organization, admin_user)))

    assert _messages(response) == [
        "The last HR admin cannot be removed: make someone else an admin first."]
    assert _roles(organization) == before


def test_an_admin_can_step_down_when_another_admin_remains(admin_client, organization,
                                                           admin_user):
    MembershipFactory(organization=organization, role=Role.ADMIN,
                      user=UserFactory(email="hr2@acme.example"))

    admin_client.post(
        _member_url("membership_role", organization, _membership(organization, admin_user)),
        {"role": Role.MEMBER})

    assert _roles(organization) == {"hr@acme.example": Role.MEMBER,
                                    "hr2@acme.example": Role.ADMIN}


def test_admin_removes_a_member(admin_client, settings_url, organization, member_user):
    response = admin_client.post(
        _member_url("membership_remove", organization, _membership(organization, member_user)))

    assert response.url == settings_url
    assert _messages(response) == [f"{member_user.display_name} was removed."]
    assert _roles(organization) == {"hr@acme.example": Role.ADMIN}
    # the person still exists and can be invited again
    with scopes_disabled():
        assert member_user.memberships.count() == 0


def test_removed_member_loses_access(client, organization, member_user, admin_user):
    client.force_login(member_user)
    home = reverse("org_home", kwargs={"org_slug": organization.slug})
    assert client.get(home).status_code == 200
    with organization_scope(organization):
        services.membership_remove(membership=Membership.objects.get(user=member_user))

    assert client.get(home).status_code == 404


@pytest.mark.services
@pytest.mark.skipif(not postgres_available(), reason="row locks need PostgreSQL "
                                                     "(set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(organization, monkeypatch):
    """The last-admin rule holds under concurrency: the second change waits for the first
    and then sees that only one admin is left."""
    first = MembershipFactory(organization=organization, role=Role.ADMIN)
    second = MembershipFactory(organization=organization, role=Role.ADMIN)
    counted = services._admin_count

    def slow_count(org):
        result = counted(org)
        time.sleep(0.5)  # hold the transaction open so the other one overlaps
        return result

    monkeypatch.setattr(services, "_admin_count", slow_count)
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def demote(membership):
        try:
            barrier.wait(timeout=5)
            with organization_scope(organization):
                services.membership_change_role(membership=membership, role=Role.MEMBER)
            outcomes[membership.pk] = "demoted"
        except ValidationError as error:
            outcomes[membership.pk] = " ".join(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes.values()) == [
        "This is the last HR admin: make someone else an admin first.", "demoted"]
    assert sorted(_roles(organization).values()) == [Role.ADMIN, Role.MEMBER]
