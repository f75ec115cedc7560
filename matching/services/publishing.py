"""Writes that make pairs: publishing a run, and manual pairs (a lock while the cohort is
matching, a pair once it is active), each introduced by email."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from matching import selectors
from matching.models import (
    LIVE_PAIR_STATUSES,
    DecisionKind,
    MatchingRun,
    Pair,
    PairDecision,
    PairStatus,
    RunStatus,
)
from matching.services.decisions import decision_set, pair_assess
from matching.services.runs import require_matching_phase
from programs import lifecycle
from programs.models import Cohort, CohortStatus, Participant
from programs.services import cohort_transition


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
    require_matching_phase(cohort)
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
        raise ValidationError({"override_reason": (
            "This pair breaks a rule (" + "; ".join(assessment.broken_rules)
            + "). Give an override reason to create it anyway.")})
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


def manual_pair_add(*, cohort: Cohort, mentor: Participant, mentee: Participant,
                    actor: User | None, override_reason: str = "") -> Pair | PairDecision:
    """HR pairs two people by hand. While the cohort is matching that is a lock, which every
    later run keeps (:func:`decision_set`); once the cohort is active it is a pair, created and
    introduced at once (:func:`pair_create_manual`). Either way a pair that breaks a rule needs
    an override reason."""
    if cohort.status == CohortStatus.ACTIVE:
        return pair_create_manual(cohort=cohort, mentor=mentor, mentee=mentee, actor=actor,
                                  override_reason=override_reason)
    return decision_set(cohort=cohort, mentor=mentor, mentee=mentee, kind=DecisionKind.LOCK,
                        actor=actor, override_reason=override_reason)


def _has_published_pairs(cohort) -> str | None:
    if Pair.objects.filter(cohort=cohort, status=PairStatus.ACTIVE).exists():
        return None
    return "Publish pairs before activating the cohort."


def register_lifecycle_checks() -> None:
    lifecycle.register_activation_check(_has_published_pairs)
