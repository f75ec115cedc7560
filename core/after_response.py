"""Work a request asks for that must not hold up its response (sending thousands of emails).

:func:`run_after_response` runs a callback once the current request's response has gone out:
Django sends ``request_finished`` when the server closes the response, after the body was
written to the client. Outside a request (a Celery task, a management command) the callback
runs at once, as before.

After the response, the callbacks run in one background thread per process, in order, so
the thread that served the request is free for the next one (with HTTP keep-alive the
browser's next request may come on the same connection). Two cases run the callbacks at
``request_finished`` itself instead (still after the response was written), because another
thread could not use the database safely; both only happen in tests:

- the request's database transaction is still open (pytest-django wraps each test in one):
  another thread would not see the rows the request wrote;
- the database is SQLite in memory (the test database): a second connection to it shares
  table locks with the pages being served and would make them fail with "database table is
  locked".

What runs here must be safe to lose: a process that stops mid-way drops the rest. The email
outbox is (its rows stay pending and are sent by the outbox drain).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db import connection, connections

logger = logging.getLogger(__name__)

Callback = Callable[[], object]

_pending: ContextVar[list[Callback] | None] = ContextVar("flipside_after_response",
                                                         default=None)


def run_after_response(callback: Callback) -> None:
    """Run ``callback`` after the current request's response was sent; at once when no
    request is being served."""
    pending = _pending.get()
    if pending is None:
        callback()
    else:
        pending.append(callback)


def in_request() -> bool:
    return _pending.get() is not None


def _run(callback: Callback) -> None:
    try:
        callback()
    except Exception:
        logger.exception("After-response work %r failed", callback)


class _Worker:
    """One daemon thread per process that runs submitted callbacks in order."""

    def __init__(self) -> None:
        self.queue: queue.Queue[list[Callback]] = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, callbacks: list[Callback]) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="flipside-after-response",
                                               daemon=True)
                self.thread.start()
        self.queue.put(callbacks)

    def _loop(self) -> None:
        while True:
            callbacks = self.queue.get()
            try:
                for callback in callbacks:
                    _run(callback)
            finally:
                connections.close_all()  # this thread's own connections
                self.queue.task_done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything submitted so far has run (benchmarks, tests); False on
        timeout."""
        done = threading.Event()
        self.submit([done.set])
        return done.wait(timeout)


_worker = _Worker()


def wait_for_after_response_work(timeout: float | None = None) -> bool:
    """Block until the background thread has run everything submitted so far."""
    return _worker.wait(timeout)


def _on_request_started(sender, **kwargs) -> None:
    _pending.set([])


def _on_request_finished(sender, **kwargs) -> None:
    pending = _pending.get()
    _pending.set(None)
    if not pending:
        return
    if runs_on_the_request_thread():
        for callback in pending:
            _run(callback)
        return
    _worker.submit(pending)


def runs_on_the_request_thread() -> bool:
    """Whether after-response work must stay on the thread that served the request (see the
    module docs: only in tests)."""
    in_memory = getattr(connection, "is_in_memory_db", None)
    return connection.in_atomic_block or bool(in_memory and in_memory())


def connect() -> None:
    """Hook into the request cycle (from ``CoreConfig.ready``)."""
    request_started.connect(_on_request_started, dispatch_uid="flipside.after_response.start")
    request_finished.connect(_on_request_finished, dispatch_uid="flipside.after_response.end")
