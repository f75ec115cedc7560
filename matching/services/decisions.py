"""Writes for the admin's decisions while matching: locks, rejections and swaps, and the
live assessment of any pair they are based on."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from matching import selectors
from matching.engine import ProblemError, score_pair
from matching.models import DecisionKind, MatchingRun, PairDecision, Proposal
from matching.services.runs import problem_issues_described, require_matching_phase
from programs.models import Cohort, Participant, ParticipantRole


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
                              + "; ".join(problem_issues_described(issues=error.issues))
                              ) from error
    return PairAssessment(score=score, components=components, explanation=explanation,
                          broken_rules=broken)


@transaction.atomic
def decision_set(*, cohort: Cohort, mentor: Participant, mentee: Participant, kind: str,
                 actor: User | None, override_reason: str = "") -> PairDecision:
    """Lock or reject a pair for every later run. Locking a pair that breaks a rule needs an
    override reason; a mentee can be locked to one mentor only."""
    require_matching_phase(cohort)
    _check_pair_people(cohort, mentor, mentee)
    if kind not in DecisionKind.values:
        raise ValidationError("Choose lock or reject.")
    broken: list[str] = []
    if kind == DecisionKind.LOCK:
        broken = pair_assess(cohort=cohort, mentor=mentor, mentee=mentee).broken_rules
        if broken and not override_reason.strip():
            raise ValidationError({"override_reason": (
                "This pair breaks a rule (" + "; ".join(broken) + "). Give an override "
                "reason to lock it anyway.")})
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
