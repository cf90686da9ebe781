"""Thin tasks: take an id, deliver it; the database holds when to try again."""

from __future__ import annotations

from celery import shared_task

import tenancy
from api import webhooks


@shared_task
@tenancy.all_shops()  # a delivery is named by its id alone; it is read with its own shop's keys
def webhook_deliver(delivery_id: int) -> str | None:
    return webhooks.delivery_attempt(delivery_id)


@shared_task
@tenancy.all_shops()  # a sweep over every shop's due deliveries
def webhooks_sweep() -> int:
    """Every half minute: queue each delivery that is due (see api.webhooks)."""
    ids = webhooks.due_ids()
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)


@shared_task(ignore_result=True)
@tenancy.all_shops()  # the log of every shop, by age alone
def webhooks_prune() -> int:
    """Nightly: events past WEBHOOK_LOG_DAYS whose deliveries are all finished, with them."""
    return webhooks.log_prune()
