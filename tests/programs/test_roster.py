"""The HR roster: filters, sorting, counts, capacity vs demand, CSV, reminders, query count."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from programs import selectors
from programs.models import Participant
from programs.services.participants import (
    cohort_remind_incomplete_profiles,
    participant_refresh_completeness,
)
from programs.tasks import remind_incomplete_profiles
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    SeniorityLevelFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def roster_url(cohort, suffix="") -> str:
    return reverse("programs:cohort_roster",
                   kwargs={"org_slug": cohort.organization.slug, "cohort_pk": cohort.pk}) + suffix


def person(cohort, *, name, role="mentor", status="active", completeness=100, **profile):
    membership = MembershipFactory(
        organization=cohort.organization,
        user=UserFactory(full_name=name, email=f"{name.split()[0].lower()}@acme.example"))
    return ParticipantFactory(cohort=cohort, membership=membership, role=role, status=status,
                              completeness=completeness,
                              **{f"profile__{key}": value for key, value in profile.items()})


@pytest.fixture
def people(cohort, organization):
    junior = SeniorityLevelFactory(organization=organization, name="Associate", rank=1)
    senior = SeniorityLevelFactory(organization=organization, name="Director", rank=5)
    ai, tiktok, esg = (TopicFactory(organization=organization, name=name)
                       for name in ("AI tools", "TikTok", "Sustainability"))
    ana = person(cohort, name="Ana Mentor", department="Marketing", level=junior)
    ana.capacity = 2
    ana.save()
    ben = person(cohort, name="Ben Mentor", department="IT", level=junior, completeness=40)
    cleo = person(cohort, name="Cleo Lead", role="mentee", department="Finance", level=senior)
    dan = person(cohort, name="Dan Lead", role="mentee", department="Finance", level=senior,
                 completeness=70)
    eve = person(cohort, name="Eve Lead", role="mentee", department="Sales", level=senior)
    fay = person(cohort, name="Fay Applicant", role="mentee", status="applied", completeness=20)
    for participant, topic, interest in [(ana, ai, "teach"), (ben, ai, "teach"),
                                         (ben, tiktok, "teach"), (cleo, ai, "learn"),
                                         (dan, esg, "learn"), (eve, esg, "learn"),
                                         (fay, esg, "learn")]:
        ParticipantTopicFactory(participant=participant, topic=topic, interest=interest)
    return {"ana": ana, "ben": ben, "cleo": cleo, "dan": dan, "eve": eve, "fay": fay,
            "junior": junior, "senior": senior}


def names(response) -> list[str]:
    return [p.name for p in response.context["participants"]]


def test_counts_capacity_vs_demand_and_topic_balance(admin_client, cohort, people):
    response = admin_client.get(roster_url(cohort))

    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.mentors, summary.mentees, summary.applied) == (2, 3, 1)
    assert (summary.mentor_capacity, summary.mentee_demand, summary.capacity_gap) == (3, 3, 0)
    assert [(t.name, t.wanted_by, t.teachable_by, t.uncovered) for t in summary.topics] == [
        ("Sustainability", 2, 0, True),
        ("AI tools", 1, 2, False),
        ("TikTok", 0, 1, False),
    ]
    content = response.content.decode()
    assert "Capacity exactly matches demand." in content
    assert "1 wanted topic no mentor can teach." in content
    assert 'id="topic-chart"' in content
    assert 'id="topic-balance-table"' in content
    assert "chart.umd.min.js" in content


def test_more_mentees_than_mentor_places_is_flagged(admin_client, cohort, people):
    person(cohort, name="Gus Lead", role="mentee")

    summary = admin_client.get(roster_url(cohort)).context["summary"]

    assert (summary.mentor_capacity, summary.mentee_demand, summary.capacity_gap) == (3, 4, 1)


@pytest.mark.parametrize(("query", "expected"), [
    ("?role=mentor", ["Ana Mentor", "Ben Mentor"]),
    ("?status=applied", ["Fay Applicant"]),
    ("?department=Finance", ["Cleo Lead", "Dan Lead"]),
    ("?completeness_below=80", ["Ben Mentor", "Dan Lead", "Fay Applicant"]),
    ("?q=LEAD", ["Cleo Lead", "Dan Lead", "Eve Lead"]),
    ("?q=ben@acme", ["Ben Mentor"]),
    ("?role=mentee&status=active&completeness_below=100", ["Dan Lead"]),
    ("?sort=-completeness", ["Ana Mentor", "Cleo Lead", "Eve Lead", "Dan Lead", "Ben Mentor",
                             "Fay Applicant"]),
    ("?sort=-name", ["Fay Applicant", "Eve Lead", "Dan Lead", "Cleo Lead", "Ben Mentor",
                     "Ana Mentor"]),
])
def test_filters_and_sorting(admin_client, cohort, people, query, expected):
    assert names(admin_client.get(roster_url(cohort, query))) == expected


def test_level_filter(admin_client, cohort, people):
    response = admin_client.get(roster_url(cohort, f"?level={people['senior'].pk}"))

    assert names(response) == ["Cleo Lead", "Dan Lead", "Eve Lead"]


def test_htmx_request_gets_only_the_table(admin_client, cohort, people):
    response = admin_client.get(roster_url(cohort, "?role=mentee"), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="roster-table"' in content
    assert "4 people shown" in content
    assert "Cleo Lead" in content
    assert "Ana Mentor" not in content


def test_applications_are_listed_and_approved_from_the_roster(admin_client, cohort, people,
                                                               outbox):
    page = admin_client.get(roster_url(cohort))
    assert [p.pk for p in page.context["applications"]] == [people["fay"].pk]

    with outbox() as sent:
        admin_client.post(reverse("programs:participant_decide", kwargs={
            "org_slug": cohort.organization.slug, "participant_pk": people["fay"].pk}),
            {"decision": "approve"})

    assert Participant.objects.get(pk=people["fay"].pk).status == "active"
    assert len(sent) == 2
    assert admin_client.get(roster_url(cohort)).context["applications"] == []


def test_csv_export_neutralises_formula_cells(admin_client, cohort):
    person(cohort, name="=HYPERLINK(\"http://evil\")", department="+SUM(A1:A9)",
           job_title="@cmd", location="-2+3")
    person(cohort, name="Plain Person", department="Sales")

    response = admin_client.get(reverse("programs:cohort_roster_csv", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk}) + "?sort=name")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Name", "Email", "Role", "Status"]
    evil = next(r for r in rows[1:] if "HYPERLINK" in r[0])
    column = dict(zip(header, evil, strict=True))
    assert column["Name"] == "'=HYPERLINK(\"http://evil\")"
    assert column["Department"] == "'+SUM(A1:A9)"
    assert column["Job title"] == "'@cmd"
    assert column["Location"] == "'-2+3"
    plain = next(r for r in rows[1:] if r[0] == "Plain Person")
    assert dict(zip(header, plain, strict=True))["Department"] == "Sales"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_csv_export_follows_the_filters(admin_client, cohort, people):
    response = admin_client.get(reverse("programs:cohort_roster_csv", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk}) + "?role=mentor")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Ana Mentor", "Ben Mentor"]
    assert rows[1][12] == "AI tools (2)"


def _reminded() -> list[str]:
    return sorted(Notification.objects.filter(kind="profile_reminder")
                  .values_list("email", flat=True))


def complete_person(cohort, *, name, role="mentor"):
    """A participant whose answers really are complete (completeness computed, not set)."""
    participant = person(cohort, name=name, role=role, completeness=0,
                         level=SeniorityLevelFactory(organization=cohort.organization))
    participant.learning_goals = "Learn"
    participant.availability = [{"weekday": 0, "start": "09:00", "end": "10:00"}]
    participant.save()
    for interest in ("teach", "learn"):
        ParticipantTopicFactory(participant=participant, interest=interest)
    participant_refresh_completeness(participant=participant)
    assert participant.completeness == 100
    return participant


def test_reminders_go_once_per_incomplete_participant(admin_client, cohort, outbox):
    complete_person(cohort, name="Ana Done")
    complete_person(cohort, name="Cleo Done", role="mentee")
    ben = person(cohort, name="Ben Partial", completeness=40, job_title="")
    dan = person(cohort, name="Dan Partial", role="mentee", completeness=70)
    person(cohort, name="Fay Applicant", status="applied", completeness=20)
    url = reverse("programs:cohort_remind_incomplete", kwargs={
        "org_slug": cohort.organization.slug, "cohort_pk": cohort.pk})

    with outbox() as sent:
        first = admin_client.post(url, follow=True)
        admin_client.post(url)

    assert "Reminders are on their way to 2 participants" in first.content.decode()
    assert _reminded() == sorted([ben.membership.user.email, dan.membership.user.email])
    assert sorted(m.to[0] for m in sent) == _reminded()
    assert all("Complete your profile" in m.body for m in sent)
    assert "job title" in next(m.body for m in sent if m.to == [ben.membership.user.email])


def test_reminder_task_is_idempotent(cohort, organization, outbox):
    incomplete = [person(cohort, name=f"P{i} Person", completeness=10, job_title="")
                  for i in range(3)]

    with outbox() as sent:
        assert remind_incomplete_profiles(cohort.pk) == 3
        assert remind_incomplete_profiles(cohort.pk) == 0

    assert _reminded() == sorted(p.membership.user.email for p in incomplete)
    assert len(sent) == 3


def test_reminders_next_week_are_new(cohort):
    person(cohort, name="Late Person", completeness=10, job_title="")

    assert cohort_remind_incomplete_profiles(cohort=cohort, today=dt.date(2027, 1, 4)) == 1
    assert cohort_remind_incomplete_profiles(cohort=cohort, today=dt.date(2027, 1, 10)) == 0
    assert cohort_remind_incomplete_profiles(cohort=cohort, today=dt.date(2027, 1, 11)) == 1


def test_member_cannot_open_roster_or_csv_or_remind(member_client, cohort, db_snapshot):
    before = db_snapshot()
    slug = cohort.organization.slug
    for name in ("cohort_roster", "cohort_roster_csv"):
        url = reverse(f"programs:{name}", kwargs={"org_slug": slug, "cohort_pk": cohort.pk})
        assert member_client.get(url).status_code == 403
    remind = reverse("programs:cohort_remind_incomplete",
                     kwargs={"org_slug": slug, "cohort_pk": cohort.pk})
    assert member_client.post(remind).status_code == 403
    assert db_snapshot() == before


def _populate(cohort, count: int) -> None:
    topics = [TopicFactory(organization=cohort.organization) for _ in range(3)]
    for index in range(count):
        participant = person(cohort, name=f"N{cohort.pk}x{index} Person",
                             department=f"D{index % 4}",
                             role="mentor" if index % 2 else "mentee",
                             status="applied" if index % 5 == 0 else "active",
                             level=SeniorityLevelFactory(organization=cohort.organization))
        for topic in topics:
            ParticipantTopicFactory(participant=participant, topic=topic,
                                    interest="teach" if index % 2 else "learn")


def test_roster_query_count_does_not_grow_with_participants(admin_client, program,
                                                            django_assert_num_queries):
    small = CohortFactory(program=program, organization=program.organization)
    large = CohortFactory(program=program, organization=program.organization)
    _populate(small, 1)
    _populate(large, 20)
    admin_client.get(roster_url(small))  # warm-up: session and content-type caches

    with CaptureQueriesContext(connection) as one:
        admin_client.get(roster_url(small))
    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_client.get(roster_url(large))

    assert len(response.context["participants"]) == 20
    assert len(response.context["applications"]) == 4


def test_selectors_summary_counts_only_enrolled(cohort, people):
    summary = selectors.roster_summary(cohort=cohort)

    assert summary.total == 5
    assert summary.complete_profiles == 3
    assert [t.name for t in summary.uncovered_topics] == ["Sustainability"]


def test_the_count_is_the_number_of_rows_under_every_combination_of_filters(
        cohort, people, organization):
    """roster_count and roster_window are compiled once per combination of filters and sort
    (core.compiled): under each combination they count and list exactly the rows of the ORM's
    page query, invitations included, in its order."""
    import itertools

    from django_scopes import scope

    from programs.participant_forms import ROSTER_SORTS
    from tests.factories.programs import CohortInvitationFactory

    CohortInvitationFactory(cohort=cohort, name="Ivy Invited", role="mentor",
                            department="Finance", level=people["senior"], completeness=30)
    CohortInvitationFactory(cohort=cohort, name="Ian Invited", role="mentee", department="IT")
    choices = {"role": ["", "mentor", "mentee"],
               "status": ["", "active", "applied", "invited"],
               "department": ["", "Finance", "IT", "Nowhere"],
               "level": [None, people["junior"], people["senior"]],
               "completeness_below": [None, 50]}
    seen = set()
    with scope(organization=organization):
        for values in itertools.product(*choices.values()):
            filters = dict(zip(choices, values, strict=True))
            rows = list(selectors.roster_page(cohort=cohort, **filters))
            expected = len(rows)
            assert selectors.roster_count(cohort=cohort, **filters) == expected, filters
            # the same combination again, now compiled: the same count
            assert selectors.roster_count(cohort=cohort, **filters) == expected, filters
            for offset, limit in ((0, 50), (1, 2), (expected, 5)):
                assert selectors.roster_window(cohort=cohort, offset=offset, limit=limit,
                                               **filters) == rows[offset:offset + limit]
            seen.add(expected)
        assert selectors.roster_count(cohort=cohort, q="invited") == 2
        for sort in [*(key for key in ROSTER_SORTS), *(f"-{key}" for key in ROSTER_SORTS)]:
            rows = list(selectors.roster_page(cohort=cohort, sort=sort))
            assert selectors.roster_window(cohort=cohort, sort=sort, offset=2, limit=4) == \
                rows[2:6], sort
    assert len(seen) > 4  # the filters do narrow the roster: the test compares real counts
