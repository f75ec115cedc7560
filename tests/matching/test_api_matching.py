"""Matching REST API: start and poll runs, cancel, proposals with decisions, lock/reject,
publish, the admins' pairs list and each participant's own pairs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matching.engine import Weights
from matching.models import DecisionKind, MatchingRun, PairDecision, Proposal, RunStatus
from tests.factories.matching import (
    MatchingRunFactory,
    PairFactory,
    ProposalFactory,
    ready_cohort_pair_score,
)
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/o/acme/matching/"
PAIR_SCORE = ready_cohort_pair_score(Weights())  # any pair of the matching_cohort cohort: 0.783


@pytest.fixture
def admin_api(api_client, admin_user):
    api_client.force_login(admin_user)
    return api_client


def _same_queries(client, url, grow, django_assert_num_queries):
    """GET ``url`` and count its queries, call ``grow()``, then GET it again with exactly the
    same number of queries (printed on failure)."""
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as first:
        small = client.get(url)
    grow()
    with django_assert_num_queries(len(first.captured_queries)):
        large = client.get(url)
    return small.json(), large.json()


# --- runs ----------------------------------------------------------------------------------------

def test_post_starts_a_run_and_get_polls_it_to_the_finish(matching_cohort, admin_api, admin_user,
                                                          django_capture_on_commit_callbacks):
    # when the admin starts a run through the API
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"{API}runs/", {"cohort": matching_cohort.cohort.pk},
                                  format="json")

    # then it is accepted (queued at that moment) …
    assert response.status_code == 202
    body = response.json()
    assert (body["cohort"], body["number"], body["status"], body["progress"],
            body["started_by"]) == (matching_cohort.cohort.pk, 1, "queued", 0,
                                    admin_user.display_name)
    # … and polling shows it finished with its figures
    polled = admin_api.get(f"{API}runs/{body['id']}/").json()
    assert (polled["status"], polled["stage"], polled["stage_label"], polled["progress"],
            polled["is_finished"]) == ("succeeded", "done", "Done", 100, True)
    assert (polled["mentee_count"], polled["mentor_count"], polled["matched_count"],
            polled["total_score"], polled["min_score"], polled["topic_coverage"]) == (
        6, 6, 6, round(6 * PAIR_SCORE, 4), PAIR_SCORE, 1.0)
    assert (polled["unmatched"], polled["error"], polled["attempts"]) == ([], "", 1)
    assert set(polled["stats"]["timings"]) == {"scoring_s", "solving_s", "total_s"}
    assert "snapshot" not in polled


def test_starting_a_run_for_a_cohort_not_in_matching_is_a_clear_400(scoped_organization, admin_api):
    cohort = CohortFactory(program__organization=scoped_organization, status="enrolling")

    response = admin_api.post(f"{API}runs/", {"cohort": cohort.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [
        "Matching runs need the cohort in the matching phase; it is enrolling."]}
    assert MatchingRun.objects.count() == 0


def test_starting_a_run_for_another_orgs_cohort_is_unknown(admin_api, other_organization):
    from core.tenancy import organization_scope

    with organization_scope(other_organization):
        foreign = CohortFactory(program__organization=other_organization, status="matching")

    response = admin_api.post(f"{API}runs/", {"cohort": foreign.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"cohort": ["No cohort with this id."]}


def test_runs_list_filters_by_cohort_and_status(matching_cohort, scoped_organization, admin_api):
    mine = MatchingRunFactory(cohort=matching_cohort.cohort, succeeded=True)
    MatchingRunFactory(cohort=matching_cohort.cohort, status=RunStatus.FAILED)
    MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True)

    by_cohort = admin_api.get(f"{API}runs/", {"cohort": matching_cohort.cohort.pk}).json()
    by_both = admin_api.get(f"{API}runs/", {"cohort": matching_cohort.cohort.pk,
                                            "status": "succeeded"}).json()

    assert by_cohort["count"] == 2
    assert [r["id"] for r in by_both["results"]] == [mine.pk]


def test_cancel_stops_a_queued_run(matching_cohort, admin_api):
    run = MatchingRunFactory(cohort=matching_cohort.cohort)

    response = admin_api.post(f"{API}runs/{run.pk}/cancel/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["is_finished"]) == ("cancelled", True)
    again = admin_api.post(f"{API}runs/{run.pk}/cancel/")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": [
        "Only a queued or running run can be cancelled."]}


def test_retry_requeues_a_failed_run(matching_cohort, admin_api,
                                     django_capture_on_commit_callbacks):
    run = MatchingRunFactory(cohort=matching_cohort.cohort, status=RunStatus.FAILED, error="boom")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"{API}runs/{run.pk}/retry/")

    assert response.status_code == 202
    run.refresh_from_db()
    assert (run.status, run.error, run.matched_count) == (RunStatus.SUCCEEDED, "", 6)


# --- proposals and decisions -----------------------------------------------------------------

def test_proposals_list_gives_score_components_explanation_and_decision(matching_cohort, start_run,
                                                                        admin_api, admin_user):
    run = start_run(matching_cohort.cohort)
    rejected = Proposal.objects.filter(run=run).order_by("pk").first()
    PairDecision.objects.create(organization=matching_cohort.cohort.organization,
                                cohort=matching_cohort.cohort,
                                mentor=rejected.mentor, mentee=rejected.mentee,
                                kind=DecisionKind.REJECT, decided_by=admin_user)

    body = admin_api.get(f"{API}runs/{run.pk}/proposals/").json()

    assert body["count"] == 6
    first = next(p for p in body["results"] if p["id"] == rejected.pk)
    assert first == {
        "id": rejected.pk, "run": run.pk,
        "mentor": {"participant_id": rejected.mentor_id,
                   "name": rejected.mentor.membership.user.full_name,
                   "job_title": "Graduate Analyst", "department": "Technology",
                   "level": "Level 1"},
        "mentee": {"participant_id": rejected.mentee_id,
                   "name": rejected.mentee.membership.user.full_name,
                   "job_title": "Director", "department": "Finance", "level": "Level 5"},
        "score": PAIR_SCORE, "components": rejected.components, "explanation": rejected.explanation,
        "locked": False, "decision": "reject",
    }
    assert [p["decision"] for p in body["results"]].count(None) == 5


def test_lock_through_the_api_is_kept_by_the_next_run(matching_cohort, start_run, admin_api):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).order_by("pk").first()

    response = admin_api.post(f"{API}runs/{run.pk}/proposals/{proposal.pk}/lock/", {},
                              format="json")

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("mentor", "mentee", "kind", "broken_rules")} == {
        "mentor": proposal.mentor_id, "mentee": proposal.mentee_id, "kind": "lock",
        "broken_rules": []}
    second = start_run(matching_cohort.cohort)
    assert Proposal.objects.get(run=second, mentee=proposal.mentee).locked is True


def test_reject_through_the_api_excludes_the_pair(matching_cohort, start_run, admin_api):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).order_by("pk").first()

    response = admin_api.post(f"{API}runs/{run.pk}/proposals/{proposal.pk}/reject/")

    assert response.status_code == 200
    assert response.json()["kind"] == "reject"
    second = start_run(matching_cohort.cohort)
    assert Proposal.objects.get(run=second, mentee=proposal.mentee).mentor_id != \
        proposal.mentor_id


def test_lock_of_a_rule_breaking_pair_needs_a_reason(matching_cohort, start_run, admin_api,
                                                     db_snapshot):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).order_by("pk").first()
    proposal.mentor.profile.department = "Finance"
    proposal.mentor.profile.save()
    url = f"{API}runs/{run.pk}/proposals/{proposal.pk}/lock/"
    before = db_snapshot()

    refused = admin_api.post(url, {}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"override_reason": [
        "This pair breaks a rule (same department (Finance)). Give an override reason to "
        "lock it anyway."]}
    assert db_snapshot() == before

    accepted = admin_api.post(url, {"override_reason": "Requested by both"}, format="json")

    assert accepted.status_code == 200
    assert (accepted.json()["broken_rules"], accepted.json()["override_reason"]) == (
        ["same department (Finance)"], "Requested by both")


def test_a_proposal_of_another_run_is_404(matching_cohort, start_run, admin_api):
    run = start_run(matching_cohort.cohort)
    other = MatchingRunFactory(cohort=matching_cohort.cohort, succeeded=True)
    proposal = Proposal.objects.filter(run=run).first()

    assert admin_api.get(f"{API}runs/{other.pk}/proposals/{proposal.pk}/").status_code == 404
    assert admin_api.post(f"{API}runs/{other.pk}/proposals/{proposal.pk}/lock/").status_code \
        == 404
    assert admin_api.get(f"{API}runs/{run.pk}/proposals/{proposal.pk}/").json()["id"] == \
        proposal.pk


def test_proposals_list_uses_the_same_queries_for_1_and_20(scoped_organization, admin_api,
                                                           django_assert_num_queries):
    run = MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True)
    ProposalFactory(run=run)

    small, large = _same_queries(admin_api, f"{API}runs/{run.pk}/proposals/",
                                 lambda: ProposalFactory.create_batch(19, run=run),
                                 django_assert_num_queries)

    assert (small["count"], large["count"]) == (1, 20)


# --- pairs ---------------------------------------------------------------------------------------

def test_pairs_list_for_admins_filters_by_cohort(scoped_organization, admin_api):
    pair = PairFactory(cohort__program__organization=scoped_organization)
    PairFactory(cohort__program__organization=scoped_organization)

    everything = admin_api.get(f"{API}pairs/").json()
    one_cohort = admin_api.get(f"{API}pairs/", {"cohort": pair.cohort_id}).json()

    assert everything["count"] == 2
    assert [p["id"] for p in one_cohort["results"]] == [pair.pk]
    assert one_cohort["results"][0]["mentor"]["participant_id"] == pair.mentor_id


def test_pairs_list_uses_the_same_queries_for_1_and_20(scoped_organization, admin_api,
                                                       django_assert_num_queries):
    cohort = CohortFactory(program__organization=scoped_organization, status="active")
    PairFactory(cohort=cohort)

    small, large = _same_queries(admin_api, f"{API}pairs/",
                                 lambda: PairFactory.create_batch(19, cohort=cohort),
                                 django_assert_num_queries)

    assert (small["count"], large["count"]) == (1, 20)


def test_my_pairs_gives_only_my_pairs_with_the_partners_public_profile(
        scoped_organization, api_client, member_user):
    from accounts.models import Membership

    membership = Membership.objects.get(user=member_user)
    mine = PairFactory(
        cohort__program__organization=scoped_organization, mentor__membership=membership,
        mentor__availability=[{"weekday": 0, "start": "09:00", "end": "10:00"}],
        mentee__profile__job_title="CFO", mentee__profile__department="Finance",
        mentee__profile__bio="Twenty years in retail finance.",
        mentee__profile__time_zone="Asia/Tokyo",
        mentee__availability=[{"weekday": 0, "start": "17:00", "end": "19:00"}],
        # what the admin's review says must not reach the participant
        explanation=["Locked by an admin", "Breaks rule: same department (Finance)",
                     "Availability: 0 h weekly overlap (full marks at 3 h)"])
    strategy = ParticipantTopicFactory(participant=mine.mentee, topic__name="Strategy",
                                       interest="teach").topic
    ParticipantTopicFactory(participant=mine.mentee, topic__name="AI tools", interest="learn")
    ParticipantTopicFactory(participant=mine.mentor, topic=strategy, interest="learn")
    PairFactory(cohort=mine.cohort)  # somebody else's pair
    api_client.force_login(member_user)

    response = api_client.get(f"{API}pairs/mine/")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    name = mine.mentee.membership.user.display_name
    # Tokyo 17:00-19:00 on Monday is 08:00-10:00 in London in January: an hour in common
    result = response.json()["results"][0]
    assert dt.datetime.fromisoformat(result.pop("created_at")) == mine.created_at
    assert result == {
        "id": mine.pk, "cohort": mine.cohort_id, "cohort_name": mine.cohort.name,
        "program_name": mine.cohort.program.name, "my_role": "mentor",
        "partner": {"name": name, "job_title": "CFO", "department": "Finance",
                    "bio": "Twenty years in retail finance.", "teaches": ["Strategy"],
                    "learns": ["AI tools"], "availability": ["Monday 08:00–10:00"]},
        "explanation": [
            f"{name} can help you with Strategy.",
            "You are both free on Monday 09:00–10:00 (your time, Europe/London).",
            "You bring views from different parts of the business: Marketing and Finance.",
        ],
    }
    assert "email" not in response.json()["results"][0]["partner"]


def test_my_pairs_uses_the_same_queries_for_1_and_20(scoped_organization, api_client,
                                                     member_user, django_assert_num_queries):
    from accounts.models import Membership

    membership = Membership.objects.get(user=member_user)
    cohort = CohortFactory(program__organization=scoped_organization, status="active")
    me = PairFactory(cohort=cohort, mentor__membership=membership).mentor
    api_client.force_login(member_user)

    def nineteen_more_with_topics():
        for pair in PairFactory.create_batch(19, cohort=cohort, mentor=me):
            ParticipantTopicFactory(participant=pair.mentee, interest="teach")

    small, large = _same_queries(api_client, f"{API}pairs/mine/", nineteen_more_with_topics,
                                 django_assert_num_queries)

    assert (small["count"], large["count"]) == (1, 20)


def test_my_pairs_is_empty_for_someone_without_a_pair(scoped_organization, api_client, member_user):
    PairFactory(cohort__program__organization=scoped_organization)
    api_client.force_login(member_user)

    assert api_client.get(f"{API}pairs/mine/").json()["results"] == []


# --- who may use it ------------------------------------------------------------------------------

@pytest.mark.parametrize("role_user", ["member_user", "executive_user"])
def test_members_and_executives_get_403_on_runs_and_proposals(role_user, request, matching_cohort,
                                                              start_run, api_client,
                                                              db_snapshot):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).first()
    api_client.force_login(request.getfixturevalue(role_user))
    before = db_snapshot()

    statuses = [
        api_client.post(f"{API}runs/", {"cohort": matching_cohort.cohort.pk},
                        format="json").status_code,
        api_client.get(f"{API}runs/").status_code,
        api_client.get(f"{API}runs/{run.pk}/").status_code,
        api_client.get(f"{API}runs/{run.pk}/proposals/").status_code,
        api_client.post(f"{API}runs/{run.pk}/proposals/{proposal.pk}/reject/").status_code,
        api_client.post(f"{API}runs/{run.pk}/publish/").status_code,
        api_client.get(f"{API}pairs/").status_code,
    ]

    assert statuses == [403] * 7
    assert db_snapshot() == before


def test_executives_get_nothing_from_my_pairs(api_client, executive_user):
    api_client.force_login(executive_user)

    assert api_client.get(f"{API}pairs/mine/").status_code == 403


# --- swaps and manual pairs ------------------------------------------------------------------

def test_swap_through_the_api_locks_both_new_pairs(matching_cohort, start_run, admin_api):
    run = start_run(matching_cohort.cohort)
    first, second = Proposal.objects.filter(run=run).order_by("pk")[:2]

    response = admin_api.post(f"{API}runs/{run.pk}/swap/",
                              {"first": first.pk, "second": second.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert sorted((d["mentor"], d["mentee"], d["kind"]) for d in response.json()) == sorted([
        (second.mentor_id, first.mentee_id, "lock"), (first.mentor_id, second.mentee_id, "lock")])
    assert set(PairDecision.objects.values_list("mentor_id", "mentee_id")) == {
        (second.mentor_id, first.mentee_id), (first.mentor_id, second.mentee_id)}


def test_assess_gives_the_live_score_and_changes_nothing(matching_cohort, admin_api):
    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[0]

    response = admin_api.post(f"{API}cohorts/{matching_cohort.cohort.pk}/assess/",
                              {"mentor": mentor.pk, "mentee": mentee.pk}, format="json")

    body = response.json()
    assert response.status_code == 200
    assert 0 <= body["score"] <= 1
    assert body["broken_rules"] == []
    assert body["explanation"][0].startswith("Topics: ")
    assert not PairDecision.objects.exists()


def test_a_manual_lock_that_breaks_a_rule_needs_a_reason(matching_cohort, admin_api):
    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[0]
    mentee.profile.department = mentor.profile.department = "Finance"
    mentee.profile.save()
    mentor.profile.save()
    url = f"{API}cohorts/{matching_cohort.cohort.pk}/locks/"

    refused = admin_api.post(url, {"mentor": mentor.pk, "mentee": mentee.pk}, format="json")
    assert refused.status_code == 400
    assert "Give an override reason" in refused.json()["override_reason"][0]
    assert not PairDecision.objects.exists()

    locked = admin_api.post(url, {"mentor": mentor.pk, "mentee": mentee.pk,
                                  "override_reason": "They asked for each other"}, format="json")
    assert locked.status_code == 200
    decision = PairDecision.objects.get()
    assert (decision.kind, decision.override_reason) == ("lock", "They asked for each other")
    assert decision.broken_rules != []


def test_a_participant_of_another_cohort_is_not_found(matching_cohort, admin_api,
                                                      scoped_organization):
    stranger = CohortFactory(program=matching_cohort.cohort.program, status="matching")
    outsider = ParticipantFactory(cohort=stranger, role="mentee")

    response = admin_api.post(f"{API}cohorts/{matching_cohort.cohort.pk}/assess/",
                              {"mentor": matching_cohort.mentors[0].pk, "mentee": outsider.pk},
                              format="json")

    assert response.status_code == 404
