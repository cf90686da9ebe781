"""Setting a works order's stored SLA times directly, as the engine (tickets/sla.py) would:
on the works order, and the sweep's queue row (SlaClock) beside it."""

from __future__ import annotations

import datetime

from tickets.models import SlaClock, WorksOrder

# A Thursday afternoon in December: London is on UTC, so 16:00 here is 16:00 at the branch.
T = datetime.datetime(2026, 12, 10, 14, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def sla_set(
    works_order: WorksOrder,
    *,
    risk: datetime.datetime | None,
    due: datetime.datetime | None,
    next_at: datetime.datetime | str | None = "risk",
    paused: datetime.datetime | None = None,
    **more,
) -> WorksOrder:
    """Store the job's SLA times; the next threshold is the risk time unless said otherwise."""
    if next_at == "risk":
        next_at = risk
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        sla_risk_at=risk, sla_due_at=due, sla_paused_at=paused, **more
    )
    works_order.refresh_from_db()
    clock = SlaClock.objects.for_shop(works_order.shop_id).filter(works_order=works_order)
    if next_at is None:
        clock.delete()
    else:
        clock.delete()
        SlaClock.objects.create(
            works_order=works_order,
            shop_id=works_order.shop_id,
            branch_id=works_order.branch_id,
            due_at=due,
            risk_at=risk,
            paused_at=paused,
            next_at=next_at,
        )
    return works_order


def sla_next_at(works_order: WorksOrder) -> datetime.datetime | None:
    """The next threshold the sweep has yet to record for the job (None: nothing left)."""
    clock = SlaClock.objects.for_shop(works_order.shop_id).filter(works_order=works_order).first()
    return clock.next_at if clock else None
