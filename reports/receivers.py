"""Listening to tickets: a job closing or moving recounts the rolled-up days it counts on, after
commit (its booking, pick-up, ready and collection days; for a move also the days its stays
ended, which count under its branch)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from tickets.lifecycle import works_order_moved
from tickets.models import Status, TimelineEntry, WorksOrder
from tickets.signals import works_order_transferred

CLOSED = (Status.COLLECTED, Status.CANCELLED)


@receiver(works_order_moved)
def works_order_closed_rollup(sender, *, works_order: WorksOrder, target: str, **kwargs) -> None:
    if target not in CLOSED:
        return
    from reports.tasks import rollup_job_days

    days = _days_of(works_order)
    shop_id = works_order.shop_id
    transaction.on_commit(lambda: rollup_job_days.delay(shop_id, days))


def _days_of(works_order: WorksOrder, *, stays: bool = False) -> list[str]:
    moments = [
        works_order.created_at,
        works_order.started_at,
        works_order.ready_at,
        works_order.collected_at,
    ]
    if stays:
        moments += (
            TimelineEntry.objects.for_shop(works_order.shop_id)
            .filter(works_order=works_order, time_in_from_status__isnull=False)
            .exclude(from_status="")
            .values_list("at", flat=True)
        )
    return sorted({timezone.localdate(m).isoformat() for m in moments if m is not None})


@receiver(works_order_transferred)
def works_order_transferred_rollup(sender, *, works_order: WorksOrder, **kwargs) -> None:
    """A moved job counts under its new branch: the days it counts on are counted again."""
    from reports.tasks import rollup_job_days

    days = _days_of(works_order, stays=True)
    shop_id = works_order.shop_id
    transaction.on_commit(lambda: rollup_job_days.delay(shop_id, days))
