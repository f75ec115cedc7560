"""Writes for matching: runs, admin decisions, manual pairs and publishing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from core.broker import publish_task
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from core.tenancy import scopes_disabled
from matching import selectors
from matching.engine import MatchResult, ProblemError, score_pair, solve
from matching.models import (
    LIVE_PAIR_STATUSES,
    DecisionKind,
    MatchingRun,
    Pair,
    PairDecision,
    PairStatus,
    Proposal,
    RunStage,
    RunStatus,
)
from matching.problem import problem_to_dict
from programs import lifecycle
from programs.models import Cohort, CohortStatus, Participant, ParticipantRole
from programs.services import cohort_transition

STAGE_PROGRESS = {RunStage.LOADING: (0, 10), RunStage.SCORING: (10, 45),
                  RunStage.SOLVING: (45, 90), RunStage.SAVING: (90, 99)}


class RunCancelled(Exception):
    """The admin cancelled the run while it was computing."""


def _require_matching_phase(cohort: Cohort) -> None:
    if cohort.status != CohortStatus.MATCHING:
        raise ValidationError(
            f"Matching runs need the cohort in the matching phase; it is {cohort.status}.")


# --- runs ----------------------------------------------------------------------------------

@transaction.atomic
def run_start(*, cohort: Cohort, actor: User | None) -> MatchingRun:
    """Queue a matching run for the cohort; the worker picks it up after commit."""
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    _require_matching_phase(locked)
    in_flight = MatchingRun.objects.filter(
        cohort=locked, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    if in_flight is not None:
        return in_flight
    number = (MatchingRun.objects.filter(cohort=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    run = MatchingRun.objects.create(organization=locked.organization, cohort=locked,
                                     number=number, started_by=actor)
    transaction.on_commit(lambda: run_dispatch(run_id=run.pk))
    return run


def run_dispatch(*, run_id: int) -> bool:
    """Hand a run to Celery without blocking on a dead broker; a beat task re-dispatches
    runs that stay queued."""
    from matching.tasks import execute_matching_run

    return publish_task(execute_matching_run, (run_id,),
                        what=f"matching run {run_id} (the beat re-dispatches it)")


def _set_stage(run: MatchingRun, stage: str, fraction: float = 0.0) -> None:
    """Store progress (own short transaction, so the polling page sees it at once) and stop
    if the run was cancelled meanwhile."""
    low, high = STAGE_PROGRESS.get(stage, (100, 100))
    progress = int(low + (high - low) * max(0.0, min(1.0, fraction)))
    updated = MatchingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        stage=stage, progress=progress, heartbeat_at=timezone.now())
    if not updated:
        raise RunCancelled
    run.stage, run.progress = stage, progress


def _claim(run_id: int) -> MatchingRun | None:
    with transaction.atomic():
        run = MatchingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (RunStatus.SUCCEEDED, RunStatus.CANCELLED):
            return None
        run.status, run.stage, run.progress = RunStatus.RUNNING, RunStage.LOADING, 0
        run.attempts += 1
        run.started_at = run.heartbeat_at = timezone.now()
        run.error = ""
        run.save(update_fields=["status", "stage", "progress", "attempts", "started_at",
                                "heartbeat_at", "error"])
        return run


def _topic_coverage(result: MatchResult, cohort_problem) -> float | None:
    mentors = {m.id: m for m in cohort_problem.problem.mentors}
    mentees = {m.id: m for m in cohort_problem.problem.mentees}
    wanted = covered = 0
    for pair in result.pairs:
        learns = mentees[pair.mentee_id].learns
        wanted += len(learns)
        covered += len(set(learns) & set(mentors[pair.mentor_id].teaches))
    return round(covered / wanted, 4) if wanted else None


def _save_result(run: MatchingRun, cohort_problem, result: MatchResult) -> None:
    """Replace the run's proposals and record its figures in one transaction, so a retried
    or re-delivered run never leaves half-written or duplicated proposals."""
    people = cohort_problem.participants
    with transaction.atomic():
        locked_run = MatchingRun.objects.select_for_update().get(pk=run.pk)
        if locked_run.status != RunStatus.RUNNING:
            raise RunCancelled
        Proposal.objects.filter(run=locked_run).delete()
        Proposal.objects.bulk_create([
            Proposal(organization_id=run.organization_id, run=locked_run,
                     mentor=people[p.mentor_id], mentee=people[p.mentee_id], score=p.score,
                     components=p.components, explanation=p.explanation, locked=p.locked)
            for p in result.pairs
        ], batch_size=1000)
        scores = [p.score for p in result.pairs]
        locked_run.matched_count = len(result.pairs)
        locked_run.total_score = round(sum(scores), 4)
        locked_run.min_score = round(min(scores), 4) if scores else None
        locked_run.topic_coverage = _topic_coverage(result, cohort_problem)
        locked_run.unmatched = [
            {"participant_id": people[u.mentee_id].pk, "name": people[u.mentee_id]
             .membership.user.display_name, "reason": u.reason}
            for u in result.unmatched
        ]
        locked_run.spare_capacity = {str(people[k].pk): v
                                     for k, v in result.spare_capacity.items() if v > 0}
        locked_run.stats = {k: v for k, v in result.stats.items()
                            if isinstance(v, int | float | str | bool | dict)}
        locked_run.status, locked_run.stage, locked_run.progress = (
            RunStatus.SUCCEEDED, RunStage.DONE, 100)
        locked_run.finished_at = timezone.now()
        locked_run.save()


def run_execute(*, run_id: int) -> str:
    """Compute a run: load → score → solve → save, storing progress on the row.

    Idempotent: a finished or cancelled run is skipped; a run re-delivered after a worker
    died starts clean, because proposals are only written, all at once, at the end.
    """
    run = _claim(run_id)
    if run is None:
        return "skipped"
    try:
        cohort_problem = selectors.cohort_problem(cohort=run.cohort)
        problem = cohort_problem.problem
        MatchingRun.objects.filter(pk=run.pk).update(
            snapshot=problem_to_dict(problem), mentee_count=len(problem.mentees),
            mentor_count=len(problem.mentors))

        def progress(stage: str, fraction: float) -> None:
            _set_stage(run, stage, fraction)

        _set_stage(run, RunStage.SCORING)
        result = solve(problem, progress=progress)
        _set_stage(run, RunStage.SAVING)
        _save_result(run, cohort_problem, result)
    except RunCancelled:
        return "cancelled"
    except ProblemError as error:
        _fail(run, "The cohort's data cannot be matched: "
              + "; ".join(problem_messages_with_names(error.messages)))
        return "failed"
    except Exception as error:
        _fail(run, f"Unexpected error: {type(error).__name__}. Retry the run; if it fails "
                   "again, contact support.")
        raise
    return "succeeded"


_QUOTED_ID = re.compile(r"'(\d+)'")
_CHAIN = "cyclic manager chain: "


def problem_messages_with_names(messages: list[str]) -> list[str]:
    """The engine names people by id (membership ids here); HR admins need names. Replaces
    quoted ids and the ids of a manager-chain cycle with "Name (#id)", in one query."""
    ids: set[str] = set()
    for message in messages:
        ids.update(_QUOTED_ID.findall(message))
        if message.startswith(_CHAIN):
            ids.update(part for part in message[len(_CHAIN):].split(" -> ") if part.isdigit())
    if not ids:
        return list(messages)
    names = {str(m.pk): f"{m.user.display_name} (#{m.pk})" for m in
             Membership.objects.filter(pk__in=[int(i) for i in ids]).select_related("user")}
    readable = []
    for message in messages:
        message = _QUOTED_ID.sub(lambda m: names.get(m.group(1), m.group(0)), message)
        if message.startswith(_CHAIN):
            chain = [names.get(part, part) for part in message[len(_CHAIN):].split(" -> ")]
            message = _CHAIN + " → ".join(chain)
        readable.append(message)
    return readable


def _fail(run: MatchingRun, message: str) -> None:
    MatchingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now())


def run_cancel(*, run: MatchingRun) -> MatchingRun:
    updated = MatchingRun.objects.filter(
        pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise ValidationError("Only a queued or running run can be cancelled.")
    run.refresh_from_db()
    return run


STALL_AFTER = timedelta(minutes=5)


def runs_recover_stalled(*, now=None) -> list[int]:
    """Re-queue runs whose worker died: queued for over a minute (the hand-over to the broker
    failed) or running without a sign of life for ``STALL_AFTER`` (the worker was killed).
    Re-running is safe: a run's proposals are written all at once when it finishes.

    Scans every tenant, but only collects ids; each run is computed in its own scope.
    """
    now = now or timezone.now()
    with scopes_disabled():
        queued = MatchingRun.objects.filter(status=RunStatus.QUEUED,
                                            created_at__lte=now - timedelta(minutes=1))
        stalled = MatchingRun.objects.filter(status=RunStatus.RUNNING,
                                             heartbeat_at__lte=now - STALL_AFTER)
        stalled_ids = list(stalled.values_list("pk", flat=True)[:100])
        MatchingRun.objects.filter(pk__in=stalled_ids, status=RunStatus.RUNNING).update(
            status=RunStatus.QUEUED, stage=RunStage.QUEUED, progress=0)
        run_ids = sorted({*queued.values_list("pk", flat=True)[:100], *stalled_ids})
    for run_id in run_ids:
        run_dispatch(run_id=run_id)
    return run_ids


@transaction.atomic
def run_retry(*, run: MatchingRun) -> MatchingRun:
    """Re-queue a failed run, or one whose worker died (still marked running)."""
    if run.status not in (RunStatus.FAILED, RunStatus.RUNNING):
        raise ValidationError("Only a failed or stalled run can be retried.")
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED,
                                                 stage=RunStage.QUEUED, progress=0)
    transaction.on_commit(lambda: run_dispatch(run_id=run.pk))
    run.refresh_from_db()
    return run


# --- decisions and manual pairs --------------------------------------------------------------

@dataclass(frozen=True)
class PairAssessment:
    score: float
    components: dict[str, float]
    explanation: list[str]
    broken_rules: list[str]


def _check_pair_people(cohort: Cohort, mentor: Participant, mentee: Participant) -> None:
    if mentor.cohort_id != cohort.pk or mentee.cohort_id != cohort.pk:
        raise ValidationError("Both people must be participants of this cohort.")
    if mentor.role != ParticipantRole.MENTOR or mentee.role != ParticipantRole.MENTEE:
        raise ValidationError("Choose a mentor and a mentee, in that order.")


def pair_assess(*, cohort: Cohort, mentor: Participant, mentee: Participant) -> PairAssessment:
    """Live score, explanation and broken rules of any pair, e.g. a manual one."""
    _check_pair_people(cohort, mentor, mentee)
    cohort_problem = selectors.cohort_problem(cohort=cohort)
    ids = {p.pk: key for key, p in cohort_problem.participants.items()}
    if mentor.pk not in ids or mentee.pk not in ids:
        raise ValidationError("Both people must be enrolled (not applied or withdrawn).")
    problem = cohort_problem.problem
    pair = (ids[mentor.pk], ids[mentee.pk])
    # Assess the pair on its own merits: other locks do not matter, and an earlier rejection
    # of this very pair is the decision being replaced, not a rule it breaks.
    problem.locked = []
    problem.rejected = [p for p in problem.rejected if p != pair]
    try:
        score, components, explanation, broken = score_pair(problem, *pair)
    except ProblemError as error:
        raise ValidationError("The cohort's data cannot be matched: "
                              + "; ".join(problem_messages_with_names(error.messages))) from error
    return PairAssessment(score=score, components=components, explanation=explanation,
                          broken_rules=broken)


@transaction.atomic
def decision_set(*, cohort: Cohort, mentor: Participant, mentee: Participant, kind: str,
                 actor: User | None, override_reason: str = "") -> PairDecision:
    """Lock or reject a pair for every later run. Locking a pair that breaks a rule needs an
    override reason; a mentee can be locked to one mentor only."""
    _require_matching_phase(cohort)
    _check_pair_people(cohort, mentor, mentee)
    if kind not in DecisionKind.values:
        raise ValidationError("Choose lock or reject.")
    broken: list[str] = []
    if kind == DecisionKind.LOCK:
        broken = pair_assess(cohort=cohort, mentor=mentor, mentee=mentee).broken_rules
        if broken and not override_reason.strip():
            raise ValidationError(
                "This pair breaks a rule (" + "; ".join(broken) + "). Give an override "
                "reason to lock it anyway.")
        PairDecision.objects.filter(cohort=cohort, mentee=mentee, kind=DecisionKind.LOCK) \
            .exclude(mentor=mentor).delete()
        locks_on_mentor = PairDecision.objects.filter(
            cohort=cohort, mentor=mentor, kind=DecisionKind.LOCK).exclude(mentee=mentee).count()
        if locks_on_mentor >= mentor.effective_capacity:
            raise ValidationError(f"{mentor.membership.user.display_name} is already locked "
                                  f"to {locks_on_mentor} mentee(s), their full capacity.")
    decision, _ = PairDecision.objects.update_or_create(
        cohort=cohort, mentor=mentor, mentee=mentee,
        defaults={"organization": cohort.organization, "kind": kind, "broken_rules": broken,
                  "override_reason": override_reason.strip(), "decided_by": actor},
    )
    return decision


def decision_remove(*, cohort: Cohort, decision_id: int) -> None:
    PairDecision.objects.filter(cohort=cohort, pk=decision_id).delete()


@transaction.atomic
def proposals_swap(*, run: MatchingRun, first: Proposal, second: Proposal, actor: User | None,
                   override_reason: str = "") -> list[PairDecision]:
    """Exchange the mentors of two proposals and lock both new pairs."""
    if first.run_id != run.pk or second.run_id != run.pk or first.pk == second.pk:
        raise ValidationError("Choose two different proposals of this run.")
    cohort = run.cohort
    PairDecision.objects.filter(cohort=cohort, kind=DecisionKind.LOCK,
                                mentee__in=[first.mentee, second.mentee]).delete()
    return [
        decision_set(cohort=cohort, mentor=second.mentor, mentee=first.mentee,
                     kind=DecisionKind.LOCK, actor=actor, override_reason=override_reason),
        decision_set(cohort=cohort, mentor=first.mentor, mentee=second.mentee,
                     kind=DecisionKind.LOCK, actor=actor, override_reason=override_reason),
    ]


# --- publishing ----------------------------------------------------------------------------

def _introduce(pairs: list[Pair]) -> int:
    """Queue the introduction of both people of every pair (one outbox write for all).

    ``pairs`` share one cohort and come with cohort, program, people and profiles loaded.
    """
    if not pairs:
        return 0
    cohort = pairs[0].cohort
    program = cohort.program
    kickoff_prompts = list(program.prompts.filter(phase="kickoff").values_list("text", flat=True))
    link = reverse("matching:my_pairs", kwargs={"org_slug": cohort.organization.slug})
    topics = selectors.topics_of_cohort(cohort=cohort)
    default_tz = cohort.organization.time_zone
    drafts = []
    for pair in pairs:
        for me, partner in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
            # "Why you two": the friendly reasons, in the reader's time zone; the admin's
            # explanation (scores, locks, rule overrides) stays on the review.
            reasons = selectors.pair_reasons(
                pair=pair, me=me, partner=partner, my_topics=topics.get(me.pk, []),
                partner_topics=topics.get(partner.pk, []), default_tz=default_tz)
            user = me.membership.user
            drafts.append(NotificationDraft(
                recipient=user, email=user.email, key=f"pair_introduction:{pair.pk}:{me.pk}",
                link=link,
                context={
                    "name": user.display_name,
                    "partner": partner.membership.user.display_name,
                    "partner_title": partner.profile.job_title,
                    "partner_department": partner.profile.department,
                    "partner_role": partner.get_role_display(), "program": program.name,
                    "purpose": program.purpose, "guidelines": program.guidelines,
                    "prompts": kickoff_prompts, "explanation": reasons,
                },
            ))
    return notifications_enqueue_bulk(organization=cohort.organization,
                                      kind="pair_introduction",
                                      template="matching/email/introduction", drafts=drafts)


@transaction.atomic
def run_publish(*, run: MatchingRun, actor: User | None) -> list[Pair]:
    """Turn a run's proposals (minus pairs rejected since) into active pairs, activate the
    cohort and introduce every pair by email. Publishing twice changes nothing; a run that
    misses a pair locked after it was computed is refused (re-run first)."""
    locked_run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    cohort = locked_run.cohort
    if locked_run.published_at is not None:
        return list(Pair.objects.filter(run=locked_run))
    if locked_run.status != RunStatus.SUCCEEDED:
        raise ValidationError("Only a finished run can be published.")
    _require_matching_phase(cohort)
    proposals = selectors.publishable_proposals(run=locked_run)
    if not proposals:
        raise ValidationError("This run has no pairs to publish.")
    overrides = {(d.mentor_id, d.mentee_id): d.override_reason
                 for d in PairDecision.objects.filter(cohort=cohort, kind=DecisionKind.LOCK)}
    missing_locks = set(overrides) - {(p.mentor_id, p.mentee_id) for p in proposals}
    if missing_locks:
        raise ValidationError(
            f"{len(missing_locks)} locked pair(s) are not in this run because they were locked "
            "after it was computed. Re-run, then publish the new run.")
    Pair.objects.filter(cohort=cohort, status=PairStatus.ACTIVE).update(
        status=PairStatus.ENDED, ended_at=timezone.now())
    pairs = Pair.objects.bulk_create([
        Pair(organization_id=cohort.organization_id, cohort=cohort, mentor=p.mentor,
             mentee=p.mentee, run=locked_run, score=p.score, explanation=p.explanation,
             override_reason=overrides.get((p.mentor_id, p.mentee_id), ""), created_by=actor)
        for p in proposals
    ])
    locked_run.published_at = timezone.now()
    locked_run.save(update_fields=["published_at"])
    cohort_transition(cohort=cohort, to_status=CohortStatus.ACTIVE, actor=actor)
    _introduce(list(Pair.objects.filter(run=locked_run).select_related(
        "cohort__program", "cohort__organization", "mentor__membership__user",
        "mentee__membership__user", "mentor__profile", "mentee__profile")))
    return pairs


@transaction.atomic
def pair_create_manual(*, cohort: Cohort, mentor: Participant, mentee: Participant,
                       actor: User | None, override_reason: str = "") -> Pair:
    """Pair two people directly in an active cohort (late joiners, re-pairing). While the
    cohort is matching, a manual pair is a lock instead, so every run keeps it."""
    if cohort.status != CohortStatus.ACTIVE:
        raise ValidationError("Pairs can be created directly once the cohort is active; while "
                              "it is matching, lock the pair instead.")
    assessment = pair_assess(cohort=cohort, mentor=mentor, mentee=mentee)
    if assessment.broken_rules and not override_reason.strip():
        raise ValidationError("This pair breaks a rule (" + "; ".join(assessment.broken_rules)
                              + "). Give an override reason to create it anyway.")
    load = Pair.objects.filter(cohort=cohort, mentor=mentor,
                               status__in=LIVE_PAIR_STATUSES).count()
    if load >= mentor.effective_capacity:
        raise ValidationError(f"{mentor.membership.user.display_name} already has {load} "
                              "mentee(s), their full capacity.")
    try:
        with transaction.atomic():
            pair = Pair.objects.create(
                organization=cohort.organization, cohort=cohort, mentor=mentor, mentee=mentee,
                score=assessment.score, explanation=assessment.explanation,
                override_reason=override_reason.strip(), created_by=actor)
    except IntegrityError as error:
        raise ValidationError(f"{mentee.membership.user.display_name} already has an active "
                              "pair in this cohort.") from error
    if cohort.status == CohortStatus.ACTIVE:
        _introduce([pair])
    return pair


def _has_published_pairs(cohort) -> str | None:
    if Pair.objects.filter(cohort=cohort, status=PairStatus.ACTIVE).exists():
        return None
    return "Publish pairs before activating the cohort."


def register_lifecycle_checks() -> None:
    lifecycle.register_activation_check(_has_published_pairs)
