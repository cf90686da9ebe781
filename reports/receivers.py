"""Listening to tickets: a job closing or moving recounts the rolled-up days it counts on, after
commit (its booking, pick-up, ready and collection days; for a move also the days its stays
ended, which count under its branch; for a warranty return booked in, the days of the job it
came back from)."""

from __future__ import annotations

from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from tickets.lifecycle import works_order_moved
from tickets.models import Status, WorksOrder
from tickets.signals import customer_news, works_order_transferred

CLOSED = (Status.COLLECTED, Status.CANCELLED)
# The moments of a job's stays, hours logged and invoices: counted under the job's branch.
MOVED_WITH_THE_JOB = """
    SELECT at FROM tickets_timelineentry
    WHERE shop_id = %(shop)s AND works_order_id = %(job)s AND from_status <> ''
      AND time_in_from_status IS NOT NULL
    UNION ALL
    SELECT ended_at FROM tickets_timeentry
    WHERE shop_id = %(shop)s AND works_order_id = %(job)s AND ended_at IS NOT NULL
    UNION ALL
    SELECT issued_at FROM billing_invoice WHERE shop_id = %(shop)s AND works_order_id = %(job)s
"""


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
    if stays:  # and what else counts under the job's branch: hours logged, invoices
        with connection.cursor() as cursor:
            cursor.execute(MOVED_WITH_THE_JOB, {"shop": works_order.shop_id, "job": works_order.pk})
            moments += [at for (at,) in cursor.fetchall()]
    return sorted({timezone.localdate(m).isoformat() for m in moments if m is not None})


@receiver(works_order_transferred)
def works_order_transferred_rollup(sender, *, works_order: WorksOrder, **kwargs) -> None:
    """A moved job counts under its new branch: the days it counts on are counted again."""
    from reports.tasks import rollup_job_days

    days = _days_of(works_order, stays=True)
    shop_id = works_order.shop_id
    transaction.on_commit(lambda: rollup_job_days.delay(shop_id, days))


@receiver(customer_news)
def comeback_booked_rollup(sender, *, works_order: WorksOrder, news: str, **kwargs) -> None:
    """A warranty return booked in: the job it came back from now counts as a comeback on the
    day it became ready."""
    if news != "booked_in" or works_order.warranty_return_of_id is None:
        return
    from reports.tasks import rollup_job_days

    original = works_order.warranty_return_of
    days = _days_of(original)
    shop_id = works_order.shop_id
    transaction.on_commit(lambda: rollup_job_days.delay(shop_id, days))
