"""When a survey's messages are due: pure rules on dates (no Django), the same for the beat
scan and for the task that sends (which checks again, so a late or repeated task never sends
what is no longer due).

The shape is the reminders pattern every later reminder can reuse: a pure rule says which
kinds of message are due on a day; a beat scan (``feedback.tasks.scan_surveys``) lists the
(recipient, kind) pairs that are due and have no outbox row yet and enqueues one small task
per message; the task re-loads its rows in the tenant scope and calls the service, which
claims the outbox key ``<kind>:<subject>:<recipient>`` in the database before sending.
"""

from __future__ import annotations

from datetime import date, timedelta

INVITATION = "survey_open"
REMINDER = "survey_reminder"


def reminder_day(*, closes_on: date, reminder_days: int) -> date | None:
    """The day the one reminder goes out, or ``None`` for no reminder."""
    if reminder_days <= 0:
        return None
    return closes_on - timedelta(days=reminder_days)


def survey_messages_due(*, today: date, opens_on: date | None, closes_on: date | None,
                        reminder_days: int) -> tuple[str, ...]:
    """The kinds of message due ``today`` for someone who has not answered yet: the
    invitation from the opening day to the closing day, and the reminder from its day on
    (never before the opening day, never after the close)."""
    if opens_on is None or closes_on is None or not opens_on <= today <= closes_on:
        return ()
    due = [INVITATION]
    remind_on = reminder_day(closes_on=closes_on, reminder_days=reminder_days)
    if remind_on is not None and today >= max(remind_on, opens_on) and remind_on >= opens_on:
        due.append(REMINDER)
    return tuple(due)
