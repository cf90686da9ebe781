"""Refreshing the dashboard's daily rollups: set-based INSERT … SELECT … ON CONFLICT over a range
of days, for every shop or one. Nightly (Celery beat) the days up to yesterday; when a job closes
or moves, the closed days it counts on, so a late change there shows.

The SQL of every rollup lives here, and so does the SQL the dashboard reads the days after the
mark with (reports/kpis.py): the durations are rounded by `bucket` in both, so percentiles read
from the histograms equal the live ones by construction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from reports.models import RollupMark

CHUNK_DAYS = 31  # a first fill goes a month a statement, so no one transaction runs for long

# (table, columns, key) and the events that count in it: (time column, extra condition, values).
# A closing time is set only by its step, so its status is asked for too: the read then goes
# along the partial indexes of closed jobs (reports 0003) rather than through every job.
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
          AND status = 'collected'
        UNION ALL
        SELECT shop_id, branch_id, (cancelled_at AT TIME ZONE %(tz)s)::date, 0, 0, 1
        FROM tickets_worksorder WHERE cancelled_at >= %(start)s AND cancelled_at < %(end)s {shop}
          AND status = 'cancelled'
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


# Durations ---------------------------------------------------------------------------------
#
# A duration is kept as the number of seconds it rounds to at the precision the dashboard shows
# it with (reports_ui.hours): whole minutes under an hour, tenths of an hour under a day, whole
# hours beyond. Medians and 90th percentiles are then read from counts per rounded duration,
# with percentile_cont's interpolation between neighbouring ranks, rolled up or live alike.


def bucket(seconds: str) -> str:
    """SQL: `seconds` (an epoch difference) rounded to the dashboard's displayed precision."""
    return (
        f"(CASE WHEN {seconds} < 3600 THEN round({seconds} / 60) * 60"
        f" WHEN {seconds} < 86400 THEN round({seconds} / 360) * 360"
        f" ELSE round({seconds} / 3600) * 3600 END)::bigint"
    )


@dataclass(frozen=True)
class Duration:
    """One measure of reports_dailyduration: the moment whose day it counts on, how long it took,
    the key it is kept under and which rows count."""

    measure: str
    moment: str
    seconds: str
    key: str
    where: str = "TRUE"
    table: str = "tickets_worksorder w"
    alias: str = "w"  # the table whose shop_id and moment index are read

    def live(self, branches: str) -> str:
        """SQL for the days after the mark (of the shop %(shop)s, from %(since)s or the cut to
        %(until)s): rows of (measure, branch_id, key, day, seconds, jobs), one per job."""
        return (
            f"SELECT '{self.measure}'::text AS measure, w.branch_id, {self.key} AS key,"
            f" ({self.moment} AT TIME ZONE %(tz)s)::date AS day,"
            f" {bucket(self.seconds)} AS seconds, 1 AS jobs"
            f" FROM {self.table} WHERE {self.alias}.shop_id = %(shop)s {branches}"
            f" AND {self.where} AND {self.moment} >= {LIVE_FROM}"
            f" AND {self.moment} < %(until)s"
        )


# The days after the mark are read live: the first moment not rolled up is the mark's next
# midnight (all time without a mark). Parameters worked out before the statement (`cut`): under
# row-level security the planner only uses plain comparisons with parameters along an index.
THROUGH = "%(through)s"  # the last day rolled up
CUT_AT = "%(cut)s"  # the first moment read live
LIVE_FROM = "%(live_from)s"  # the later of the cut and the start of the days asked for
EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def cut(*, since: datetime.datetime | None = None, through: object = False) -> dict:
    """The parameters THROUGH, CUT_AT and LIVE_FROM stand for, from the mark as it is now (or
    `through`, the mark already read)."""
    if through is False:
        through = rolled_through()
    at = _midnight(through + datetime.timedelta(days=1)) if through else EARLIEST
    return {
        "through": through or datetime.date(1900, 1, 1),
        "cut": at,
        "live_from": max(at, since) if since else at,
    }


# The SLA clock and the bench stop once a job is ready: later time is the customer's.
AFTER_READY = "('ready', 'collected', 'cancelled')"
_NOT_CANCELLED = "w.status <> 'cancelled'"
# Only a collected job has a collection time: said so, the live part reads along
# reports_closed_collected.
_COLLECTED = "w.status = 'collected'"
_DEVICE = "tickets_worksorder w JOIN devices_device d ON d.id = w.device_id"
_MODEL = "d.make || ' ' || d.model_name"
_TYPE = "COALESCE(w.repair_type_id::text, '')"
_TO_READY = "EXTRACT(EPOCH FROM w.ready_at - w.created_at)"
_TO_COLLECTED = "EXTRACT(EPOCH FROM w.collected_at - w.created_at)"
DURATIONS = {
    d.measure: d
    for d in (
        Duration("ready:repair_type", "w.ready_at", _TO_READY, _TYPE, _NOT_CANCELLED),
        Duration("collected:repair_type", "w.collected_at", _TO_COLLECTED, _TYPE, _COLLECTED),
        Duration("ready:device_model", "w.ready_at", _TO_READY, _MODEL, _NOT_CANCELLED, _DEVICE),
        Duration(
            "collected:device_model",
            "w.collected_at",
            _TO_COLLECTED,
            _MODEL,
            _COLLECTED,
            _DEVICE,
        ),
        Duration(
            "started", "w.started_at", "EXTRACT(EPOCH FROM w.started_at - w.created_at)", "''"
        ),
        Duration(
            "stay",
            "t.at",
            "EXTRACT(EPOCH FROM t.time_in_from_status)",
            "t.from_status",
            f"t.from_status <> '' AND t.from_status NOT IN {AFTER_READY}"
            " AND t.time_in_from_status IS NOT NULL",
            "tickets_timelineentry t JOIN tickets_worksorder w"
            " ON w.id = t.works_order_id AND w.shop_id = t.shop_id",
            "t",
        ),
    )
}


# Counts and sums ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """One measure of reports_dailytally: per job (or time entry, invoice, part fitted) the
    moment whose day it counts on, its key and what it adds: jobs, reworked (failed QC at least
    once), came back (under warranty, so far) and an amount (bench minutes, seconds logged,
    money), rounded per row as the column keeps it so sums agree rolled up or live."""

    measure: str
    table: str
    alias: str
    moment: str
    key: str
    where: str = "TRUE"
    jobs: str = "1"
    reworked: str = "0"
    came_back: str = "0"
    amount: str = "0"
    branch: str = "w.branch_id"

    def rows(self) -> str:
        """SQL: (shop_id, branch_id, day, measure, key, jobs, reworked, came_back, amount) per
        row, without the range of moments (the caller adds it)."""
        return (
            f"SELECT {self.alias}.shop_id, {self.branch} AS branch_id,"
            f" ({self.moment} AT TIME ZONE %(tz)s)::date AS day, '{self.measure}'::text AS measure,"
            f" {self.key} AS key, {self.jobs} AS jobs, {self.reworked} AS reworked,"
            f" {self.came_back} AS came_back, round(({self.amount})::numeric, 4) AS amount"
            f" FROM {self.table} WHERE {self.where}"
        )

    def live(self, branches: str) -> str:
        """SQL for the days after the mark, of the shop %(shop)s, one row per job."""
        return (
            f"{self.rows()} AND {self.alias}.shop_id = %(shop)s {branches}"
            f" AND {self.moment} >= {LIVE_FROM} AND {self.moment} < %(until)s"
        )

    def refresh(self, shop: str) -> str:
        return f"""
            INSERT INTO reports_dailytally
                (shop_id, branch_id, day, measure, key, jobs, reworked, came_back, amount)
            SELECT shop_id, branch_id, day, measure, key, SUM(jobs), SUM(reworked),
                   SUM(came_back), SUM(amount)
            FROM ({self.rows()} AND {self.moment} >= %(start)s AND {self.moment} < %(end)s
                  {shop.replace("shop_id", self.alias + ".shop_id")}) happened
            GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (shop_id, day, branch_id, measure, key) DO UPDATE SET
                jobs = EXCLUDED.jobs, reworked = EXCLUDED.reworked,
                came_back = EXCLUDED.came_back, amount = EXCLUDED.amount
        """


_CAME_BACK = (
    "(EXISTS (SELECT 1 FROM tickets_worksorder c WHERE c.shop_id = w.shop_id"
    " AND c.warranty_return_of_id = w.id))::int"
)
_READY = {
    "table": "tickets_worksorder w",
    "alias": "w",
    "moment": "w.ready_at",
    "where": _NOT_CANCELLED,
    "reworked": "(w.qc_failures > 0)::int",
    "came_back": _CAME_BACK,
}
TALLIES = {
    t.measure: t
    for t in (
        # Quality and productivity: jobs finished, by who repaired them (sent them to QC) with
        # the pricebook's bench minutes (the job's own estimate where it has no entry).
        Tally(
            "ready:technician",
            **{
                **_READY,
                "table": _DEVICE + " LEFT JOIN pricebook_pricebookentry pe"
                " ON pe.shop_id = w.shop_id AND pe.device_model_id = d.device_model_id"
                " AND pe.repair_type_id = w.repair_type_id",
            },
            key="COALESCE(w.repaired_by_id::text, '')",
            amount="COALESCE(pe.labour_minutes, w.estimated_minutes, 0)",
        ),
        Tally("ready:repair_type", **_READY, key=_TYPE),
        # Hours logged: stretches of bench time that ended on the day, by technician.
        Tally(
            "logged",
            "tickets_timeentry te JOIN tickets_worksorder w"
            " ON w.id = te.works_order_id AND w.shop_id = te.shop_id",
            "te",
            "te.ended_at",
            "te.technician_id::text",
            amount="EXTRACT(EPOCH FROM te.ended_at - te.started_at)",
        ),
        # Revenue: invoices less credit notes issued on the day, net of VAT.
        Tally(
            "revenue",
            "billing_invoice i JOIN tickets_worksorder w"
            " ON w.id = i.works_order_id AND w.shop_id = i.shop_id",
            "i",
            "i.issued_at",
            _TYPE,
            amount="CASE i.kind WHEN 'credit_note' THEN -i.net ELSE i.net END",
        ),
        # Parts fitted on the day, at their cost when fitted, at the branch that fitted them.
        Tally(
            "parts",
            "parts_stockmovement m JOIN tickets_worksorder w"
            " ON w.id = m.works_order_id AND w.shop_id = m.shop_id",
            "m",
            "m.at",
            _TYPE,
            "m.kind = 'used'",
            amount="m.quantity * m.unit_cost",
            branch="m.branch_id",
        ),
        # Faults reported, as typed (case and spaces aside).
        Tally(
            "fault",
            "tickets_worksorder w",
            "w",
            "w.created_at",
            "lower(btrim(w.fault_reported))",
        ),
    )
}


def _durations_of_jobs(shop: str) -> str:
    """One pass over the works orders of the range for every works-order measure (unpivoted),
    so a first fill reads each month of jobs once, not once a measure."""
    measures = [d for d in DURATIONS.values() if d.alias == "w"]
    values = ",\n".join(
        f"('{d.measure}', {d.moment}, {d.key}, {d.seconds}, {d.where})" for d in measures
    )
    moments = sorted({d.moment for d in measures})
    anywhere = " OR ".join(f"({m} >= %(start)s AND {m} < %(end)s)" for m in moments)
    return f"""
        INSERT INTO reports_dailyduration (shop_id, branch_id, day, measure, key, seconds, jobs)
        SELECT w.shop_id, w.branch_id, (e.at AT TIME ZONE %(tz)s)::date, e.measure, e.key,
               {bucket("e.seconds")}, COUNT(*)
        FROM {_DEVICE}
        CROSS JOIN LATERAL (VALUES {values}) AS e(measure, at, key, seconds, counts)
        WHERE ({anywhere}) {shop.replace("shop_id", "w.shop_id")}
          AND e.counts AND e.at >= %(start)s AND e.at < %(end)s
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (shop_id, day, branch_id, measure, key, seconds)
        DO UPDATE SET jobs = EXCLUDED.jobs
    """


def _durations_of_stays(shop: str) -> str:
    stay = DURATIONS["stay"]
    return f"""
        INSERT INTO reports_dailyduration (shop_id, branch_id, day, measure, key, seconds, jobs)
        SELECT t.shop_id, w.branch_id, ({stay.moment} AT TIME ZONE %(tz)s)::date, 'stay',
               {stay.key}, {bucket(stay.seconds)}, COUNT(*)
        FROM {stay.table}
        WHERE {stay.where} AND t.at >= %(start)s AND t.at < %(end)s
          {shop.replace("shop_id", "t.shop_id")}
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (shop_id, day, branch_id, measure, key, seconds)
        DO UPDATE SET jobs = EXCLUDED.jobs
    """


# Months --------------------------------------------------------------------------------------
#
# The monthly twins of the daily rollups: the same rows summed over each month, `day` its first
# day. Per table: the columns a row is kept under (besides shop, branch and day), those summed,
# and the same keys as compared (a job with no repair type is kept under NULL).
MONTHLY = {
    "repair": (
        "repair_type_id, priority",
        ("booked_in", "sla_jobs", "sla_met"),
        ("COALESCE({a}.repair_type_id, 0)", "{a}.priority"),
    ),
    "duration": ("measure, key, seconds", ("jobs",), ("{a}.measure", "{a}.key", "{a}.seconds")),
    "tally": (
        "measure, key",
        ("jobs", "reworked", "came_back", "amount"),
        ("{a}.measure", "{a}.key"),
    ),
}
TOUCHED = "rollup_touched"  # a temporary table: the monthly rows a refresh of some days touches


def _same(table: str, one: str, other: str) -> str:
    """SQL: rows `one` and `other` count in the same monthly row (same shop, branch, month and
    keys), as plain equalities the planner can hash on. An alias is rollup_touched's ("t": its
    keys as k0, k1…) or a row of months: `day` the month's first, the keys' own columns."""

    def keys(alias: str) -> list[str]:
        match = MONTHLY[table][2]
        if alias == "t":
            return [f"t.k{i}" for i in range(len(match))]
        return [key.format(a=alias) for key in match]

    pairs = [(f"{one}.{c}", f"{other}.{c}") for c in ("shop_id", "branch_id", "day")]
    pairs += list(zip(keys(one), keys(other), strict=True))
    return " AND ".join(f"{a} = {b}" for a, b in pairs)


def _touched(table: str, shop: str, *, first: bool) -> str:
    """SQL noting in rollup_touched the monthly rows that the daily rows of %(first)s..%(last)s
    count in: before the days are recounted (`first`, making the table) and after."""
    keys = ", ".join(f"{key.format(a='d')} AS k{i}" for i, key in enumerate(MONTHLY[table][2]))
    cells = (
        f"SELECT DISTINCT d.shop_id, d.branch_id, date_trunc('month', d.day)::date AS day, {keys}"
        f" FROM reports_daily{table} d WHERE d.day BETWEEN %(first)s AND %(last)s"
        f" {shop.replace('shop_id', 'd.shop_id')}"
    )
    if first:
        return f"CREATE TEMPORARY TABLE {TOUCHED} ON COMMIT DROP AS {cells}"
    return f"INSERT INTO {TOUCHED} {cells}"


def _recount_months(table: str, shop: str) -> str:
    """SQL recounting from the daily rows the monthly rows in rollup_touched: those changed are
    rewritten, those left with no day deleted, the month's others left alone (so their pages
    stay all-visible, and a job closing late rewrites a few rows, not its shop's month)."""
    keys, sums, match = MONTHLY[table]
    monthly = f"reports_monthly{table}"
    cell_keys = ", ".join(f"t.k{i} AS cell_k{i}" for i in range(len(match)))
    vanished = " AND ".join(f"{key.format(a='m')} = c.cell_k{i}" for i, key in enumerate(match))
    return f"""
        WITH month AS (
            SELECT shop_id, branch_id, date_trunc('month', day)::date AS day, {keys},
                   {", ".join(f"SUM({column}) AS {column}" for column in sums)}
            FROM reports_daily{table}
            WHERE day >= %(first_month)s AND day < %(after_last_month)s {shop}
            GROUP BY 1, 2, 3, {keys}
        ), cells AS (
            SELECT t.shop_id AS cell_shop, t.branch_id AS cell_branch, t.day AS cell_day,
                   {cell_keys}, month.*
            FROM (SELECT DISTINCT * FROM {TOUCHED}) t
            LEFT JOIN month ON {_same(table, "t", "month")}
        ), gone AS (
            DELETE FROM {monthly} m USING cells c
            WHERE c.shop_id IS NULL AND m.shop_id = c.cell_shop AND m.branch_id = c.cell_branch
              AND m.day = c.cell_day AND {vanished}
        )
        INSERT INTO {monthly} (shop_id, branch_id, day, {keys}, {", ".join(sums)})
        SELECT shop_id, branch_id, day, {keys}, {", ".join(sums)} FROM cells
        WHERE shop_id IS NOT NULL
        ON CONFLICT (shop_id, day, branch_id, {keys}) DO UPDATE
        SET {", ".join(f"{column} = EXCLUDED.{column}" for column in sums)}
        WHERE ({", ".join(f"{monthly}.{column}" for column in sums)})
          IS DISTINCT FROM ({", ".join(f"EXCLUDED.{column}" for column in sums)})
    """


def _recount_shop_days(shop: str) -> list[str]:
    """SQL recounting the shop-wide daily histograms of the days %(first)s..%(last)s from the
    per-branch days just counted (rewritten whole, as those are)."""
    days = f"day BETWEEN %(first)s AND %(last)s {shop}"
    return [
        f"DELETE FROM reports_dailyshopduration WHERE {days}",
        "INSERT INTO reports_dailyshopduration (shop_id, day, measure, key, seconds, jobs)"
        f" SELECT shop_id, day, measure, key, seconds, SUM(jobs) FROM reports_dailyduration"
        f" WHERE {days} GROUP BY shop_id, day, measure, key, seconds",
    ]


def _recount_shop_months() -> str:
    """SQL recounting the shop-wide monthly histograms of the cells in rollup_touched from the
    per-branch months just recounted: changed rows rewritten, those no branch holds any more
    deleted, the rest left alone (as _recount_months does)."""
    return f"""
        WITH cells AS (
            SELECT DISTINCT shop_id, day, k0 AS measure, k1 AS key, k2 AS seconds FROM {TOUCHED}
        ), month AS (
            SELECT m.shop_id, m.day, m.measure, m.key, m.seconds, SUM(m.jobs) AS jobs
            FROM reports_monthlyduration m
            WHERE (m.shop_id, m.measure, m.key, m.day)
                  IN (SELECT shop_id, k0, k1, day FROM {TOUCHED})
            GROUP BY 1, 2, 3, 4, 5
        ), counted AS (
            SELECT c.*, month.jobs FROM cells c LEFT JOIN month
            ON month.shop_id = c.shop_id AND month.day = c.day AND month.measure = c.measure
               AND month.key = c.key AND month.seconds = c.seconds
        ), gone AS (
            DELETE FROM reports_monthlyshopduration s USING counted c
            WHERE c.jobs IS NULL AND s.shop_id = c.shop_id AND s.day = c.day
              AND s.measure = c.measure AND s.key = c.key AND s.seconds = c.seconds
        )
        INSERT INTO reports_monthlyshopduration AS s (shop_id, day, measure, key, seconds, jobs)
        SELECT shop_id, day, measure, key, seconds, jobs FROM counted WHERE jobs IS NOT NULL
        ON CONFLICT (shop_id, day, measure, key, seconds) DO UPDATE SET jobs = EXCLUDED.jobs
        WHERE s.jobs IS DISTINCT FROM EXCLUDED.jobs
    """


def _month_after(day: datetime.date) -> datetime.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def rolled_days(
    first: datetime.date, last: datetime.date, split: datetime.date, through: datetime.date
) -> tuple[list[datetime.date], list[datetime.date]]:
    """The days first..last that the rollups hold (up to `through`, the mark), as the first days
    of the whole months among them, read from the monthly rollups, and every other day, read
    from the daily ones. A month is taken whole only when it lies on one side of `split` (the
    first day of the period shown: the days before it are the period before)."""
    months, days = [], []
    end = min(last, through)
    day = first
    while day <= end:
        after = _month_after(day)
        if day.day == 1 and after - datetime.timedelta(days=1) <= end and not day < split < after:
            months.append(day)
            day = after
        else:
            days.append(day)
            day += datetime.timedelta(days=1)
    return months, days


def rolled_up(table: str, columns: str, where: str, *, across_branches: bool = False) -> str:
    """SQL: `columns` of a shop's rolled-up rows (alias r) of `table` ("repair", "duration" or
    "tally") that meet `where`, for the whole months %(months)s and the days %(days)s (as
    rolled_days gives them). `across_branches` (durations only): from the shop-wide
    histograms, whose rows have no branch, so neither `columns` nor `where` may name
    r.branch_id."""
    if across_branches and table != "duration":
        raise ValueError("Only the durations are summed over the branches")
    kind = "shopduration" if across_branches else table
    return " UNION ALL ".join(
        f"SELECT {columns} FROM reports_{grain}{kind} r"
        f" WHERE r.shop_id = %(shop)s {where} AND r.day = ANY(%({days})s)"
        for grain, days in (("monthly", "months"), ("daily", "days"))
    )


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@transaction.atomic
def rollup_refresh(
    *, first: datetime.date, last: datetime.date, shop_id: int | None = None
) -> None:
    """Recount the days first..last (both inclusive, the shop's time) for one shop or all: the
    rows are deleted and counted again from the works orders (and the stays of the timeline),
    then the months they fall in from the days."""
    shop = " AND shop_id = %(shop)s" if shop_id is not None else ""
    params = {
        "tz": timezone.get_current_timezone_name(),
        "start": _midnight(first),
        "end": _midnight(last + datetime.timedelta(days=1)),
        "first": first,
        "last": last,
        "shop": shop_id,
        "first_month": first.replace(day=1),
        "last_month": last.replace(day=1),
        "after_last_month": _month_after(last),
    }
    with connection.cursor() as cursor:
        for table, inserts in (
            ("branch", [DAILY_BRANCH.format(shop=shop)]),
            ("repair", [DAILY_REPAIR.format(shop=shop)]),
            ("duration", [_durations_of_jobs(shop), _durations_of_stays(shop)]),
            ("tally", [t.refresh(shop) for t in TALLIES.values()]),
        ):
            twin = table in MONTHLY
            if twin:  # the monthly rows the days count in now, before they are recounted
                cursor.execute(_touched(table, shop, first=True), params)
            cursor.execute(
                f"DELETE FROM reports_daily{table} WHERE day BETWEEN %(first)s AND %(last)s {shop}",
                params,
            )
            for insert in inserts:
                cursor.execute(insert, params)
            if table == "duration":
                for statement in _recount_shop_days(shop):
                    cursor.execute(statement, params)
            if twin:  # and those they count in after
                cursor.execute(_touched(table, shop, first=False), params)
                # Counted, so the recount joins it by hashing rather than row by row.
                cursor.execute(f"ANALYZE {TOUCHED}")
                cursor.execute(_recount_months(table, shop), params)
                if table == "duration":
                    cursor.execute(_recount_shop_months())
                cursor.execute(f"DROP TABLE {TOUCHED}")


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
