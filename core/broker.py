"""Publishing Celery tasks from a request without ever waiting long on the broker.

Short socket timeouts (settings) bound one publish to about a second when Redis is down or
frozen. After a failed publish, a process-wide circuit breaker skips further publishes for
``BREAKER_SECONDS``: the work is already recorded in the database (outbox rows, queued runs)
and the beat tasks hand it over once the broker answers again, so later requests do not each
pay the timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 30.0
_lock = threading.Lock()
_broker_down_until = 0.0


def broker_breaker_reset() -> None:
    global _broker_down_until
    with _lock:
        _broker_down_until = 0.0


def _is_eager(task) -> bool:
    return bool(task.app.conf.task_always_eager)


def broker_is_eager(task) -> bool:
    """True when ``task`` would run in-process (embedded mode: no broker)."""
    return _is_eager(task)


def publish_task(task, args: Sequence, *, what: str) -> bool:
    """Send ``task(*args)`` to the broker; False (never an exception) when it cannot be sent.

    In eager mode (no broker) the task runs here, and its own failure is reported the same way
    without tripping the breaker.
    """
    global _broker_down_until
    eager = _is_eager(task)
    if not eager and time.monotonic() < _broker_down_until:
        logger.info("Broker marked down: %s left for the periodic hand-over", what)
        return False
    try:
        task.apply_async(tuple(args), retry=False)
    except Exception:
        if not eager:
            with _lock:
                _broker_down_until = time.monotonic() + BREAKER_SECONDS
        logger.warning("%s not handed to the broker", what, exc_info=True)
        return False
    return True
