"""Navigation and the start page stay cheap: the organization switcher and the unread count
are a plain query each, run only when a page shows them; the start page's partner list is
one query whatever the number of pairs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix

from accounts.context_processors import navigation
from accounts.models import Membership, Role
from core.models import Notification
from core.tenancy import organization_scope
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def unread(user, count: int) -> None:
    for index in range(count):
        Notification.objects.create(recipient=user, email=user.email, kind="invitation",
                                    key=f"nav-test-{user.pk}-{index}", subject="Hi")


def test_the_switcher_lists_only_the_users_organizations_with_roles(client, member_user,
                                                                    organization):
    second = OrganizationFactory(name="Beta Works", slug="beta")
    MembershipFactory(organization=second, user=member_user, role=Role.ADMIN)
    OrganizationFactory(name="Gamma Secret", slug="gamma")  # not theirs
    unread(member_user, 2)
    client.force_login(member_user)

    response = client.get(reverse("org_home", kwargs={"org_slug": organization.slug}))

    content = response.content.decode()
    assert [(m.organization.slug, m.organization.name, m.get_role_display())
            for m in response.context["nav_memberships"]] == [
        ("acme", "Acme Retail", "Member"), ("beta", "Beta Works", "HR admin")]
    assert 'href="/o/beta/"' in content
    assert "Gamma Secret" not in content
    assert response.context["nav_unread_count"] == 2
    assert 'aria-label="2 unread"' in content


def test_the_switcher_and_the_count_cost_a_query_each_and_only_when_shown(
        rf: RequestFactory, member_user, organization, django_assert_num_queries):
    for index in range(3):
        MembershipFactory(organization=OrganizationFactory(slug=f"extra-{index}"),
                          user=member_user)
    unread(member_user, 4)
    request = rf.get("/")
    request.user = member_user

    with django_assert_num_queries(0):
        context = navigation(request)
    with django_assert_num_queries(1):
        assert len(context["nav_memberships"]) == 4
    with django_assert_num_queries(1):
        assert context["nav_unread_count"] == 4


def test_an_organization_page_resolves_the_member_and_fills_the_switcher_in_one_query(
        client, member_user, organization):
    for index in range(3):
        MembershipFactory(organization=OrganizationFactory(slug=f"more-{index}"),
                          user=member_user)
    client.force_login(member_user)
    url = reverse("org_home", kwargs={"org_slug": organization.slug})
    client.get(url)  # warm-up

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    reads = [q["sql"] for q in queries.captured_queries
             if 'FROM "accounts_membership"' in q["sql"]
             or 'FROM "accounts_organization"' in q["sql"]]
    assert len(reads) == 1, reads
    assert 'JOIN "accounts_user"' not in reads[0]  # no join for Membership's default order
    names = [m.organization.name for m in response.context["nav_memberships"]]
    assert len(names) == 4
    assert names == sorted(names)
    assert organization.name in names
    assert response.context["request"].membership.organization == organization
    # an organization the user is not a member of is a missing one
    other = OrganizationFactory(slug="not-mine")
    assert client.get(reverse("org_home", kwargs={"org_slug": other.slug})).status_code == 404
    assert client.get(reverse("org_home", kwargs={"org_slug": "nobody"})).status_code == 404


def test_a_user_in_no_organization_still_gets_a_count(rf: RequestFactory, db):
    user = UserFactory()
    unread(user, 1)
    request = rf.get("/")
    request.user = user

    context = navigation(request)

    assert list(context["nav_memberships"]) == []
    assert context["nav_unread_count"] == 1


def test_an_htmx_fragment_runs_no_navigation_query(admin_client, organization):
    with organization_scope(organization):
        cohort = CohortFactory(organization=organization, program__organization=organization)
    url = reverse("programs:cohort_roster", kwargs={"org_slug": organization.slug,
                                                    "cohort_pk": cohort.pk})
    admin_client.get(url, HTTP_HX_REQUEST="true")

    with CaptureQueriesContext(connection) as queries:
        admin_client.get(url, HTTP_HX_REQUEST="true")

    assert not any("accounts_notification" in q["sql"] for q in queries.captured_queries)


# --- the start page's partners -----------------------------------------------------------

def _partners_panel(response) -> list[dict]:
    return next(panel["partners"] for panel in response.context["panels"]
                if "partners" in panel)


def test_the_start_page_lists_partners_in_one_query_for_any_number_of_pairs(
        client, member_user, organization, django_assert_num_queries):
    with organization_scope(organization):
        membership = Membership.objects.get(user=member_user)
    url = reverse("org_home", kwargs={"org_slug": organization.slug})
    client.force_login(member_user)
    with organization_scope(organization):
        cohort = CohortFactory(organization=organization, program__organization=organization,
                               status="active")
        me = ParticipantFactory(cohort=cohort, membership=membership, role="mentor")
        first = PairFactory(cohort=cohort, mentor=me, mentee__profile__job_title="CFO")
        first_name = first.mentee.membership.user.display_name
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert _partners_panel(response) == [{
        "name": first_name, "title": "CFO",
        "cohort": cohort.name}]
    assert "CFO" in response.content.decode()

    with organization_scope(organization):
        more = [PairFactory(cohort=cohort, mentor=me).mentee.membership.user.display_name
                for _ in range(3)]
        PairFactory(cohort=cohort)  # someone else's pair
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert [p["name"] for p in _partners_panel(response)] == [*reversed(more), first_name]


def test_the_start_page_reads_the_viewers_places_and_pairs_once_each_by_index(
        client, member_user, organization):
    with organization_scope(organization):
        membership = Membership.objects.get(user=member_user)
        cohort = CohortFactory(organization=organization, program__organization=organization,
                               status="active")
        me = ParticipantFactory(cohort=cohort, membership=membership, role="mentor")
        active = PairFactory(cohort=cohort, mentor=me, mentee__profile__job_title="CFO")
        paused = PairFactory(cohort=cohort, mentor=me, status="paused")
        PairFactory(cohort=cohort)  # someone else's pair
    client.force_login(member_user)
    url = reverse("org_home", kwargs={"org_slug": organization.slug})
    client.get(url)  # warm-up

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    sql = [q["sql"] for q in queries.captured_queries]
    places = [s for s in sql if s.startswith('SELECT "programs_participant"."id"')
              and '"programs_participant"."membership_id" =' in s]
    pairs = [s for s in sql if 'FROM "matching_pair"' in s]
    assert len(places) == 1, places
    assert len(pairs) == 1, pairs
    # by the places' ids (an index on each side), not an OR across the people's joins
    assert '"matching_pair"."mentor_id" IN (' in pairs[0]
    assert '"matching_pair"."mentee_id" IN (' in pairs[0]
    panels = {key: panel[key] for panel in response.context["panels"]
              for key in ("partners", "summaries", "places") if key in panel}
    assert [p["name"] for p in panels["partners"]] == [
        paused.mentee.membership.user.display_name, active.mentee.membership.user.display_name]
    assert [s.pair.pk for s in panels["summaries"]] == [active.pk]
    assert [p.pk for p in panels["places"]] == [me.pk]


def test_the_layout_links_follow_the_script_prefix_and_the_role(client, organization,
                                                                 admin_user, member_user):
    # the links are reversed once per worker and kept: the kept ones must still be right for
    # a site under a path prefix, for another role and for anonymous pages
    home = reverse("org_home", kwargs={"org_slug": organization.slug})
    client.force_login(admin_user)
    plain = client.get(home).content.decode()
    set_script_prefix("/under/")  # what the WSGI handler does for SCRIPT_NAME=/under
    try:
        prefixed = client.get(home).content.decode()
    finally:
        set_script_prefix("/")
    client.force_login(member_user)
    member = client.get(home).content.decode()
    client.logout()
    sign_in = client.get(reverse("account_login")).content.decode()

    assert f'href="{reverse("account_email")}"' in plain
    assert f'href="/under{reverse("account_email")}"' in prefixed
    assert f'href="/under{reverse("notification_list")}"' in prefixed
    assert f'href="/under{reverse("matching:run_list", kwargs={"org_slug": "acme"})}"' in prefixed
    assert f'href="{reverse("matching:run_list", kwargs={"org_slug": "acme"})}"' in plain
    assert f'href="{reverse("matching:run_list", kwargs={"org_slug": "acme"})}"' not in member
    assert f'href="{reverse("matching:my_pairs", kwargs={"org_slug": "acme"})}"' in member
    assert f'action="{reverse("account_logout")}"' in member
    assert f'href="{reverse("home")}"' in sign_in  # the brand link
    assert f'href="{reverse("swagger-ui")}"' in sign_in
    assert "/under/" not in plain + member + sign_in


def test_the_layouts_files_are_the_static_tags_urls_and_follow_the_settings(settings):
    from django.template import engines
    from django.templatetags.static import static

    layout = engines["django"].from_string("{% load flipside %}{% asset 'css/flipside.css' %}")

    assert layout.render({}) == static("css/flipside.css")
    settings.STATIC_URL = "/assets-elsewhere/"
    assert layout.render({}) == "/assets-elsewhere/css/flipside.css" == static("css/flipside.css")
