"""Signals other apps listen to; accounts never imports them (dependencies point downward)."""

from django.dispatch import Signal

#: Sent by :func:`accounts.services.invitation_accept` inside its transaction and tenant scope,
#: after the membership exists and the invitation is marked accepted. Keyword arguments:
#: ``invitation`` (the accepted Invitation), ``membership`` (the new or existing Membership).
#: A receiver that raises rolls the whole acceptance back, so receivers must only raise for
#: errors that should stop the person joining.
invitation_accepted = Signal()
