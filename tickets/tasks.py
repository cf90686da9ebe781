"""Thin tasks for works orders."""

from __future__ import annotations

from celery import shared_task

from tickets import sla_sweep as sweep


@shared_task(ignore_result=True)
def sla_sweep() -> dict[str, int]:
    """Every minute: record the SLA thresholds passed since the last sweep and queue the alerts.
    A beat that runs late, twice, or alongside another does no harm (tickets/sla_sweep.py)."""
    result = sweep.sla_sweep()
    return {"jobs": result.jobs, "crossings": result.crossings, "alerts": result.alerts}
