"""A job booked online and cancelled before it came in gives its drop-off place back."""

from __future__ import annotations

from django.dispatch import receiver

from booking.services import slot_release
from tickets.lifecycle import works_order_moved
from tickets.models import Status, WorksOrder


@receiver(works_order_moved)
def booking_cancelled_frees_its_place(
    sender, *, works_order: WorksOrder, target: str, **kwargs
) -> None:
    if target == Status.CANCELLED and works_order.awaiting_drop_off:
        slot_release(works_order=works_order)
