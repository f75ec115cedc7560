"""HR's operational lists (dashboards/panels/operations.py): pairs at risk and why, open
alerts, surveys open now, profiles incomplete, topics with no mentor, mentors with room,
commitments overdue. Figures are written from the fixture below, not recomputed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.tenancy import organization_scope
from dashboards.figures import Link, Panel
from dashboards.panels import operations
from dashboards.selectors import dashboard_panel, dashboard_panels, dashboard_scope
from feedback.selectors import response_rate
from matching.models import Pair, PairStatus
from programs.models import Participant, ParticipantStatus, TopicInterest
from programs.services.participants import participant_refresh_completeness
from sessions.models import AlertStatus, CommitmentOutcome
from tests.factories.accounts import OrganizationFactory
from tests.factories.checkins import HRAlertFactory
from tests.factories.feedback import QuestionFactory, ResponseFactory, SurveyFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    ProgramFactory,
    TopicFactory,
)
from tests.factories.sessions import CommitmentFactory, MentoringSessionFactory

pytestmark = pytest.mark.django_db

SECRETS = ("SECRET-ALERT", "SECRET-COMMITMENT", "SECRET-NOTE", "SECRET-SUMMARY")


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _pair(cohort, mentor_name: str, mentee_name: str, *, held_days_ago=()) -> Pair:
    pair = PairFactory(cohort=cohort, mentor__membership__user__full_name=mentor_name,
                       mentee__membership__user__full_name=mentee_name)
    Pair.objects.filter(pk=pair.pk).update(created_at=_ago(60))
    Participant.objects.filter(pk__in=[pair.mentor_id, pair.mentee_id]).update(completeness=100)
    for days in held_days_ago:
        MentoringSessionFactory(pair=pair, held=True, starts_at=_ago(days),
                                summary="SECRET-SUMMARY")
    return pair


@pytest.fixture
def world(scoped_organization):
    """One active cohort that started 60 days ago, meeting every 14 days (4 sessions expected
    of each pair by today), default mentor capacity 1:

    - pair A (Ada & Alan): no session in 60 days → at risk; pair B (Bea & Ben): 3 held, the
      last 20 days ago → slipping; pair C (Cy & Cleo): 4 held, the last 5 days ago → on track.
    - alerts: A open (two reasons, shared text), B acknowledged, C resolved.
    - an open survey closing in 7 days, asking everyone; 2 of the 10 enrolled responded.
    - incomplete profiles: Xavier (mentor, factory defaults: 4 of 9 checks → 44 %) and Yara
      (mentee with goals, availability and a topic to learn: 7 of 9 → 78 %).
    - topics: every pair mentee wants "AI tools", which every pair mentor teaches; Yara and
      Zoe want "Blockchain", which nobody teaches; a withdrawn mentee wants "Quantum".
    - capacity: pair mentors are full (1 of 1); Xavier has 1 place, Will (capacity 2) 2.
    - commitments: A has 2 overdue and unanswered (one shared with the program), 1 overdue but
      done, 1 not due yet; B has 1 overdue and unanswered.
    """
    organization = scoped_organization
    today = timezone.localdate()
    program = ProgramFactory(organization=organization, name="Digital skills")
    cohort = CohortFactory(program=program, name="Spring", status="active",
                           start_date=today - dt.timedelta(days=60),
                           end_date=today + dt.timedelta(days=100), cadence_days=14,
                           default_mentor_capacity=1)
    a = _pair(cohort, "Alan Mentor", "Ada Leader")
    b = _pair(cohort, "Ben Mentor", "Bea Leader", held_days_ago=(50, 35, 20))
    c = _pair(cohort, "Cleo Mentor", "Cy Leader", held_days_ago=(50, 35, 20, 5))
    ai_tools = TopicFactory(organization=organization, name="AI tools")
    blockchain = TopicFactory(organization=organization, name="Blockchain")
    quantum = TopicFactory(organization=organization, name="Quantum")
    for pair in (a, b, c):
        ParticipantTopicFactory(participant=pair.mentor, topic=ai_tools,
                                interest=TopicInterest.TEACH)
        ParticipantTopicFactory(participant=pair.mentee, topic=ai_tools,
                                interest=TopicInterest.LEARN)

    xavier = ParticipantFactory(cohort=cohort, role="mentor",
                                membership__user__full_name="Xavier Mentor")
    participant_refresh_completeness(participant=xavier)
    yara = ParticipantFactory(cohort=cohort, role="mentee",
                              membership__user__full_name="Yara Leader",
                              learning_goals="SECRET-NOTE goals",
                              availability=[{"weekday": 0, "start": "09:00", "end": "10:00"}])
    ParticipantTopicFactory(participant=yara, topic=blockchain, interest=TopicInterest.LEARN)
    participant_refresh_completeness(participant=yara)
    zoe = ParticipantFactory(cohort=cohort, role="mentee", completeness=100,
                             membership__user__full_name="Zoe Leader")
    ParticipantTopicFactory(participant=zoe, topic=blockchain, interest=TopicInterest.LEARN)
    ParticipantFactory(cohort=cohort, role="mentor", capacity=2, completeness=100,
                       membership__user__full_name="Will Mentor")
    gone = ParticipantFactory(cohort=cohort, role="mentee", status=ParticipantStatus.WITHDRAWN,
                              membership__user__full_name="Quinn Gone")
    ParticipantTopicFactory(participant=gone, topic=quantum, interest=TopicInterest.LEARN)

    alert_a = HRAlertFactory(pair=a, reasons=["low_score", "wants_contact"],
                             shared_text="SECRET-ALERT: my partner never shows up")
    alert_b = HRAlertFactory(pair=b, reasons=["relationship"], status=AlertStatus.ACKNOWLEDGED)
    HRAlertFactory(pair=c, status=AlertStatus.RESOLVED)

    survey = SurveyFactory(cohort=cohort, title="Midpoint pulse",
                           closes_on=today + dt.timedelta(days=7))
    QuestionFactory(survey=survey, audience="both")
    ResponseFactory(survey=survey, participant=a.mentee)
    ResponseFactory(survey=survey, participant=b.mentor)
    SurveyFactory(cohort=cohort, title="Old one", closed=True)
    SurveyFactory(cohort=cohort, title="Not yet published", draft=True)

    past = today - dt.timedelta(days=10)
    CommitmentFactory(pair=a, due_date=past, text="SECRET-COMMITMENT one")
    CommitmentFactory(pair=a, due_date=today - dt.timedelta(days=3), shared_with_program=True,
                      text="SECRET-COMMITMENT two")
    CommitmentFactory(pair=a, due_date=past, outcome=CommitmentOutcome.DONE)
    CommitmentFactory(pair=a, due_date=today + dt.timedelta(days=3))
    CommitmentFactory(pair=b, due_date=today - dt.timedelta(days=1))
    return {"organization": organization, "cohort": cohort, "a": a, "b": b, "c": c,
            "alert_a": alert_a, "alert_b": alert_b, "survey": survey, "xavier": xavier,
            "yara": yara, "today": today}


def _panels(organization, **scope) -> dict[str, Panel]:
    return {panel.key: panel for panel in operations.operations_panels(
        scope=dashboard_scope(organization=organization, **scope))}


def _text(cell) -> object:
    return cell.text if isinstance(cell, Link) else cell


def _texts(panel: Panel) -> list[tuple]:
    return [tuple(_text(cell) for cell in row) for row in panel.table.rows]


def _headline(panel: Panel) -> dict:
    return {figure.key: figure.value for figure in panel.headline}


def test_the_section_has_its_seven_lists_in_order(world):
    panels = operations.operations_panels(
        scope=dashboard_scope(organization=world["organization"]))

    assert [panel.key for panel in panels] == list(operations.KEYS)
    assert len(set(operations.KEYS)) == 7


def test_pairs_at_risk_and_why(world):
    panel = _panels(world["organization"])[operations.PAIRS_AT_RISK]

    # A: 60 days since the cohort's start, 60 // 14 = 4 expected, none held → at risk;
    # B: 3 of 4, the last 20 days ago (> one cadence) → slipping; C is on track: not listed
    assert _texts(panel) == [
        ("Alan Mentor & Ada Leader", "Spring", "At risk",
         "0 of 4 expected sessions held; no session yet after 60 days", 0, 4, 60),
        ("Ben Mentor & Bea Leader", "Spring", "Slipping",
         "3 of 4 expected sessions held; no session for 20 days", 3, 4, 20),
    ]
    assert _headline(panel)["total"] == 2
    assert _headline(panel)["at_risk"] == 1
    assert _headline(panel)["not_shown"] == 0
    pair_link, cohort_link = panel.table.rows[0][:2]
    assert pair_link.url == f"/o/acme/matching/pairs/{world['a'].pk}/"
    assert cohort_link.url == f"/o/acme/matching/cohorts/{world['cohort'].pk}/pairs/"
    assert _headline(panel)["full_list"].url == (
        f"/o/acme/matching/cohorts/{world['cohort'].pk}/pairs/?health=at_risk")


def test_open_alerts_show_reason_codes_never_the_shared_text(world):
    panel = _panels(world["organization"])[operations.OPEN_ALERTS]

    # open before acknowledged; C's resolved alert is not listed
    assert [row[:5] for row in _texts(panel)] == [
        ("Alan Mentor & Ada Leader", "Spring", "Check-in",
         "Says it is going badly (1–2 of 5); Would like HR to reach out", "Open"),
        ("Ben Mentor & Bea Leader", "Spring", "Check-in", "The relationship is in the way",
         "Acknowledged"),
    ]
    assert _texts(panel)[0][5:] == (world["today"].isoformat(), 0)
    assert panel.table.rows[0][0].url == f"/o/acme/check-ins/alerts/{world['alert_a'].pk}/"
    assert _headline(panel)["total"] == 2
    assert _headline(panel)["full_list"].url == (
        f"/o/acme/check-ins/cohorts/{world['cohort'].pk}/alerts/")


def test_surveys_open_now_with_their_response_rate(world):
    panel = _panels(world["organization"])[operations.SURVEYS_OUTSTANDING]

    # 10 enrolled (3 pairs, Xavier, Yara, Zoe, Will; Quinn withdrew), 2 responded: 20.0 %;
    # the closed survey and the draft are not open
    closes = world["today"] + dt.timedelta(days=7)
    assert _texts(panel) == [("Midpoint pulse", "Spring", 2, 10, 20.0, closes.isoformat(), 7)]
    rate = response_rate(survey=world["survey"])
    assert (rate.responded, rate.eligible) == (2, 10)  # the surveys page's own figures agree
    assert panel.table.rows[0][0].url == f"/o/acme/surveys/{world['survey'].pk}/"


def test_surveys_count_only_the_roles_asked(world):
    mentees_only = SurveyFactory(cohort=world["cohort"], title="Leaders only",
                                 closes_on=world["today"] + dt.timedelta(days=2))
    QuestionFactory(survey=mentees_only, audience="mentee")
    ResponseFactory(survey=mentees_only, participant=world["a"].mentee)

    rows = _texts(_panels(world["organization"])[operations.SURVEYS_OUTSTANDING])

    # enrolled mentees: Ada, Bea, Cy, Yara, Zoe = 5; Ada responded: 20.0 %; closes first
    assert rows[0][:5] == ("Leaders only", "Spring", 1, 5, 20.0)
    rate = response_rate(survey=mentees_only)
    assert (rate.responded, rate.eligible) == (1, 5)


def test_profiles_incomplete_with_what_is_missing(world):
    panel = _panels(world["organization"])[operations.PROFILES_INCOMPLETE]

    assert _texts(panel) == [
        ("Xavier Mentor", "Spring", "Mentor (junior)", 44,
         "seniority level, topics you can teach, topics you want to learn, learning goals, "
         "weekly availability"),
        ("Yara Leader", "Spring", "Mentee (senior leader)", 78,
         "seniority level, topics you can teach"),
    ]
    assert _headline(panel)["full_list"].url == (
        f"/o/acme/programs/cohorts/{world['cohort'].pk}/roster/"
        "?status=active&completeness_below=100&sort=completeness")


def test_topics_in_demand_with_no_mentor(world):
    panel = _panels(world["organization"])[operations.TOPICS_WITHOUT_MENTOR]

    # "AI tools" has mentors; Quinn (withdrawn) wanting "Quantum" does not count
    assert _texts(panel) == [("Blockchain", "Spring", 2)]


def test_mentors_with_spare_capacity(world):
    panel = _panels(world["organization"])[operations.MENTOR_CAPACITY]

    assert _texts(panel) == [("Will Mentor", "Spring", 2, 0, 2), ("Xavier Mentor", "Spring",
                                                                  1, 0, 1)]


def test_an_ended_pair_frees_its_mentors_place(world):
    Pair.objects.filter(pk=world["c"].pk).update(status=PairStatus.ENDED, ended_at=_ago(1))

    rows = _texts(_panels(world["organization"])[operations.MENTOR_CAPACITY])

    assert ("Cleo Mentor", "Spring", 1, 0, 1) in rows


def test_commitments_overdue_counts_per_pair_never_the_text(world):
    panel = _panels(world["organization"])[operations.COMMITMENTS_OVERDUE]

    # A: 2 pending and past due (the oldest 10 days ago, one shared); its done and not-yet-due
    # ones do not count; B: 1, due yesterday
    assert _texts(panel) == [
        ("Alan Mentor & Ada Leader", "Spring", 2,
         (world["today"] - dt.timedelta(days=10)).isoformat(), 10, 1),
        ("Ben Mentor & Bea Leader", "Spring", 1,
         (world["today"] - dt.timedelta(days=1)).isoformat(), 1, 0),
    ]
    assert _headline(panel)["total"] == 2
    assert _headline(panel)["full_list"].url == (
        f"/o/acme/pairs/cohorts/{world['cohort'].pk}/commitments/")


def test_no_private_text_in_any_list(world):
    shown = repr(operations.operations_panels(
        scope=dashboard_scope(organization=world["organization"])))

    for secret in SECRETS:
        assert secret not in shown
    assert "Ada Leader" in shown  # the lists do name pairs (HR may see them)


def test_the_lists_are_hr_only(world):
    scope = dashboard_scope(organization=world["organization"])

    executive = [section.key for section, _ in dashboard_panels(scope=scope, hr=False)]

    assert "operations" not in executive
    for key in operations.KEYS:
        with pytest.raises(Http404):
            dashboard_panel(scope=scope, key=key, hr=False)
        assert dashboard_panel(scope=scope, key=key, hr=True).key == key


def test_another_cohort_out_of_scope_is_not_listed(world):
    other = CohortFactory(program=world["cohort"].program, name="Autumn", status="active",
                          start_date=world["today"] - dt.timedelta(days=60),
                          end_date=world["today"] + dt.timedelta(days=100))
    _pair(other, "Olga Mentor", "Otto Leader")

    everything = _panels(world["organization"])
    spring = _panels(world["organization"], cohort_id=world["cohort"].pk)

    assert [row[0] for row in _texts(everything[operations.PAIRS_AT_RISK])] == [
        "Alan Mentor & Ada Leader", "Olga Mentor & Otto Leader", "Ben Mentor & Bea Leader"]
    assert "full_list" not in _headline(everything[operations.PAIRS_AT_RISK])  # two cohorts
    assert [row[0] for row in _texts(spring[operations.PAIRS_AT_RISK])] == [
        "Alan Mentor & Ada Leader", "Ben Mentor & Bea Leader"]


def _cohort_with_at_risk_pairs(organization, count: int):
    today = timezone.localdate()
    cohort = CohortFactory(program=ProgramFactory(organization=organization), status="active",
                           start_date=today - dt.timedelta(days=60),
                           end_date=today + dt.timedelta(days=100), cadence_days=14)
    for index in range(count):
        pair = _pair(cohort, f"Mentor {index:02d}", f"Leader {index:02d}")
        MentoringSessionFactory(pair=pair, held=True, starts_at=_ago(40))
        HRAlertFactory(pair=pair)
        CommitmentFactory(pair=pair, due_date=today - dt.timedelta(days=2))
        Participant.objects.filter(pk=pair.mentee_id).update(completeness=50)
        ParticipantFactory(cohort=cohort, role="mentor", completeness=100)
        ParticipantTopicFactory(participant=pair.mentee, interest=TopicInterest.LEARN)
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey)
    ResponseFactory(survey=survey, participant=pair.mentee)
    return cohort


def test_each_list_stops_at_its_limit_and_counts_the_rest(scoped_organization):
    _cohort_with_at_risk_pairs(scoped_organization, 25)

    panels = _panels(scoped_organization)

    for key in (operations.PAIRS_AT_RISK, operations.OPEN_ALERTS,
                operations.PROFILES_INCOMPLETE, operations.TOPICS_WITHOUT_MENTOR,
                operations.MENTOR_CAPACITY, operations.COMMITMENTS_OVERDUE):
        panel = panels[key]
        assert len(panel.table.rows) == operations.ROW_LIMIT, key
        assert _headline(panel)["total"] == 25, key
        assert _headline(panel)["not_shown"] == 5, key
        assert len(panel.notes) == 1, key
        assert "The first 20 of 25" in panel.notes[0], key


def test_query_count_does_not_grow_with_the_pairs(scoped_organization):
    """1 pair against 20 (each with a session, an alert, an overdue commitment, an
    incomplete profile, an unmet topic, a mentor with room and survey answers)."""
    def count(pairs: int) -> int:
        organization = OrganizationFactory()
        with organization_scope(organization):
            _cohort_with_at_risk_pairs(organization, pairs)
            scope = dashboard_scope(organization=organization)
            with CaptureQueriesContext(connection) as queries:
                panels = operations.operations_panels(scope=scope)
            assert all(panel.table.rows for panel in panels)
        return len(queries)

    one, twenty = count(1), count(20)

    assert one == twenty
