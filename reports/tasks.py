"""Thin tasks for reports."""

from __future__ import annotations

from celery import shared_task


@shared_task
def weekly_summaries() -> int:
    """Every few minutes: queue each manager's weekly summary that is due (reports/weekly.py)."""
    from reports.weekly import weekly_summaries_send

    return weekly_summaries_send()
