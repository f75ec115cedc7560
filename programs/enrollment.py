"""Writes for participants: enrollment, profiles, topics, invitations into cohorts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership
from programs.completeness import ProfileFacts, profile_completeness
from programs.models import (
    Cohort,
    Participant,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    Topic,
    TopicInterest,
)


def profile_get_or_create(*, membership: Membership) -> Profile:
    profile = Profile.objects.filter(membership=membership).first()
    if profile is None:
        profile = Profile.objects.create(organization_id=membership.organization_id,
                                         membership=membership)
    return profile


def participant_facts(participant: Participant) -> ProfileFacts:
    """Completeness input; uses prefetched ``topics`` when present (no extra queries)."""
    profile = participant.profile
    topics = list(participant.topics.all())
    return ProfileFacts(
        role=participant.role, job_title=profile.job_title, department=profile.department,
        has_level=profile.level_id is not None, time_zone=profile.time_zone,
        languages=profile.languages,
        teach_count=sum(1 for t in topics if t.interest == TopicInterest.TEACH),
        learn_count=sum(1 for t in topics if t.interest == TopicInterest.LEARN),
        learning_goals=participant.learning_goals,
        availability_windows=len(participant.availability or []),
    )


def participant_refresh_completeness(*, participant: Participant) -> int:
    percent = profile_completeness(participant_facts(participant)).percent
    if percent != participant.completeness:
        participant.completeness = percent
        Participant.objects.filter(pk=participant.pk).update(completeness=percent)
    return percent


def _check_same_tenant(cohort: Cohort, membership: Membership) -> None:
    if cohort.organization_id != membership.organization_id:
        raise ValidationError("That person is not a member of this cohort's organization.")


@transaction.atomic
def participant_enroll(
    *, cohort: Cohort, membership: Membership, role: str,
    status: str = ParticipantStatus.ACTIVE, capacity: int | None = None,
    application_note: str = "",
) -> tuple[Participant, bool]:
    """Enroll a member in a cohort (or return their existing place). Returns
    ``(participant, created)``; an existing place keeps its answers but takes the new role."""
    _check_same_tenant(cohort, membership)
    if cohort.is_read_only:
        raise ValidationError(f"The cohort is {cohort.status}: nobody can join it now.")
    profile = profile_get_or_create(membership=membership)
    participant = Participant.objects.filter(cohort=cohort, membership=membership).first()
    if participant is not None:
        changed = []
        if participant.role != role:
            participant.role = role
            changed.append("role")
        if capacity is not None and participant.capacity != capacity:
            participant.capacity = capacity
            changed.append("capacity")
        if changed:
            participant.full_clean()
            participant.save(update_fields=changed)
        return participant, False
    participant = Participant(
        organization=cohort.organization, cohort=cohort, membership=membership,
        profile=profile, role=role, status=status, capacity=capacity,
        application_note=application_note,
    )
    participant.full_clean()
    participant.save()
    participant_refresh_completeness(participant=participant)
    return participant, True


@transaction.atomic
def participant_set_topics(
    *, participant: Participant, teach: dict[Topic, int], learn: dict[Topic, int]
) -> None:
    """Replace the participant's topics with ``teach``/``learn`` (topic → strength 1–3)."""
    for topic in [*teach, *learn]:
        if topic.organization_id != participant.organization_id:
            raise ValidationError(f"“{topic}” is not a topic of this organization.")
    ParticipantTopic.objects.filter(participant=participant).delete()
    ParticipantTopic.objects.bulk_create([
        ParticipantTopic(organization_id=participant.organization_id, participant=participant,
                         topic=topic, interest=interest, strength=max(1, min(3, strength)))
        for interest, chosen in ((TopicInterest.TEACH, teach), (TopicInterest.LEARN, learn))
        for topic, strength in chosen.items()
    ])
    participant_refresh_completeness(participant=participant)
