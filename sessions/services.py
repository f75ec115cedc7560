"""Writes for the pair's workspace: one function per use case, keyword-only, transactional.

Every service checks that the acting participant is one of the two people of the pair, that
the pair can still be changed (:func:`sessions.selectors.pair_is_writable`) and that every row
it links belongs to the pair's organization. Bad input raises Django's ``ValidationError``
(field keys where there is a field); the web views show it next to the field and the API turns
it into a 400 (``core/api_errors.py``).

Calendar invitations: scheduling, rescheduling, changing the details of an upcoming session
and cancelling it each store a :class:`~sessions.models.CalendarInvite` with the session's next
SEQUENCE and queue one email per person through the outbox, with the ``.ics`` attached when it
is sent (``sessions.apps`` registers the attachment).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.notifications import notification_enqueue, notifications_withdraw_pending
from core.tenancy import organization_scope
from matching.models import Pair, PairStatus
from programs.markdown import render_markdown_text
from programs.models import Participant, ParticipantRole, Topic
from sessions import selectors
from sessions.calendar import Attendee, Invitation, build_ics
from sessions.models import (
    LOGGED_STATUSES,
    ActionItem,
    CalendarInvite,
    ChangeKind,
    Commitment,
    CommitmentOutcome,
    Goal,
    GoalStatus,
    GoalTopic,
    GoalUpdate,
    InviteMethod,
    MentoringSession,
    PrivateNote,
    SessionChange,
    SessionFormat,
    SessionRating,
    SessionStatus,
    SessionTopic,
)
from sessions.signals import session_rated
from sessions.slots import zone

logger = logging.getLogger(__name__)

INVITATION_KIND = "session_invitation"
CHECK_IN_KIND = "commitment_check_in"


# --- guards ----------------------------------------------------------------------------------

def _require_person_of(pair: Pair, participant: Participant) -> None:
    if participant.pk not in (pair.mentor_id, pair.mentee_id) or \
            participant.organization_id != pair.organization_id:
        raise ValidationError("Only the two people of a pair can do this.")


def _require_writable(pair: Pair) -> None:
    if not selectors.pair_is_writable(pair):
        raise ValidationError("This pair is no longer active: its history stays readable, "
                              "but nothing can be added or changed.")


def _guard(pair: Pair, actor: Participant) -> None:
    _require_person_of(pair, actor)
    _require_writable(pair)


def _lock_pair(pair: Pair) -> None:
    """Serialise the writes of one pair (two people booking the same slot at once)."""
    list(Pair.objects.select_for_update(of=("self",)).filter(pk=pair.pk)
         .values_list("pk", flat=True))


def _clean(instance, exclude: Sequence[str] = ()) -> None:
    instance.full_clean(exclude=[*exclude, "organization"], validate_unique=False)


def _topics_of(pair: Pair, topics: Iterable[Topic]) -> list[Topic]:
    chosen = list(dict.fromkeys(topics))
    if any(topic.organization_id != pair.organization_id for topic in chosen):
        raise ValidationError({"topics": "Choose topics of your organization's list."})
    return chosen


def _today_of(participant: Participant, pair: Pair, now: datetime) -> date:
    """Today in the participant's own time zone."""
    tz = selectors.time_zone_of(participant, pair.cohort.organization)
    return now.astimezone(zone(tz)).date()


def _record(session: MentoringSession, actor: Participant | None, kind: str,
            changes: list[dict] | None = None) -> None:
    SessionChange.objects.create(organization_id=session.organization_id, session=session,
                                 actor=actor, kind=kind, changes=changes or [])


def _diff(session: MentoringSession, values: dict) -> list[dict]:
    """``{"field", "old", "new"}`` for each changed field (long texts only flagged)."""
    changes = []
    for name, new in values.items():
        old = getattr(session, name)
        if old == new:
            continue
        if name in ("agenda", "summary"):
            changes.append({"field": name, "old": "", "new": "changed"})
        elif isinstance(new, datetime):
            changes.append({"field": name, "old": old.isoformat() if old else "",
                            "new": new.isoformat()})
        else:
            changes.append({"field": name, "old": "" if old is None else str(old),
                            "new": "" if new is None else str(new)})
    return changes


def _check_time(*, pair: Pair, starts_at: datetime, minutes: int, suggested: bool,
                exclude_session_pk: int | None, now: datetime) -> None:
    if starts_at <= now:
        raise ValidationError({"starts_at": "Choose a time in the future. To record a meeting "
                                            "that already took place, log it instead."})
    if suggested and not selectors.slot_is_free(pair=pair, start=starts_at, minutes=minutes,
                                                exclude_session_pk=exclude_session_pk):
        raise ValidationError({"starts_at": "That time is no longer free for both of you: "
                                            "one of you booked another session then or "
                                            "changed their availability. Pick another of the "
                                            "suggested times."})
    if selectors.clashes_with_booked(pair=pair, start=starts_at, minutes=minutes,
                                     exclude_session_pk=exclude_session_pk):
        raise ValidationError({"starts_at": "That time overlaps another session one of you "
                                            "has booked. Choose another time."})


# --- calendar invitations --------------------------------------------------------------------

def _session_link(session: MentoringSession) -> str:
    return reverse("sessions:session_detail", kwargs={
        "org_slug": session.pair.cohort.organization.slug, "pair_pk": session.pair_id,
        "session_pk": session.pk})


def invitation_for(session: MentoringSession, *, method: str,
                   stamp: datetime | None = None) -> Invitation:
    """The calendar invitation of the session as it is now (sequence included)."""
    pair = session.pair
    mentor, mentee = pair.mentor, pair.mentee
    organizer = session.created_by or mentee
    people = tuple(Attendee(p.membership.user.display_name, p.membership.user.email)
                   for p in (mentor, mentee))
    link = f"{settings.FLIPSIDE_SITE_URL}{_session_link(session)}"
    agenda = render_markdown_text(session.agenda) if session.agenda else ""
    description = "\n\n".join(part for part in (
        f"Mentoring session of {mentor.membership.user.display_name} and "
        f"{mentee.membership.user.display_name} ({pair.cohort.program.name}).",
        f"Agenda:\n{agenda}" if agenda else "",
        f"Join: {session.meeting_url}" if session.meeting_url else "",
        f"Your pair's page: {link}") if part)
    location = session.location or session.meeting_url
    return Invitation(
        uid=f"{session.uid}@flipside", sequence=session.sequence, method=method,
        starts_at=session.starts_at, minutes=session.duration_minutes,
        summary=f"Mentoring: {mentor.membership.user.display_name} & "
                f"{mentee.membership.user.display_name}",
        description=description, location=location, url=link,
        organizer=Attendee(organizer.membership.user.display_name,
                           organizer.membership.user.email),
        attendees=people, stamp=stamp or timezone.now())


def _invite(session: MentoringSession, *, method: str, what: str,
            actor: Participant | None, extra: dict | None = None) -> CalendarInvite:
    """Store the invitation of the session's current sequence and email it to both
    (``extra`` adds to the email's context)."""
    invite = CalendarInvite.objects.create(
        organization_id=session.organization_id, session=session, sequence=session.sequence,
        method=method, ics=build_ics(invitation_for(session, method=method)))
    pair = session.pair
    organization = pair.cohort.organization
    link = _session_link(session)
    for me, partner in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        user = me.membership.user
        tz = selectors.time_zone_of(me, organization)
        notification_enqueue(
            organization=organization, recipient=user, email=user.email, kind=INVITATION_KIND,
            key=f"{INVITATION_KIND}:{invite.pk}:{me.pk}", template="sessions/email/invitation",
            link=link, context={
                "name": user.display_name, "partner": partner.membership.user.display_name,
                "actor": actor.membership.user.display_name if actor else "", "what": what,
                "cancelled": method == InviteMethod.CANCEL,
                "when": selectors.local_label(session.starts_at, session.duration_minutes, tz),
                "format": session.get_format_display(), "location": session.location,
                "meeting_url": session.meeting_url, "agenda": session.agenda,
                "program": pair.cohort.program.name, **(extra or {}),
            })
    return invite


def invitation_attachments(notification: Notification) -> list[tuple[str, str, str]]:
    """The ``.ics`` an invitation email carries: the invite stored when it was queued.

    Called by the outbox when it sends (outside any tenant scope): the scope of the
    notification's organization is opened here, and the invite is looked up in it only."""
    try:
        invite_pk = int(notification.key.split(":")[1])
    except (IndexError, ValueError):
        return []
    with organization_scope(notification.organization):
        invite = CalendarInvite.objects.filter(pk=invite_pk).first()
    if invite is None:
        return []
    name = "cancelled-session.ics" if invite.method == InviteMethod.CANCEL else "session.ics"
    return [(name, invite.ics, "text/calendar")]


# --- scheduling ------------------------------------------------------------------------------

@transaction.atomic
def session_schedule(*, pair: Pair, actor: Participant, starts_at: datetime,
                     duration_minutes: int, format: str = SessionFormat.VIDEO,
                     location: str = "", meeting_url: str = "", agenda: str = "",
                     suggested: bool = False, now: datetime | None = None) -> MentoringSession:
    """Plan a session and email both people the calendar invitation. A time picked from the
    suggestions must still be free for both (availability and other sessions); any time
    must not overlap another session either of them has booked."""
    _guard(pair, actor)
    _lock_pair(pair)
    now = now or timezone.now()
    session = MentoringSession(
        organization_id=pair.organization_id, pair=pair, starts_at=starts_at,
        duration_minutes=duration_minutes, format=format, location=location.strip(),
        meeting_url=meeting_url.strip(), agenda=agenda.strip(), created_by=actor)
    _clean(session, exclude=["pair", "created_by"])
    _check_time(pair=pair, starts_at=starts_at, minutes=duration_minutes, suggested=suggested,
                exclude_session_pk=None, now=now)
    session.save()
    session.pair = pair
    _record(session, actor, ChangeKind.SCHEDULED,
            [{"field": "starts_at", "old": "", "new": starts_at.isoformat()}])
    _invite(session, method=InviteMethod.REQUEST, what="scheduled", actor=actor)
    return session


def _locked_session(session: MentoringSession) -> MentoringSession:
    locked = MentoringSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
    locked.pair = session.pair
    return locked


def _require_scheduled(session: MentoringSession, doing: str) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(f"Only a scheduled session can be {doing}; this one is "
                              f"{session.get_status_display().lower()}.")


@transaction.atomic
def session_reschedule(*, session: MentoringSession, actor: Participant, starts_at: datetime,
                       duration_minutes: int, suggested: bool = False,
                       now: datetime | None = None) -> MentoringSession:
    """Move a scheduled session; both get an updated invitation (same UID, higher
    SEQUENCE). The same time and length changes nothing."""
    pair = session.pair
    _guard(pair, actor)
    session = _locked_session(session)
    _require_scheduled(session, "rescheduled")
    now = now or timezone.now()
    changes = _diff(session, {"starts_at": starts_at, "duration_minutes": duration_minutes})
    if not changes:
        return session
    session.starts_at, session.duration_minutes = starts_at, duration_minutes
    _clean(session, exclude=["pair", "created_by", "cancelled_by", "logged_by"])
    _check_time(pair=pair, starts_at=starts_at, minutes=duration_minutes, suggested=suggested,
                exclude_session_pk=session.pk, now=now)
    session.sequence += 1
    session.save()
    _record(session, actor, ChangeKind.RESCHEDULED, changes)
    _invite(session, method=InviteMethod.REQUEST, what="rescheduled", actor=actor)
    return session


@transaction.atomic
def session_update_details(*, session: MentoringSession, actor: Participant, format: str,
                           location: str = "", meeting_url: str = "", agenda: str = "",
                           now: datetime | None = None) -> MentoringSession:
    """Change how and where a session happens and its agenda. An upcoming scheduled session
    sends both an updated invitation."""
    pair = session.pair
    _guard(pair, actor)
    session = _locked_session(session)
    now = now or timezone.now()
    values = {"format": format, "location": location.strip(),
              "meeting_url": meeting_url.strip(), "agenda": agenda.strip()}
    changes = _diff(session, values)
    if not changes:
        return session
    for name, value in values.items():
        setattr(session, name, value)
    _clean(session, exclude=["pair", "created_by", "cancelled_by", "logged_by"])
    upcoming = session.status == SessionStatus.SCHEDULED and session.ends_at > now
    if upcoming:
        session.sequence += 1
    session.save()
    _record(session, actor, ChangeKind.DETAILS, changes)
    if upcoming:
        _invite(session, method=InviteMethod.REQUEST, what="updated", actor=actor)
    return session


@transaction.atomic
def session_cancel(*, session: MentoringSession, actor: Participant, reason: str = "",
                   now: datetime | None = None) -> MentoringSession:
    """Cancel a scheduled session (by whom is recorded); if it is still ahead, both get a
    cancellation for their calendars (METHOD:CANCEL, same UID, higher SEQUENCE)."""
    pair = session.pair
    _guard(pair, actor)
    session = _locked_session(session)
    _require_scheduled(session, "cancelled")
    now = now or timezone.now()
    reason = reason.strip()
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason under 300 characters."})
    session.status, session.cancelled_by, session.cancel_reason = (
        SessionStatus.CANCELLED, actor, reason)
    ahead = session.ends_at > now
    if ahead:
        session.sequence += 1
    session.save()
    _record(session, actor, ChangeKind.CANCELLED,
            [{"field": "status", "old": SessionStatus.SCHEDULED,
              "new": SessionStatus.CANCELLED}])
    if ahead:
        _invite(session, method=InviteMethod.CANCEL, what="cancelled", actor=actor)
    return session


# --- the pair ended --------------------------------------------------------------------------

def _pending_keys(organization_id: int, kind: str) -> list[tuple[str, int]]:
    """``(key, subject id)`` of the organization's pending emails of ``kind`` whose key is
    ``kind:<subject id>:…`` (pending emails are few: the outbox drains them)."""
    keys = Notification.objects.filter(
        organization_id=organization_id, kind=kind, status=Notification.Status.PENDING,
    ).values_list("key", flat=True)
    found = []
    for key in keys:
        parts = key.split(":")
        if len(parts) >= 3 and parts[1].isdigit():
            found.append((key, int(parts[1])))
    return found


@transaction.atomic
def sessions_withdraw_for_ended_pairs(*, pair_ids: Sequence[int], reason: str,
                                      now: datetime | None = None) -> int:
    """What is pending for pairs that just ended (``matching.signals.pair_ended``, inside the
    ending's transaction and tenant scope):

    - their pending session invitations and commitment check-ins are withdrawn from the outbox
      (they become ``skipped`` with the reason recorded, nobody receives them);
    - their sessions still ahead are cancelled (no one cancelled them: the pair ended, which
      the history records); where an invitation already reached someone's calendar, both get
      the cancellation (METHOD:CANCEL, same UID, higher SEQUENCE) so it leaves their calendars.

    A fixed number of queries for any number of pairs, plus the cancellation emails of the
    sessions ahead whose invitation was sent. Returns how many sessions were cancelled.
    """
    from matching.models import PairEndReason

    pair_ids = list(pair_ids)
    if not pair_ids:
        return 0
    now = now or timezone.now()
    label = str(PairEndReason(reason).label).lower()
    why = f"the pair ended ({label})."
    pairs = list(Pair.objects.filter(pk__in=pair_ids).select_related(*selectors.PAIR_RELATED))
    if not pairs:
        return 0
    organization = pairs[0].cohort.organization
    by_pk = {pair.pk: pair for pair in pairs}

    invitations = _pending_keys(organization.pk, INVITATION_KIND)
    of_pairs = set(CalendarInvite.objects.filter(
        pk__in=[invite_pk for _, invite_pk in invitations], session__pair_id__in=pair_ids,
    ).values_list("pk", flat=True))
    check_ins = _pending_keys(organization.pk, CHECK_IN_KIND)
    commitments = set(Commitment.objects.filter(
        pk__in=[pk for _, pk in check_ins], pair_id__in=pair_ids).values_list("pk", flat=True))
    prefixes = sorted({f"{INVITATION_KIND}:{pk}:" for _, pk in invitations if pk in of_pairs}
                      | {f"{CHECK_IN_KIND}:{pk}:" for _, pk in check_ins if pk in commitments})
    if prefixes:
        notifications_withdraw_pending(organization=organization, key_prefixes=prefixes,
                                       why=why)

    ahead = list(MentoringSession.objects.select_for_update(of=("self",)).filter(
        pair_id__in=pair_ids, status=SessionStatus.SCHEDULED, starts_at__gt=now))
    if not ahead:
        return 0
    pair_of = {session.pk: by_pk[session.pair_id] for session in ahead}
    sent_to = {f"{INVITATION_KIND}:{invite_pk}:{person}": session_id
               for invite_pk, session_id in CalendarInvite.objects.filter(
                   session__in=ahead).values_list("pk", "session_id")
               for person in (pair_of[session_id].mentor_id, pair_of[session_id].mentee_id)}
    reached_sessions = {sent_to[key] for key in Notification.objects.filter(
        organization=organization, status=Notification.Status.SENT, key__in=list(sent_to),
    ).values_list("key", flat=True)}
    for session in ahead:
        session.pair = by_pk[session.pair_id]
        session.status, session.cancelled_by = SessionStatus.CANCELLED, None
        session.cancel_reason, session.updated_at = f"The pair ended ({label}).", now
        if session.pk in reached_sessions:
            session.sequence += 1
    MentoringSession.objects.bulk_update(ahead, ["status", "cancelled_by", "cancel_reason",
                                                 "sequence", "updated_at"])
    SessionChange.objects.bulk_create([
        SessionChange(organization_id=s.organization_id, session=s, actor=None,
                      kind=ChangeKind.CANCELLED,
                      changes=[{"field": "status", "old": SessionStatus.SCHEDULED,
                                "new": SessionStatus.CANCELLED},
                               {"field": "cancel_reason", "old": "", "new": s.cancel_reason}])
        for s in ahead])
    for session in ahead:
        if session.pk in reached_sessions:
            _invite(session, method=InviteMethod.CANCEL, what="cancelled", actor=None,
                    extra={"pair_ended": True})
    return len(ahead)


# --- logging ---------------------------------------------------------------------------------

def _rate(session: MentoringSession, participant: Participant, value: int | None) -> None:
    if value is None:
        return
    if session.status != SessionStatus.HAPPENED:
        raise ValidationError({"rating": "Rate a session once it is logged as happened."})
    if not 1 <= int(value) <= 5:
        raise ValidationError({"rating": "Rate from 1 (not valuable) to 5 (very valuable)."})
    value = int(value)
    previous = SessionRating.objects.filter(session=session, participant=participant) \
        .values_list("value", flat=True).first()
    if previous == value:
        return
    SessionRating.objects.update_or_create(
        session=session, participant=participant,
        defaults={"value": value, "organization_id": session.organization_id})
    session_id, participant_id = session.pk, participant.pk
    transaction.on_commit(lambda: _send_session_rated(session_id=session_id,
                                                      participant_id=participant_id,
                                                      rating=value))


def _send_session_rated(*, session_id: int, participant_id: int, rating: int) -> None:
    """Tell the apps above (feedback) about a rating, after commit (ids only). Robust: the
    rating is saved whatever a receiver does; a failure is logged without the answer."""
    for receiver, result in session_rated.send_robust(
            sender=MentoringSession, session_id=session_id, participant_id=participant_id,
            rating=rating, comment=""):
        if isinstance(result, Exception):
            logger.error("session_rated receiver %r failed for session %s: %s",
                         receiver, session_id, type(result).__name__,
                         exc_info=(type(result), result, result.__traceback__))


def _apply_log(session: MentoringSession, *, actor: Participant, status: str,
               actual_minutes: int | None, topics: list[Topic], summary: str,
               cancelled_by: Participant | None, now: datetime) -> list[dict]:
    if status not in LOGGED_STATUSES:
        raise ValidationError({"status": "Say whether the session happened, was cancelled or "
                                         "someone did not show up."})
    if status == SessionStatus.HAPPENED and session.starts_at > now:
        raise ValidationError({"status": "This session has not started yet: log it once it "
                                         "has taken place."})
    if status != SessionStatus.HAPPENED:
        actual_minutes = None
        topics = []
    if status == SessionStatus.CANCELLED:
        cancelled_by = cancelled_by or actor
        _require_person_of(session.pair, cancelled_by)
    else:
        cancelled_by = None
    changes = _diff(session, {"status": status, "actual_minutes": actual_minutes,
                              "summary": summary.strip()})
    old_topics = sorted(t.name for t in session.topics.all()) if session.pk else []
    new_topics = sorted(t.name for t in topics)
    if old_topics != new_topics:
        changes.append({"field": "topics", "old": ", ".join(old_topics),
                        "new": ", ".join(new_topics)})
    if (session.cancelled_by_id or None) != (cancelled_by.pk if cancelled_by else None):
        changes.append({"field": "cancelled_by", "old": "",
                        "new": cancelled_by.membership.user.display_name if cancelled_by
                        else ""})
    session.status, session.actual_minutes, session.summary = (
        status, actual_minutes, summary.strip())
    session.cancelled_by = cancelled_by
    session.logged_by, session.logged_at = actor, now
    _clean(session, exclude=["pair", "created_by", "cancelled_by", "logged_by"])
    return changes


def _set_topics(session: MentoringSession, topics: list[Topic]) -> None:
    SessionTopic.objects.filter(session=session).exclude(topic__in=topics).delete()
    have = set(SessionTopic.objects.filter(session=session).values_list("topic_id", flat=True))
    SessionTopic.objects.bulk_create([
        SessionTopic(organization_id=session.organization_id, session=session, topic=topic)
        for topic in topics if topic.pk not in have])


@transaction.atomic
def session_log(*, session: MentoringSession, actor: Participant, status: str,
                actual_minutes: int | None = None, topics: Iterable[Topic] = (),
                summary: str = "", cancelled_by: Participant | None = None,
                rating: int | None = None, now: datetime | None = None) -> MentoringSession:
    """Record what became of a session (either person, at any time after it, again to
    correct it): happened / cancelled (by whom) / no-show, minutes, topics covered, the
    shared summary, and the actor's own 1–5 rating. A session still ahead that is logged as
    cancelled is taken out of both calendars."""
    pair = session.pair
    _guard(pair, actor)
    session = _locked_session(session)
    now = now or timezone.now()
    chosen = _topics_of(pair, topics)
    was_upcoming = session.status == SessionStatus.SCHEDULED and session.ends_at > now
    changes = _apply_log(session, actor=actor, status=status, actual_minutes=actual_minutes,
                         topics=chosen, summary=summary, cancelled_by=cancelled_by, now=now)
    cancel_ahead = was_upcoming and status == SessionStatus.CANCELLED
    if cancel_ahead:
        session.sequence += 1
    session.save()
    _set_topics(session, chosen if status == SessionStatus.HAPPENED else [])
    _rate(session, actor, rating)
    if changes:
        _record(session, actor, ChangeKind.LOGGED, changes)
    if cancel_ahead:
        _invite(session, method=InviteMethod.CANCEL, what="cancelled", actor=actor)
    return session


@transaction.atomic
def session_log_unscheduled(*, pair: Pair, actor: Participant, starts_at: datetime,
                            duration_minutes: int, format: str = SessionFormat.VIDEO,
                            status: str = SessionStatus.HAPPENED,
                            actual_minutes: int | None = None, topics: Iterable[Topic] = (),
                            summary: str = "", cancelled_by: Participant | None = None,
                            rating: int | None = None,
                            now: datetime | None = None) -> MentoringSession:
    """Record a session that was never scheduled here, after it took place (no invitation
    is sent)."""
    _guard(pair, actor)
    now = now or timezone.now()
    if starts_at > now:
        raise ValidationError({"starts_at": "A session that has not happened yet is scheduled, "
                                            "not logged: give a past date and time."})
    chosen = _topics_of(pair, topics)
    session = MentoringSession(
        organization_id=pair.organization_id, pair=pair, starts_at=starts_at,
        duration_minutes=duration_minutes, format=format, was_scheduled=False,
        created_by=actor)
    _apply_log(session, actor=actor, status=status, actual_minutes=actual_minutes,
               topics=chosen, summary=summary, cancelled_by=cancelled_by, now=now)
    session.save()
    session.pair = pair
    _set_topics(session, chosen if status == SessionStatus.HAPPENED else [])
    _rate(session, actor, rating)
    _record(session, actor, ChangeKind.LOGGED_UNSCHEDULED,
            [{"field": "status", "old": "", "new": status}])
    return session


@transaction.atomic
def session_rate(*, session: MentoringSession, participant: Participant,
                 value: int) -> SessionRating:
    """The participant's own rating of a session that happened (replaces an earlier one)."""
    _guard(session.pair, participant)
    _rate(session, participant, value)
    return SessionRating.objects.get(session=session, participant=participant)


# --- action items ----------------------------------------------------------------------------

def _check_item(pair: Pair, text: str, owner: Participant) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Say what is to be done."})
    if len(text) > 300:
        raise ValidationError({"text": "Keep an action item under 300 characters."})
    if owner.pk not in (pair.mentor_id, pair.mentee_id):
        raise ValidationError({"owner": "An action item belongs to one of the two of you."})
    return text


@transaction.atomic
def action_item_add(*, session: MentoringSession, actor: Participant, text: str,
                    owner: Participant, due_date: date | None = None) -> ActionItem:
    pair = session.pair
    _guard(pair, actor)
    item = ActionItem.objects.create(
        organization_id=pair.organization_id, pair=pair, session=session,
        text=_check_item(pair, text, owner), owner=owner, due_date=due_date, created_by=actor)
    _record(session, actor, ChangeKind.ACTION_ADDED,
            [{"field": "action_item", "old": "", "new": item.text}])
    return item


@transaction.atomic
def action_item_update(*, item: ActionItem, actor: Participant, text: str,
                       owner: Participant, due_date: date | None, done: bool,
                       now: datetime | None = None) -> ActionItem:
    """Change an action item or tick it off (either person)."""
    pair = item.pair
    _guard(pair, actor)
    now = now or timezone.now()
    text = _check_item(pair, text, owner)
    changes = []
    for name, old, new in (("text", item.text, text), ("owner", item.owner_id, owner.pk),
                           ("due_date", item.due_date, due_date),
                           ("done", item.is_done, done)):
        if old != new:
            changes.append({"field": f"action_item.{name}", "old": "" if old is None else
                            str(old), "new": "" if new is None else str(new)})
    if not changes:
        return item
    item.text, item.owner, item.due_date = text, owner, due_date
    if done != item.is_done:
        item.done_at = now if done else None
    item.save()
    _record(item.session, actor, ChangeKind.ACTION_CHANGED, changes)
    return item


# --- private notes ---------------------------------------------------------------------------

@transaction.atomic
def private_note_save(*, author: Participant, pair: Pair, text: str,
                      session: MentoringSession | None = None) -> PrivateNote | None:
    """Write (or, with empty text, delete) the author's own private note on the pair or on
    one of its sessions. Security boundary: the note is keyed by its author; nothing here
    logs or records its text anywhere else."""
    _guard(pair, author)
    if session is not None and session.pair_id != pair.pk:
        raise ValidationError("That session is not one of this pair's.")
    text = (text or "").strip()
    if len(text) > 20000:
        raise ValidationError({"text": "Keep a private note under 20,000 characters."})
    existing = PrivateNote.objects.select_for_update(of=("self",)).filter(
        author=author, pair=pair, session=session).first()
    if not text:
        if existing is not None:
            existing.delete()
        return None
    if existing is None:
        return PrivateNote.objects.create(organization_id=pair.organization_id, author=author,
                                          pair=pair, session=session, text=text)
    existing.text = text
    existing.save(update_fields=["text", "updated_at"])
    return existing


# --- goals -----------------------------------------------------------------------------------

def _goal_links(pair: Pair, objectives: Iterable[str], topics: Iterable[Topic]
                ) -> tuple[list[str], list[Topic]]:
    offered = list(pair.cohort.program.objectives or [])
    chosen = list(dict.fromkeys(objectives))
    if any(objective not in offered for objective in chosen):
        raise ValidationError({"objectives": "Link the goal to objectives of your program."})
    return chosen, _topics_of(pair, topics)


def _set_goal_topics(goal: Goal, topics: list[Topic]) -> None:
    GoalTopic.objects.filter(goal=goal).exclude(topic__in=topics).delete()
    have = set(GoalTopic.objects.filter(goal=goal).values_list("topic_id", flat=True))
    GoalTopic.objects.bulk_create([
        GoalTopic(organization_id=goal.organization_id, goal=goal, topic=topic)
        for topic in topics if topic.pk not in have])


@transaction.atomic
def goal_create(*, pair: Pair, owner: Participant, title: str, why: str = "",
                success_measure: str = "", target_date: date | None = None,
                objectives: Iterable[str] = (), topics: Iterable[Topic] = ()) -> Goal:
    """A learning goal of one of the two (mentor and mentee both own goals)."""
    _guard(pair, owner)
    chosen_objectives, chosen_topics = _goal_links(pair, objectives, topics)
    goal = Goal(organization_id=pair.organization_id, pair=pair, owner=owner,
                title=(title or "").strip(), why=why.strip(),
                success_measure=success_measure.strip(), target_date=target_date,
                objectives=chosen_objectives)
    _clean(goal, exclude=["pair", "owner"])
    goal.save()
    _set_goal_topics(goal, chosen_topics)
    return goal


def _require_owner(goal_or_commitment, actor: Participant, what: str) -> None:
    if goal_or_commitment.owner_id != actor.pk:
        raise ValidationError(f"Only the person who owns this {what} can change it.")


@transaction.atomic
def goal_update(*, goal: Goal, actor: Participant, title: str, why: str = "",
                success_measure: str = "", target_date: date | None = None,
                status: str = GoalStatus.NOT_STARTED, objectives: Iterable[str] = (),
                topics: Iterable[Topic] = ()) -> Goal:
    _guard(goal.pair, actor)
    _require_owner(goal, actor, "goal")
    chosen_objectives, chosen_topics = _goal_links(goal.pair, objectives, topics)
    goal.title, goal.why, goal.success_measure = ((title or "").strip(), why.strip(),
                                                  success_measure.strip())
    goal.target_date, goal.status, goal.objectives = target_date, status, chosen_objectives
    _clean(goal, exclude=["pair", "owner"])
    goal.save()
    _set_goal_topics(goal, chosen_topics)
    return goal


@transaction.atomic
def goal_add_update(*, goal: Goal, author: Participant, percent: int | None = None,
                    comment: str = "", on_date: date | None = None,
                    now: datetime | None = None) -> GoalUpdate:
    """The owner reports progress (a percent, a comment or both); the partner comments. A
    first progress above 0 % moves a goal that had not started to "in progress"."""
    pair = goal.pair
    _guard(pair, author)
    now = now or timezone.now()
    comment = (comment or "").strip()
    is_owner = goal.owner_id == author.pk
    if percent is not None and not is_owner:
        raise ValidationError({"percent": "Only the goal's owner reports its progress; you can "
                                          "leave a comment."})
    if percent is not None and not 0 <= int(percent) <= 100:
        raise ValidationError({"percent": "Give the progress as a percentage from 0 to 100."})
    if percent is None and not comment:
        raise ValidationError({"comment": "Write a comment" + (" or give a percentage."
                                                               if is_owner else ".")})
    on_date = on_date or _today_of(author, pair, now)
    if on_date > _today_of(author, pair, now) + timedelta(days=1):
        raise ValidationError({"on_date": "An update cannot be dated in the future."})
    update = GoalUpdate.objects.create(organization_id=pair.organization_id, goal=goal,
                                       author=author, percent=percent, comment=comment,
                                       on_date=on_date)
    if is_owner and percent and goal.status == GoalStatus.NOT_STARTED:
        goal.status = GoalStatus.IN_PROGRESS
        goal.save(update_fields=["status", "updated_at"])
    return update


# --- commitments -----------------------------------------------------------------------------

def _check_commitment(text: str, due_date: date | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Say what you will do differently."})
    if len(text) > 300:
        raise ValidationError({"text": "Keep a commitment under 300 characters."})
    if due_date is None:
        raise ValidationError({"due_date": "Give the date by which you will have done it."})
    return text


@transaction.atomic
def commitment_create(*, pair: Pair, owner: Participant, text: str, due_date: date,
                      session: MentoringSession | None = None,
                      shared_with_partner: bool = False, shared_with_program: bool = False,
                      now: datetime | None = None) -> Commitment:
    """The leader (the pair's mentee) commits to an action, usually after a session; when
    it falls due they are asked whether it happened."""
    _guard(pair, owner)
    if owner.role != ParticipantRole.MENTEE or owner.pk != pair.mentee_id:
        raise ValidationError("Commitments are the leader's: the mentee of the pair records "
                              "them.")
    if session is not None and session.pair_id != pair.pk:
        raise ValidationError("That session is not one of this pair's.")
    now = now or timezone.now()
    text = _check_commitment(text, due_date)
    if due_date < _today_of(owner, pair, now):
        raise ValidationError({"due_date": "Choose a due date from today on."})
    return Commitment.objects.create(
        organization_id=pair.organization_id, pair=pair, owner=owner, session=session,
        text=text, due_date=due_date, shared_with_partner=shared_with_partner,
        shared_with_program=shared_with_program)


@transaction.atomic
def commitment_update(*, commitment: Commitment, actor: Participant, text: str,
                      due_date: date, shared_with_partner: bool,
                      shared_with_program: bool) -> Commitment:
    _guard(commitment.pair, actor)
    _require_owner(commitment, actor, "commitment")
    text = _check_commitment(text, due_date)
    if due_date != commitment.due_date:
        commitment.asked_at = None  # ask again when the new date comes
    commitment.text, commitment.due_date = text, due_date
    commitment.shared_with_partner = shared_with_partner
    commitment.shared_with_program = shared_with_program
    commitment.save()
    return commitment


@transaction.atomic
def commitment_record_outcome(*, commitment: Commitment, actor: Participant, outcome: str,
                              note: str = "", new_due_date: date | None = None,
                              now: datetime | None = None) -> Commitment:
    """Did it happen? Done / partly / not yet, with an optional note; "not yet" may move the
    due date (and is then asked about again)."""
    _guard(commitment.pair, actor)
    _require_owner(commitment, actor, "commitment")
    now = now or timezone.now()
    if outcome not in (CommitmentOutcome.DONE, CommitmentOutcome.PARTLY,
                       CommitmentOutcome.NOT_YET):
        raise ValidationError({"outcome": "Say whether it happened: done, partly or not yet."})
    if new_due_date is not None:
        if outcome != CommitmentOutcome.NOT_YET:
            raise ValidationError({"new_due_date": "Only a commitment not done yet gets a new "
                                                   "due date."})
        if new_due_date <= _today_of(actor, commitment.pair, now) - timedelta(days=1):
            raise ValidationError({"new_due_date": "Choose a new due date from today on."})
        commitment.due_date, commitment.asked_at = new_due_date, None
    commitment.outcome, commitment.outcome_note = outcome, (note or "").strip()
    commitment.answered_at = now
    commitment.save()
    return commitment


def commitment_ask(*, commitment_id: int, now: datetime | None = None) -> bool:
    """Ask the owner of a due commitment whether it happened (one email per commitment and
    due date: the outbox key makes a repeated scan or task a no-op). Returns whether a
    question was queued now."""
    now = now or timezone.now()
    with transaction.atomic():
        commitment = (Commitment.objects.select_for_update(of=("self",))
                      .select_related("pair__cohort__organization", "pair__cohort__program",
                                      "owner__membership__user", "owner__profile")
                      .filter(pk=commitment_id).first())
        if commitment is None or commitment.asked_at is not None or not commitment.is_open:
            return False
        pair = commitment.pair
        if pair.status != PairStatus.ACTIVE or not selectors.pair_is_writable(pair):
            return False  # a paused pair is asked once it resumes; an ended one never
        user = commitment.owner.membership.user
        link = reverse("sessions:commitment", kwargs={
            "org_slug": pair.cohort.organization.slug, "pair_pk": pair.pk,
            "commitment_pk": commitment.pk})
        notification_enqueue(
            organization=pair.cohort.organization, recipient=user, email=user.email,
            kind=CHECK_IN_KIND,
            key=f"{CHECK_IN_KIND}:{commitment.pk}:{commitment.due_date.isoformat()}",
            template="sessions/email/commitment_check_in", link=link,
            context={"name": user.display_name, "text": commitment.text,
                     "due": commitment.due_date, "program": pair.cohort.program.name})
        commitment.asked_at = now
        commitment.save(update_fields=["asked_at"])
    return True
