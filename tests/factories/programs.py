import datetime as dt

import factory

from programs.models import (
    Cohort,
    CohortInvitation,
    DirectedPrompt,
    Participant,
    ParticipantTopic,
    Profile,
    Program,
    Resource,
    SeniorityLevel,
    Topic,
)
from tests.factories.accounts import InvitationFactory, MembershipFactory, OrganizationFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class SeniorityLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeniorityLevel

    organization = factory.SubFactory(OrganizationFactory)
    rank = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"L{o.rank}")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    purpose = "Help leaders learn digital skills from junior colleagues."
    objectives = factory.LazyFunction(lambda: ["80% of leaders report higher confidence"])


class DirectedPromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DirectedPrompt

    program = factory.SubFactory(ProgramFactory)
    organization = factory.LazyAttribute(lambda o: o.program.organization)
    text = "What do you hope to learn?"
    phase = "kickoff"


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    program = factory.SubFactory(ProgramFactory)
    organization = factory.LazyAttribute(lambda o: o.program.organization)
    title = "Primer"
    body = "Read **this** first."


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    organization = factory.LazyAttribute(lambda o: o.program.organization)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")
    start_date = dt.date(2027, 1, 11)
    end_date = dt.date(2027, 6, 30)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    membership = factory.SubFactory(MembershipFactory)
    organization = factory.LazyAttribute(lambda o: o.membership.organization)
    job_title = "Analyst"
    department = "Marketing"
    time_zone = "Europe/London"
    languages = factory.LazyFunction(lambda: ["en"])


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant whose membership, profile and cohort share one organization."""

    class Meta:
        model = Participant

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    membership = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..cohort.organization"))
    profile = factory.SubFactory(
        ProfileFactory, membership=factory.SelfAttribute("..membership"))
    role = "mentor"


class ParticipantTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipantTopic

    participant = factory.SubFactory(ParticipantFactory)
    organization = factory.LazyAttribute(lambda o: o.participant.organization)
    topic = factory.SubFactory(
        TopicFactory, organization=factory.SelfAttribute("..participant.organization"))
    interest = "teach"
    strength = 2


class CohortInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortInvitation

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    invitation = factory.SubFactory(
        InvitationFactory, organization=factory.SelfAttribute("..cohort.organization"))
    role = "mentee"
