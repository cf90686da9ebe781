"""Thin tasks for the reports: the dashboard's rollups and the weekly summary."""

from __future__ import annotations

import datetime

from celery import shared_task

import tenancy
from reports import rollups


@shared_task(ignore_result=True)
def rollup_catch_up() -> int:
    """Nightly: roll the days up to yesterday into the dashboard's rollups (idempotent)."""
    with tenancy.all_shops():
        return rollups.rollup_catch_up()


@shared_task(ignore_result=True)
def rollup_job_days(shop_id: int, days: list[str]) -> None:
    """A job closed: recount the rolled-up days it counts on."""
    with tenancy.for_shop(shop_id):
        rollups.rollup_job_days(
            shop_id=shop_id, days=[datetime.date.fromisoformat(day) for day in days]
        )


@shared_task
def weekly_summaries() -> int:
    """Every few minutes: queue each manager's weekly summary that is due (reports/weekly.py)."""
    from reports.weekly import weekly_summaries_send

    with tenancy.all_shops():
        return weekly_summaries_send()
