"""Matching runs on the Django side: the Celery job end to end (eager), retries that never
duplicate proposals, cancellation, readable failures, admin decisions across runs, the manual
pair live score, the review page's query count and who may use the pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.engine import COMPONENTS, Weights
from matching.models import (
    DecisionKind,
    MatchingRun,
    PairDecision,
    Proposal,
    RunStage,
    RunStatus,
)
from matching.problem import issue
from matching.services import decisions as decision_services
from matching.services import runs as run_services
from matching.services.runs import RunCancelled
from tests.factories.matching import (
    READY_COHORT_PAIR_COMPONENTS,
    MatchingRunFactory,
    ProposalFactory,
    ready_cohort_pair_score,
)

pytestmark = pytest.mark.django_db


def pairs_of(run: MatchingRun) -> set[tuple[str, str]]:
    return {(p.mentor.membership.user.full_name, p.mentee.membership.user.full_name)
            for p in Proposal.objects.filter(run=run).select_related(
                "mentor__membership__user", "mentee__membership__user")}


def names(participant) -> str:
    return participant.membership.user.full_name


class WorkerLost(BaseException):
    """Raised to stop run_execute the way a killed worker does: nothing catches it."""


# --- the job end to end ------------------------------------------------------------------------

def test_run_started_in_a_matching_cohort_is_computed_and_stored(matching_cohort, start_run):
    # given a cohort of 6 mentors and 6 leaders in the matching phase
    # when the HR admin starts a run (the Celery task runs eagerly after commit)
    run = start_run(matching_cohort.cohort)

    # then the run finished with every figure stored
    assert (run.status, run.stage, run.progress, run.attempts, run.error) == (
        RunStatus.SUCCEEDED, RunStage.DONE, 100, 1, "")
    assert (run.number, run.mentor_count, run.mentee_count, run.matched_count) == (1, 6, 6, 6)
    pair_score = ready_cohort_pair_score(Weights())  # 0.783 with the default weights
    assert (run.total_score, run.min_score, run.topic_coverage) == (
        round(6 * pair_score, 4), pair_score, 1.0)
    assert (run.unmatched, run.spare_capacity) == ([], {})
    assert run.stats["certified"] is True
    assert set(run.stats["timings"]) == {"scoring_s", "solving_s", "total_s"}
    assert run.started_at is not None
    assert run.finished_at >= run.started_at
    assert len(run.snapshot["mentors"]) == len(run.snapshot["mentees"]) == 6
    # and one proposal per leader, each with a mentor who teaches (at proficiency 3) exactly
    # what the leader wants; which of two equally good mentors is tie-broken by engine ids
    # (membership ids), so the test names the interchangeable groups, not one tie-break
    pairs = pairs_of(run)
    assert sorted(mentee for _, mentee in pairs) == [f"Leader {n}" for n in range(1, 7)]
    assert sorted(mentor for mentor, _ in pairs) == [f"Mentor {n}" for n in range(1, 7)]
    equally_good = [{"Mentor 1", "Mentor 5"}, {"Mentor 2", "Mentor 6"}, {"Mentor 3"},
                    {"Mentor 4"}, {"Mentor 1", "Mentor 5"}, {"Mentor 2", "Mentor 6"}]
    for mentor, mentee in pairs:
        assert mentor in equally_good[int(mentee.split()[1]) - 1], (mentor, mentee)
    for proposal in Proposal.objects.filter(run=run):
        assert proposal.organization_id == run.organization_id
        assert proposal.score == pair_score
        assert set(proposal.components) == set(COMPONENTS)
        assert proposal.components == {name: round(value, 4) for name, value in
                                       READY_COHORT_PAIR_COMPONENTS.items()}
        assert proposal.explanation[0].startswith("Topics: covers 1 of 1 wanted topics: ")
        assert proposal.locked is False


def test_starting_twice_while_a_run_is_queued_returns_the_same_run(matching_cohort, admin_user,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
        second = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)

    assert second.pk == first.pk
    assert MatchingRun.objects.filter(cohort=matching_cohort.cohort).count() == 1


def test_a_cohort_outside_the_matching_phase_cannot_be_run(matching_cohort, admin_user):
    matching_cohort.cohort.status = "enrolling"
    matching_cohort.cohort.save()

    with pytest.raises(ValidationError) as raised:
        run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)

    assert raised.value.messages == [
        "Matching runs need the cohort in the matching phase; it is enrolling."]
    assert MatchingRun.objects.count() == 0


# --- retries never duplicate ------------------------------------------------------------------

def test_a_redelivered_task_after_success_keeps_the_one_set_of_proposals(matching_cohort,
                                                                         start_run):
    run = start_run(matching_cohort.cohort)
    before = sorted(Proposal.objects.filter(run=run).values_list("pk", flat=True))

    # when the broker delivers the task a second time
    outcome = run_services.run_execute(run_id=run.pk)

    # then it is skipped and nothing changed
    assert outcome == "skipped"
    assert sorted(Proposal.objects.filter(run=run).values_list("pk", flat=True)) == before
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 1)


def test_a_worker_killed_while_saving_leaves_no_half_set_and_the_redelivery_saves_one(
        matching_cohort, admin_user, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)

    # given a worker that dies after writing the proposals, inside the saving transaction
    def die(*args, **kwargs):
        raise WorkerLost

    monkeypatch.setattr(run_services, "_topic_coverage", die)
    with pytest.raises(WorkerLost):
        run_services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.stage, run.attempts) == (RunStatus.RUNNING, RunStage.SAVING, 1)
    assert Proposal.objects.filter(run=run).count() == 0

    # when the broker redelivers the task (acks_late) to a healthy worker
    monkeypatch.undo()
    outcome = run_services.run_execute(run_id=run.pk)

    # then the run succeeds with exactly one set of proposals
    assert outcome == "succeeded"
    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (RunStatus.SUCCEEDED, 100, 2)
    assert Proposal.objects.filter(run=run).count() == 6
    assert Proposal.objects.filter(run=run).values("mentee").distinct().count() == 6


def test_a_stalled_run_retried_by_the_admin_runs_clean(matching_cohort, admin_user,
                                                      django_capture_on_commit_callbacks,
                                                      monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
    real_solve = run_services.solve

    def die_while_solving(problem, progress=None):
        progress("solving", 0.5)
        raise WorkerLost

    monkeypatch.setattr(run_services, "solve", die_while_solving)
    with pytest.raises(WorkerLost):
        run_services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.stage, run.progress) == (RunStatus.RUNNING, RunStage.SOLVING, 67)

    # when the admin retries the stalled run
    monkeypatch.setattr(run_services, "solve", real_solve)
    with django_capture_on_commit_callbacks(execute=True):
        run_services.run_retry(run=run)

    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (RunStatus.SUCCEEDED, 100, 2)
    assert Proposal.objects.filter(run=run).count() == 6


def test_a_run_whose_worker_died_is_recovered_by_the_beat_scan(
        matching_cohort, admin_user, django_capture_on_commit_callbacks, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from matching.tasks import dispatch_stalled_runs

    with django_capture_on_commit_callbacks(execute=False):
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
    real_solve = run_services.solve

    def die_while_solving(problem, progress=None):
        progress("solving", 0.5)
        raise WorkerLost

    monkeypatch.setattr(run_services, "solve", die_while_solving)
    with pytest.raises(WorkerLost):
        run_services.run_execute(run_id=run.pk)
    monkeypatch.setattr(run_services, "solve", real_solve)
    run.refresh_from_db()
    assert run.heartbeat_at is not None

    # a worker that still shows signs of life is left alone …
    assert run_services.runs_recover_stalled(now=run.heartbeat_at + timedelta(minutes=4)) == []
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING

    # … one silent for longer than STALL_AFTER is queued again and computed once (eagerly)
    MatchingRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - run_services.STALL_AFTER - timedelta(seconds=1))
    assert dispatch_stalled_runs() == 1

    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (RunStatus.SUCCEEDED, 100, 2)
    assert Proposal.objects.filter(run=run).count() == 6
    assert dispatch_stalled_runs() == 0


def test_a_run_the_broker_never_got_is_dispatched_by_the_beat_scan(
        matching_cohort, admin_user, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from matching.tasks import dispatch_stalled_runs

    # given a run whose hand-over to the broker never happened
    with django_capture_on_commit_callbacks(execute=False):
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
    assert dispatch_stalled_runs() == 0  # not yet a minute old

    MatchingRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(minutes=2))
    assert dispatch_stalled_runs() == 1

    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 1)
    assert Proposal.objects.filter(run=run).count() == 6


def test_a_finished_run_cannot_be_retried(matching_cohort, start_run):
    run = start_run(matching_cohort.cohort)

    with pytest.raises(ValidationError) as raised:
        run_services.run_retry(run=run)

    assert raised.value.messages == ["Only a failed or stalled run can be retried."]


# --- cancellation --------------------------------------------------------------------------------

def test_a_run_cancelled_while_queued_is_never_computed(matching_cohort, admin_user,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
    run_services.run_cancel(run=run)

    # when the worker gets the task
    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (RunStatus.CANCELLED, 0, 0)
    assert Proposal.objects.filter(run=run).count() == 0
    assert run_services.run_execute(run_id=run.pk) == "skipped"


def test_a_run_cancelled_while_computing_stops_at_the_next_progress_report(
        matching_cohort, admin_user, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
    real_solve = run_services.solve
    reports: list[str] = []

    def cancel_then_solve(problem, progress=None):
        run_services.run_cancel(run=MatchingRun.objects.get(pk=run.pk))  # the admin clicks Cancel

        def report(stage, fraction):
            reports.append(stage)
            progress(stage, fraction)

        return real_solve(problem, progress=report)

    monkeypatch.setattr(run_services, "solve", cancel_then_solve)

    outcome = run_services.run_execute(run_id=run.pk)

    assert outcome == "cancelled"
    assert reports == ["scoring"]  # the first report raised RunCancelled: nothing more ran
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert run.progress < 100
    assert Proposal.objects.filter(run=run).count() == 0


def test_a_run_cancelled_just_before_saving_saves_nothing(matching_cohort, admin_user,
                                                          django_capture_on_commit_callbacks,
                                                          monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        run = run_services.run_start(cohort=matching_cohort.cohort, actor=admin_user)
    real_set_stage = run_services._set_stage

    def cancel_when_saving(the_run, stage, fraction=0.0):
        real_set_stage(the_run, stage, fraction)
        if stage == RunStage.SAVING:
            run_services.run_cancel(run=MatchingRun.objects.get(pk=the_run.pk))

    monkeypatch.setattr(run_services, "_set_stage", cancel_when_saving)

    assert run_services.run_execute(run_id=run.pk) == "cancelled"
    assert Proposal.objects.filter(run=run).count() == 0
    assert MatchingRun.objects.get(pk=run.pk).status == RunStatus.CANCELLED


def test_a_finished_run_cannot_be_cancelled(matching_cohort, start_run):
    run = start_run(matching_cohort.cohort)

    with pytest.raises(ValidationError) as raised:
        run_services.run_cancel(run=run)

    assert raised.value.messages == ["Only a queued or running run can be cancelled."]
    assert MatchingRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED


def test_run_cancelled_exception_is_raised_by_progress_of_a_cancelled_run(matching_cohort):
    run = MatchingRunFactory(cohort=matching_cohort.cohort, status=RunStatus.CANCELLED)

    with pytest.raises(RunCancelled):
        run_services._set_stage(run, RunStage.SCORING, 0.5)


# --- failures ------------------------------------------------------------------------------------

def _cycle_managers(first, second):
    first.profile.manager = second.membership
    first.profile.save()
    second.profile.manager = first.membership
    second.profile.save()


def test_a_cyclic_manager_chain_fails_the_run_with_a_readable_error(matching_cohort, start_run,
                                                                   admin_client):
    # given two mentors who (by a data error) manage each other
    first, second = matching_cohort.mentors[0], matching_cohort.mentors[1]
    _cycle_managers(first, second)

    # when a run is started
    run = start_run(matching_cohort.cohort)

    # then it failed, naming the people, and saved nothing
    assert run.status == RunStatus.FAILED
    # the engine may report the cycle starting from either person
    one = f"Mentor 1 (#{first.membership_id})"
    two = f"Mentor 2 (#{second.membership_id})"
    assert run.error in {
        f"The cohort's data cannot be matched: cyclic manager chain: {a} → {b} → {a}"
        for a, b in ((one, two), (two, one))}
    assert run.finished_at is not None
    assert Proposal.objects.filter(run=run).count() == 0
    # and the run page shows it with a Retry button
    page = admin_client.get(reverse("matching:run_detail", kwargs={
        "org_slug": "acme", "run_pk": run.pk})).content.decode()
    assert "The run failed: The cohort&#x27;s data cannot be matched: cyclic manager" in page
    assert ">Retry</button>" in page


def test_a_failed_run_retried_after_the_data_is_fixed_succeeds(matching_cohort, start_run,
                                                              django_capture_on_commit_callbacks):
    first, second = matching_cohort.mentors[0], matching_cohort.mentors[1]
    _cycle_managers(first, second)
    run = start_run(matching_cohort.cohort)
    second.profile.manager = None
    second.profile.save()

    with django_capture_on_commit_callbacks(execute=True):
        run_services.run_retry(run=run)

    run.refresh_from_db()
    assert (run.status, run.error, run.attempts, run.matched_count) == (
        RunStatus.SUCCEEDED, "", 2, 6)


def test_problem_messages_name_people_instead_of_ids(matching_cohort):
    mentor = matching_cohort.mentors[0]

    messages = run_services.problem_issues_described(issues=[
        issue("manager_conflict", "participant {0}: manager_id {1} conflicts with "
              "org_managers {2}", str(mentor.membership_id), "999999", "999998"),
        issue("capacity", "mentor {0} has capacity 0", "x")])

    assert messages == [
        f"participant Mentor 1 (#{mentor.membership_id}): manager_id '999999' conflicts with "
        "org_managers '999998'", "mentor 'x' has capacity 0"]


# --- decisions across runs ----------------------------------------------------------------------

def test_a_locked_pair_is_kept_by_the_next_run(matching_cohort, start_run, admin_user):
    # given a first run and a lock on a pair it did not propose
    first = start_run(matching_cohort.cohort)
    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[1]
    assert (names(mentor), names(mentee)) not in pairs_of(first)
    decision_services.decision_set(cohort=matching_cohort.cohort, mentor=mentor, mentee=mentee,
                                   kind=DecisionKind.LOCK, actor=admin_user)

    # when the admin re-runs
    second = start_run(matching_cohort.cohort)

    # then the locked pair is in it, marked locked, and everyone is still matched
    kept = Proposal.objects.get(run=second, mentee=mentee)
    assert (kept.mentor_id, kept.locked) == (mentor.pk, True)
    assert (second.number, second.matched_count) == (2, 6)
    assert Proposal.objects.filter(run=second, locked=True).count() == 1


def test_a_rejected_pair_is_never_proposed_again(matching_cohort, start_run, admin_user):
    first = start_run(matching_cohort.cohort)
    rejected = Proposal.objects.filter(run=first).order_by("pk").first()
    decision_services.decision_set(cohort=matching_cohort.cohort, mentor=rejected.mentor,
                                   mentee=rejected.mentee, kind=DecisionKind.REJECT,
                                   actor=admin_user)

    second = start_run(matching_cohort.cohort)

    assert not Proposal.objects.filter(run=second, mentor=rejected.mentor,
                                       mentee=rejected.mentee).exists()
    assert Proposal.objects.get(run=second, mentee=rejected.mentee).mentor_id != \
        rejected.mentor_id
    assert second.matched_count == 6


def _break_department_rule(mentor):
    """The mentor moves to Finance, the leaders' department (same-department pairs are not
    allowed in this cohort)."""
    mentor.profile.department = "Finance"
    mentor.profile.save()


def test_locking_a_rule_breaking_pair_without_a_reason_shows_why_and_saves_nothing(
        matching_cohort, start_run, admin_client, db_snapshot):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).order_by("pk").first()
    _break_department_rule(proposal.mentor)
    before = db_snapshot()
    url = reverse("matching:proposal_decide", kwargs={"org_slug": "acme", "run_pk": run.pk,
                                                      "proposal_pk": proposal.pk})

    response = admin_client.post(url, {"kind": "lock"}, follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "This pair breaks a rule (same department (Finance)). Give an override reason to "
        "lock it anyway."]
    assert db_snapshot() == before


def test_locking_a_rule_breaking_pair_with_a_reason_records_the_broken_rule(
        matching_cohort, start_run, admin_client, admin_user):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).order_by("pk").first()
    _break_department_rule(proposal.mentor)
    url = reverse("matching:proposal_decide", kwargs={"org_slug": "acme", "run_pk": run.pk,
                                                      "proposal_pk": proposal.pk})

    response = admin_client.post(url, {"kind": "lock",
                                       "override_reason": "They asked for each other"})

    assert response.status_code == 302
    decision = PairDecision.objects.get()
    assert (decision.mentor_id, decision.mentee_id, decision.kind) == (
        proposal.mentor_id, proposal.mentee_id, DecisionKind.LOCK)
    assert decision.broken_rules == ["same department (Finance)"]
    assert (decision.override_reason, decision.decided_by) == (
        "They asked for each other", admin_user)
    # and the next run keeps it although it breaks the rule
    second = start_run(matching_cohort.cohort)
    assert Proposal.objects.get(run=second, mentee=proposal.mentee).mentor_id == \
        proposal.mentor_id


def test_locking_a_previously_rejected_pair_replaces_the_rejection(matching_cohort, admin_user):
    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[0]
    decision_services.decision_set(cohort=matching_cohort.cohort, mentor=mentor, mentee=mentee,
                                   kind=DecisionKind.REJECT, actor=admin_user)

    decision = decision_services.decision_set(cohort=matching_cohort.cohort, mentor=mentor,
                                              mentee=mentee,
                                              kind=DecisionKind.LOCK, actor=admin_user)

    assert (decision.kind, decision.broken_rules) == (DecisionKind.LOCK, [])
    assert PairDecision.objects.count() == 1


def test_locking_with_broken_profile_data_is_a_message_not_a_crash(matching_cohort, admin_user):
    _cycle_managers(matching_cohort.mentors[2], matching_cohort.mentors[3])

    with pytest.raises(ValidationError) as raised:
        decision_services.decision_set(cohort=matching_cohort.cohort,
                                       mentor=matching_cohort.mentors[0],
                                       mentee=matching_cohort.mentees[0], kind=DecisionKind.LOCK,
                                       actor=admin_user)

    assert re.match(r"The cohort's data cannot be matched: cyclic manager chain: "
                    r"Mentor [34] \(#\d+\) → Mentor [34]", raised.value.messages[0])
    assert PairDecision.objects.count() == 0


def test_swapping_two_proposals_locks_both_new_pairs(matching_cohort, start_run, admin_client):
    run = start_run(matching_cohort.cohort)
    first, second = Proposal.objects.filter(run=run).order_by("pk")[:2]
    url = reverse("matching:proposal_swap", kwargs={"org_slug": "acme", "run_pk": run.pk})

    response = admin_client.post(url, {"first": first.pk, "second": second.pk}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Mentors swapped and both new pairs locked. Re-run to rebuild around them."]
    assert set(PairDecision.objects.values_list("mentor_id", "mentee_id", "kind")) == {
        (second.mentor_id, first.mentee_id, DecisionKind.LOCK),
        (first.mentor_id, second.mentee_id, DecisionKind.LOCK)}
    rerun = start_run(matching_cohort.cohort)
    assert set(Proposal.objects.filter(run=rerun, locked=True)
               .values_list("mentor_id", "mentee_id")) == {
        (second.mentor_id, first.mentee_id), (first.mentor_id, second.mentee_id)}


def test_manual_pair_live_score_shows_the_broken_rules(matching_cohort, admin_client):
    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[0]
    _break_department_rule(mentor)
    url = reverse("matching:manual_pair", kwargs={"org_slug": "acme",
                                                  "cohort_pk": matching_cohort.cohort.pk})

    response = admin_client.get(url, {"mentor": mentor.pk, "mentee": mentee.pk},
                                HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assessment = response.context["assessment"]
    assert assessment.broken_rules == ["same department (Finance)"]
    page = response.content.decode()
    assert "<strong>Breaks a rule:</strong> same department (Finance)." in page
    assert "Score 0." in page
    assert PairDecision.objects.count() == 0


def test_manual_pair_live_score_of_a_good_pair_meets_every_rule(matching_cohort, admin_client):
    url = reverse("matching:manual_pair", kwargs={"org_slug": "acme",
                                                  "cohort_pk": matching_cohort.cohort.pk})

    response = admin_client.get(url, {"mentor": matching_cohort.mentors[0].pk,
                                      "mentee": matching_cohort.mentees[0].pk},
                              HTTP_HX_REQUEST="true")

    assert response.context["assessment"].broken_rules == []
    assert "Meets every matching rule." in response.content.decode()


# --- the review page ----------------------------------------------------------------------------

def _review(client, run):
    return client.get(reverse("matching:run_detail", kwargs={"org_slug": "acme",
                                                             "run_pk": run.pk}))


def test_review_page_uses_the_same_number_of_queries_for_1_and_20_proposals(
        scoped_organization, admin_client, django_assert_num_queries):
    run = MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True)
    ProposalFactory(run=run)
    _review(admin_client, run)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        response = _review(admin_client, run)
    assert len(response.context["proposals"]) == 1

    ProposalFactory.create_batch(19, run=run)
    with django_assert_num_queries(len(one.captured_queries)):
        response = _review(admin_client, run)

    assert len(response.context["proposals"]) == 20


def test_review_page_of_a_finished_run_shows_100_percent_and_the_pairs(matching_cohort, start_run,
                                                                      admin_client):
    run = start_run(matching_cohort.cohort)

    page = _review(admin_client, run).content.decode()

    assert 'aria-valuenow="100"' in page
    assert ">100%</div>" in page
    assert page.count('<tr data-proposal="') == 6
    assert ">6/6</div>" in page


def test_progress_fragment_of_a_computing_run_polls_and_shows_the_stage(matching_cohort,
                                                                        admin_client):
    run = MatchingRunFactory(cohort=matching_cohort.cohort, status=RunStatus.RUNNING,
                             stage=RunStage.SOLVING, progress=67)
    url = reverse("matching:run_detail", kwargs={"org_slug": "acme", "run_pk": run.pk})

    response = admin_client.get(url, {"fragment": "progress"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="run-progress"')
    assert 'hx-trigger="every 1s"' in page
    assert "Finding the optimal pairing…" in page
    assert ">67%</div>" in page
    assert "HX-Refresh" not in response


def test_progress_fragment_of_a_finished_run_reloads_the_page(matching_cohort, start_run,
                                                              admin_client):
    run = start_run(matching_cohort.cohort)
    url = reverse("matching:run_detail", kwargs={"org_slug": "acme", "run_pk": run.pk})

    response = admin_client.get(url, {"fragment": "progress"}, HTTP_HX_REQUEST="true")

    assert response["HX-Refresh"] == "true"


# --- who may use the pages --------------------------------------------------------------------

@pytest.mark.parametrize("role_user", ["member_user", "executive_user"])
def test_members_and_executives_cannot_start_runs_or_see_proposals(role_user, request,
                                                                   matching_cohort,
                                                                   start_run, client,
                                                                   db_snapshot):
    run = start_run(matching_cohort.cohort)
    client.force_login(request.getfixturevalue(role_user))
    before = db_snapshot()

    start = client.post(reverse("matching:run_start", kwargs={
        "org_slug": "acme", "cohort_pk": matching_cohort.cohort.pk}))
    review = _review(client, run)
    decide = client.post(reverse("matching:proposal_decide", kwargs={
        "org_slug": "acme", "run_pk": run.pk,
        "proposal_pk": Proposal.objects.filter(run=run).first().pk}), {"kind": "reject"})
    publish = client.post(reverse("matching:run_publish", kwargs={
        "org_slug": "acme", "run_pk": run.pk}))

    assert (start.status_code, review.status_code, decide.status_code,
            publish.status_code) == (403, 403, 403, 403)
    assert db_snapshot() == before


def test_admin_starts_a_run_from_the_cohort_page(matching_cohort, admin_client):
    response = admin_client.post(reverse("matching:run_start", kwargs={
        "org_slug": "acme", "cohort_pk": matching_cohort.cohort.pk}))

    run = MatchingRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("matching:run_detail", kwargs={"org_slug": "acme",
                                                                  "run_pk": run.pk})


# --- the cohort loader ---------------------------------------------------------------------------

def test_cohort_problem_carries_topics_partners_and_capacity(matching_cohort,
                                                             django_assert_num_queries):
    from matching import selectors

    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[1]
    mentee.requested_partners.add(mentor)
    mentee.excluded_partners.add(matching_cohort.mentors[1])
    mentor.capacity = 2
    mentor.save()
    matching_cohort.mentees[5].status = "withdrawn"
    matching_cohort.mentees[5].save()

    # participants, topics, requested, excluded, decisions, managers (the organization is
    # already on the cohort), whatever the cohort size
    with django_assert_num_queries(6):
        loaded = selectors.cohort_problem(cohort=matching_cohort.cohort)

    problem = loaded.problem
    person = {p.id: p for p in [*problem.mentors, *problem.mentees]}
    me = person[str(mentee.membership_id)]
    assert (me.requested, me.excluded) == (frozenset({str(mentor.membership_id)}),
                                           frozenset({str(matching_cohort.mentors[1].membership_id)}))
    assert (me.learns, me.teaches) == ({"Social media": 3}, {"Strategy": 3})
    them = person[str(mentor.membership_id)]
    assert (them.capacity, them.teaches, them.learns) == (
        2, {"AI tools": 3, "Social media": 1}, {"Strategy": 2})
    assert (len(problem.mentors), len(problem.mentees)) == (6, 5)
    assert loaded.participants[str(mentee.membership_id)].pk == mentee.pk
