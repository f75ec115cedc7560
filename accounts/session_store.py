"""The session engine (``SESSION_ENGINE``): Django's database sessions, read more cheaply.

Every signed-in request reads its session. Django's engine builds and compiles the same
``SELECT`` each time (0.3 ms of Python, against 0.08 ms for running it); this one compiles
it once per process (core.compiled) and is otherwise Django's: the same table, the same rows,
the same expiry rule, writes (sign-in, a changed session, sign-out) unchanged.

Why not ``cached_db`` on Redis: it needs Redis to forget a session as surely as the database
does. A sign-out, or a key rotated at sign-in, that reaches the database while Redis is down
or cut off leaves the old copy in Redis; when Redis answers again that copy signs the stolen
or fixed cookie back in. Reading from the database alone keeps sign-out and rotation exact
whatever Redis does, and here costs about what a Redis read costs (0.08 against 0.09 ms).
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.compiled import CompiledQuery

_session_data = CompiledQuery(
    lambda session_key, now: Session.objects.filter(
        session_key=session_key, expire_date__gt=now
    ).values_list("session_data", flat=True),
    session_key=str,
    now=datetime.datetime,
)


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict:
        """The session's data, ``{}`` (and no key) for a missing or expired one, as
        Django's database engine does."""
        found = (
            _session_data(session_key=self.session_key, now=timezone.now())
            if self.session_key is not None
            else []
        )
        if not found:
            self._session_key = None
            return {}
        return self.decode(found[0])
