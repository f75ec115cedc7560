"""An organization can require two-factor sign-in for its HR admins and executives: without
an authenticator app they are sent to set one up (web) or refused with 403 (API); members,
other organizations and the pages needed to comply are unaffected."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import services
from accounts.models import Membership, Organization, Role
from accounts.two_factor import two_factor_message, two_factor_setup_required
from core.tenancy import organization_scope

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/totp/activate/"
MESSAGE = ("Acme Retail requires two-factor sign-in for HR admins and executives. "
           "Set up an authenticator app to continue.")


@pytest.fixture
def strict(organization):
    Organization.objects.filter(pk=organization.pk).update(require_two_factor=True)
    organization.refresh_from_db()
    return organization


def _with_totp(user):
    TOTP.activate(user, generate_totp_secret())
    return user


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _home(organization):
    return reverse("org_home", kwargs={"org_slug": organization.slug})


def _bearer(user) -> dict:
    key = services.api_token_create(user=user, name="script").key
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_the_setup_page_is_where_people_are_sent():
    assert reverse("mfa_activate_totp") == SETUP
    assert two_factor_message("Acme Retail") == MESSAGE


# --- web -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ADMIN, Role.EXECUTIVE])
def test_admins_and_executives_without_an_authenticator_are_sent_to_set_one_up(
        client, strict, users_by_role, role):
    client.force_login(users_by_role[role])

    response = client.get(_home(strict))

    assert response.status_code == 302
    assert response["Location"] == SETUP
    assert _messages(response) == [MESSAGE]


def test_every_organization_page_is_held_back_not_only_the_start_page(client, strict,
                                                                       admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("programs:program_list", kwargs={"org_slug": strict.slug}))

    assert response["Location"] == SETUP


def test_a_held_back_post_changes_nothing(client, strict, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("org_settings", kwargs={"org_slug": strict.slug}),
                           {"name": "Renamed", "time_zone": "UTC", "anonymity_threshold": 5})

    assert response["Location"] == SETUP
    assert Organization.objects.get(pk=strict.pk).name == "Acme Retail"


def test_htmx_requests_are_redirected_by_the_client(client, strict, admin_user):
    client.force_login(admin_user)

    response = client.get(_home(strict), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == SETUP


def test_with_an_authenticator_app_they_are_in(client, strict, admin_user, executive_user):
    for user in (_with_totp(admin_user), _with_totp(executive_user)):
        client.force_login(user)
        assert client.get(_home(strict)).status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(client, strict, admin_user):
    RecoveryCodes.activate(admin_user)
    client.force_login(admin_user)

    assert client.get(_home(strict))["Location"] == SETUP


def test_members_are_not_affected(client, strict, member_user):
    client.force_login(member_user)

    assert client.get(_home(strict)).status_code == 200


def test_organizations_without_the_requirement_are_not_affected(client, organization,
                                                               admin_user):
    client.force_login(admin_user)

    assert client.get(_home(organization)).status_code == 200


def test_the_requirement_of_one_organization_stays_there(client, strict, other_organization,
                                                        admin_user):
    # an admin of Acme (strict) who is also an admin of Globex (not strict)
    with organization_scope(other_organization):
        Membership.objects.create(organization=other_organization, user=admin_user,
                                  role=Role.ADMIN)
    client.force_login(admin_user)

    assert client.get(_home(other_organization)).status_code == 200
    assert client.get(_home(strict))["Location"] == SETUP


def test_a_non_member_still_gets_404_not_the_setup_page(client, strict, other_admin_user):
    client.force_login(other_admin_user)

    assert client.get(_home(strict)).status_code == 404


def test_sign_out_switcher_and_two_factor_pages_stay_reachable(client, strict, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("organization_switcher")).status_code == 200
    setup = client.get(SETUP)  # asks for the password first (allauth), never loops back here
    assert setup.status_code == 302
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- API -------------------------------------------------------------------------------------

def test_api_with_a_token_answers_403_with_the_reason(client, strict, admin_user):
    response = client.get(f"/api/v1/o/{strict.slug}/", **_bearer(admin_user))

    assert response.status_code == 403
    assert response.json() == {"detail": MESSAGE}


def test_api_with_a_session_answers_403_with_the_reason(client, strict, executive_user):
    client.force_login(executive_user)

    response = client.get(f"/api/v1/o/{strict.slug}/memberships/")

    assert response.status_code == 403
    assert response.json()["detail"] == MESSAGE


def test_api_write_is_refused_and_changes_nothing(client, strict, admin_user):
    response = client.patch(f"/api/v1/o/{strict.slug}/", {"name": "Renamed"},
                            content_type="application/json", **_bearer(admin_user))

    assert response.status_code == 403
    assert Organization.objects.get(pk=strict.pk).name == "Acme Retail"


def test_api_lets_members_and_admins_with_an_authenticator_in(client, strict, admin_user,
                                                              member_user):
    assert client.get(f"/api/v1/o/{strict.slug}/", **_bearer(member_user)).status_code == 200
    _with_totp(admin_user)
    assert client.get(f"/api/v1/o/{strict.slug}/", **_bearer(admin_user)).status_code == 200


def test_api_outside_organizations_and_for_non_members_is_unchanged(client, strict, admin_user,
                                                                   other_admin_user):
    assert client.get("/api/v1/me", **_bearer(admin_user)).status_code == 200
    assert client.get(f"/api/v1/o/{strict.slug}/",
                      **_bearer(other_admin_user)).status_code == 404
    assert client.get(f"/api/v1/o/{strict.slug}/",
                      HTTP_AUTHORIZATION="Bearer fs_not-a-key").status_code == 401


# --- the policy function for views that have the membership already -------------------------

def test_the_policy_function_needs_no_query_when_the_organization_does_not_require_it(
        organization, admin_user, django_assert_num_queries):
    with organization_scope(organization):
        membership = Membership.objects.get(user=admin_user)

    with django_assert_num_queries(0):
        assert two_factor_setup_required(user=admin_user, organization=organization,
                                         membership=membership) is False


def test_the_policy_function_follows_role_and_authenticators(strict, admin_user, member_user):
    with organization_scope(strict):
        admin, member = (Membership.objects.get(user=admin_user),
                         Membership.objects.get(user=member_user))

    assert two_factor_setup_required(user=admin_user, organization=strict, membership=admin)
    assert not two_factor_setup_required(user=member_user, organization=strict,
                                         membership=member)
    _with_totp(admin_user)
    assert not two_factor_setup_required(user=admin_user, organization=strict, membership=admin)
    assert Authenticator.objects.filter(user=admin_user).count() == 1


# --- the settings form -----------------------------------------------------------------------

def _settings_url(organization):
    return reverse("org_settings", kwargs={"org_slug": organization.slug})


def _general(**extra):
    return {"name": "Acme Retail", "time_zone": "Europe/London", "anonymity_threshold": 5,
            **extra}


def test_the_settings_page_offers_the_requirement_with_a_label(admin_client, organization):
    response = admin_client.get(_settings_url(organization))

    html = response.content.decode()
    assert 'name="require_two_factor"' in html
    assert "Require two-factor sign-in for HR admins and executives</label>" in html


def test_an_admin_with_an_authenticator_turns_the_requirement_on_and_off(client, organization,
                                                                        admin_user):
    client.force_login(_with_totp(admin_user))

    on = client.post(_settings_url(organization), _general(require_two_factor="on"))
    assert on.status_code == 302
    assert Organization.objects.get(pk=organization.pk).require_two_factor is True

    off = client.post(_settings_url(organization), _general())
    assert off.status_code == 302
    assert Organization.objects.get(pk=organization.pk).require_two_factor is False


def test_an_admin_who_turns_it_on_without_an_authenticator_is_sent_to_set_one_up(
        admin_client, organization):
    admin_client.post(_settings_url(organization), _general(require_two_factor="on"))

    response = admin_client.get(_home(organization))

    assert response["Location"] == SETUP


def test_only_admins_change_the_requirement(client, organization, executive_user):
    client.force_login(executive_user)

    response = client.post(_settings_url(organization), _general(require_two_factor="on"))

    assert response.status_code == 403
    assert Organization.objects.get(pk=organization.pk).require_two_factor is False


def test_the_api_update_leaves_the_requirement_as_it_is(client, strict, admin_user):
    _with_totp(admin_user)

    response = client.patch(f"/api/v1/o/{strict.slug}/", {"name": "Acme"},
                            content_type="application/json", **_bearer(admin_user))

    assert response.status_code == 200
    assert Organization.objects.get(pk=strict.pk).require_two_factor is True
