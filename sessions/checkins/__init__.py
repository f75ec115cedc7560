"""Check-ins, fit checks and HR alerts of the pair workspace (issue 10).

``rules.py`` is pure (no Django): when a check-in or fit check is due and which answers raise
an HR alert. ``selectors.py`` reads, ``services.py`` writes (and enqueues through the one
outbox), ``views.py``/``api.py`` are thin. The reminder scans (``sessions/due.py`` and the beat
tasks) call :func:`sessions.checkins.selectors.check_ins_due`,
:func:`sessions.checkins.selectors.fit_checks_due` and the ``*_open`` services.
"""
