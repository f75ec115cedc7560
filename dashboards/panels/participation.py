"""Dashboard section: participation — the funnel from invitation to a completed pairing.

One panel, ``funnel``. It counts the people (members of the organization) of the cohorts in
scope as they are today; each step counts the people of the step before who also:

1. **Invited**: have a place in the cohort, whatever its state and however they came
   (invited and accepted, imported, enrolled by HR, applied), or hold a cohort invitation that
   was not withdrawn and did not become a place (pending, or expired unanswered);
2. **Enrolled**: the place is enrolled (Participant status ``active``);
3. **Profile complete**: the profile is 100 % complete (``Participant.completeness``, the
   roster's "complete");
4. **Matched**: are in a pair of the cohort (live or ended);
5. **First session**: one of their pairs held a session (a session logged as happened);
6. **Active**: one of those pairs is on track today (matching/health.py, HR's pair health),
   or has completed;
7. **Completed**: one of those pairs ended with "goals completed" or "cohort completed".

Someone with places in two cohorts in scope counts once, at the furthest step one of their
places reached (a place's steps are nested, so the people's are too).

The k rule: a step of fewer than k people is :data:`~dashboards.figures.SUPPRESSED`, with its
drop and share; the steps are nested, so every later step is then suppressed too and no
suppressed count can be recovered from a shown one by subtraction.

Queries: five whatever the number of people and pairs (the zone, the people's counts, the
outstanding invitations, the complete places' people, the pairs with their sessions
aggregated).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower

from dashboards.figures import SUPPRESSED, Chart, Column, Figure, Panel, Series, Table, rate
from dashboards.panels.engagement import PairState, pair_states
from dashboards.queries import organization_zone, scoped_cohorts, scoped_participants
from dashboards.scope import DashboardScope
from matching import health
from matching.models import PairEndReason
from programs.models import CohortInvitation, ParticipantStatus

KEYS: tuple[str, ...] = ("funnel",)

#: The funnel's steps, in order: (key, label).
STEPS = (
    ("invited", "Invited"),
    ("enrolled", "Enrolled"),
    ("profile_complete", "Profile complete"),
    ("matched", "Matched"),
    ("first_session", "First session"),
    ("active", "Active"),
    ("completed", "Completed"),
)

COMPLETING_REASONS = (PairEndReason.GOALS_COMPLETED, PairEndReason.COHORT_COMPLETED)

DESCRIPTION = (
    "People of the cohorts in scope as they are today, each step counting those of the step "
    "before who also: invited (a place in the cohort however they came — invitation, import, "
    "HR, application — or an invitation not withdrawn and not yet a place); enrolled; profile "
    "complete (100 %, as on the roster); matched (in a pair, live or ended); first session (a "
    "pair of theirs held one); active (that pair is on track today by pair health, or has "
    "completed); completed (that pair ended with goals or cohort completed). Someone in two "
    "cohorts counts once. A step of fewer than k people is hidden, with every step after it.")


def _outstanding_invitations(scope: DashboardScope) -> int:
    """People invited into a cohort in scope who have no place in any cohort in scope (they
    are counted by their place): cohort invitations not withdrawn whose address, and whose
    accepting account, hold no such place; one per address."""
    places = scoped_participants(scope)
    return (CohortInvitation.objects
            .filter(cohort__in=scoped_cohorts(scope), invitation__revoked_at__isnull=True)
            .exclude(Exists(places.filter(
                membership__user__email__iexact=OuterRef("invitation__email"))))
            .exclude(Exists(places.filter(
                membership__user=OuterRef("invitation__accepted_by"))))
            .annotate(address=Lower("invitation__email"))
            .values("address").distinct().count())


def _reached(states: list[PairState]) -> dict[str, set[int]]:
    """The places (participant ids) that reached each pair step through one of their pairs."""
    reached = {"matched": set(), "first_session": set(), "active": set(), "completed": set()}
    for state in states:
        people = (state.mentor_id, state.mentee_id)
        reached["matched"].update(people)
        if state.health.held < 1:
            continue
        reached["first_session"].update(people)
        completed = state.end_reason in COMPLETING_REASONS
        if completed or state.health.status == health.ON_TRACK:
            reached["active"].update(people)
        if completed:
            reached["completed"].update(people)
    return reached


def funnel_counts(scope: DashboardScope) -> tuple[dict[str, int], int]:
    """The people at each step, and the pairs formed (for the headline). A person is a
    member of the organization: with places in two cohorts in scope they count once, at the
    furthest step one of their places reached (each place's steps are nested, so the
    people's are too)."""
    active = Q(status=ParticipantStatus.ACTIVE)
    complete = active & Q(completeness__gte=100)
    people = scoped_participants(scope).aggregate(
        placed=Count("membership", distinct=True),
        enrolled=Count("membership", distinct=True, filter=active),
        complete=Count("membership", distinct=True, filter=complete))
    person_of = dict(scoped_participants(scope).filter(complete)
                     .values_list("pk", "membership_id"))
    states = pair_states(scope, organization_zone(scope))
    counts = {"invited": people["placed"] + _outstanding_invitations(scope),
              "enrolled": people["enrolled"], "profile_complete": people["complete"]}
    for step, places in _reached(states).items():
        counts[step] = len({person_of[place] for place in places if place in person_of})
    pairs = sum(1 for state in states if state.end_reason != PairEndReason.RE_PAIRED)
    return counts, pairs


def funnel_panel(*, scope: DashboardScope) -> Panel:
    k = scope.k
    counts, pairs = funnel_counts(scope)
    first = counts["invited"]
    rows = []
    previous = None
    for key, label in STEPS:
        count = counts[key]
        shown = count >= k
        if previous is None:
            drop = None
        elif shown and previous >= k:
            drop = previous - count
        else:
            drop = SUPPRESSED
        rows.append((label, count if shown else SUPPRESSED, drop,
                     rate(count, first) if shown else SUPPRESSED))
        previous = count
    return Panel(
        key="funnel", title="Participation funnel", description=DESCRIPTION,
        table=Table(columns=(Column("step", "Step"), Column("people", "People", "people"),
                             Column("drop", "Drop from the step before", "people"),
                             Column("share", "Share of invited", "%")),
                    rows=tuple(rows)),
        chart=Chart(kind="horizontal_bar", labels=tuple(label for _, label in STEPS),
                    series=(Series("People", tuple(None if row[1] is SUPPRESSED else row[1]
                                                   for row in rows)),),
                    unit="people"),
        headline=(Figure("enrolled", "People enrolled", rows[1][1], "people"),
                  Figure("matched_pairs", "Pairs matched", pairs if pairs >= k else SUPPRESSED,
                         "pairs")),
        notes=(f"Steps of fewer than {k} people are hidden, with every step after them.",
               "Pairs matched counts every pair formed, ended ones too, except a pair "
               "replaced by re-pairing (its successor counts)."))


def participation_panels(*, scope: DashboardScope) -> list[Panel]:
    return [funnel_panel(scope=scope)]
