"""The hook through which the sessions app folds its after-session rating into the surveys.

Apps depend downward (``feedback → sessions``): ``sessions`` must never import ``feedback``.
So the wiring goes through a signal that ``sessions`` owns and ``feedback`` listens to:

1. ``sessions`` declares ``session_rated = django.dispatch.Signal()`` (e.g. in
   ``sessions/signals.py``) and sends it, after commit, whenever a participant rates a session::

       transaction.on_commit(lambda: session_rated.send(
           sender=MentoringSession, session_id=session.pk, participant_id=rater.pk,
           rating=value, comment=""))

2. ``FeedbackConfig.ready`` connects :func:`on_session_rated` to it::

       from sessions.signals import session_rated
       session_rated.connect(on_session_rated, dispatch_uid="feedback.on_session_rated")

Both are in place (``sessions/signals.py``, ``sessions.services._rate``, ``feedback.apps``). The
sessions app keeps its own ``SessionRating`` row (the rater's own view) and
:func:`feedback.services.post_session_rating_record` writes the rating
as a named answer of the cohort's after-session survey (HR may read it, the partner never),
and the survey's results aggregate it under the organization's k like any other survey.
"""

from __future__ import annotations

from core.tenancy import organization_scope, scopes_disabled
from feedback import services


def on_session_rated(sender, *, session_id: int, participant_id: int, rating: int,
                     comment: str = "", **kwargs) -> None:
    """Receiver for the sessions app's ``session_rated`` signal: takes ids, re-loads the rows
    in the session's tenant scope and records the rating (a second rating replaces the
    first, so a repeated signal does no harm)."""
    from programs.models import Participant
    from sessions.models import MentoringSession

    with scopes_disabled():  # the ids are all we have; the scope comes from the row
        session = MentoringSession.objects.select_related("organization").filter(
            pk=session_id).first()
    if session is None:
        return
    with organization_scope(session.organization):
        session = MentoringSession.objects.select_related("pair__cohort").get(pk=session_id)
        participant = Participant.objects.filter(pk=participant_id).first()
        if participant is None:
            return
        services.post_session_rating_record(session=session, participant=participant,
                                            rating=rating, comment=comment)
