"""Writes for topics, programs and cohorts. Participants (enrollment, profiles, invitations,
the welcome email) live in ``programs/services/participants.py``, the CSV import in
``programs/imports/``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Organization, User
from programs import lifecycle
from programs.catalog import DEFAULT_LEVELS, DEFAULT_TOPICS, TEMPLATES_BY_KEY
from programs.models import (
    Cohort,
    DirectedPrompt,
    ParticipantTopic,
    Program,
    Resource,
    SeniorityLevel,
    Topic,
)


def unique_slug(model, *, organization: Organization, text: str, exclude_pk=None) -> str:
    base = slugify(text)[:150] or "item"
    taken = set(model.objects.filter(organization=organization, slug__startswith=base)
                .exclude(pk=exclude_pk).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


# --- topics and levels ---------------------------------------------------------------------

def organization_defaults_ensure(*, organization: Organization) -> None:
    """Seed the default topic taxonomy and seniority ladder once per organization."""
    if not Topic.objects.filter(organization=organization).exists():
        Topic.objects.bulk_create([
            Topic(organization=organization, name=name, slug=slugify(name))
            for name in DEFAULT_TOPICS
        ])
    if not SeniorityLevel.objects.filter(organization=organization).exists():
        SeniorityLevel.objects.bulk_create([
            SeniorityLevel(organization=organization, name=name, rank=rank)
            for name, rank in DEFAULT_LEVELS
        ])


def topic_create(*, organization: Organization, name: str, description: str = "") -> Topic:
    name = name.strip()
    if Topic.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a topic called “{name}”."})
    topic = Topic(organization=organization, name=name, description=description,
                  slug=unique_slug(Topic, organization=organization, text=name))
    topic.full_clean()
    topic.save()
    return topic


def topic_rename(*, topic: Topic, name: str) -> Topic:
    name = name.strip()
    clash = Topic.objects.filter(organization=topic.organization, name__iexact=name) \
        .exclude(pk=topic.pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a topic called “{name}”."})
    topic.name = name
    topic.full_clean()
    topic.save(update_fields=["name"])
    return topic


def topic_set_retired(*, topic: Topic, retired: bool) -> Topic:
    topic.is_retired = retired
    topic.save(update_fields=["is_retired"])
    return topic


@transaction.atomic
def topic_merge(*, source: Topic, target: Topic) -> Topic:
    """Fold ``source`` into ``target``: every interest and focus area moves, keeping the
    stronger of two interests in the same topic; ``source`` is retired and points at
    ``target`` so imports that still name it resolve."""
    if source.pk == target.pk:
        raise ValidationError("Choose two different topics to merge.")
    if source.organization_id != target.organization_id:
        raise ValidationError("Topics of different organizations cannot be merged.")
    for interest in ParticipantTopic.objects.filter(topic=source):
        existing = ParticipantTopic.objects.filter(
            participant_id=interest.participant_id, topic=target, interest=interest.interest
        ).first()
        if existing is None:
            interest.topic = target
            interest.save(update_fields=["topic"])
        else:
            existing.strength = max(existing.strength, interest.strength)
            existing.save(update_fields=["strength"])
            interest.delete()
    for program in Program.objects.filter(focus_areas=source):
        program.focus_areas.remove(source)
        program.focus_areas.add(target)
    DirectedPrompt.objects.filter(topic=source).update(topic=target)
    source.is_retired = True
    source.merged_into = target
    source.save(update_fields=["is_retired", "merged_into"])
    return target


# --- programs ------------------------------------------------------------------------------

def _topics_by_name(organization: Organization, names: list[str]) -> dict[str, Topic]:
    found = {t.name.lower(): t for t in Topic.objects.filter(organization=organization)}
    result = {}
    for name in names:
        topic = found.get(name.lower())
        if topic is None:
            topic = topic_create(organization=organization, name=name)
            found[name.lower()] = topic
        result[name] = topic
    return result


@transaction.atomic
def program_create(
    *, organization: Organization, actor: User | None, name: str, purpose: str = "",
    template_key: str = "", copy_from: Program | None = None,
) -> Program:
    """Create a program: blank, pre-filled from a built-in template, or copied from another
    program of the same organization (objectives, guidelines, prompts, resources, focus)."""
    organization_defaults_ensure(organization=organization)
    if copy_from is not None and copy_from.organization_id != organization.pk:
        raise ValidationError("A program can only be copied within its organization.")
    template = TEMPLATES_BY_KEY.get(template_key) if template_key else None
    if template_key and template is None:
        raise ValidationError({"template_key": f"There is no template “{template_key}”."})
    program = Program(organization=organization, name=name.strip(), created_by=actor,
                      template_key=template_key,
                      slug=unique_slug(Program, organization=organization, text=name))
    if template is not None:
        _fill_from_template(program, template, purpose)
    elif copy_from is not None:
        _fill_from_program(program, copy_from, purpose)
    else:
        program.purpose = purpose
        program.full_clean()
        program.save()
    return program


def _fill_from_template(program: Program, template, purpose: str) -> None:
    program.purpose = purpose or template.purpose
    program.objectives = list(template.objectives)
    program.guidelines = template.guidelines
    program.confidentiality_statement = template.confidentiality_statement
    program.full_clean()
    program.save()
    topic_names = set(template.focus_areas) | {t for _, t, _ in template.prompts if t}
    topics = _topics_by_name(program.organization, sorted(topic_names))
    program.focus_areas.set([topics[name] for name in template.focus_areas])
    DirectedPrompt.objects.bulk_create([
        DirectedPrompt(organization=program.organization, program=program, text=text,
                       phase=phase, topic=topics.get(topic_name), position=index)
        for index, (phase, topic_name, text) in enumerate(template.prompts)
    ])
    Resource.objects.bulk_create([
        Resource(organization=program.organization, program=program, title=title,
                 audience=audience, body=body, url=url, position=index)
        for index, (title, audience, body, url) in enumerate(template.resources)
    ])


def _fill_from_program(program: Program, source: Program, purpose: str) -> None:
    program.purpose = purpose or source.purpose
    program.objectives = list(source.objectives)
    program.guidelines = source.guidelines
    program.confidentiality_statement = source.confidentiality_statement
    program.full_clean()
    program.save()
    program.focus_areas.set(source.focus_areas.all())
    DirectedPrompt.objects.bulk_create([
        DirectedPrompt(organization=program.organization, program=program, text=p.text,
                       phase=p.phase, topic_id=p.topic_id, position=p.position)
        for p in source.prompts.all()
    ])
    Resource.objects.bulk_create([
        Resource(organization=program.organization, program=program, title=r.title,
                 audience=r.audience, body=r.body, url=r.url, position=r.position)
        for r in source.resources.all()
    ])


@transaction.atomic
def program_update(*, program: Program, focus_areas: list[Topic] | None = None, **fields
                   ) -> Program:
    for name, value in fields.items():
        setattr(program, name, value)
    program.full_clean()
    program.save()
    if focus_areas is not None:
        if any(t.organization_id != program.organization_id for t in focus_areas):
            raise ValidationError("Focus areas must be topics of this organization.")
        program.focus_areas.set(focus_areas)
    return program


def prompt_add(*, program: Program, text: str, phase: str, topic: Topic | None
               ) -> DirectedPrompt:
    if topic is not None and topic.organization_id != program.organization_id:
        raise ValidationError("That topic belongs to another organization.")
    prompt = DirectedPrompt(organization=program.organization, program=program, text=text,
                            phase=phase, topic=topic, position=program.prompts.count())
    prompt.full_clean()
    prompt.save()
    return prompt


def resource_add(*, program: Program, title: str, body: str, url: str, audience: str
                 ) -> Resource:
    resource = Resource(organization=program.organization, program=program, title=title,
                        body=body, url=url, audience=audience,
                        position=program.resources.count())
    resource.full_clean()
    resource.save()
    return resource


def prompt_delete(*, prompt: DirectedPrompt) -> None:
    """Remove a directed prompt from its program."""
    prompt.delete()


def resource_delete(*, resource: Resource) -> None:
    """Remove a resource from its program."""
    resource.delete()


# --- cohorts -------------------------------------------------------------------------------

def _ensure_editable(cohort: Cohort) -> None:
    if cohort.is_read_only:
        raise ValidationError(f"This cohort is {cohort.status} and can no longer be changed.")


@transaction.atomic
def cohort_create(*, program: Program, **fields) -> Cohort:
    cohort = Cohort(organization=program.organization, program=program, **fields)
    cohort.slug = unique_slug(Cohort, organization=program.organization,
                              text=f"{program.name} {cohort.name}")
    cohort.full_clean()
    cohort.save()
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, **fields) -> Cohort:
    _ensure_editable(cohort)
    for name, value in fields.items():
        setattr(cohort, name, value)
    cohort.full_clean()
    cohort.save()
    return cohort


@transaction.atomic
def cohort_transition(*, cohort: Cohort, to_status: str, actor: User | None = None) -> Cohort:
    """Move a cohort along its lifecycle; forbidden moves raise with the reason."""
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    error = lifecycle.transition_error(locked.status, to_status)
    if error is None and to_status == lifecycle.ACTIVE:
        error = lifecycle.activation_error(locked)
    if error:
        raise ValidationError(error)
    from_status = locked.status
    locked.status = to_status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at"])
    cohort.status, cohort.status_changed_at = locked.status, locked.status_changed_at
    lifecycle.run_transition_hooks(locked, from_status=from_status, to_status=to_status,
                                   actor=actor)
    return locked
