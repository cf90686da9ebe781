"""Setting a works order's stored SLA times directly, as the engine (tickets/sla.py) would."""

from __future__ import annotations

import datetime

from tickets.models import WorksOrder

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
        sla_risk_at=risk, sla_due_at=due, sla_next_at=next_at, sla_paused_at=paused, **more
    )
    works_order.refresh_from_db()
    return works_order
