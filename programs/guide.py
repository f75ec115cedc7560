"""Reads for the program guide a participant sees: why the program exists, its objectives,
guidelines and confidentiality statement, the directed prompts phase by phase (kick-off,
early, mid-program, closing: the order of the program, not of the alphabet) and the
resources meant for their role. Read-only; a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, QuerySet, Value, When

from programs.models import Audience, DirectedPrompt, Participant, Phase, Program, Resource

#: Phases in the order a program runs through them (``Phase`` declares them in that order).
PHASE_ORDER = Case(*(When(phase=phase, then=Value(index))
                     for index, phase in enumerate(Phase.values)),
                   default=Value(len(Phase.values)), output_field=IntegerField())


def prompts_in_phase_order() -> QuerySet[DirectedPrompt]:
    """Directed prompts with their topic, kick-off first and closing last, then as placed."""
    return DirectedPrompt.objects.select_related("topic").order_by(PHASE_ORDER, "position", "id")


@dataclass
class PhasePrompts:
    phase: str
    label: str
    prompts: list[DirectedPrompt] = field(default_factory=list)


@dataclass
class ProgramGuide:
    participant: Participant
    program: Program
    phases: list[PhasePrompts]
    resources: list[Resource]

    @property
    def prompt_count(self) -> int:
        return sum(len(phase.prompts) for phase in self.phases)


def participant_for_guide(*, pk: int) -> Participant:
    """The place with its cohort, program and person (``Participant.DoesNotExist`` if none
    in the current tenant)."""
    return Participant.objects.select_related("cohort__program", "membership__user").get(pk=pk)


def program_guide(*, participant: Participant) -> ProgramGuide:
    """What ``participant`` may read about their program: every prompt, and the resources
    for everyone or for their role."""
    program = participant.cohort.program
    phases = {phase: PhasePrompts(phase=phase, label=label) for phase, label in Phase.choices}
    for prompt in prompts_in_phase_order().filter(program=program):
        phases.setdefault(prompt.phase, PhasePrompts(phase=prompt.phase, label=prompt.phase))
        phases[prompt.phase].prompts.append(prompt)
    resources = list(Resource.objects.filter(program=program,
                                             audience__in=[Audience.BOTH, participant.role])
                     .order_by("position", "id"))
    return ProgramGuide(participant=participant, program=program,
                        phases=[p for p in phases.values() if p.prompts], resources=resources)
