"""The profile's "Your manager" picker: a search over the organization's members (names and
titles, emails for HR admins only, 20 at most), and the saved choice (one member of the same
organization, whether picked with JavaScript or typed as plain text)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.names import name_key
from core.tenancy import organization_scope
from programs.models import Profile, SeniorityLevel
from programs.selectors import MEMBER_PICKER_LIMIT, NAMELESS_MEMBER
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import ParticipantFactory, ProfileFactory, SeniorityLevelFactory

pytestmark = pytest.mark.django_db


def colleague(organization, name, *, email=None, title="", department="", role=Role.MEMBER):
    email = email or f"{name_key(name).replace(' ', '.')}@{organization.slug}.example"
    membership = MembershipFactory(organization=organization, role=role,
                                   user=UserFactory(full_name=name, email=email))
    ProfileFactory(membership=membership, organization=organization, job_title=title,
                   department=department)
    return membership


def search_url(organization, q: str) -> str:
    return reverse("programs:member_search", kwargs={"org_slug": organization.slug}) + \
        f"?q={q}"


def suggestions(client, organization, q: str) -> list[str]:
    response = client.get(search_url(organization, q), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return re.findall(r'data-label="([^"]*)"', response.content.decode())


@pytest.fixture
def people(scoped_organization):
    return {
        "ana": colleague(scoped_organization, "Ana Souza", title="Director", department="Sales"),
        "anna": colleague(scoped_organization, "Anna Berg", title="CFO", department="Finance"),
        "lukasz": colleague(scoped_organization, "Łukasz Nowak", title="Head of IT"),
        "joana": colleague(scoped_organization, "Joana Anand", title="Analyst"),
        "zoe": colleague(scoped_organization, "Zoë Kruger", title="VP Marketing"),
    }


# --- the search ----------------------------------------------------------------------------

def test_matches_show_names_and_titles_but_no_emails_to_members(member_client, organization,
                                                                 people):
    response = member_client.get(search_url(organization, "an"), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert "<html" not in content
    assert 'role="listbox"' in content
    # Names starting with the text first, then words starting with it, then the rest.
    assert re.findall(r'data-label="([^"]*)"', content) == ["Ana Souza", "Anna Berg",
                                                            "Joana Anand"]
    assert "Director · Sales" in content
    assert "@" not in content


def test_hr_admins_also_see_and_search_emails(admin_client, organization, people):
    response = admin_client.get(search_url(organization, "zoe.kruger@"),
                                HTTP_HX_REQUEST="true")

    assert re.findall(r'data-label="([^"]*)"', response.content.decode()) == ["Zoë Kruger"]
    assert "zoe.kruger@acme.example" in response.content.decode()


def test_members_cannot_search_by_email_nor_find_people_without_a_name(
        member_client, organization, people):
    nameless = MembershipFactory(organization=organization,
                                 user=UserFactory(full_name="", email="quiet@acme.example"))

    assert suggestions(member_client, organization, "ana.souza@") == []
    assert suggestions(member_client, organization, "quiet") == []
    assert nameless.user.email not in member_client.get(
        search_url(organization, "quiet"), HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.parametrize(("q", "expected"), [
    ("ŁUKASZ", ["Łukasz Nowak"]), ("lukasz", ["Łukasz Nowak"]), ("ZOË", ["Zoë Kruger"]),
    ("kruger", ["Zoë Kruger"]), ("  ", []),
])
def test_search_ignores_case_and_accents(member_client, organization, people, q, expected):
    assert suggestions(member_client, organization, q) == expected


def test_at_most_twenty_and_never_another_organizations_people_or_oneself(
        member_client, member_user, organization, other_organization, scoped_organization):
    for index in range(MEMBER_PICKER_LIMIT + 5):
        colleague(organization, f"Kim Lee{index:02d}")
    with organization_scope(other_organization):
        colleague(other_organization, "Kim Globex", title="Spy")
    member_user.full_name = "Kim Myself"
    member_user.save()

    response = member_client.get(search_url(organization, "kim"), HTTP_HX_REQUEST="true")

    labels = re.findall(r'data-label="([^"]*)"', response.content.decode())
    assert labels == [f"Kim Lee{index:02d}" for index in range(MEMBER_PICKER_LIMIT)]
    assert "first matches" in response.content.decode()


def test_search_costs_the_same_queries_for_one_or_twenty_matches(
        member_client, organization, scoped_organization, django_assert_num_queries):
    colleague(organization, "Solo Person")
    for index in range(MEMBER_PICKER_LIMIT):
        colleague(organization, f"Many Person{index}")
    member_client.get(search_url(organization, "solo"), HTTP_HX_REQUEST="true")  # warm-up

    with CaptureQueriesContext(connection) as one:
        assert len(suggestions(member_client, organization, "solo")) == 1
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(suggestions(member_client, organization, "many")) == MEMBER_PICKER_LIMIT


def test_opened_without_htmx_it_is_a_plain_search_page(member_client, organization, people):
    response = member_client.get(search_url(organization, "souza"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" in content
    assert '<label class="form-label" for="member-q">Name</label>' in content
    assert "1 match" in content
    assert "Ana Souza" in content
    assert "@" not in content.split('id="member-results"')[1].split("</ul>")[0]


def test_another_organizations_members_get_404(client, other_admin_user, organization,
                                               people):
    client.force_login(other_admin_user)

    assert client.get(search_url(organization, "ana")).status_code == 404


def test_executives_cannot_browse_the_directory(client, executive_user, organization, people):
    client.force_login(executive_user)

    assert client.get(search_url(organization, "ana")).status_code == 403


# --- the profile form ----------------------------------------------------------------------

@pytest.fixture
def own_participant(cohort, member_user, member_client):
    membership = Membership.objects.get(user=member_user)
    participant = ParticipantFactory(cohort=cohort, membership=membership, role="mentor")
    SeniorityLevelFactory(organization=cohort.organization)
    member_client.get(profile_url(participant))  # the first view stores the completeness
    return participant


def profile_url(participant) -> str:
    return reverse("programs:participant_profile", kwargs={
        "org_slug": participant.organization.slug, "participant_pk": participant.pk})


def form_data(participant, **manager) -> dict:
    level = SeniorityLevel.objects.first()
    return {"job_title": "Analyst", "department": "Data", "level": level.pk,
            "location": "Leeds", "time_zone": "Europe/London", "languages": "English",
            "generation_band": "", "bio": "", "capacity": "1", "learning_goals": "Learn",
            "availability-TOTAL_FORMS": "0", "availability-INITIAL_FORMS": "0",
            "availability-MIN_NUM_FORMS": "0", "availability-MAX_NUM_FORMS": "21", **manager}


def saved_manager(participant):
    return Profile.objects.get(pk=participant.profile_id).manager


def test_the_profile_page_lists_nobody_and_shows_no_email(member_client, own_participant,
                                                          people):
    response = member_client.get(profile_url(own_participant))

    content = response.content.decode()
    assert 'role="combobox"' in content
    assert '<label class="form-label" for="id_manager_name">Your manager</label>' in content
    assert re.search(r'<input type="hidden" name="manager"[^>]*id="id_manager"', content)
    assert "js/member_picker.js" in content
    for membership in people.values():
        assert membership.user.email not in content
        assert membership.user.full_name not in content


def test_a_picked_manager_is_saved_and_shown_by_name(member_client, own_participant, people):
    ana = people["ana"]

    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager=ana.pk, manager_name="Ana Souza"))

    assert response.status_code == 302
    assert saved_manager(own_participant) == ana
    page = member_client.get(profile_url(own_participant)).content.decode()
    assert 'value="Ana Souza"' in page
    assert f'name="manager" value="{ana.pk}"' in page
    assert ana.user.email not in page


def test_without_javascript_a_unique_name_is_enough(member_client, own_participant, people):
    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager="", manager_name="  łukasz   NOWAK "))

    assert response.status_code == 302
    assert saved_manager(own_participant) == people["lukasz"]


def test_a_name_that_changed_wins_over_the_stale_id(member_client, own_participant, people):
    """Without JavaScript the hidden id still names the old manager when the text changes."""
    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager=people["ana"].pk, manager_name="Zoë Kruger"))

    assert response.status_code == 302
    assert saved_manager(own_participant) == people["zoe"]


def test_several_candidates_are_offered_and_one_is_chosen(member_client, own_participant,
                                                           people, organization,
                                                           db_snapshot):
    second = colleague(organization, "Ana Souza", email="ana.souza2@acme.example",
                       title="Intern")
    before = db_snapshot()

    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager="", manager_name="Ana Souza"))

    assert response.status_code == 400
    assert db_snapshot() == before
    content = response.content.decode()
    assert "Several people match “Ana Souza”: choose one below and save again." in content
    assert f'id="manager-choice-{second.pk}"' in content
    assert "Intern" in content
    assert "Director · Sales" in content
    assert "ana.souza2@acme.example" not in content

    chosen = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager=second.pk, manager_name="Ana Souza"))

    assert chosen.status_code == 302
    assert saved_manager(own_participant) == second


def test_an_unknown_name_is_explained(member_client, own_participant, people, db_snapshot):
    before = db_snapshot()

    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager="", manager_name="Nobody Atall"))

    assert response.status_code == 400
    assert "Nobody in your organization is called “Nobody Atall”." in \
        response.content.decode()
    assert db_snapshot() == before


def test_emptying_the_name_removes_the_manager(member_client, own_participant, people):
    profile = own_participant.profile
    profile.manager = people["ana"]
    profile.save()

    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager=people["ana"].pk, manager_name=""))

    assert response.status_code == 302
    assert saved_manager(own_participant) is None


def test_another_tenants_member_or_oneself_is_refused(member_client, own_participant, people,
                                                      other_organization, db_snapshot):
    with organization_scope(other_organization):
        outsider = colleague(other_organization, "Ana Souza")
    before = db_snapshot()

    for pk in (outsider.pk, own_participant.membership_id):
        response = member_client.post(profile_url(own_participant), form_data(
            own_participant, manager=pk, manager_name="Ana Souza"))

        assert response.status_code == 400
        assert "Choose your manager among the members of your organization" in \
            response.content.decode()
        assert db_snapshot() == before


def test_clients_sending_only_an_id_keep_working(member_client, own_participant, people):
    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager=people["anna"].pk))

    assert response.status_code == 302
    assert saved_manager(own_participant) == people["anna"]


def test_a_nameless_manager_is_shown_without_their_email(member_client, own_participant,
                                                         organization):
    nameless = MembershipFactory(organization=organization,
                                 user=UserFactory(full_name="", email="quiet@acme.example"))
    profile = own_participant.profile
    profile.manager = nameless
    profile.save()

    content = member_client.get(profile_url(own_participant)).content.decode()

    assert f'value="{NAMELESS_MEMBER}"' in content
    assert "quiet@acme.example" not in content
    # saving the page unchanged keeps them
    response = member_client.post(profile_url(own_participant), form_data(
        own_participant, manager=nameless.pk, manager_name=NAMELESS_MEMBER))
    assert response.status_code == 302
    assert saved_manager(own_participant) == nameless
