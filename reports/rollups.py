"""Refreshing the dashboard's daily rollups: set-based INSERT … SELECT … ON CONFLICT over a range
of days, for every shop or one. Nightly (Celery beat) the days up to yesterday; when a job closes,
the closed days it counts on (its booking and ready days), so a late change there shows."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from reports.models import RollupMark

CHUNK_DAYS = 31  # a first fill goes a month a statement, so no one transaction runs for long

# (table, columns, key) and the events that count in it: (time column, extra condition, values)
DAILY_BRANCH = """
    INSERT INTO reports_dailybranch (shop_id, branch_id, day, booked_in, collected, cancelled)
    SELECT shop_id, branch_id, day, SUM(booked_in), SUM(collected), SUM(cancelled)
    FROM (
        SELECT shop_id, branch_id, (created_at AT TIME ZONE %(tz)s)::date AS day,
               1 AS booked_in, 0 AS collected, 0 AS cancelled
        FROM tickets_worksorder WHERE created_at >= %(start)s AND created_at < %(end)s {shop}
        UNION ALL
        SELECT shop_id, branch_id, (collected_at AT TIME ZONE %(tz)s)::date, 0, 1, 0
        FROM tickets_worksorder WHERE collected_at >= %(start)s AND collected_at < %(end)s {shop}
        UNION ALL
        SELECT shop_id, branch_id, (cancelled_at AT TIME ZONE %(tz)s)::date, 0, 0, 1
        FROM tickets_worksorder WHERE cancelled_at >= %(start)s AND cancelled_at < %(end)s {shop}
    ) happened
    GROUP BY shop_id, branch_id, day
    ON CONFLICT (shop_id, day, branch_id) DO UPDATE SET booked_in = EXCLUDED.booked_in,
        collected = EXCLUDED.collected, cancelled = EXCLUDED.cancelled
"""
DAILY_REPAIR = """
    INSERT INTO reports_dailyrepair
        (shop_id, branch_id, day, repair_type_id, priority, booked_in, sla_jobs, sla_met)
    SELECT shop_id, branch_id, day, repair_type_id, priority,
           SUM(booked_in), SUM(sla_jobs), SUM(sla_met)
    FROM (
        SELECT shop_id, branch_id, (created_at AT TIME ZONE %(tz)s)::date AS day, repair_type_id,
               priority, 1 AS booked_in, 0 AS sla_jobs, 0 AS sla_met
        FROM tickets_worksorder WHERE created_at >= %(start)s AND created_at < %(end)s {shop}
        UNION ALL
        SELECT shop_id, branch_id, (ready_at AT TIME ZONE %(tz)s)::date, repair_type_id,
               priority, 0, 1, (ready_at <= sla_due_at)::int
        FROM tickets_worksorder
        WHERE ready_at >= %(start)s AND ready_at < %(end)s AND sla_due_at IS NOT NULL {shop}
    ) happened
    GROUP BY shop_id, branch_id, day, repair_type_id, priority
    ON CONFLICT (shop_id, day, branch_id, repair_type_id, priority) DO UPDATE SET
        booked_in = EXCLUDED.booked_in, sla_jobs = EXCLUDED.sla_jobs, sla_met = EXCLUDED.sla_met
"""


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@transaction.atomic
def rollup_refresh(
    *, first: datetime.date, last: datetime.date, shop_id: int | None = None
) -> None:
    """Recount the days first..last (both inclusive, the shop's time) for one shop or all: the
    rows are deleted and counted again from the works orders in two statements a table."""
    shop = " AND shop_id = %(shop)s" if shop_id is not None else ""
    params = {
        "tz": timezone.get_current_timezone_name(),
        "start": _midnight(first),
        "end": _midnight(last + datetime.timedelta(days=1)),
        "first": first,
        "last": last,
        "shop": shop_id,
    }
    with connection.cursor() as cursor:
        for table, insert in (("dailybranch", DAILY_BRANCH), ("dailyrepair", DAILY_REPAIR)):
            cursor.execute(
                f"DELETE FROM reports_{table} WHERE day BETWEEN %(first)s AND %(last)s {shop}",
                params,
            )
            cursor.execute(insert.format(shop=shop), params)


def rolled_through() -> datetime.date | None:
    mark = RollupMark.objects.first()
    return mark.through if mark else None


def rollup_catch_up(*, today: datetime.date | None = None) -> int:
    """Roll every shop's days up to yesterday (from the day after the mark, or from the first
    works order on a first run), a month a statement; the mark moves on after each month.
    Returns the number of days rolled."""
    from tickets.models import WorksOrder

    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    through = rolled_through()
    if through is None:
        first_job = WorksOrder.objects.all_shops().order_by("created_at").first()
        if first_job is None:
            _mark(yesterday)
            return 0
        first = timezone.localdate(first_job.created_at)
    else:
        # The last rolled day again too: jobs closed late in the evening land after the beat.
        first = through
    rolled = 0
    while first <= yesterday:
        last = min(yesterday, first + datetime.timedelta(days=CHUNK_DAYS - 1))
        rollup_refresh(first=first, last=last)
        _mark(last)
        rolled += (last - first).days + 1
        first = last + datetime.timedelta(days=1)
    return rolled


def _mark(through: datetime.date) -> None:
    updated = RollupMark.objects.update(through=through, refreshed_at=timezone.now())
    if not updated:
        RollupMark.objects.create(through=through, refreshed_at=timezone.now())


def rollup_job_days(*, shop_id: int, days: list[datetime.date]) -> None:
    """Recount a shop's rolled-up days among `days` (a job closed that counts on them)."""
    through = rolled_through()
    for day in sorted(set(days)):
        if through is not None and day <= through:
            rollup_refresh(first=day, last=day, shop_id=shop_id)
