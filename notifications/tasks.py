"""Thin tasks: take an id, send it, retry on the provider's transient errors only."""

from __future__ import annotations

from celery import shared_task

import tenancy
from notifications import outbox


@shared_task(
    autoretry_for=(outbox.Transient,),
    retry_backoff=outbox.BACKOFF,
    retry_backoff_max=outbox.BACKOFF_MAX,
    retry_jitter=False,  # the same wait as the message's send_after (outbox.backoff)
    max_retries=outbox.MAX_ATTEMPTS,
)
def message_send(message_id: int) -> None:
    with tenancy.all_shops():  # the outbox: the message names its shop
        outbox.message_deliver(message_id)


@shared_task
def messages_send(message_ids: list[int]) -> int:
    """Fan out: a send task for each message (a sweep's alerts arrive as a few of these)."""
    for message_id in message_ids:
        message_send.delay(message_id)
    return len(message_ids)


@shared_task
def outbox_sweep() -> int:
    """Every minute: send what is due and still waiting (quiet hours over, a worker lost)."""
    with tenancy.all_shops():
        ids = outbox.waiting_ids()
    for message_id in ids:
        message_send.delay(message_id)
    return len(ids)
