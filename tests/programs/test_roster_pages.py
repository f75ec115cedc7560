"""The roster at scale: 50 people a page, filters and sort kept in every link, summary cards
over the whole cohort, and the same number of queries for any page and any cohort size."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.views import participants as roster_views
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    SeniorityLevelFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def roster_url(cohort, query: str = "") -> str:
    return reverse("programs:cohort_roster", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk}) + query


def populate(cohort, count: int, *, topics=None) -> list:
    """``count`` people named P000…, alternately mentee and mentor; every fifth (from the
    first) applied, so that even a cohort of one has an application and a roster row."""
    topics = topics or [TopicFactory(organization=cohort.organization) for _ in range(2)]
    level = SeniorityLevelFactory(organization=cohort.organization)
    people = []
    for index in range(count):
        membership = MembershipFactory(organization=cohort.organization, user=UserFactory(
            full_name=f"P{index:03d} Person", email=f"c{cohort.pk}p{index}@acme.example"))
        participant = ParticipantFactory(
            cohort=cohort, membership=membership, role="mentor" if index % 2 else "mentee",
            status="applied" if index % 5 == 0 else "active", profile__level=level,
            profile__department=f"D{index % 3}")
        for topic in topics:
            ParticipantTopicFactory(participant=participant, topic=topic,
                                    interest="teach" if index % 2 else "learn")
        people.append(participant)
    return people


def shown(response) -> list[str]:
    return [p.name for p in response.context["participants"]]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(roster_views, "ROSTER_PAGE_SIZE", 4)


def test_a_page_holds_fifty_people(admin_client, cohort):
    populate(cohort, 51)

    first = admin_client.get(roster_url(cohort))
    second = admin_client.get(roster_url(cohort, "?page=2"))

    assert roster_views.ROSTER_PAGE_SIZE == 50
    assert shown(first) == [f"P{i:03d} Person" for i in range(50)]
    assert shown(second) == ["P050 Person"]
    assert "Showing 1–50 of 51 people" in first.content.decode()
    assert "Showing 51–51 of 51 people" in second.content.decode()


def test_pages_follow_the_filters_and_the_sort(admin_client, cohort, small_pages):
    populate(cohort, 20)
    mentors_desc = [f"P{i:03d} Person" for i in range(19, 0, -2)]  # 10 mentors, Z→A

    page2 = admin_client.get(roster_url(cohort, "?role=mentor&sort=-name&page=2"))

    assert shown(page2) == mentors_desc[4:8]
    content = page2.content.decode()
    assert "Showing 5–8 of 10 people" in content
    links = re.findall(r'<a class="page-link"[^>]*href="\?([^"]*)"', content)
    assert "role=mentor&amp;sort=-name&amp;page=3" in links  # next, and page 3
    assert "role=mentor&amp;sort=-name&amp;page=1" in links  # previous, and page 1
    assert 'aria-current="page"' in content
    # Sorting again starts from the first page but keeps the filter.
    assert 'href="?role=mentor&amp;sort=name"' in content


def test_a_page_number_out_of_range_or_garbled_lands_on_a_real_page(admin_client, cohort,
                                                                    small_pages):
    populate(cohort, 6)

    assert shown(admin_client.get(roster_url(cohort, "?page=99"))) == ["P004 Person",
                                                                         "P005 Person"]
    assert shown(admin_client.get(roster_url(cohort, "?page=abc")))[0] == "P000 Person"


def test_summary_cards_count_the_whole_cohort_not_the_page(admin_client, cohort,
                                                            small_pages):
    topic = TopicFactory(organization=cohort.organization, name="AI tools")
    people = populate(cohort, 10, topics=[topic])
    active = [p for p in people if p.status == "active"]
    mentors = [p for p in active if p.role == "mentor"]
    mentees = [p for p in active if p.role == "mentee"]

    summary = admin_client.get(roster_url(cohort)).context["summary"]

    assert (summary.mentors, summary.mentees) == (len(mentors), len(mentees))
    assert summary.applied == len(people) - len(active)
    assert summary.mentor_capacity == len(mentors) * cohort.default_mentor_capacity
    assert [(t.name, t.wanted_by, t.teachable_by) for t in summary.topics] == [
        ("AI tools", len(mentees), len(mentors))]


def test_htmx_pages_swap_the_table_and_the_csv_link(admin_client, cohort, small_pages):
    populate(cohort, 10)

    response = admin_client.get(roster_url(cohort, "?department=D1&page=1"),
                                HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert "<html" not in content
    assert 'id="roster-pages"' not in content  # D1: three people, one page
    assert 'id="roster-csv" hx-swap-oob="true"' in content
    assert "roster.csv?department=D1" in content
    assert re.findall(r"P\d{3} Person", content) == ["P001 Person", "P004 Person",
                                                      "P007 Person"]


def test_only_the_oldest_applications_are_listed_above_the_table(admin_client, cohort,
                                                                  monkeypatch):
    monkeypatch.setattr(roster_views, "ROSTER_APPLICATIONS_SHOWN", 2)
    people = populate(cohort, 15)
    applied = [p.pk for p in people if p.status == "applied"]

    response = admin_client.get(roster_url(cohort))

    assert [a.pk for a in response.context["applications"]] == applied[:2]
    content = response.content.decode()
    assert f"Applications waiting for a decision ({len(applied)})" in content
    assert 'id="applications-more"' in content


def test_the_query_count_is_the_same_for_any_cohort_size_and_any_page(
        admin_client, program, small_pages, django_assert_num_queries):
    one = CohortFactory(program=program, organization=program.organization)
    many = CohortFactory(program=program, organization=program.organization)
    populate(one, 1)
    populate(many, 20)
    admin_client.get(roster_url(one))  # warm-up: session and content-type caches

    with CaptureQueriesContext(connection) as baseline:
        admin_client.get(roster_url(one))
    for query in ("", "?page=2", "?page=5&sort=-level", "?q=person&role=mentor&page=2"):
        with django_assert_num_queries(len(baseline.captured_queries)):
            response = admin_client.get(roster_url(many, query))
        assert len(response.context["participants"]) == 4


def test_each_row_shows_the_person_their_capacity_and_topics(admin_client, cohort):
    topic = TopicFactory(organization=cohort.organization, name="AI tools")
    mentor, mentee = populate(cohort, 2, topics=[topic])[::-1]  # P001 mentor, P000 mentee
    mentor.capacity = 3
    mentor.save()

    content = admin_client.get(roster_url(cohort)).content.decode()
    row = content.split(f'data-participant="{mentor.pk}"')[1].split("</tr>")[0]
    other = content.split(f'data-participant="{mentee.pk}"')[1].split("</tr>")[0]

    profile = reverse("programs:participant_profile", kwargs={
        "org_slug": cohort.organization.slug, "participant_pk": mentor.pk})
    assert f'<a href="{profile}"><bdi>P001 Person</bdi></a>' in row
    assert mentor.membership.user.email in row
    assert "<td>3</td>" in row
    assert 'title="can teach, proficiency 2">▲ AI tools' in row
    assert 'title="wants to learn, priority 2">▽ AI tools' in other
    assert "<td>—</td>" in other  # a mentee has no capacity


def test_topic_names_are_escaped_in_the_badges(admin_client, cohort):
    topic = TopicFactory(organization=cohort.organization, name='<img src=x onerror="boom">')
    populate(cohort, 2, topics=[topic])

    content = admin_client.get(roster_url(cohort)).content.decode()

    assert '<img src=x onerror="boom">' not in content
    assert "▲ &lt;img src=x onerror=&quot;boom&quot;&gt;</span>" in content
