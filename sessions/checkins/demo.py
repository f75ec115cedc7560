"""Demo check-ins for ``seed_demo`` (called by ``sessions.demo.seed`` after the pairs' history):
every active pair of the demo cohort has answered its earlier check-ins and the fit check, the
current period's check-ins wait for their answer (due, on the start page), and the stalled
pair's mentee raised an HR alert that is still open. Rows are written directly (no emails);
an organization whose cohort already has check-ins is left as it is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Organization
from matching.models import Pair, PairStatus
from sessions.checkins import rules
from sessions.models import (
    DEFAULT_CHECK_IN_CADENCE_DAYS,
    AlertKind,
    AlertReason,
    CheckIn,
    CheckInStatus,
    FitCheck,
    HRAlert,
    SessionStatus,
)

#: The stalled pair's mentee, in the last check-in they answered.
STALLED_TEXT = ("We have not met for weeks and I do not feel I can tell him that the sessions "
                "are one-way. I would like to talk to someone.")


def _answered(pair: Pair, person, period: int, due_on: dt.date, *, low: bool) -> CheckIn:
    answers = ({"score": 2, "blockers": ["relationship", "scheduling"], "candour": 2,
                "agenda_set_by": "partner", "wants_hr_contact": True,
                "blocker_text": STALLED_TEXT, "share_text_with_hr": True} if low else
               {"score": 4, "blockers": ["time"] if period % 2 else [], "candour": 4,
                "agenda_set_by": "together", "wants_hr_contact": False})
    return CheckIn.objects.create(
        organization_id=pair.organization_id, pair=pair, participant=person, period=period,
        due_on=due_on, status=CheckInStatus.ANSWERED,
        answered_at=timezone.make_aware(dt.datetime.combine(
            due_on + dt.timedelta(days=1), dt.time(10))), **answers)


def seed_check_ins(*, organization: Organization, cohort_name: str,
                   stalled: tuple[str, str] | None = None) -> None:
    """``stalled``: the (mentor, mentee) email local parts of the pair whose mentee raises the
    open HR alert."""
    pairs = list(Pair.objects.filter(organization=organization, cohort__name=cohort_name)
                 .select_related("mentor__membership__user", "mentee__membership__user"))
    if not pairs or CheckIn.objects.filter(pair__in=pairs).exists():
        return
    now = timezone.now()
    for pair in pairs:
        first = pair.mentoring_sessions.filter(status=SessionStatus.HAPPENED) \
            .order_by("starts_at").values_list("starts_at", "duration_minutes").first()
        if first is None or pair.status == PairStatus.ENDED:
            continue
        started, minutes = first
        FitCheck.objects.create(organization_id=pair.organization_id, pair=pair,
                                participant=pair.mentor, answer="yes",
                                answered_at=started + dt.timedelta(minutes=minutes, days=2))
        FitCheck.objects.create(organization_id=pair.organization_id, pair=pair,
                                participant=pair.mentee, answer="yes",
                                answered_at=started + dt.timedelta(minutes=minutes, days=3))
        current = rules.current_period(first_session_at=started,
                                       cadence_days=DEFAULT_CHECK_IN_CADENCE_DAYS, now=now)
        is_stalled = stalled is not None and (
            pair.mentor.membership.user.email.split("@")[0],
            pair.mentee.membership.user.email.split("@")[0]) == stalled
        for period in range(1, current + 1):
            due_on = rules.period_begins_at(first_session_at=started,
                                            cadence_days=DEFAULT_CHECK_IN_CADENCE_DAYS,
                                            period=period).date()
            if period == current and pair.status == PairStatus.ACTIVE:
                for person in (pair.mentor, pair.mentee):  # due now, on the start page
                    CheckIn.objects.create(organization_id=pair.organization_id, pair=pair,
                                           participant=person, period=period, due_on=due_on)
                continue
            _answered(pair, pair.mentor, period, due_on, low=False)
            low = is_stalled and period == current - 1
            check_in = _answered(pair, pair.mentee, period, due_on, low=low)
            if low:
                HRAlert.objects.create(
                    organization_id=pair.organization_id, cohort_id=pair.cohort_id, pair=pair,
                    participant=pair.mentee, kind=AlertKind.CHECK_IN, check_in=check_in,
                    reasons=[AlertReason.LOW_SCORE.value, AlertReason.RELATIONSHIP.value,
                             AlertReason.LOW_CANDOUR.value, AlertReason.WANTS_CONTACT.value],
                    shared_text=STALLED_TEXT)
