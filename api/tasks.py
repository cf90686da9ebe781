"""Thin tasks: take an id, deliver it; the database holds when to try again."""

from __future__ import annotations

from celery import shared_task

from api import webhooks


@shared_task
def webhook_deliver(delivery_id: int) -> str | None:
    return webhooks.delivery_attempt(delivery_id)


@shared_task
def webhooks_sweep() -> int:
    """Every half minute: queue each delivery that is due (see api.webhooks)."""
    ids = webhooks.due_ids()
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)
