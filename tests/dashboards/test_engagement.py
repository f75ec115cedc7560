"""The engagement panels: numbers against the hand-counted pilot cohort
(tests/dashboards/pilot_fixture.py; every expected figure is derived in a comment), the k rule
(k−1 and k pairs), weeks in the organization's zone, constant queries for 1 and 20 pairs, and
nothing that names a person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.figures import SUPPRESSED
from dashboards.panels import engagement
from dashboards.panels.engagement import engagement_panels
from dashboards.selectors import dashboard_panels
from programs.models import CohortStatus
from sessions.models import SessionStatus
from tests.dashboards.pilot_fixture import pair, person, pilot_cohort, scope_of, session
from tests.factories.programs import CohortFactory

pytestmark = pytest.mark.django_db


def panels_by_key(scope):
    return {panel.key: panel for panel in engagement_panels(scope=scope)}


def headline(panel):
    return {figure.key: figure.value for figure in panel.headline}


@pytest.fixture
def pilot(scoped_organization):
    return pilot_cohort(scoped_organization)


@pytest.fixture
def panels(pilot, scoped_organization):
    return panels_by_key(scope_of(scoped_organization))


def test_the_section_has_its_panels_in_order(panels):
    assert tuple(panels) == engagement.KEYS


def test_sessions_per_pair_against_the_cadence(panels):
    panel = panels["engagement_cadence"]
    # held − expected per pair (expected by 8 Mar: 56 // 14 = 4 from 11 Jan; P0 ended 20 Jan:
    # 9 // 14 = 0; P5 ended 22 Feb: 42 // 14 = 3; P6 paused 15 Feb: 35 // 14 = 2):
    # P0 0/0 on pace, P1 4/4 on pace, P2 5/4 ahead, P3 1/4 three behind, P4 3/4 one behind,
    # P5 3/3 on pace, P6 2/2 on pace → 1, 1, 4, 1 of 7 pairs
    assert panel.table.rows == (
        ("Two or more sessions behind", 1, 14.3),  # 1/7 = 14.29 %
        ("One session behind", 1, 14.3),
        ("On pace", 4, 57.1),  # 4/7 = 57.14 %
        ("Ahead of the cadence", 1, 14.3),
    )
    assert headline(panel) == {
        "sessions_per_pair": 2.57,  # (0+4+5+1+3+3+2) / 7 = 18/7
        "expected_per_pair": 3.0,  # (0+4+4+4+4+3+2) / 7 = 21/7
        "median_sessions_per_pair": 3,  # 0 1 2 [3] 3 4 5
        "meeting_cadence": 71.4,  # held ≥ expected: P0 P1 P2 P5 P6 = 5/7
    }
    assert panel.chart.kind == "bar"
    assert panel.chart.series[0].values == (1, 1, 4, 1)


def test_sessions_per_week_in_the_range(panels):
    panel = panels["engagement_weekly"]
    # weeks (Mondays, London = UTC in winter) from 11 Jan to the week of 7 Mar (1 Mar);
    # held: 11 Jan P2 12th + P5 13th; 18 Jan P1, P3, P4 19th; 25 Jan P2 26th, P5 27th, P6 25th;
    # 1 Feb P1, P4 2nd; 8 Feb P2 9th, P5 10th, P6 8th; 15 Feb P1; 22 Feb P2 23rd;
    # 1 Mar P1, P4, P2 4th. Cancelled or no-show: P3 25 Jan; P1 10 Feb, P3 8 Feb; P4 15 Feb,
    # P6 20 Feb; P3 no-show 22 Feb. P1's cancellation on 8 Mar is after the range, P2's 5 Mar
    # session is still scheduled (not logged).
    assert panel.table.rows == (
        ("2027-01-11", 2, 0),
        ("2027-01-18", 3, 0),
        ("2027-01-25", 3, 1),
        ("2027-02-01", 2, 0),
        ("2027-02-08", 3, 2),
        ("2027-02-15", 1, 2),
        ("2027-02-22", 1, 1),
        ("2027-03-01", 3, 0),
    )
    assert headline(panel) == {"sessions_held": 18}  # 2+3+3+2+3+1+1+3
    assert panel.chart.kind == "line"
    assert [series.label for series in panel.chart.series] == ["Held", "Cancelled or missed"]
    assert panel.chart.labels[0] == "2027-01-11"


def test_pairs_on_track_slipping_and_at_risk(panels):
    panel = panels["engagement_health"]
    # live pairs: P1 P2 (on track), P4 (3 of 4: slipping), P3 (1 of 4: at risk), P6 (paused);
    # P0 and P5 ended are not counted → of 5
    assert panel.table.rows == (
        ("On track", 2, 40.0),
        ("Slipping", 1, 20.0),
        ("At risk", 1, 20.0),
        ("Paused", 1, 20.0),
    )
    assert headline(panel) == {"on_track_share": 40.0, "at_risk_share": 20.0}


def test_session_length(panels):
    panel = panels["engagement_length"]
    # held in range: P1 4×60, P2 5×45 (planned, nothing logged), P3 1×20, P4 3×30, P5 3×90,
    # P6 2×30 (planned) = 18 sessions, 240+225+20+90+270+60 = 905 minutes
    assert panel.table.rows == (
        ("Under 30 minutes", 1, 5.6),  # P3: 1/18
        ("30–44 minutes", 5, 27.8),  # P4 3 + P6 2: 5/18
        ("45–59 minutes", 5, 27.8),  # P2 5
        ("60–89 minutes", 4, 22.2),  # P1 4: 4/18
        ("90 minutes or more", 3, 16.7),  # P5 3: 3/18
    )
    assert headline(panel) == {"avg_session_minutes": 50.3}  # 905 / 18 = 50.28


def test_cancellations_by_side(panels):
    panel = panels["engagement_cancellations"]
    # logged in range: 18 held + 5 cancelled + 1 no-show = 24. Leaders (mentees): e1 10 Feb,
    # e3 25 Jan and 8 Feb = 3; juniors (mentors): m4 15 Feb = 1; nobody: P6 20 Feb = 1
    assert panel.table.rows == (
        ("Leaders (mentees)", 3, 12.5),  # 3/24
        ("Juniors (mentors)", 1, 4.2),  # 1/24 = 4.17
        ("Not attributed (e.g. cancelled as the pair ended)", 1, 4.2),
        ("All cancellations", 5, 20.8),  # 5/24 = 20.83
    )
    assert headline(panel) == {"cancellation_rate_leaders": 12.5,
                               "cancellation_rate_juniors": 4.2}
    assert panel.chart.labels == ("Leaders (mentees)", "Juniors (mentors)")
    assert panel.chart.series[0].values == (12.5, 4.2)


def test_one_cohort_of_a_program_and_a_shorter_range(pilot, scoped_organization):
    # only February (1–28): held P1 1 & 15 Feb, P2 9 & 23, P4 2, P5 10, P6 8 = 7;
    # logged: + P1 10, P3 8, P4 15, P6 20 cancelled, P3 22 no-show = 12
    panels = panels_by_key(scope_of(scoped_organization, cohort=pilot.cohort,
                                    date_from=dt.date(2027, 2, 1),
                                    date_to=dt.date(2027, 2, 28)))
    assert headline(panels["engagement_weekly"]) == {"sessions_held": 7}
    assert [row[0] for row in panels["engagement_weekly"].table.rows] == [
        "2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22"]
    # leaders: e1 10 Feb, e3 8 Feb = 2 of 12
    assert panels["engagement_cancellations"].table.rows[0] == ("Leaders (mentees)", 2, 16.7)
    # states are as they are today whatever the range: the same 5 live pairs
    assert panels["engagement_health"].table.rows[0] == ("On track", 2, 40.0)


def test_weeks_are_the_organizations(scoped_organization):
    """A session on Monday 00:30 in London summer time starts on Sunday 23:30 UTC: it belongs
    to the Monday's week."""
    cohort = CohortFactory(organization=scoped_organization, status=CohortStatus.ACTIVE,
                           program__organization=scoped_organization,
                           start_date=dt.date(2027, 5, 3), end_date=dt.date(2027, 9, 30))
    for index in range(3):
        made = pair(cohort, person(cohort, f"m{index}", role="mentor"),
                    person(cohort, f"e{index}", role="mentee"))
        # Sunday 6 June 2027 23:30 UTC = Monday 7 June 00:30 BST
        session(made, "2027-06-06", hour=23)
    panel = panels_by_key(scope_of(scoped_organization, date_from=dt.date(2027, 5, 31),
                                   date_to=dt.date(2027, 6, 13),
                                   today=dt.date(2027, 6, 14)))["engagement_weekly"]
    assert panel.table.rows == (("2027-05-31", 0, 0), ("2027-06-07", 3, 0))


def build_pairs(cohort, count: int, *, held: bool = True, prefix: str = ""):
    """``count`` live pairs of ``cohort``, each with a session held on 1 Mar 2027 (50 min)
    and one cancelled by its leader on 3 Mar."""
    for index in range(count):
        made = pair(cohort, person(cohort, f"{prefix}m{index}", role="mentor"),
                    person(cohort, f"{prefix}e{index}", role="mentee"))
        if held:
            session(made, "2027-03-01", actual=50)
        session(made, "2027-03-03", status=SessionStatus.CANCELLED, cancelled_by=made.mentee)


@pytest.fixture
def small_cohort(scoped_organization):
    return CohortFactory(organization=scoped_organization, status=CohortStatus.ACTIVE,
                         program__organization=scoped_organization,
                         start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))


def all_values(panel):
    return [value for row in panel.table.rows for value in row[1:]] + [
        figure.value for figure in panel.headline]


@pytest.mark.parametrize("k", [3, 5])
def test_every_engagement_figure_is_hidden_under_k_pairs(small_cohort, scoped_organization, k):
    build_pairs(small_cohort, k - 1)
    panels = panels_by_key(scope_of(scoped_organization, k=k))
    for key in engagement.KEYS:
        values = all_values(panels[key])
        assert values, key
        assert all(value is SUPPRESSED for value in values), key
        assert all(point is None for series in panels[key].chart.series
                   for point in series.values), key
        assert panels[key].suppressed_count == len(panels[key].table.rows) * (
            len(panels[key].table.columns) - 1)


@pytest.mark.parametrize("k", [3, 5])
def test_every_engagement_figure_is_shown_at_k_pairs(small_cohort, scoped_organization, k):
    build_pairs(small_cohort, k)
    panels = panels_by_key(scope_of(scoped_organization, k=k))
    for key in engagement.KEYS:
        assert SUPPRESSED not in all_values(panels[key]), key
    # k pairs, each 1 held (50 min) + 1 cancelled by the leader: expected by 8 Mar is
    # 56 // 14 = 4, held 1 → each three behind; 1 of 2 logged sessions cancelled = 50 %
    assert headline(panels["engagement_weekly"]) == {"sessions_held": k}
    assert headline(panels["engagement_length"]) == {"avg_session_minutes": 50.0}
    assert panels["engagement_cancellations"].table.rows[0] == ("Leaders (mentees)", k, 50.0)
    assert panels["engagement_cadence"].table.rows[0] == ("Two or more sessions behind", k,
                                                          100.0)


def test_length_counts_the_pairs_that_held_a_session(small_cohort, scoped_organization):
    """k pairs logged a session but only k−1 held one: the cancellations are shown, the
    length (over k−1 pairs' sessions) is not."""
    build_pairs(small_cohort, 2)
    build_pairs(small_cohort, 1, held=False, prefix="x")
    panels = panels_by_key(scope_of(scoped_organization, k=3))
    assert headline(panels["engagement_length"]) == {"avg_session_minutes": SUPPRESSED}
    assert headline(panels["engagement_cancellations"])["cancellation_rate_leaders"] == 60.0


def test_nothing_names_a_person(pilot, panels):
    rendered = repr(list(panels.values()))
    for text in [*pilot.names, *pilot.emails, "Zephyrine", "Quillfeather", "pilot.example"]:
        assert text not in rendered


@pytest.mark.parametrize("section", ["engagement", "participation"])
def test_constant_queries_for_1_and_20_pairs(small_cohort, scoped_organization, section):
    from dashboards.panels.participation import participation_panels

    build = {"engagement": engagement_panels, "participation": participation_panels}[section]
    scope = scope_of(scoped_organization)
    build_pairs(small_cohort, 1)
    with CaptureQueriesContext(connection) as one:
        build(scope=scope)
    build_pairs(small_cohort, 19, prefix="more")
    with CaptureQueriesContext(connection) as twenty:
        panels = build(scope=scope)
    assert len(one) == len(twenty) == {"engagement": 4, "participation": 5}[section], (
        "\n".join(query["sql"] for query in twenty.captured_queries))
    # the 20 pairs were counted (not an empty dashboard)
    assert panels[0].table.rows[0][1] is not SUPPRESSED


def test_the_dashboard_lists_the_engagement_section(pilot, scoped_organization):
    sections = {section.key: panels for section, panels in
                dashboard_panels(scope=scope_of(scoped_organization))}
    assert [panel.key for panel in sections["engagement"]] == list(engagement.KEYS)


def test_another_organizations_pairs_are_not_counted(pilot, scoped_organization,
                                                     other_organization):
    from core.tenancy import organization_scope

    with organization_scope(other_organization):
        cohort = CohortFactory(organization=other_organization, status=CohortStatus.ACTIVE,
                               program__organization=other_organization,
                               start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))
        build_pairs(cohort, 4)
        theirs = panels_by_key(scope_of(other_organization))
    ours = panels_by_key(scope_of(scoped_organization))
    assert headline(ours["engagement_weekly"]) == {"sessions_held": 18}
    assert headline(theirs["engagement_weekly"]) == {"sessions_held": 4}
