"""Handing a message to the workers without the request waiting on the broker.

A message is a row in the outbox before anything else (notifications.services.message_queue);
queuing its send task after commit only makes it go at once. Publishing that task costs a
request about a millisecond of broker round trip and Celery bookkeeping, which a card move or a
booking should not wait for. So a thread of each process's own publishes the ids it is handed,
in order. Nothing can be lost by it: a message whose task never reached the broker (the process
stopped first, the broker was down) is still queued in the outbox, and the beat sweep
(notifications.tasks.outbox_sweep) sends it within the minute; a message published twice is
claimed by one worker only (outbox.message_claim).

`OUTBOX_PUBLISH_IN_BACKGROUND = False` (the test settings) publishes in the caller's thread, so
a test sees the task queued as soon as its transaction commits.
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from django.conf import settings

log = logging.getLogger(__name__)


def message_send_queue(message_id: int) -> None:
    """Queue the send task for this (committed) message: now, or from the publishing thread."""
    if not settings.OUTBOX_PUBLISH_IN_BACKGROUND:
        _publish(message_id)
        return
    _publisher.hand_over(message_id)


def _publish(message_id: int) -> None:
    from notifications.tasks import message_send

    message_send.delay(message_id)


class _Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._ids: queue.SimpleQueue[int] = queue.SimpleQueue()

    def hand_over(self, message_id: int) -> None:
        if self._pid != os.getpid():
            self._start()
        self._ids.put(message_id)

    def _start(self) -> None:
        # Started on first use in each process: a worker forked from a parent that had one does
        # not inherit the thread, so it starts its own (with a fresh queue).
        with self._lock:
            if self._pid == os.getpid():
                return
            self._ids = queue.SimpleQueue()
            threading.Thread(target=self._run, name="outbox-publisher", daemon=True).start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            message_id = self._ids.get()
            try:
                _publish(message_id)
            except Exception:  # the broker is away: the outbox sweep sends it within the minute
                log.exception("Could not queue message %s: the outbox sweep sends it", message_id)


_publisher = _Publisher()
