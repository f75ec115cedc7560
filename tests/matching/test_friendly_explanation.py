"""What participants are told about their pair: friendly reasons (what each can teach the
other, shared topics, when both are free in the reader's own time zone) on My pairs and in the
introduction email, the partner's public profile on My pairs, and never the admin's review
(locks, rule overrides, "0 h weekly overlap") or the partner's private answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.friendly import FALLBACK, Side, availability_in, why_paired
from matching.models import Pair
from matching.services import publishing as publishing_services
from programs.models import CohortStatus, ParticipantRole
from tests.factories.matching import matching_participant
from tests.factories.programs import CohortFactory, ProgramFactory

JAN = dt.date(2027, 1, 13)  # a Wednesday: the week of Monday 11 January 2027
JULY = dt.date(2027, 7, 14)
ADMIN_ONLY_WORDS = ("Locked by an admin", "Breaks rule", "weekly overlap", "Score", "points",
                    "proficiency", "priority", "Pairing request")


# --- the pure explanation -----------------------------------------------------------------------

EVA = Side(name="Eva", teaches={"Strategy": 3, "Negotiation": 1},
           learns={"AI tools": 3, "TikTok": 1, "Data": 2},
           availability=((0, 540, 660), (2, 1380, 1440)), timezone="Europe/Berlin",
           department="Finance")
ANA = Side(name="Ana", teaches={"AI tools": 3, "Data": 1, "Design": 2},
           learns={"Strategy": 2, "Design": 1}, availability=((0, 480, 600), (3, 0, 60)),
           timezone="Europe/London", department="Technology")


def test_reasons_say_what_each_can_teach_the_other_and_when_both_are_free():
    assert why_paired(me=EVA, partner=ANA, timezone="Europe/Berlin", reference=JAN) == [
        # Eva's priorities first: AI tools (3) before Data (2); TikTok is not Ana's
        "Ana can help you with AI tools and Data.",
        "You can help Ana with Strategy.",
        # Berlin Mon 09-11 = UTC 08-10 = London Mon 08-10; Wed 23-24 Berlin never meets Thu
        # 00-01 London (that is Thu 01-02 in Berlin)
        "You are both free on Monday 09:00–11:00 (your time, Europe/Berlin).",
        "You bring views from different parts of the business: Finance and Technology.",
    ]


def test_the_partner_reads_the_same_pairing_from_their_side_and_in_their_own_time_zone():
    lines = why_paired(me=ANA, partner=EVA, timezone="Asia/Kolkata", reference=JAN)

    assert lines[:2] == ["Eva can help you with Strategy.",
                         "You can help Eva with AI tools and Data."]
    # UTC Mon 08:00-10:00 is 13:30-15:30 in India (UTC+5:30)
    assert "You are both free on Monday 13:30–15:30 (your time, Asia/Kolkata)." in lines


def test_shared_interests_are_named_once():
    me = Side(name="Kim", learns={"Design": 2, "Data": 1}, teaches={"Python": 3})
    partner = Side(name="Lou", learns={"Design": 3}, teaches={"Python": 2, "Data": 3})

    assert why_paired(me=me, partner=partner, timezone="UTC", reference=JAN) == [
        "Lou can help you with Data.",
        "You are both interested in Design and Python.",
    ]


def test_free_time_follows_daylight_saving_of_the_week_the_pair_starts():
    # New York 09:00-10:00 on Monday: 14:00 UTC in January (EST), 13:00 UTC in July (EDT)
    york = Side(name="Sam", availability=((0, 540, 600),), timezone="America/New_York")

    assert availability_in(york, "UTC", JAN) == ["Monday 14:00–15:00"]
    assert availability_in(york, "UTC", JULY) == ["Monday 13:00–14:00"]


def test_free_time_that_crosses_midnight_in_the_readers_zone_is_split_by_day():
    # Sunday 22:00-24:00 UTC is Monday 07:00-09:00 in Tokyo; Sunday 23:00-Monday 01:00 in
    # Berlin, shown as two days
    sunday_late = Side(name="Ola", availability=((6, 1320, 1440),), timezone="UTC")

    assert availability_in(sunday_late, "Asia/Tokyo", JAN) == ["Monday 07:00–09:00"]
    assert availability_in(sunday_late, "Europe/Berlin", JAN) == [
        "Monday 00:00–01:00", "Sunday 23:00–24:00"]  # in week order


def test_many_free_times_are_summed_up():
    weekdays = tuple((day, 540, 600) for day in range(5))
    me = Side(name="A", availability=weekdays)
    partner = Side(name="B", availability=weekdays)

    assert why_paired(me=me, partner=partner, timezone="UTC", reference=JAN) == [
        "You are both free on Monday 09:00–10:00, Tuesday 09:00–10:00, Wednesday 09:00–10:00 "
        "and 2 more (5 h a week in all) (your time, UTC)."]


def test_a_pair_with_nothing_in_common_still_gets_a_kind_word_and_never_a_zero():
    lonely = Side(name="Ben", department="Sales")
    other = Side(name="Cy", department="sales", availability=((0, 540, 600),))

    lines = why_paired(me=lonely, partner=other, timezone="UTC", reference=JAN)

    assert lines == [FALLBACK]
    assert not [word for word in ADMIN_ONLY_WORDS if word in " ".join(lines)]


def test_an_unknown_time_zone_falls_back_to_utc():
    odd = Side(name="Q", availability=((0, 600, 660),), timezone="Mars/Olympus")

    assert availability_in(odd, "Nowhere/Land", JAN) == ["Monday 10:00–11:00"]


# --- My pairs and the introduction email ---------------------------------------------------------

@pytest.fixture
def tokyo_pair(scoped_organization, admin_user, django_capture_on_commit_callbacks):
    """An active cohort's pair, published through the manual-pair service (an introduction
    for both): Mina (mentor, Tokyo) and Lars (mentee, London), whose admin explanation carries
    a lock and a broken rule."""
    program = ProgramFactory(organization=scoped_organization, name="Digital skills")
    cohort = CohortFactory(program=program, status=CohortStatus.ACTIVE,
                           start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))
    mina = matching_participant(
        cohort, role=ParticipantRole.MENTOR, name="Mina Sato", email="mina@acme.example",
        level=1, department="Technology", teaches=[("AI tools", 3)], learns=[("Strategy", 2)],
        availability=[{"weekday": 0, "start": "17:00", "end": "20:00"}],
        time_zone="Asia/Tokyo", bio="Builds our chatbots.\nLoves karaoke.")
    lars = matching_participant(
        cohort, role=ParticipantRole.MENTEE, name="Lars Berg", email="lars@acme.example",
        level=5, department="Technology", teaches=[("Strategy", 3)], learns=[("AI tools", 3)],
        availability=[{"weekday": 0, "start": "09:00", "end": "10:00"},
                      {"weekday": 4, "start": "15:00", "end": "16:00"}],
        time_zone="Europe/London", bio="Runs the northern stores.", location="Leeds")
    other = matching_participant(cohort, role=ParticipantRole.MENTOR, name="Secret Crush",
                                 level=1, department="Data")
    lars.requested_partners.add(other)  # private: never shown to Mina
    with django_capture_on_commit_callbacks(execute=True):
        pair = publishing_services.pair_create_manual(
            cohort=cohort, mentor=mina, mentee=lars, actor=admin_user,
            override_reason="Same floor")
    Pair.objects.filter(pk=pair.pk).update(explanation=[
        "Locked by an admin", "Breaks rule: same department (Technology)",
        "Availability: 0 h weekly overlap (full marks at 3 h)"])
    return mina, lars


def my_pairs_page(client, participant) -> str:
    client.force_login(participant.membership.user)
    response = client.get(reverse("matching:my_pairs", kwargs={"org_slug": "acme"}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_my_pairs_shows_the_partners_public_profile_in_my_time_zone(tokyo_pair, client):
    mina, _lars = tokyo_pair

    page = my_pairs_page(client, mina)

    assert "<bdi>Lars Berg</bdi>" in page
    assert "Director</bdi> · <bdi>Technology</bdi>" in page
    assert "Runs the northern stores." in page
    # Lars is free Mon 09-10 and Fri 15-16 London time: 18-19 and 00-01 (Saturday) in Tokyo
    assert "<li>Monday 18:00–19:00</li>" in page
    assert "<li>Saturday 00:00–01:00</li>" in page
    assert "Your time (Asia/Tokyo)." in page
    assert "<li><bdi>Strategy</bdi></li>" in page  # what Lars can teach
    # why: in Mina's words and time zone
    assert "Lars Berg can help you with Strategy." in page
    assert "You can help Lars Berg with AI tools." in page
    assert "You are both free on Monday 18:00–19:00 (your time, Asia/Tokyo)." in page


@pytest.mark.django_db
def test_my_pairs_never_shows_the_admins_review_or_the_partners_private_answers(
        tokyo_pair, client):
    mina, lars = tokyo_pair

    for me in (mina, lars):
        page = my_pairs_page(client, me)
        assert not [word for word in ("Locked by an admin", "Breaks rule", "weekly overlap",
                                      "Same floor", "override") if word in page]
        assert "@acme.example" not in page  # no email of anybody
        assert "Secret Crush" not in page  # Lars's request stays private
        assert "Leeds" not in page  # location is not part of the public profile
    page = my_pairs_page(client, lars)
    assert "Builds our chatbots.<br>Loves karaoke." in page
    assert "You are both free on Monday 09:00–10:00 (your time, Europe/London)." in page


@pytest.mark.django_db
def test_the_introduction_email_gives_each_person_the_friendly_reasons(tokyo_pair, mailoutbox):
    by_recipient = {mail.to[0]: mail for mail in mailoutbox}
    mina_mail, lars_mail = by_recipient["mina@acme.example"], by_recipient["lars@acme.example"]

    assert "Lars Berg can help you with Strategy." in mina_mail.body
    assert "You are both free on Monday 18:00–19:00 (your time, Asia/Tokyo)." in mina_mail.body
    assert "Mina Sato can help you with AI tools." in lars_mail.body
    assert "You are both free on Monday 09:00–10:00 (your time, Europe/London)." in \
        lars_mail.body
    for mail in (mina_mail, lars_mail):
        html = mail.alternatives[0][0]
        for text in (mail.body, html):
            assert not [word for word in ADMIN_ONLY_WORDS if word in text], text
            assert "Same floor" not in text
            assert "Secret Crush" not in text


@pytest.mark.django_db
def test_my_pairs_uses_the_same_number_of_queries_for_one_and_three_pairs(
        scoped_organization, client, django_assert_num_queries):
    program = ProgramFactory(organization=scoped_organization)
    cohort = CohortFactory(program=program, status=CohortStatus.ACTIVE)
    mentor = matching_participant(cohort, role=ParticipantRole.MENTOR, name="Busy Mentor",
                                  level=1, department="Tech", teaches=[("AI tools", 3)])

    def add_pair(k: int) -> None:
        mentee = matching_participant(cohort, role=ParticipantRole.MENTEE, name=f"Lead {k}",
                                      level=5, department="Ops", learns=[("AI tools", 2)])
        Pair.objects.create(organization=scoped_organization, cohort=cohort, mentor=mentor,
                            mentee=mentee)

    client.force_login(mentor.membership.user)
    url = reverse("matching:my_pairs", kwargs={"org_slug": "acme"})
    add_pair(0)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    add_pair(1)
    add_pair(2)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="card mb-3 pair-card"') == 3


@pytest.mark.django_db
def test_my_pairs_reads_each_side_of_the_pairs_by_the_users_places(
        scoped_organization, client):
    program = ProgramFactory(organization=scoped_organization)
    cohort = CohortFactory(program=program, status=CohortStatus.ACTIVE)
    mentor = matching_participant(cohort, role=ParticipantRole.MENTOR, name="Side Mentor",
                                  level=1, department="Tech", teaches=[("AI tools", 3)])
    mentee = matching_participant(cohort, role=ParticipantRole.MENTEE, name="Side Lead",
                                  level=5, department="Ops", learns=[("AI tools", 2)])
    other = matching_participant(cohort, role=ParticipantRole.MENTEE, name="Not Mine",
                                 level=5, department="Ops", learns=[("AI tools", 2)])
    Pair.objects.create(organization=scoped_organization, cohort=cohort, mentor=mentor,
                        mentee=mentee)
    Pair.objects.create(organization=scoped_organization, cohort=cohort,
                        mentor=matching_participant(cohort, role=ParticipantRole.MENTOR,
                                                    name="Else", level=1, department="Tech"),
                        mentee=other)
    client.force_login(mentee.membership.user)
    url = reverse("matching:my_pairs", kwargs={"org_slug": "acme"})

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()

    pairs = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith('SELECT "matching_pair"."id"')]
    assert len(pairs) == 1, pairs
    # each side by the user's places (a subquery computed once: an index scan per side on
    # PostgreSQL), not an OR across the people's joins
    side = ("= ANY(ARRAY(SELECT" if connection.vendor == "postgresql" else "IN (SELECT")
    assert f'"matching_pair"."mentor_id" {side}' in pairs[0]
    assert f'"matching_pair"."mentee_id" {side}' in pairs[0]
    assert page.count('class="card mb-3 pair-card"') == 1
    assert "Side Mentor" in page
    assert "Else" not in page
