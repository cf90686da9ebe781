"""Thin tasks for recurring works orders."""

from __future__ import annotations

from celery import shared_task

import tenancy
from recurring.services import visits_raise


@shared_task(ignore_result=True)
@tenancy.all_shops()  # a sweep over every shop's schedules
def raise_due_visits() -> dict[str, int]:
    """Every quarter of an hour: raise each scheduled visit due within its lead time, once.
    A late, repeated or concurrent beat does no harm (recurring/services.py)."""
    run = visits_raise()
    return {"claimed": run.claimed, "booked": run.booked, "problems": run.problems}
