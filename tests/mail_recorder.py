"""An email backend for worker subprocesses in tests: each message handed over is written to
``$FLIPSIDE_TEST_MAIL_DIR`` (one ``.eml`` file, flushed to disk) as an SMTP server would have
accepted it. If ``$FLIPSIDE_TEST_KILL_MARKER`` names a file that exists, the backend removes it
and SIGKILLs its own process right after the hand-over: the worker dies between sending and
the commit that marks the outbox row sent."""

from __future__ import annotations

import os
import signal
import uuid

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = os.environ["FLIPSIDE_TEST_MAIL_DIR"]
        for message in email_messages:
            path = os.path.join(folder, f"{uuid.uuid4().hex}.eml")
            with open(path, "wb") as handle:
                handle.write(message.message().as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            marker = os.environ.get("FLIPSIDE_TEST_KILL_MARKER", "")
            if marker and os.path.exists(marker):
                os.remove(marker)
                os.kill(os.getpid(), signal.SIGKILL)
        return len(email_messages)
