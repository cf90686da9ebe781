"""The request hands a committed message's send task to its process's publishing thread."""

from __future__ import annotations

import threading

import pytest

from notifications import publisher


@pytest.fixture
def published(monkeypatch, settings):
    settings.OUTBOX_PUBLISH_IN_BACKGROUND = True
    monkeypatch.setattr(publisher, "_publisher", publisher._Publisher())
    done: list[tuple[int, str]] = []
    arrived = threading.Semaphore(0)

    def publish(message_id: int) -> None:
        try:
            if message_id < 0:
                raise ConnectionError("the broker is away")
            done.append((message_id, threading.current_thread().name))
        finally:
            arrived.release()

    monkeypatch.setattr(publisher, "_publish", publish)

    def wait_for(count: int) -> list[tuple[int, str]]:
        for _ in range(count):
            assert arrived.acquire(timeout=5), "the publishing thread did not publish"
        return done

    return wait_for


def test_the_ids_are_published_in_order_from_a_thread_of_their_own(published):
    for message_id in (11, 12, 13):
        publisher.message_send_queue(message_id)
    assert published(3) == [
        (11, "outbox-publisher"),
        (12, "outbox-publisher"),
        (13, "outbox-publisher"),
    ]


def test_a_broker_that_is_away_is_logged_and_the_next_message_still_goes(published, caplog):
    publisher.message_send_queue(-1)
    publisher.message_send_queue(21)
    assert published(2) == [(21, "outbox-publisher")]
    assert "Could not queue message -1: the outbox sweep sends it" in caplog.text


def test_without_the_thread_the_caller_publishes_at_once(monkeypatch, settings):
    settings.OUTBOX_PUBLISH_IN_BACKGROUND = False
    called = []
    monkeypatch.setattr(publisher, "_publish", lambda message_id: called.append(message_id))
    publisher.message_send_queue(31)
    assert called == [31]
