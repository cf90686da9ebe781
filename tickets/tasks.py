"""Thin tasks for works orders."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

import tenancy
from tickets import sla_sweep as sweep

# A backlog beyond this many batches waits for the next beat, so one run never takes the worker
# for long.
MAX_BATCHES = 10


@shared_task(ignore_result=True)
def sla_sweep() -> dict[str, int]:
    """Every minute: record the SLA thresholds passed since the last sweep and queue the alerts.
    A beat that runs late, twice, or alongside another does no harm (tickets/sla_sweep.py)."""
    totals = {"jobs": 0, "crossings": 0, "alerts": 0}
    now = timezone.now()
    for _ in range(MAX_BATCHES):
        with tenancy.all_shops():
            result = sweep.sla_sweep(now)
        totals["jobs"] += result.jobs
        totals["crossings"] += result.crossings
        totals["alerts"] += result.alerts
        if not result.more:
            break
    return totals
