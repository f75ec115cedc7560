"""Signals of programs for the apps above it (matching); programs never imports receivers."""

from django.dispatch import Signal

#: Sent by :func:`programs.services.participants.participant_update` when an HR admin withdraws a
#: participant, inside its transaction and tenant scope, after the status is saved. Keyword
#: arguments: ``participant`` (the withdrawn Participant), ``actor`` (the User, or None).
#: The matching app ends the person's pairs with the reason recorded.
participant_withdrawn = Signal()
