"""Writes of check-ins, fit checks and HR alerts: one function per use case, keyword-only,
transactional; emails go through the one outbox (``core.notifications``) after commit.

Outbox keys follow ``sessions/due.py`` (``<kind>:<pair>:<recipient>:<subject>:<period>``):
``check_in_due:<pair>:<user>:c<n>:<n>`` (its reminder ``…:<n>r``),
``fit_check:<pair>:<user>:fit:1`` and ``hr_alert:<pair>:<user>:a<alert>:1``. A scan that runs
twice, two racing scans, or the reminder scan and :func:`check_in_open` together open one
check-in and send one email. Bad input raises Django's ``ValidationError`` with field keys;
web views show it next to the field, the API as a 400.

Privacy: an HR alert records the reason codes; the person's free text is copied into it only
when they ticked "share this with HR". Emails to HR never carry any answer text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, Role, User
from core.notifications import NotificationDraft, notification_enqueue, notifications_enqueue_bulk
from matching.models import Pair, PairStatus
from programs.models import Cohort, Participant
from sessions.checkins import rules, selectors
from sessions.models import (
    AgendaSetter,
    AlertKind,
    AlertStatus,
    CheckIn,
    CheckInBlocker,
    CheckInSchedule,
    CheckInStatus,
    FitAnswer,
    FitCheck,
    HRAlert,
)

CHECK_IN_DUE_KIND = "check_in_due"
FIT_CHECK_KIND = "fit_check"
HR_ALERT_KIND = "hr_alert"
MAX_TEXT = 2000


def check_in_key(*, pair: Pair, user: User, period: int, reminder: bool = False) -> str:
    """The outbox key of a check-in's email: the same as ``sessions.due.Due.key`` for the
    ``check_in_due`` kind, so either path enqueues it once."""
    return f"{CHECK_IN_DUE_KIND}:{pair.pk}:{user.pk}:c{period}:{period}{'r' if reminder else ''}"


def check_in_path(pair: Pair) -> str:
    return reverse("checkins:check_in", kwargs={"org_slug": pair.cohort.organization.slug,
                                                "pair_pk": pair.pk})


def fit_check_path(pair: Pair) -> str:
    return reverse("checkins:fit_check", kwargs={"org_slug": pair.cohort.organization.slug,
                                                 "pair_pk": pair.pk})


def _partner(pair: Pair, participant: Participant) -> Participant:
    return pair.mentee if participant.pk == pair.mentor_id else pair.mentor


def _require_person(pair: Pair, participant: Participant) -> None:
    if participant.pk not in (pair.mentor_id, pair.mentee_id) or \
            participant.organization_id != pair.organization_id:
        raise ValidationError("Only the two people of a pair answer its check-ins.")


# --- the cohort's cadence ------------------------------------------------------------------

@transaction.atomic
def check_in_schedule_set(*, cohort: Cohort, cadence_days: int, actor: User,
                          inactivity_days: int | None = None) -> CheckInSchedule:
    """HR sets how often the cohort's people are asked (7 to 91 days) and, when given, after
    how many days without activity a pair is warned (14 to 180)."""
    if not actor.memberships.filter(organization_id=cohort.organization_id,
                                    role=Role.ADMIN).exists():
        raise ValidationError("Only an HR admin of the organization sets the check-in cadence.")
    schedule = CheckInSchedule.objects.filter(cohort=cohort).first() or CheckInSchedule(
        organization_id=cohort.organization_id, cohort=cohort)
    schedule.cadence_days = cadence_days
    if inactivity_days is not None:
        schedule.inactivity_days = inactivity_days
    schedule.full_clean(exclude=["organization", "cohort"], validate_unique=False)
    schedule.save()
    return schedule


# --- opening check-ins and fit checks (called by the reminder scans) -----------------------

def _ask(*, participant: Participant, pair: Pair, kind: str, key: str, template: str,
         link: str, context: dict) -> None:
    user = participant.membership.user
    notification_enqueue(
        organization=pair.cohort.organization, recipient=user, email=user.email, kind=kind,
        key=key, template=template, link=link,
        context={"name": user.display_name, "program": pair.cohort.program.name,
                 "partner": _partner(pair, participant).membership.user.display_name,
                 **context})


@transaction.atomic
def check_in_open(*, pair: Pair, participant: Participant, period: int,
                  due_on: date) -> CheckIn:
    """Open ``participant``'s pending check-in for ``period`` and email them its one-click
    link (a personal sign-in link to the form). Idempotent: a second call for the same
    person and period returns the first check-in and sends nothing."""
    _require_person(pair, participant)
    existing = CheckIn.objects.filter(pair=pair, participant=participant, period=period).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            check_in = CheckIn.objects.create(organization_id=pair.organization_id, pair=pair,
                                              participant=participant, period=period,
                                              due_on=due_on)
    except IntegrityError:  # a racing scan opened it first
        return CheckIn.objects.get(pair=pair, participant=participant, period=period)
    user = participant.membership.user
    _ask(participant=participant, pair=pair, kind=CHECK_IN_DUE_KIND,
         key=check_in_key(pair=pair, user=user, period=period),
         template="sessions/email/check_in_due", link=check_in_path(pair),
         context={"due_on": due_on})
    return check_in


@transaction.atomic
def fit_check_open(*, pair: Pair, participant: Participant) -> FitCheck:
    """Ask ``participant`` privately whether the pairing works for them (once per pair)."""
    _require_person(pair, participant)
    existing = FitCheck.objects.filter(pair=pair, participant=participant).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            fit = FitCheck.objects.create(organization_id=pair.organization_id, pair=pair,
                                          participant=participant)
    except IntegrityError:
        return FitCheck.objects.get(pair=pair, participant=participant)
    user = participant.membership.user
    _ask(participant=participant, pair=pair, kind=FIT_CHECK_KIND,
         key=f"{FIT_CHECK_KIND}:{pair.pk}:{user.pk}:fit:1",
         template="sessions/email/fit_check", link=fit_check_path(pair), context={})
    return fit


def check_in_remind(*, check_in: CheckIn) -> bool:
    """The one reminder of a check-in still unanswered (the reminder scan calls it 3 days
    after it opened). Returns whether a reminder was recorded (not for an answered check-in,
    nor twice: the key ends with ``r``)."""
    check_in = CheckIn.objects.select_related(
        "pair__cohort__program", "pair__cohort__organization", "pair__mentor__membership__user",
        "pair__mentee__membership__user", "participant__membership__user").get(pk=check_in.pk)
    if check_in.status != CheckInStatus.PENDING or check_in.pair.status != PairStatus.ACTIVE:
        return False
    pair, participant = check_in.pair, check_in.participant
    user = participant.membership.user
    _ask(participant=participant, pair=pair, kind=CHECK_IN_DUE_KIND,
         key=check_in_key(pair=pair, user=user, period=check_in.period, reminder=True),
         template="sessions/email/check_in_due", link=check_in_path(pair),
         context={"due_on": check_in.due_on, "reminder": True})
    return True


def check_ins_open_due(*, organization: Organization,
                       now: datetime | None = None) -> tuple[int, int]:
    """Open every check-in and fit check due in ``organization`` (what a beat scan does):
    returns (check-ins opened, fit checks opened). Each is its own transaction, so one
    failure leaves the others done; running it twice opens nothing more."""
    now = now or timezone.now()
    check_ins = selectors.check_ins_due(organization=organization, now=now)
    fits = selectors.fit_checks_due(organization=organization, now=now)
    pair_ids = {d.pair_id for d in check_ins} | {d.pair_id for d in fits}
    pairs = {p.pk: p for p in Pair.objects.filter(pk__in=pair_ids).select_related(
        "cohort__program", "cohort__organization", "mentor__membership__user",
        "mentee__membership__user")}

    def person(pair: Pair, participant_id: int) -> Participant:
        return pair.mentor if participant_id == pair.mentor_id else pair.mentee

    for due in check_ins:
        pair = pairs[due.pair_id]
        check_in_open(pair=pair, participant=person(pair, due.participant_id),
                      period=due.period,
                      due_on=selectors.organization_today(organization, due.begins_at))
    for due in fits:
        pair = pairs[due.pair_id]
        fit_check_open(pair=pair, participant=person(pair, due.participant_id))
    return len(check_ins), len(fits)


# --- answering -----------------------------------------------------------------------------

def _lock_pending(model, pk: int):
    return model.objects.select_for_update(of=("self",)).get(pk=pk)


def _require_answerable(pair: Pair) -> None:
    if pair.status == PairStatus.ENDED:
        raise ValidationError("This pair has ended: its check-ins can no longer be answered.")


def _clean_check_in(*, score, blockers: Sequence[str], blocker_text: str, agenda_set_by: str,
                    candour, wants_hr_contact) -> dict:
    errors = {}
    if score not in range(1, 6):
        errors["score"] = "Choose how it is going, from 1 (badly) to 5 (very well)."
    if candour not in range(1, 6):
        errors["candour"] = "Choose how candid you could be, from 1 (not at all) to 5 (fully)."
    unknown = [b for b in blockers if b not in CheckInBlocker.values]
    if unknown:
        errors["blockers"] = f"Choose from the listed options (not {', '.join(unknown)})."
    if agenda_set_by not in AgendaSetter.values:
        errors["agenda_set_by"] = "Say who set the agenda last time (or nobody)."
    if wants_hr_contact not in (True, False):
        errors["wants_hr_contact"] = "Say whether you would like HR to reach out (yes or no)."
    text = (blocker_text or "").strip()
    if len(text) > MAX_TEXT:
        errors["blocker_text"] = f"Keep it under {MAX_TEXT} characters (now {len(text)})."
    elif CheckInBlocker.OTHER in blockers and not text:
        errors["blocker_text"] = "You ticked “Other”: say in a few words what is in the way."
    if errors:
        raise ValidationError(errors)
    return {"score": score, "blockers": list(dict.fromkeys(blockers)), "blocker_text": text,
            "agenda_set_by": agenda_set_by, "candour": candour,
            "wants_hr_contact": wants_hr_contact}


@transaction.atomic
def check_in_answer(*, check_in: CheckIn, actor: Participant, score: int,
                    blockers: Sequence[str], agenda_set_by: str, candour: int,
                    wants_hr_contact: bool, blocker_text: str = "",
                    share_text_with_hr: bool = False) -> CheckIn:
    """``actor`` answers their own pending check-in (once). An answer that scores 1–2, names
    the relationship, rates candour 2 or less, or asks HR to reach out raises an HR alert
    (:func:`hr_alert_raise`)."""
    if check_in.participant_id != actor.pk:
        raise ValidationError("Only the person asked answers a check-in.")
    locked = _lock_pending(CheckIn, check_in.pk)
    if locked.status != CheckInStatus.PENDING:
        raise ValidationError("You have already answered this check-in. Thank you!")
    pair = check_in.pair
    _require_answerable(pair)
    answers = _clean_check_in(score=score, blockers=blockers, blocker_text=blocker_text,
                              agenda_set_by=agenda_set_by, candour=candour,
                              wants_hr_contact=wants_hr_contact)
    for name, value in answers.items():
        setattr(locked, name, value)
    locked.share_text_with_hr = bool(share_text_with_hr and answers["blocker_text"])
    locked.status = CheckInStatus.ANSWERED
    locked.answered_at = timezone.now()
    locked.save()
    reasons = rules.check_in_alert_reasons(
        score=answers["score"], blockers=answers["blockers"], candour=answers["candour"],
        wants_hr_contact=answers["wants_hr_contact"])
    if reasons:
        hr_alert_raise(pair=pair, participant=actor, kind=AlertKind.CHECK_IN, reasons=reasons,
                       check_in=locked, shared_text=answers["blocker_text"]
                       if locked.share_text_with_hr else "")
    return locked


@transaction.atomic
def fit_check_answer(*, fit_check: FitCheck, actor: Participant, answer: str) -> FitCheck:
    """``actor`` answers their own fit check (once). A "no" opens a re-match case for HR; the
    partner is never told."""
    if fit_check.participant_id != actor.pk:
        raise ValidationError("Only the person asked answers a fit check.")
    if answer not in FitAnswer.values:
        raise ValidationError({"answer": "Choose yes, not sure or no."})
    locked = _lock_pending(FitCheck, fit_check.pk)
    if locked.answer:
        raise ValidationError("You have already answered. Thank you!")
    _require_answerable(fit_check.pair)
    locked.answer = answer
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "answered_at"])
    reasons = rules.fit_check_alert_reasons(answer)
    if reasons:
        hr_alert_raise(pair=fit_check.pair, participant=actor, kind=AlertKind.REMATCH,
                       reasons=reasons, fit_check=locked)
    return locked


# --- HR alerts -----------------------------------------------------------------------------

def hr_alert_raise(*, pair: Pair, participant: Participant, kind: str, reasons: list[str],
                   check_in: CheckIn | None = None, fit_check: FitCheck | None = None,
                   shared_text: str = "") -> HRAlert:
    """Record an alert and tell the organization's HR admins (an inbox item and an email
    each, naming the pair and the reasons, never an answer's text). Called inside the
    answering transaction."""
    alert = HRAlert(organization_id=pair.organization_id, cohort_id=pair.cohort_id, pair=pair,
                    participant=participant, kind=kind, reasons=reasons, check_in=check_in,
                    fit_check=fit_check, shared_text=shared_text)
    alert.full_clean(exclude=["organization", "cohort", "pair", "participant", "check_in",
                              "fit_check"], validate_unique=False)
    alert.save()
    organization = pair.cohort.organization
    link = reverse("checkins:hr_alert", kwargs={"org_slug": organization.slug,
                                                "alert_pk": alert.pk})
    context = {"program": pair.cohort.program.name, "cohort": pair.cohort.name,
               "mentor": pair.mentor.membership.user.display_name,
               "mentee": pair.mentee.membership.user.display_name,
               "raised_by": participant.membership.user.display_name,
               "rematch": kind == AlertKind.REMATCH, "reasons": alert.reason_labels,
               "text_shared": bool(shared_text)}
    drafts = [NotificationDraft(recipient=admin.user, email=admin.user.email,
                                key=f"{HR_ALERT_KIND}:{pair.pk}:{admin.user_id}:a{alert.pk}:1",
                                link=link, context={**context, "name": admin.user.display_name})
              for admin in selectors.cohort_admins(organization=organization)]
    notifications_enqueue_bulk(organization=organization, kind=HR_ALERT_KIND,
                               template="sessions/email/hr_alert", drafts=drafts)
    return alert


def _require_hr(alert: HRAlert, actor: User) -> None:
    if not actor.memberships.filter(organization_id=alert.organization_id,
                                    role=Role.ADMIN).exists():
        raise ValidationError("Only an HR admin of the organization handles its alerts.")


@transaction.atomic
def hr_alert_acknowledge(*, alert: HRAlert, actor: User) -> HRAlert:
    """HR says it has seen the alert (an open alert only)."""
    _require_hr(alert, actor)
    locked = _lock_pending(HRAlert, alert.pk)
    if locked.status != AlertStatus.OPEN:
        raise ValidationError(f"This alert is already {locked.get_status_display().lower()}.")
    locked.status = AlertStatus.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return locked


@transaction.atomic
def hr_alert_resolve(*, alert: HRAlert, actor: User, note: str) -> HRAlert:
    """HR closes the alert with a note of what was done (required)."""
    _require_hr(alert, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what was done (a short note for the record)."})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"Keep the note under {MAX_TEXT} characters "
                                       f"(now {len(note)})."})
    locked = _lock_pending(HRAlert, alert.pk)
    if locked.status == AlertStatus.RESOLVED:
        raise ValidationError("This alert is already resolved.")
    now = timezone.now()
    if locked.acknowledged_at is None:
        locked.acknowledged_at, locked.acknowledged_by = now, actor
    locked.status = AlertStatus.RESOLVED
    locked.resolved_at, locked.resolved_by, locked.resolution_note = now, actor, note
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "resolved_at",
                               "resolved_by", "resolution_note"])
    return locked
