"""Factories for check-ins, fit checks and HR alerts. Each row takes its organization, pair
and person from one parent: a check-in's person is one of its pair, an alert's cohort is its
pair's."""

from __future__ import annotations

import factory
from django.utils import timezone

from sessions.models import (
    AlertKind,
    AlertReason,
    CheckIn,
    CheckInSchedule,
    CheckInStatus,
    FitCheck,
    HRAlert,
)
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory


class CheckInScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckInSchedule

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.LazyAttribute(lambda o: o.cohort.organization)
    cadence_days = 28


class CheckInFactory(factory.django.DjangoModelFactory):
    """A pending check-in of the pair's mentee; ``answered=True`` for a calm answer."""

    class Meta:
        model = CheckIn

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    participant = factory.LazyAttribute(lambda o: o.pair.mentee)
    period = factory.Sequence(lambda n: n + 1)
    due_on = factory.LazyFunction(timezone.localdate)

    class Params:
        answered = factory.Trait(
            status=CheckInStatus.ANSWERED, score=4, blockers=["time"], agenda_set_by="together",
            candour=4, wants_hr_contact=False, answered_at=factory.LazyFunction(timezone.now))


class FitCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FitCheck

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    participant = factory.LazyAttribute(lambda o: o.pair.mentee)


class HRAlertFactory(factory.django.DjangoModelFactory):
    """An open alert raised by a low check-in of the pair's mentee."""

    class Meta:
        model = HRAlert

    pair = factory.SubFactory(PairFactory)
    organization = factory.LazyAttribute(lambda o: o.pair.organization)
    cohort = factory.LazyAttribute(lambda o: o.pair.cohort)
    participant = factory.LazyAttribute(lambda o: o.pair.mentee)
    kind = AlertKind.CHECK_IN
    reasons = factory.LazyFunction(lambda: [AlertReason.LOW_SCORE.value])
    check_in = factory.LazyAttribute(lambda o: CheckInFactory(
        pair=o.pair, participant=o.participant, answered=True, score=2)
        if o.kind == AlertKind.CHECK_IN else None)
