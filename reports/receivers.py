"""Listening to tickets: a job closing recounts the rolled-up days it counts on, after commit."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from tickets.lifecycle import works_order_moved
from tickets.models import Status, WorksOrder
from tickets.signals import works_order_transferred

CLOSED = (Status.COLLECTED, Status.CANCELLED)


@receiver(works_order_moved)
def works_order_closed_rollup(sender, *, works_order: WorksOrder, target: str, **kwargs) -> None:
    if target not in CLOSED:
        return
    from reports.tasks import rollup_job_days

    moments = [works_order.created_at, works_order.ready_at]
    days = sorted({timezone.localdate(m).isoformat() for m in moments if m is not None})
    shop_id = works_order.shop_id
    transaction.on_commit(lambda: rollup_job_days.delay(shop_id, days))


@receiver(works_order_transferred)
def works_order_transferred_rollup(sender, *, works_order: WorksOrder, **kwargs) -> None:
    """A moved job counts under its new branch: the days it counts on are counted again."""
    from reports.tasks import rollup_job_days

    moments = [works_order.created_at, works_order.ready_at, works_order.collected_at]
    days = sorted({timezone.localdate(m).isoformat() for m in moments if m is not None})
    shop_id = works_order.shop_id
    transaction.on_commit(lambda: rollup_job_days.delay(shop_id, days))
