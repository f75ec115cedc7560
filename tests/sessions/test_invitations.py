"""Calendar invitations: built with icalendar and parsed back; emailed to both people through
the outbox with the .ics attached (core.notifications attachments); the same file behind
the download link. UID stable, SEQUENCE increasing, METHOD right, times in UTC."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.models import Notification
from core.notifications import notification_attachments
from sessions import selectors, services
from sessions.models import CalendarInvite, InviteMethod, MentoringSession, SessionStatus
from tests.factories.accounts import NotificationFactory

pytestmark = pytest.mark.django_db


def _event(ics: str | bytes):
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def _attendees(event) -> set[str]:
    values = event.get("attendee")
    values = values if isinstance(values, list) else [values]
    return {str(v).removeprefix("mailto:") for v in values}


def _first_slot(world, now=None):
    return selectors.slot_options(pair=world.pair, membership=world.mentee.membership,
                                  now=now)[0].start


def test_scheduling_emails_both_an_invitation_they_can_parse(world, sent):
    start = _first_slot(world)

    with sent() as emails:
        session = services.session_schedule(
            pair=world.pair, actor=world.mentee, starts_at=start, duration_minutes=45,
            meeting_url="https://meet.example/abc", agenda="Bring **one** board paper.",
            suggested=True)

    assert sorted(e.to[0] for e in emails) == sorted([world.mentor_user.email,
                                                      world.mentee_user.email])
    for email in emails:
        [(filename, content, mimetype)] = email.attachments
        assert (filename, mimetype) == ("session.ics", "text/calendar")
        calendar, event = _event(content)
        assert str(calendar["method"]) == "REQUEST"
        assert str(event["uid"]) == f"{session.uid}@flipside"
        assert int(event["sequence"]) == 0
        assert event.decoded("dtstart") == start
        assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
        assert event.decoded("dtend") == start + dt.timedelta(minutes=45)
        assert event["dtstart"].to_ical().decode().endswith("Z")  # written in UTC
        assert str(event["organizer"]) == f"mailto:{world.mentee_user.email}"
        assert _attendees(event) == {world.mentor_user.email, world.mentee_user.email}
        assert str(event["location"]) == "https://meet.example/abc"
    # each reads the time in their own zone, the zone named
    by_person = {e.to[0]: e.subject for e in emails}
    assert "Europe/London" in by_person[world.mentor_user.email]
    assert "America/New_York" in by_person[world.mentee_user.email]


def test_reschedule_keeps_the_uid_with_a_higher_sequence_and_cancel_says_cancel(world, sent):
    first = _first_slot(world)
    session = services.session_schedule(pair=world.pair, actor=world.mentee, starts_at=first,
                                        duration_minutes=45, suggested=True)
    later = first + dt.timedelta(days=1)

    with sent() as moved:
        services.session_reschedule(session=session, actor=world.mentor, starts_at=later,
                                    duration_minutes=60)
    with sent() as cancelled:
        services.session_cancel(session=MentoringSession.objects.get(pk=session.pk),
                                actor=world.mentor, reason="Travel")

    sequences, methods, uids = [], [], set()
    for batch in (moved, cancelled):
        assert len(batch) == 2
        calendar, event = _event(batch[0].attachments[0][1])
        sequences.append(int(event["sequence"]))
        methods.append(str(calendar["method"]))
        uids.add(str(event["uid"]))
    assert uids == {f"{session.uid}@flipside"}
    assert sequences == [1, 2]
    assert methods == ["REQUEST", "CANCEL"]
    _, moved_event = _event(moved[0].attachments[0][1])
    assert moved_event.decoded("dtstart") == later
    assert moved_event.decoded("dtend") == later + dt.timedelta(minutes=60)
    assert cancelled[0].attachments[0][0] == "cancelled-session.ics"
    assert "Cancelled" in cancelled[0].subject
    assert list(CalendarInvite.objects.filter(session=session).values_list(
        "sequence", "method")) == [(0, InviteMethod.REQUEST), (1, InviteMethod.REQUEST),
                                   (2, InviteMethod.CANCEL)]


def test_the_download_is_the_last_invitation_sent(world, mentor_client, organization):
    session = services.session_schedule(pair=world.pair, actor=world.mentee,
                                        starts_at=_first_slot(world), duration_minutes=45,
                                        suggested=True)
    services.session_update_details(session=session, actor=world.mentee, format="phone",
                                    location="+44 20 7946 0000")

    response = mentor_client.get(reverse("sessions:session_ics", kwargs={
        "org_slug": organization.slug, "pair_pk": world.pair.pk, "session_pk": session.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    _, event = _event(response.content)
    assert int(event["sequence"]) == 1
    assert str(event["location"]) == "+44 20 7946 0000"
    assert response.content.decode() == CalendarInvite.objects.get(
        session=session, sequence=1).ics


def test_changing_a_past_or_logged_session_sends_nothing(world, sent):
    session = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentor,
        starts_at=timezone.now() - dt.timedelta(days=2), duration_minutes=45,
        status=SessionStatus.HAPPENED, actual_minutes=40)

    with sent() as emails:
        services.session_update_details(session=session, actor=world.mentor, format="phone",
                                        agenda="What we did")

    assert emails == []
    assert not CalendarInvite.objects.filter(session=session).exists()


def test_outbox_attaches_nothing_for_other_kinds_or_a_missing_invite(world):
    other = NotificationFactory(kind="invitation")
    orphan = Notification(organization=world.pair.organization, kind="session_invitation",
                          key="session_invitation:987654:1")

    assert notification_attachments(other) == []
    assert notification_attachments(orphan) == []
