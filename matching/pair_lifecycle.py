"""Writes for the pair's lifecycle: pause, resume, ask to end, confirm or decline, end,
extend past the cohort's end, nudge, re-pair, and the closing of pairs when their cohort
completes or a participant is withdrawn.

Who may do what (checked here, whatever the caller):

| change                       | the pair's two people | HR admin |
|------------------------------|-----------------------|----------|
| pause (with a return date)   | yes                   | yes      |
| resume                       | yes                   | yes      |
| ask to end (with a reason)   | yes                   | no: ends |
| withdraw their request       | the one who asked     | no       |
| confirm / decline a request  | no                    | yes      |
| end (with a reason)          | no                    | yes      |
| extend past the cohort's end | no                    | yes      |
| nudge (once a week)          | no                    | yes      |
| re-pair                      | no                    | yes      |

Every service locks the pair row, checks everything before it writes anything (a refused
change raises ``ValidationError``, or ``PermissionDenied`` for someone who may not make it,
and changes nothing), then updates the pair and appends a :class:`PairEvent` (who, as whom,
when, what, why). Ending a pair withdraws its pending emails and sends
:data:`matching.signals.pair_ended` so the apps above withdraw theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, User
from core.notifications import (
    NotificationDraft,
    notifications_enqueue_bulk,
    notifications_withdraw_pending,
)
from core.web import optional_url
from matching.models import (
    LIVE_PAIR_STATUSES,
    Pair,
    PairEndReason,
    PairEvent,
    PairEventActor,
    PairEventKind,
    PairStatus,
)
from matching.services import decisions, publishing
from matching.signals import pair_ended
from programs.models import Cohort, CohortStatus, Participant

NOTE_MAX = 1000
#: How far ahead a pause's return date or an extension may go.
PAUSE_MAX_DAYS = 180
EXTEND_MAX_DAYS = 365

#: Reasons a person of the pair or HR may give (the others are recorded by the lifecycle).
CHOSEN_END_REASONS = (PairEndReason.GOALS_COMPLETED, PairEndReason.NO_LONGER_AVAILABLE,
                      PairEndReason.NOT_A_GOOD_FIT, PairEndReason.LEFT_COMPANY,
                      PairEndReason.OTHER)

NUDGE_KIND = "pair_nudge"
LIFECYCLE_KIND = "pair_lifecycle"

PAIR_RELATED = ("cohort__organization", "cohort__program", "mentor__membership__user",
                "mentee__membership__user")


# --- helpers ---------------------------------------------------------------------------------

def organization_today(organization) -> date:
    """Today in the organization's time zone (return dates and weeks are its days)."""
    return timezone.now().astimezone(ZoneInfo(organization.time_zone or "UTC")).date()


def _local_date(moment: datetime, organization) -> date:
    return moment.astimezone(ZoneInfo(organization.time_zone or "UTC")).date()


def _lock(pair: Pair) -> Pair:
    """The pair, locked for this transaction, with its cohort and people."""
    return Pair.objects.select_for_update(of=("self",)).select_related(*PAIR_RELATED) \
        .get(pk=pair.pk)


def side_of(pair: Pair, user: User) -> str | None:
    """"mentor" or "mentee" when ``user`` is one of the pair's two people, else None."""
    if pair.mentor.membership.user_id == user.pk:
        return PairEventActor.MENTOR
    if pair.mentee.membership.user_id == user.pk:
        return PairEventActor.MENTEE
    return None


def _is_admin(pair: Pair, user: User) -> bool:
    return Membership.objects.filter(organization_id=pair.organization_id, user=user,
                                     role=Role.ADMIN).exists()


def _require_admin(pair: Pair, actor: User) -> str:
    if not _is_admin(pair, actor):
        raise PermissionDenied("Only an HR admin can do this.")
    return PairEventActor.ADMIN


def _require_person(pair: Pair, actor: User) -> str:
    side = side_of(pair, actor)
    if side is None:
        raise PermissionDenied("Only the two people of this pair can do this.")
    return side


def _person_or_admin(pair: Pair, actor: User, *, as_admin: bool) -> str:
    """The role ``actor`` acts in: HR when ``as_admin`` (from HR's pages), else their side."""
    return _require_admin(pair, actor) if as_admin else _require_person(pair, actor)


def _clean_note(note: str, *, required: bool = False, what: str = "Say why") -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX:,} characters "
                                       f"(it has {len(note):,})."})
    if required and not note:
        raise ValidationError({"note": f"{what} in a few words."})
    return note


def _clean_reason(reason: str) -> str:
    if reason not in CHOSEN_END_REASONS:
        choices = ", ".join(str(PairEndReason(r).label).lower() for r in CHOSEN_END_REASONS)
        raise ValidationError({"reason": f"Choose why the pair ends: {choices}."})
    return reason


def _require_live(pair: Pair, doing: str) -> None:
    if pair.status == PairStatus.ENDED:
        ended = f" on {pair.ended_at:%d %b %Y}" if pair.ended_at else ""
        raise ValidationError(f"This pair ended{ended}: it can no longer be {doing}.")


def _record(pair: Pair, kind: str, *, actor: User | None, actor_role: str, **fields
            ) -> PairEvent:
    return PairEvent.objects.create(organization_id=pair.organization_id, pair=pair, kind=kind,
                                    actor=actor, actor_role=actor_role, **fields)


def _copy_back(source: Pair, target: Pair) -> Pair:
    """The caller's instance shows the change too (no second query)."""
    if target is not source:
        for field in Pair._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))
    return target


def _pair_link(pair: Pair) -> str:
    slug = pair.cohort.organization.slug
    return (optional_url("sessions:workspace", org_slug=slug, pair_pk=pair.pk)
            or reverse("matching:my_pairs", kwargs={"org_slug": slug}))


def _tell(pair: Pair, event: PairEvent, people: Iterable[Participant], *, headline: str,
          lines: Iterable[str] = ()) -> int:
    """Email ``people`` of the pair about ``event`` (one key per event and person);
    ``{partner}`` in ``headline`` becomes the reader's partner's name."""
    drafts = []
    for person in people:
        user = person.membership.user
        partner = (pair.mentee if person.pk == pair.mentor_id else pair.mentor) \
            .membership.user.display_name
        drafts.append(NotificationDraft(
            recipient=user, email=user.email, key=f"{LIFECYCLE_KIND}:{pair.pk}:{event.pk}:"
                                                  f"{person.pk}",
            link=_pair_link(pair),
            context={"name": user.display_name, "partner": partner,
                     "program": pair.cohort.program.name,
                     "headline": headline.replace("{partner}", partner),
                     "lines": list(lines)},
        ))
    return notifications_enqueue_bulk(organization=pair.cohort.organization, kind=LIFECYCLE_KIND,
                                      template="matching/email/lifecycle", drafts=drafts)


def _other(pair: Pair, side: str) -> list[Participant]:
    """The people to tell about a change made by ``side`` (the partner; both when HR)."""
    if side == PairEventActor.MENTOR:
        return [pair.mentee]
    if side == PairEventActor.MENTEE:
        return [pair.mentor]
    return [pair.mentor, pair.mentee]


def _who(pair: Pair, side: str) -> str:
    if side == PairEventActor.MENTOR:
        return pair.mentor.membership.user.display_name
    if side == PairEventActor.MENTEE:
        return pair.mentee.membership.user.display_name
    return "Your HR team"


def _pending_prefixes(pair_ids: Iterable[int]) -> list[str]:
    return [f"{kind}:{pk}:" for pk in pair_ids
            for kind in ("pair_introduction", NUDGE_KIND, LIFECYCLE_KIND)]


# --- pause and resume --------------------------------------------------------------------------

@transaction.atomic
def pair_pause(*, pair: Pair, actor: User, until: date, note: str = "",
               as_admin: bool = False) -> Pair:
    """Pause an active pair until ``until`` (its return date: after today, at most
    PAUSE_MAX_DAYS ahead, not after the pair's last day). While paused no meeting is
    expected; the daily task resumes it on the return date. By either person, or by HR
    (``as_admin``)."""
    locked = _lock(pair)
    side = _person_or_admin(locked, actor, as_admin=as_admin)
    _require_live(locked, "paused")
    if locked.status == PairStatus.PAUSED:
        raise ValidationError(f"This pair is already paused until {locked.paused_until:%d %b %Y}"
                              ". Resume it first to set another return date.")
    note = _clean_note(note)
    today = organization_today(locked.cohort.organization)
    if not isinstance(until, date):
        raise ValidationError({"until": "Give the return date as a date, e.g. 2027-03-01."})
    if until <= today:
        raise ValidationError({"until": "The return date must be after today."})
    if until > today + timedelta(days=PAUSE_MAX_DAYS):
        raise ValidationError({"until": f"Pause for at most {PAUSE_MAX_DAYS} days (until "
                                        f"{today + timedelta(days=PAUSE_MAX_DAYS):%d %b %Y}); "
                                        "end the pair instead if it will not meet again."})
    if until > locked.runs_until:
        raise ValidationError({"until": f"The return date must be on or before the pair's "
                                        f"last day, {locked.runs_until:%d %b %Y}."})
    locked.status, locked.paused_until, locked.paused_at = PairStatus.PAUSED, until, timezone.now()
    locked.save(update_fields=["status", "paused_until", "paused_at"])
    event = _record(locked, PairEventKind.PAUSED, actor=actor, actor_role=side, note=note,
                    paused_until=until)
    _tell(locked, event, _other(locked, side),
          headline=f"{_who(locked, side)} paused your mentoring pair until {until:%A %d %B %Y}.",
          lines=["No meeting is expected until then; the pair picks up again on that day."])
    return _copy_back(locked, pair)


def _resume(locked: Pair, *, today: date) -> None:
    paused_on = _local_date(locked.paused_at, locked.cohort.organization) \
        if locked.paused_at else today
    locked.paused_days += max(0, (today - paused_on).days)
    locked.status, locked.paused_until, locked.paused_at = PairStatus.ACTIVE, None, None
    locked.resumed_at = timezone.now()
    locked.save(update_fields=["status", "paused_until", "paused_at", "paused_days",
                               "resumed_at"])


@transaction.atomic
def pair_resume(*, pair: Pair, actor: User, note: str = "", as_admin: bool = False) -> Pair:
    """End a pause before its return date (either person, or HR with ``as_admin``)."""
    locked = _lock(pair)
    side = _person_or_admin(locked, actor, as_admin=as_admin)
    _require_live(locked, "resumed")
    if locked.status != PairStatus.PAUSED:
        raise ValidationError("This pair is not paused.")
    note = _clean_note(note)
    _resume(locked, today=organization_today(locked.cohort.organization))
    event = _record(locked, PairEventKind.RESUMED, actor=actor, actor_role=side, note=note)
    _tell(locked, event, _other(locked, side),
          headline=f"{_who(locked, side)} resumed your mentoring pair.",
          lines=["Agree on your next meeting soon."])
    return _copy_back(locked, pair)


def pairs_resume_due(*, organization, today: date | None = None) -> list[int]:
    """Resume the organization's paused pairs whose return date has come (the daily task;
    in the open tenant scope). Idempotent: a resumed pair is no longer paused."""
    today = today or organization_today(organization)
    resumed = []
    due = Pair.objects.filter(status=PairStatus.PAUSED, paused_until__lte=today) \
        .values_list("pk", flat=True).order_by("pk")
    for pair_id in list(due[:1000]):
        with transaction.atomic():
            locked = _lock(Pair(pk=pair_id))
            if locked.status != PairStatus.PAUSED or locked.paused_until > today:
                continue
            _resume(locked, today=today)
            event = _record(locked, PairEventKind.RESUMED, actor=None,
                            actor_role=PairEventActor.SYSTEM, note="The return date came.")
            _tell(locked, event, [locked.mentor, locked.mentee],
                  headline="Your mentoring pair is back from its pause today.",
                  lines=["Agree on your next meeting soon."])
            resumed.append(pair_id)
    return resumed


# --- ending ------------------------------------------------------------------------------------

@transaction.atomic
def pair_request_end(*, pair: Pair, actor: User, reason: str, note: str = "") -> Pair:
    """One of the pair asks HR to end it, with a reason ("other" needs a note). The pair
    goes on until HR confirms; the partner is not told the reason."""
    locked = _lock(pair)
    side = _require_person(locked, actor)
    _require_live(locked, "ended")
    if locked.has_end_request:
        raise ValidationError(f"Ending this pair was already asked on "
                              f"{locked.end_requested_at:%d %b %Y}; HR will confirm it.")
    reason = _clean_reason(reason)
    note = _clean_note(note, required=reason == PairEndReason.OTHER,
                       what="Say why you want to end the pair")
    locked.end_requested_at = timezone.now()
    locked.end_requested_by = locked.mentor if side == PairEventActor.MENTOR else locked.mentee
    locked.end_request_reason = reason
    locked.save(update_fields=["end_requested_at", "end_requested_by", "end_request_reason"])
    _record(locked, PairEventKind.END_REQUESTED, actor=actor, actor_role=side, reason=reason,
            note=note)
    return _copy_back(locked, pair)


def _clear_request(pair: Pair) -> None:
    pair.end_requested_at, pair.end_requested_by, pair.end_request_reason = None, None, ""


@transaction.atomic
def pair_withdraw_end_request(*, pair: Pair, actor: User, note: str = "") -> Pair:
    """The person who asked to end the pair takes it back."""
    locked = _lock(pair)
    side = _require_person(locked, actor)
    _require_live(locked, "changed")
    if not locked.has_end_request:
        raise ValidationError("Nobody has asked to end this pair.")
    if locked.end_requested_by is None or \
            locked.end_requested_by.membership.user_id != actor.pk:
        raise PermissionDenied("Only the person who asked to end the pair can withdraw it.")
    note = _clean_note(note)
    _clear_request(locked)
    locked.save(update_fields=["end_requested_at", "end_requested_by", "end_request_reason"])
    _record(locked, PairEventKind.END_REQUEST_WITHDRAWN, actor=actor, actor_role=side,
            note=note)
    return _copy_back(locked, pair)


@transaction.atomic
def pair_decline_end_request(*, pair: Pair, actor: User, note: str = "") -> Pair:
    """HR keeps the pair going although one of them asked to end it (say why)."""
    locked = _lock(pair)
    side = _require_admin(locked, actor)
    _require_live(locked, "changed")
    if not locked.has_end_request:
        raise ValidationError("Nobody has asked to end this pair.")
    note = _clean_note(note, required=True, what="Tell them why the pair goes on")
    requester = locked.end_requested_by
    _clear_request(locked)
    locked.save(update_fields=["end_requested_at", "end_requested_by", "end_request_reason"])
    event = _record(locked, PairEventKind.END_REQUEST_DECLINED, actor=actor, actor_role=side,
                    note=note)
    if requester is not None:
        _tell(locked, event, [requester],
              headline="Your HR team would like your mentoring pair to go on for now.",
              lines=[note])
    return _copy_back(locked, pair)


def _mark_ended(locked: Pair, *, reason: str, actor: User | None) -> None:
    """Mark ``locked`` ended, withdraw its pending emails and tell the apps above."""
    organization = locked.cohort.organization
    today = organization_today(organization)
    if locked.status == PairStatus.PAUSED and locked.paused_at:
        locked.paused_days += max(0, (today - _local_date(locked.paused_at, organization)).days)
    locked.status, locked.end_reason, locked.ended_by = PairStatus.ENDED, reason, actor
    locked.ended_at = timezone.now()
    locked.paused_until = locked.paused_at = None
    _clear_request(locked)
    locked.save(update_fields=["status", "end_reason", "ended_by", "ended_at", "paused_until",
                               "paused_at", "paused_days", "end_requested_at",
                               "end_requested_by", "end_request_reason"])
    notifications_withdraw_pending(organization=organization,
                                   key_prefixes=_pending_prefixes([locked.pk]),
                                   why=f"the pair ended ({PairEndReason(reason).label}).")
    pair_ended.send(sender=Pair, pair_ids=[locked.pk], reason=reason, actor=actor)


def _ended_headline(reason: str) -> str:
    return (f"Your mentoring pair with {{partner}} has ended: "
            f"{str(PairEndReason(reason).label).lower()}.")


ENDED_LINES = ["Thank you for the time you gave each other. What you recorded stays readable "
               "in Flipside."]


def _end(locked: Pair, *, reason: str, actor: User | None, actor_role: str, note: str = "",
         data: dict | None = None) -> PairEvent:
    """End ``locked``, record it and tell both people."""
    _mark_ended(locked, reason=reason, actor=actor)
    event = _record(locked, PairEventKind.ENDED, actor=actor, actor_role=actor_role,
                    reason=reason, note=note, data=data or {})
    _tell(locked, event, [locked.mentor, locked.mentee], headline=_ended_headline(reason),
          lines=ENDED_LINES)
    return event


@transaction.atomic
def pair_confirm_end(*, pair: Pair, actor: User, note: str = "") -> Pair:
    """HR confirms a request to end the pair: it ends with the requested reason."""
    locked = _lock(pair)
    side = _require_admin(locked, actor)
    _require_live(locked, "ended")
    if not locked.has_end_request:
        raise ValidationError("Nobody has asked to end this pair: end it with a reason instead.")
    note = _clean_note(note)
    requested_by = locked.end_requested_by_id
    _end(locked, reason=locked.end_request_reason, actor=actor, actor_role=side, note=note,
         data={"requested_by": requested_by})
    return _copy_back(locked, pair)


@transaction.atomic
def pair_end(*, pair: Pair, actor: User, reason: str, note: str = "") -> Pair:
    """HR ends a live pair with a reason ("other" needs a note)."""
    locked = _lock(pair)
    side = _require_admin(locked, actor)
    _require_live(locked, "ended")
    reason = _clean_reason(reason)
    note = _clean_note(note, required=reason == PairEndReason.OTHER,
                       what="Say why the pair ends")
    _end(locked, reason=reason, actor=actor, actor_role=side, note=note)
    return _copy_back(locked, pair)


def _end_many(pairs: list[Pair], *, reason: str, actor: User | None, actor_role: str,
              note: str) -> list[int]:
    """End many live pairs at once (cohort completed, participant withdrawn): a fixed number
    of queries per 100 pairs, whatever their number; no email (the cause is told already)."""
    if not pairs:
        return []
    organization = pairs[0].cohort.organization
    now, today = timezone.now(), organization_today(organization)
    for pair in pairs:
        if pair.status == PairStatus.PAUSED and pair.paused_at:
            pair.paused_days += max(0, (today - _local_date(pair.paused_at, organization)).days)
        pair.status, pair.end_reason, pair.ended_by, pair.ended_at = (
            PairStatus.ENDED, reason, actor, now)
        pair.paused_until = pair.paused_at = None
        _clear_request(pair)
    Pair.objects.bulk_update(pairs, ["status", "end_reason", "ended_by", "ended_at",
                                     "paused_until", "paused_at", "paused_days",
                                     "end_requested_at", "end_requested_by",
                                     "end_request_reason"], batch_size=500)
    PairEvent.objects.bulk_create([
        PairEvent(organization_id=pair.organization_id, pair=pair, kind=PairEventKind.ENDED,
                  actor=actor, actor_role=actor_role, reason=reason, note=note, at=now)
        for pair in pairs], batch_size=500)
    ids = [pair.pk for pair in pairs]
    notifications_withdraw_pending(organization=organization, key_prefixes=_pending_prefixes(ids),
                                   why=f"the pair ended ({PairEndReason(reason).label}).")
    pair_ended.send(sender=Pair, pair_ids=ids, reason=reason, actor=actor)
    return ids


def pairs_close_for_cohort(*, cohort: Cohort, actor: User | None) -> list[int]:
    """The cohort completed: its live pairs end with "cohort completed", except those
    extended past today (they end when their extension does)."""
    today = organization_today(cohort.organization)
    pairs = list(Pair.objects.select_for_update(of=("self",)).select_related(
        "cohort__organization").filter(cohort=cohort, status__in=LIVE_PAIR_STATUSES)
        .exclude(extended_until__gt=today).order_by("pk"))
    return _end_many(pairs, reason=PairEndReason.COHORT_COMPLETED, actor=actor,
                     actor_role=PairEventActor.ADMIN if actor else PairEventActor.SYSTEM,
                     note="The cohort was marked completed.")


def pairs_close_expired_extensions(*, organization, today: date | None = None) -> list[int]:
    """End the extended pairs of completed cohorts whose extension is over (the daily task,
    in the open tenant scope)."""
    today = today or organization_today(organization)
    with transaction.atomic():
        pairs = list(Pair.objects.select_for_update(of=("self",)).select_related(
            "cohort__organization").filter(
            status__in=LIVE_PAIR_STATUSES, extended_until__lt=today,
            cohort__status__in=[CohortStatus.COMPLETED, CohortStatus.ARCHIVED]).order_by("pk"))
        return _end_many(pairs, reason=PairEndReason.COHORT_COMPLETED, actor=None,
                         actor_role=PairEventActor.SYSTEM,
                         note="The extension past the cohort's end is over.")


def pairs_end_for_withdrawn(*, participant: Participant, actor: User | None) -> list[int]:
    """HR withdrew ``participant``: their live pairs end with "participant withdrawn"; their
    partners are told and can be paired again."""
    pairs = list(Pair.objects.select_for_update(of=("self",)).select_related(*PAIR_RELATED)
                 .filter(Q(mentor=participant) | Q(mentee=participant),
                         status__in=LIVE_PAIR_STATUSES).order_by("pk"))
    ids = _end_many(pairs, reason=PairEndReason.PARTICIPANT_WITHDRAWN, actor=actor,
                    actor_role=PairEventActor.ADMIN if actor else PairEventActor.SYSTEM,
                    note="The participant was withdrawn from the cohort.")
    events = {event.pair_id: event for event in PairEvent.objects.filter(
        pair_id__in=ids, kind=PairEventKind.ENDED, reason=PairEndReason.PARTICIPANT_WITHDRAWN)}
    for pair in pairs:
        partner = pair.mentee if pair.mentor_id == participant.pk else pair.mentor
        _tell(pair, events[pair.pk], [partner],
              headline="Your mentoring partner has left the program, so your pair has ended.",
              lines=["Your HR team will be in touch about a new partner."])
    return ids


# --- extend and nudge --------------------------------------------------------------------------

@transaction.atomic
def pair_extend(*, pair: Pair, actor: User, until: date, note: str = "") -> Pair:
    """HR lets a live pair go on past the cohort's end date until ``until``: it is not closed
    when the cohort completes (a later date may be set again)."""
    locked = _lock(pair)
    side = _require_admin(locked, actor)
    _require_live(locked, "extended")
    note = _clean_note(note)
    cohort = locked.cohort
    today = organization_today(cohort.organization)
    if not isinstance(until, date):
        raise ValidationError({"until": "Give the last day as a date, e.g. 2027-09-30."})
    if until <= cohort.end_date:
        raise ValidationError({"until": f"An extension goes past the cohort's end "
                                        f"({cohort.end_date:%d %b %Y}): choose a later day."})
    if until <= today:
        raise ValidationError({"until": "The extension must end after today."})
    limit = cohort.end_date + timedelta(days=EXTEND_MAX_DAYS)
    if until > limit:
        raise ValidationError({"until": f"Extend by at most {EXTEND_MAX_DAYS} days past the "
                                        f"cohort's end (until {limit:%d %b %Y})."})
    if locked.paused_until and until < locked.paused_until:
        raise ValidationError({"until": f"The pair is paused until "
                                        f"{locked.paused_until:%d %b %Y}: extend it past that."})
    locked.extended_until = until
    locked.save(update_fields=["extended_until"])
    event = _record(locked, PairEventKind.EXTENDED, actor=actor, actor_role=side, note=note,
                    extended_until=until)
    _tell(locked, event, [locked.mentor, locked.mentee],
          headline=f"Your mentoring pair goes on past the end of the cohort, until "
                   f"{until:%A %d %B %Y}.")
    return _copy_back(locked, pair)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@transaction.atomic
def pair_nudge(*, pair: Pair, actor: User) -> Pair:
    """HR reminds both people of an active pair to meet: one email each, at most once per
    pair and ISO week (the organization's week; the outbox keys carry the week too, so a
    retry never sends twice)."""
    locked = _lock(pair)
    side = _require_admin(locked, actor)
    _require_live(locked, "nudged")
    if locked.status == PairStatus.PAUSED:
        raise ValidationError(f"This pair is paused until {locked.paused_until:%d %b %Y}: nudge "
                              "it once it is back.")
    organization = locked.cohort.organization
    today = organization_today(organization)
    week = iso_week(today)
    if locked.last_nudged_at and iso_week(_local_date(locked.last_nudged_at,
                                                      organization)) == week:
        monday = today + timedelta(days=7 - today.weekday())
        raise ValidationError(f"This pair was already nudged this week (on "
                              f"{_local_date(locked.last_nudged_at, organization):%A %d %b}). "
                              f"You can nudge it again from Monday {monday:%d %b}.")
    locked.last_nudged_at = timezone.now()
    locked.save(update_fields=["last_nudged_at"])
    _record(locked, PairEventKind.NUDGED, actor=actor, actor_role=side, data={"week": week})
    drafts = []
    link = _pair_link(locked)
    for person, partner in ((locked.mentor, locked.mentee), (locked.mentee, locked.mentor)):
        user = person.membership.user
        drafts.append(NotificationDraft(
            recipient=user, email=user.email, key=f"{NUDGE_KIND}:{locked.pk}:{week}:{person.pk}",
            link=link, context={"name": user.display_name,
                                "partner": partner.membership.user.display_name,
                                "program": locked.cohort.program.name,
                                "cadence_days": locked.cohort.cadence_days}))
    notifications_enqueue_bulk(organization=organization, kind=NUDGE_KIND,
                               template="matching/email/nudge", drafts=drafts)
    return _copy_back(locked, pair)


# --- re-pairing --------------------------------------------------------------------------------

def repair_plan(*, pair: Pair, new_mentor: Participant | None,
                new_mentee: Participant | None) -> list[tuple[Participant, Participant]]:
    """The new (mentor, mentee) pairs of a re-pairing: the mentee with ``new_mentor``, the
    mentor with ``new_mentee`` (either may be left out, not both)."""
    if new_mentor is None and new_mentee is None:
        raise ValidationError(
            f"Choose a new mentor for {pair.mentee.membership.user.display_name}, a new mentee "
            f"for {pair.mentor.membership.user.display_name}, or both.")
    plan = []
    if new_mentor is not None:
        if new_mentor.pk == pair.mentor_id:
            raise ValidationError({"mentor": "Choose another mentor: this one is the pair's "
                                             "own."})
        plan.append((new_mentor, pair.mentee))
    if new_mentee is not None:
        if new_mentee.pk == pair.mentee_id:
            raise ValidationError({"mentee": "Choose another mentee: this one is the pair's "
                                             "own."})
        plan.append((pair.mentor, new_mentee))
    return plan


def repair_assess(*, pair: Pair, new_mentor: Participant | None,
                  new_mentee: Participant | None
                  ) -> list[tuple[Participant, Participant, decisions.PairAssessment]]:
    """The live score, explanation and broken rules of each new pair, as the matching review
    shows them (the same assessment as a manual pair). Changes nothing."""
    return [(mentor, mentee, decisions.pair_assess(cohort=pair.cohort, mentor=mentor,
                                                   mentee=mentee))
            for mentor, mentee in repair_plan(pair=pair, new_mentor=new_mentor,
                                              new_mentee=new_mentee)]


@transaction.atomic
def pair_repair(*, pair: Pair, actor: User, new_mentor: Participant | None = None,
                new_mentee: Participant | None = None, override_reason: str = "",
                note: str = "") -> list[Pair]:
    """HR ends the pair ("re-paired") and pairs each person again: the mentee with
    ``new_mentor``, the mentor with ``new_mentee`` (either may wait). Each new pair is
    assessed live; one that breaks a rule needs ``override_reason``. The new pairs are
    introduced by email and remember the pair they replace. All or nothing."""
    locked = _lock(pair)
    side = _require_admin(locked, actor)
    _require_live(locked, "re-paired")
    cohort = locked.cohort
    if cohort.status != CohortStatus.ACTIVE:
        raise ValidationError(f"Re-pairing needs an active cohort; this one is "
                              f"{cohort.get_status_display().lower()}.")
    note = _clean_note(note)
    for person in (new_mentor, new_mentee):
        if person is not None and person.cohort_id != cohort.pk:
            raise ValidationError("Both new people must be participants of this cohort.")
    assessed = repair_assess(pair=locked, new_mentor=new_mentor, new_mentee=new_mentee)
    broken = [rule for _, _, assessment in assessed for rule in assessment.broken_rules]
    if broken and not override_reason.strip():
        raise ValidationError({"override_reason": "A new pair breaks a rule (" + "; ".join(
            broken) + "). Give an override reason to re-pair anyway."})
    if new_mentor is not None:
        load = Pair.objects.filter(cohort=cohort, mentor=new_mentor,
                                   status__in=LIVE_PAIR_STATUSES).count()
        new_mentor.cohort = cohort
        if load >= new_mentor.effective_capacity:
            raise ValidationError({"mentor": f"{new_mentor.membership.user.display_name} "
                                             f"already has {load} mentee(s), their full "
                                             "capacity."})
    _mark_ended(locked, reason=PairEndReason.RE_PAIRED, actor=actor)
    created = []
    for mentor, mentee, _ in assessed:
        new_pair = publishing.pair_create_manual(
            cohort=cohort, mentor=mentor, mentee=mentee, actor=actor,
            override_reason=override_reason if broken else "")
        new_pair.repaired_from = locked
        new_pair.save(update_fields=["repaired_from"])
        _record(new_pair, PairEventKind.STARTED_BY_REPAIR, actor=actor, actor_role=side,
                data={"from_pair": locked.pk})
        created.append(new_pair)
    event = _record(locked, PairEventKind.ENDED, actor=actor, actor_role=side,
                    reason=PairEndReason.RE_PAIRED, note=note,
                    data={"new_pairs": [p.pk for p in created]})
    left_alone = [person for person, replaced in ((locked.mentor, new_mentee),
                                                   (locked.mentee, new_mentor))
                  if replaced is None]
    if left_alone:
        _tell(locked, event, left_alone, headline=_ended_headline(PairEndReason.RE_PAIRED),
              lines=["Your HR team is finding you a new partner."])
    _copy_back(locked, pair)
    return created


# --- inactive pairs (the reminder scans of sessions/reminders.py) ------------------------------

@transaction.atomic
def pair_close_inactive(*, pair: Pair, last_activity: datetime) -> bool:
    """Close a pair that stayed inactive after its warning (reason "inactive"), unless it is
    no longer active or someone acted after ``last_activity`` (what the warning was about):
    the caller passes the activity it saw, and the pair's own lifecycle events since then
    (a resume, an extension) count as acting. Both people are told. Returns whether it closed.
    """
    locked = _lock(pair)
    if locked.status != PairStatus.ACTIVE:
        return False
    if PairEvent.objects.filter(pair=locked, at__gt=last_activity).exclude(
            kind=PairEventKind.NUDGED).exists():
        return False
    _end(locked, reason=PairEndReason.INACTIVE, actor=None, actor_role=PairEventActor.SYSTEM,
         note="No activity since the warning.")
    _copy_back(locked, pair)
    return True
