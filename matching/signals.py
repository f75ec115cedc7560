"""Signals of the pair's lifecycle, for the apps above matching (sessions) to listen to;
matching never imports its receivers (dependencies point downward)."""

from django.dispatch import Signal

#: Sent once per lifecycle change that ended pairs (one pair, or many when a cohort completes
#: or a participant is withdrawn), inside the transaction and tenant scope of the change, after
#: the pairs are marked ended and their own pending emails (introductions, nudges) withdrawn.
#: Keyword arguments: ``pair_ids`` (list of int), ``reason`` (a ``PairEndReason`` value),
#: ``actor`` (the User who caused it, or None). Receivers withdraw what is still pending for
#: those pairs (session invitations, reminders). A receiver that raises rolls the change back.
pair_ended = Signal()
