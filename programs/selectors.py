"""Reads for programs; each chooses its joins so pages keep a constant query count."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from programs.models import Cohort, Participant, ParticipantStatus, Program, Topic


def programs_list() -> QuerySet[Program]:
    return Program.objects.annotate(
        cohort_count=Count("cohorts", distinct=True),
    ).order_by("is_archived", "name")


def program_detail(*, pk: int) -> Program:
    return Program.objects.prefetch_related(
        "focus_areas", "prompts__topic", "resources",
    ).get(pk=pk)


def cohorts_of_program(*, program: Program) -> QuerySet[Cohort]:
    return program.cohorts.annotate(
        mentor_count=Count("participants", filter=Q(
            participants__role="mentor", participants__status=ParticipantStatus.ACTIVE)),
        mentee_count=Count("participants", filter=Q(
            participants__role="mentee", participants__status=ParticipantStatus.ACTIVE)),
    ).order_by("-start_date")


def cohort_with_counts(*, pk: int) -> Cohort:
    return Cohort.objects.select_related("program").annotate(
        mentor_count=Count("participants", filter=Q(
            participants__role="mentor", participants__status=ParticipantStatus.ACTIVE)),
        mentee_count=Count("participants", filter=Q(
            participants__role="mentee", participants__status=ParticipantStatus.ACTIVE)),
        applied_count=Count("participants", filter=Q(
            participants__status=ParticipantStatus.APPLIED)),
        complete_count=Count("participants", filter=Q(
            participants__status=ParticipantStatus.ACTIVE, participants__completeness=100)),
    ).get(pk=pk)


def topics_with_usage() -> QuerySet[Topic]:
    return Topic.objects.select_related("merged_into").annotate(
        program_count=Count("programs", distinct=True),
    ).order_by("is_retired", "name")


def active_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(is_retired=False).order_by("name")


def participants_of_cohort(*, cohort: Cohort) -> QuerySet[Participant]:
    return Participant.objects.filter(cohort=cohort).select_related(
        "membership__user", "profile__level",
    )
