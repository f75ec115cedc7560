"""Signals the sessions app sends, for the apps above it (feedback) to listen to; sessions
never imports their receivers (dependencies point downward)."""

from django.dispatch import Signal

#: Sent after commit whenever a participant rates a session (a first rating or a new value),
#: with the sender ``MentoringSession`` and the keyword arguments ``session_id`` (int),
#: ``participant_id`` (the rater's ``Participant`` id), ``rating`` (1–5) and ``comment`` (str).
#: Ids only: a receiver re-loads what it needs in the session's tenant scope. Sent robustly
#: (``send_robust``): the rating is already saved, so a failing receiver is logged instead of
#: turning the person's request into an error.
session_rated = Signal()
