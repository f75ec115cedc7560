"""Calendar invitations for mentoring sessions (iCalendar, RFC 5545 / iTIP RFC 5546; pure:
no Django).

One session is one VEVENT whose UID never changes; every invitation sent for it carries a
higher SEQUENCE, so calendar programs replace the event they hold (a reschedule) or remove
it (``METHOD:CANCEL``). Times are written in UTC. Only the session's shared, scheduling
parts go in: never a private note, a rating or a summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Flipside//Mentoring sessions//EN"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    method: str  # "REQUEST" or "CANCEL"
    starts_at: datetime  # aware
    minutes: int
    summary: str
    description: str
    location: str
    url: str
    organizer: Attendee
    attendees: tuple[Attendee, ...]
    stamp: datetime  # aware: when this invitation was made


def _address(person: Attendee, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def build_ics(invitation: Invitation) -> str:
    """The ``.ics`` text of ``invitation``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.stamp.astimezone(UTC))
    event.add("dtstart", invitation.starts_at.astimezone(UTC))
    event.add("dtend", (invitation.starts_at + timedelta(minutes=invitation.minutes))
              .astimezone(UTC))
    event.add("summary", invitation.summary)
    if invitation.description:
        event.add("description", invitation.description)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.url:
        event.add("url", invitation.url)
    cancelled = invitation.method == "CANCEL"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(invitation.organizer))
    for person in invitation.attendees:
        accepted = person.email == invitation.organizer.email
        event.add("attendee", _address(
            person, ROLE="REQ-PARTICIPANT", CUTYPE="INDIVIDUAL",
            PARTSTAT="ACCEPTED" if accepted else "NEEDS-ACTION",
            RSVP="FALSE" if accepted or cancelled else "TRUE"))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")

