"""The participant's own profile: who may edit or read it, completeness, validation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from programs.availability import availability_normalise, availability_problems
from programs.models import Participant, ParticipantTopic, Profile
from tests.factories.accounts import MembershipFactory
from tests.factories.programs import ParticipantFactory, SeniorityLevelFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_participant(cohort, member_user):
    """The signed-in member's place as mentor, with an empty profile."""
    membership = Membership.objects.get(user=member_user)
    return ParticipantFactory(cohort=cohort, membership=membership, role="mentor",
                              profile__job_title="", profile__department="",
                              profile__time_zone="", profile__languages=[])


@pytest.fixture
def topics(organization):
    return [TopicFactory(organization=organization, name=name)
            for name in ("AI tools", "Gen Z consumers", "Strategy")]


def profile_url(participant) -> str:
    return reverse("programs:participant_profile", kwargs={
        "org_slug": participant.organization.slug, "participant_pk": participant.pk})


def profile_data(*, level, topics, windows=(("1", "09:00", "10:30"),), **overrides) -> dict:
    data = {
        "job_title": "Social media analyst", "department": "Marketing", "level": level.pk,
        "manager": "", "location": "Leeds", "time_zone": "Europe/London",
        "languages": "English, de", "generation_band": "gen_z", "bio": "Hi!",
        "capacity": "2", "learning_goals": "Understand strategy.",
        f"teach_{topics[0].pk}": "3", f"learn_{topics[2].pk}": "2",
        "availability-TOTAL_FORMS": str(len(windows) + 1), "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0", "availability-MAX_NUM_FORMS": "21",
    }
    for index, (weekday, start, end) in enumerate(windows):
        data.update({f"availability-{index}-weekday": weekday,
                     f"availability-{index}-start": start, f"availability-{index}-end": end})
    data.update(overrides)
    return data


def test_owner_completes_profile_and_reaches_100_percent(member_client, own_participant,
                                                         topics, organization):
    level = SeniorityLevelFactory(organization=organization, name="Associate", rank=1)
    page = member_client.get(profile_url(own_participant))
    assert page.status_code == 200
    assert page.context["completeness"].percent < 100
    assert "job title" in page.context["completeness"].missing

    response = member_client.post(profile_url(own_participant),
                                  profile_data(level=level, topics=topics))

    assert response.status_code == 302
    participant = Participant.objects.get(pk=own_participant.pk)
    profile = Profile.objects.get(pk=participant.profile_id)
    assert participant.completeness == 100
    assert (profile.job_title, profile.level, profile.languages) == (
        "Social media analyst", level, ["en", "de"])
    assert (participant.capacity, participant.availability) == (
        2, [{"weekday": 1, "start": "09:00", "end": "10:30"}])
    assert sorted(ParticipantTopic.objects.values_list("topic__name", "interest", "strength")) \
        == [("AI tools", "teach", 3), ("Strategy", "learn", 2)]
    shown = member_client.get(profile_url(own_participant))
    assert b'id="completeness-percent">100%' in shown.content
    assert shown.context["form"]["languages"].value() == "English, German"


def test_missing_items_are_listed(member_client, own_participant):
    response = member_client.get(profile_url(own_participant))

    assert response.context["completeness"].missing == [
        "job title", "department", "seniority level", "time zone", "languages",
        "topics you can teach", "topics you want to learn", "learning goals",
        "weekly availability"]
    assert b"topics you can teach" in response.content
    assert Participant.objects.get(pk=own_participant.pk).completeness == 0


@pytest.mark.parametrize(("windows", "message"), [
    ((("0", "10:00", "09:00"),), "The end (09:00) must be after the start (10:00)"),
    ((("2", "09:00", "11:00"), ("2", "10:00", "12:00")), "overlaps another Wednesday window"),
    ((("", "09:00", "10:00"),), "Choose a day of the week (or clear the whole row)."),
    ((("3", "09:00", ""),), "Give an end time, e.g. 10:30."),
    ((("4", "09:00", "09:05"),), "at least 15 minutes"),
])
def test_invalid_availability_is_explained_and_nothing_is_saved(
        member_client, own_participant, topics, organization, windows, message, db_snapshot):
    level = SeniorityLevelFactory(organization=organization)
    before = db_snapshot()

    response = member_client.post(profile_url(own_participant),
                                  profile_data(level=level, topics=topics, windows=windows))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"Your profile was not saved" in response.content
    assert db_snapshot() == before


def test_unknown_language_and_contradictory_partners_are_refused(
        member_client, own_participant, topics, organization, cohort):
    level = SeniorityLevelFactory(organization=organization)
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    data = profile_data(level=level, topics=topics, languages="English, Klingon",
                        requested_partners=[mentee.pk], excluded_partners=[mentee.pk])

    response = member_client.post(profile_url(own_participant), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "“Klingon”" in errors["languages"][0]
    assert "cannot be both requested and excluded" in errors["excluded_partners"][0]
    assert Profile.objects.get(pk=own_participant.profile_id).languages == []


def test_pairing_wishes_are_saved(member_client, own_participant, topics, organization, cohort):
    level = SeniorityLevelFactory(organization=organization)
    wanted, skip_level = (ParticipantFactory(cohort=cohort, role="mentee") for _ in range(2))
    data = profile_data(level=level, topics=topics, requested_partners=[wanted.pk],
                        excluded_partners=[skip_level.pk])

    assert member_client.post(profile_url(own_participant), data).status_code == 302

    participant = Participant.objects.get(pk=own_participant.pk)
    assert list(participant.requested_partners.all()) == [wanted]
    assert list(participant.excluded_partners.all()) == [skip_level]


def test_mentee_has_no_capacity_field(client, cohort):
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    client.force_login(mentee.membership.user)

    response = client.get(profile_url(mentee))

    assert "capacity" not in response.context["form"].fields


def test_another_member_gets_404_and_changes_nothing(client, cohort, own_participant, topics,
                                                     organization, db_snapshot):
    level = SeniorityLevelFactory(organization=organization)
    colleague = MembershipFactory(organization=organization).user
    client.force_login(colleague)
    before = db_snapshot()

    assert client.get(profile_url(own_participant)).status_code == 404
    response = client.post(profile_url(own_participant),
                           profile_data(level=level, topics=topics))

    assert response.status_code == 404
    assert db_snapshot() == before


def test_hr_admin_reads_any_profile_but_cannot_change_it(admin_client, own_participant, topics,
                                                         organization, db_snapshot):
    level = SeniorityLevelFactory(organization=organization)
    page = admin_client.get(profile_url(own_participant))

    assert page.status_code == 200
    assert page.templates[0].name == "programs/participants/profile_view.html"
    assert b"Read-only" in page.content
    assert b"<form method=\"post\" novalidate id=\"profile-form\"" not in page.content
    assert own_participant.membership.user.email.encode() in page.content

    before = db_snapshot()
    response = admin_client.post(profile_url(own_participant),
                                 profile_data(level=level, topics=topics))
    assert response.status_code == 403
    assert db_snapshot() == before


def test_executive_cannot_open_profiles(client, executive_user, own_participant):
    client.force_login(executive_user)

    assert client.get(profile_url(own_participant)).status_code == 403


def test_profile_of_an_ended_cohort_is_read_only_for_its_owner(member_client, own_participant):
    own_participant.cohort.status = "completed"
    own_participant.cohort.save()

    page = member_client.get(profile_url(own_participant))

    assert page.status_code == 200
    assert b"can no longer change" in page.content
    assert member_client.post(profile_url(own_participant), {}).status_code == 403


def test_my_programs_lists_own_participations_with_completeness(member_client, own_participant,
                                                                organization, cohort):
    ParticipantFactory(cohort=cohort)  # someone else's place is not listed
    Participant.objects.filter(pk=own_participant.pk).update(completeness=44)

    response = member_client.get(reverse("programs:my_participations",
                                         kwargs={"org_slug": organization.slug}))

    assert response.status_code == 200
    assert [p.pk for p in response.context["participations"]] == [own_participant.pk]
    assert b"Profile 44% complete" in response.content
    assert profile_url(own_participant).encode() in response.content


# --- availability rules (pure) -------------------------------------------------------------

def test_availability_rules():
    assert availability_problems([{"weekday": 0, "start": "09:00", "end": "10:00"},
                                  {"weekday": 0, "start": "10:00", "end": "11:00"}]) == []
    problems = availability_problems([{"weekday": 0, "start": "09:00", "end": "17:00"},
                                      {"weekday": 0, "start": "10:00", "end": "11:00"},
                                      {"weekday": 0, "start": "12:00", "end": "13:00"},
                                      {"weekday": 9, "start": "12:00", "end": "13:00"}])
    assert [(p.row, p.message.split(";")[0]) for p in problems] == [
        (3, "Choose a day of the week."),
        (1, "This window overlaps another Monday window"),
        (2, "This window overlaps another Monday window"),
    ]
    assert availability_normalise([{"weekday": 4, "start": "9:5", "end": "10:00"},
                                   {"weekday": 1, "start": "08:00", "end": "09:00"}]) == [
        {"weekday": 1, "start": "08:00", "end": "09:00"},
        {"weekday": 4, "start": "09:05", "end": "10:00"}]


def test_opening_a_profile_writes_nothing(member_client, own_participant, db_snapshot):
    # given a stored completeness that no longer matches the (empty) profile
    Participant.objects.filter(pk=own_participant.pk).update(completeness=55)
    before = db_snapshot()

    # when its owner opens the page
    page = member_client.get(profile_url(own_participant))

    # then the page shows the computed figure and the database is untouched (no GET writes)
    assert page.status_code == 200
    assert page.context["completeness"].percent == 0
    assert db_snapshot() == before
    own_participant.refresh_from_db()
    assert own_participant.completeness == 55
