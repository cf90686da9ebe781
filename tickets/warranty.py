"""A repaired job's warranty and its comebacks.

The warranty is the pricebook's for the repair (device model × repair type, as the invoice's
repair lines state it), counted from the day the device was collected in the branch's time; it
covers up to and including `until`. A warranty return is a new works order linked to the
original (`WorksOrder.warranty_return_of`); booking one never changes the original, so its
warranty dates stay what they were.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils import timezone

from pricebook.models import PricebookEntry
from tickets.models import Status, WorksOrder


def warranty_days(works_order: WorksOrder) -> int | None:
    """Days of warranty the pricebook gives this job's repair on this device model; None when
    the job has no repair type or device model, or the pricebook has no such entry."""
    model_id = works_order.device.device_model_id
    if model_id is None or works_order.repair_type_id is None:
        return None
    return (
        PricebookEntry.objects.for_shop(works_order.shop_id)
        .filter(device_model_id=model_id, repair_type_id=works_order.repair_type_id)
        .values_list("warranty_days", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Warranty:
    days: int | None  # None: no warranty is known for the repair
    collected_on: datetime.date | None  # None: not collected (the warranty has not started)

    @property
    def until(self) -> datetime.date | None:
        if not self.days or self.collected_on is None:
            return None
        return self.collected_on + datetime.timedelta(days=self.days)

    def covers(self, day: datetime.date) -> bool:
        return self.until is not None and day <= self.until


def warranty_of(works_order: WorksOrder) -> Warranty:
    collected = works_order.collected_at
    on = timezone.localdate(collected, timezone=works_order.branch.tz) if collected else None
    return Warranty(days=warranty_days(works_order), collected_on=on)


def day_text(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def return_refusal(works_order: WorksOrder, warranty: Warranty, today: datetime.date) -> str:
    """Why `works_order` cannot come back under warranty today, in the counter's words; ""
    when it can."""
    number = works_order.number
    if works_order.warranty_return_of_id is not None:
        return (
            f"{number} was itself a warranty return: book another from the original job, "
            "whose warranty covers it."
        )
    if works_order.status != Status.COLLECTED:
        return f"{number} has not been collected: its warranty starts when it is."
    if not warranty.days:
        return f"No warranty is recorded for this repair in the pricebook, so {number} has none."
    if not warranty.covers(today):
        return f"The warranty of {number} ended on {day_text(warranty.until)}."
    return ""


def today_at(works_order: WorksOrder) -> datetime.date:
    return timezone.localdate(timezone=works_order.branch.tz)


def warranty_returns(shop) -> ArraySubquery:
    """The numbers of a works order's warranty returns, oldest first, as an annotation (read in
    the works order's own query)."""
    returns = (
        WorksOrder.objects.for_shop(shop)
        .filter(warranty_return_of=OuterRef("pk"))
        .order_by("created_at", "id")
        .values("number")
    )
    return ArraySubquery(returns)
