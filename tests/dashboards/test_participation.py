"""The participation funnel: each step against the hand-counted pilot cohort
(tests/dashboards/pilot_fixture.py; the expected counts are derived in comments), what makes
someone invited, the k rule on steps of k−1 and k people (and no hidden step recoverable by
subtraction), and nothing that names a person. Its constant query count for 1 and 20 pairs is
tested with the engagement section's (tests/dashboards/test_engagement.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards.figures import SUPPRESSED
from dashboards.panels import participation
from dashboards.panels.participation import participation_panels
from matching.models import PairEndReason, PairStatus
from programs.models import CohortStatus
from tests.dashboards.pilot_fixture import at, pair, person, pilot_cohort, scope_of, session
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, CohortInvitationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def funnel(scope):
    (panel,) = participation_panels(scope=scope)
    return panel


def headline(panel):
    return {figure.key: figure.value for figure in panel.headline}


@pytest.fixture
def pilot(scoped_organization):
    return pilot_cohort(scoped_organization)


def test_the_funnel_of_the_pilot_cohort(pilot, scoped_organization):
    panel = funnel(scope_of(scoped_organization))
    assert panel.key == "funnel"
    assert participation.KEYS == ("funnel",)
    assert [column.key for column in panel.table.columns] == ["step", "people", "drop",
                                                              "share"]
    assert panel.table.rows == (
        # 16 places (m1–m6, u1, e1–e3, e5, e6 complete; e4, u2 incomplete; a1 applied; w1
        # withdrawn) + 4 invitations (3 pending, 1 expired; not: withdrawn, m1's address,
        # accepted by u2's account, PENDING-1 again in capitals) = 20
        ("Invited", 20, None, 100.0),
        ("Enrolled", 14, 6, 70.0),  # 16 places − a1 − w1; 14/20
        ("Profile complete", 12, 2, 60.0),  # − e4 − u2; 12/20
        # complete and in a pair: m1–m6, e1, e2, e3, e5, e6 (u1 never paired; e4 is paired
        # but incomplete, so left at the step before) = 11
        ("Matched", 11, 1, 55.0),
        ("First session", 11, 0, 55.0),  # P1–P6 all held one (m1 by P1, e3 by P3)
        # P1, P2 on track + P5 completed = 6 (P3 at risk, P4 slipping, P6 paused)
        ("Active", 6, 5, 30.0),
        # P5 (goals completed): m5, e5 = 2 < k = 3 → hidden, with its drop (6 − 2 would
        # give it away)
        ("Completed", SUPPRESSED, SUPPRESSED, SUPPRESSED),
    )
    # pairs formed: P1–P6 (P0 was replaced by re-pairing: its successor P1 counts)
    assert headline(panel) == {"enrolled": 14, "matched_pairs": 6}
    assert panel.chart.kind == "horizontal_bar"
    assert panel.chart.labels == ("Invited", "Enrolled", "Profile complete", "Matched",
                                  "First session", "Active", "Completed")
    assert panel.chart.series[0].values == (20, 14, 12, 11, 11, 6, None)


def test_the_description_defines_every_step(pilot, scoped_organization):
    description = funnel(scope_of(scoped_organization)).description.lower()
    for words in ("invited", "enrolled", "profile complete", "matched", "first session",
                  "on track", "completed", "fewer than k"):
        assert words in description


def test_at_k_the_last_step_is_shown(pilot, scoped_organization):
    # a second mentee of m5 whose pair also completed: m5, e5, e7 = 3 = k
    e7 = person(pilot.cohort, "e7", role="mentee")
    done = pair(pilot.cohort, pilot.people["m5"], e7, status=PairStatus.ENDED,
                end_reason=PairEndReason.COHORT_COMPLETED, ended_at=at("2027-03-01"))
    session(done, "2027-02-01")
    rows = funnel(scope_of(scoped_organization)).table.rows
    # invited 21, enrolled 15, complete 13, matched 12, first session 12, active 6 + e7 = 7
    assert rows[-2:] == (("Active", 7, 5, 33.3), ("Completed", 3, 4, 14.3))


def test_an_accepted_invitation_is_counted_once(pilot, scoped_organization):
    """pending-2 becomes a place (e.g. accepts the invitation): still one invited person."""
    user = UserFactory(email="pending-2@pilot.example", full_name="Pending Two")
    ParticipantFactory(cohort=pilot.cohort, role="mentee", completeness=40,
                       membership=MembershipFactory(organization=scoped_organization,
                                                    user=user))
    rows = funnel(scope_of(scoped_organization)).table.rows
    assert rows[0][:2] == ("Invited", 20)  # 17 places + 3 invitations
    assert rows[1][:2] == ("Enrolled", 15)


def test_an_invitation_counts_in_its_own_cohort(pilot, scoped_organization):
    other = CohortFactory(organization=scoped_organization, status=CohortStatus.ENROLLING,
                          program=pilot.cohort.program, start_date=dt.date(2027, 2, 1),
                          end_date=dt.date(2027, 7, 30))
    CohortInvitationFactory(cohort=other, invitation__email="pending-1@pilot.example")
    CohortInvitationFactory(cohort=other, invitation__email="someone-new@pilot.example")
    # org-wide: pending-1 is one person (one address) → 20 + someone-new = 21
    assert funnel(scope_of(scoped_organization)).table.rows[0][1] == 21
    assert funnel(scope_of(scoped_organization, cohort=pilot.cohort)).table.rows[0][1] == 20
    # the other cohort alone: its two invitations (k = 1 to see so few)
    assert funnel(scope_of(scoped_organization, k=1, cohort=other)).table.rows[0][1] == 2


def small_cohort(organization):
    return CohortFactory(organization=organization, status=CohortStatus.ACTIVE,
                         program__organization=organization,
                         start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 6, 30))


@pytest.mark.parametrize(("places", "shown"), [(2, False), (3, True)])
def test_a_funnel_of_k_minus_1_and_k_people(scoped_organization, places, shown):
    cohort = small_cohort(scoped_organization)
    for index in range(places):
        person(cohort, f"p{index}", role="mentor")
    panel = funnel(scope_of(scoped_organization, k=3))
    if shown:
        # 3 enrolled, complete, unpaired: the first three steps shown, then nobody (0 < k)
        assert panel.table.rows[:3] == (("Invited", 3, None, 100.0), ("Enrolled", 3, 0, 100.0),
                                        ("Profile complete", 3, 0, 100.0))
        assert panel.table.rows[3] == ("Matched", SUPPRESSED, SUPPRESSED, SUPPRESSED)
        assert headline(panel) == {"enrolled": 3, "matched_pairs": SUPPRESSED}
    else:
        assert all(value is SUPPRESSED for row in panel.table.rows for value in row[1:]
                   if value is not None)
        assert headline(panel) == {"enrolled": SUPPRESSED, "matched_pairs": SUPPRESSED}
        assert panel.chart.series[0].values == (None,) * 7


@pytest.mark.parametrize(("mentees", "shown"), [(1, False), (2, True)])
def test_a_completed_step_of_k_minus_1_and_k_people(scoped_organization, mentees, shown):
    """One mentor with one or two mentees, every pair completed: 2 or 3 people (k = 3)."""
    cohort = small_cohort(scoped_organization)
    mentor = person(cohort, "m", role="mentor")
    for index in range(mentees):
        done = pair(cohort, mentor, person(cohort, f"e{index}", role="mentee"),
                    status=PairStatus.ENDED, end_reason=PairEndReason.GOALS_COMPLETED,
                    ended_at=at("2027-03-01"))
        session(done, "2027-02-01")
    row = funnel(scope_of(scoped_organization, k=3)).table.rows[-1]
    assert row == (("Completed", 3, 0, 100.0) if shown
                   else ("Completed", SUPPRESSED, SUPPRESSED, SUPPRESSED))


def test_a_completed_pair_that_never_met_is_not_completed(scoped_organization):
    cohort = small_cohort(scoped_organization)
    for index in range(3):
        pair(cohort, person(cohort, f"m{index}", role="mentor"),
             person(cohort, f"e{index}", role="mentee"), status=PairStatus.ENDED,
             end_reason=PairEndReason.COHORT_COMPLETED, ended_at=at("2027-03-01"))
    rows = funnel(scope_of(scoped_organization, k=3)).table.rows
    assert rows[3][:2] == ("Matched", 6)
    assert rows[4][:3] == ("First session", SUPPRESSED, SUPPRESSED)  # 0 people
    assert rows[6][1] is SUPPRESSED


def test_nothing_names_a_person(pilot, scoped_organization):
    rendered = repr(participation_panels(scope=scope_of(scoped_organization)))
    for text in [*pilot.names, *pilot.emails, "Zephyrine", "pilot.example"]:
        assert text not in rendered


def test_someone_in_two_cohorts_counts_once(pilot, scoped_organization):
    """m1 also has a place in a second cohort (complete, unpaired) and pending-3 an invitation
    to it: org-wide both count once; in the second cohort's own view they count there."""
    from tests.factories.sessions import place_of

    second = CohortFactory(organization=scoped_organization, status=CohortStatus.ENROLLING,
                           program=pilot.cohort.program, start_date=dt.date(2027, 2, 1),
                           end_date=dt.date(2027, 7, 30))
    place_of(pilot.people["m1"].membership, second, "mentor", completeness=100)
    CohortInvitationFactory(cohort=second, invitation__email="pending-3@pilot.example")
    rows = funnel(scope_of(scoped_organization)).table.rows
    # the same 20, 14, 12, 11 as the pilot alone: m1 is one person, pending-3 one address
    assert [row[1] for row in rows[:4]] == [20, 14, 12, 11]
    # the second cohort alone: m1 (enrolled, complete, unpaired) + pending-3's invitation
    # (pending-3 has no place in that view) = 2 invited, 1 enrolled → k = 1 to see them
    # (0 is below any k: hidden)
    alone = funnel(scope_of(scoped_organization, k=1, cohort=second)).table.rows
    assert [row[1] for row in alone] == [2, 1, 1, *[SUPPRESSED] * 4]
