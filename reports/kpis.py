"""The manager's KPI figures: each one set-based SQL (GROUP BY, FILTER, percentile_cont), read
for a period and the period before it in the same statement, never rows looped in Python.

Public API (the weekly summary reuses it; keep the names):

    Period(start, end)            whole days in the shop's time, both inclusive; .previous()
    volume(shop, branches, period)              in / out / cancelled / open at the end, per branch
    open_by_status(shop, branches)              open jobs now, per status
    turnaround(shop, branches, period, by=…)    intake → ready and → collected, median and p90,
                                                by "repair_type" or "device_model"
    assignment_time(shop, branches, period)     intake → first picked up (started), per branch
    time_in_each_status(shop, branches, period) how long stays that ended in the period lasted
    quality(shop, branches, period, by=…)       QC failure (rework) and comeback rates, by
                                                "technician" or "repair_type"
    productivity(shop, branches, period)        per technician: jobs finished, hours logged,
                                                pricebook bench time of the jobs finished
    money(shop, branches, period)               per repair type: revenue net of credit notes,
                                                parts cost (parts fitted), margin
    common_repairs / common_faults(shop, branches, period)
    sla_compliance(shop, branches, period)      per priority: ready by the SLA due time
    stock(shop, branches, period)               per branch: stock value and turnover
    dashboard(shop, branches, period) -> Dashboard   all of the above, as Tables by name

`branches` is a list of Branch (or ids); empty or None means all the shop's branches. Every
figure is a Table: columns, and rows holding the period's value (`now`) and the previous
period's (`before`) for each column, with the works-order list filters behind the row (`link`).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from reports import beside, rollups
from reports.rollups import CUT_AT, DURATIONS, LIVE_FROM, TALLIES, THROUGH, rolled_up
from shops.models import Branch, Shop
from tickets.models import OPEN_STATUSES, Priority, Status

STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
TOP = 10  # most common repairs and faults shown
DASHBOARD_WORK_MEM = "64MB"  # per sort or hash of the dashboard's statements, one at a time


# Periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days in the shop's time, from the start of `start` to the end of `end`."""

    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period ends on or after its first day.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime.datetime:
        return _midnight(self.start)

    @property
    def until(self) -> datetime.datetime:  # exclusive
        return _midnight(self.end + datetime.timedelta(days=1))

    def previous(self) -> Period:
        """The same number of days just before it (a week before a week; a month's length
        before a month, counted in days)."""
        last = self.start - datetime.timedelta(days=1)
        return Period(last - datetime.timedelta(days=self.days - 1), last)

    @classmethod
    def week_of(cls, day: datetime.date) -> Period:
        """Monday of `day`'s week to `day`."""
        return cls(day - datetime.timedelta(days=day.weekday()), day)

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        """The first of `day`'s month to `day`."""
        return cls(day.replace(day=1), day)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# Tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    unit: str = ""  # "" (a count), "hours", "percent", "money"
    # Whether the row's works-order list link is the jobs behind this figure: a row is linked
    # to one set of jobs (booked in, ready… in the period); a figure about others is not.
    linked: bool = True
    # A figure about other jobs than the row's: the event whose dates in the period pick them
    # ("collected": collected_from/to instead of the row's ready_from/to…) and filters added.
    span: str = ""
    filters: tuple[tuple[str, str], ...] = ()


@dataclass
class Row:
    key: object  # what the row is about: a repair type id, a status, a branch id…
    label: str
    now: dict[str, object] = field(default_factory=dict)
    before: dict[str, object] = field(default_factory=dict)
    link: dict[str, object] = field(default_factory=dict)  # works-order list filters

    def change(self, column: str) -> object:
        """Now less before, where both are known."""
        now, before = self.now.get(column), self.before.get(column)
        if now is None or before is None:
            return None
        return now - before


@dataclass
class Table:
    name: str  # also the ?export= name
    title: str
    key_label: str  # the first column's heading
    columns: list[Column]
    rows: list[Row]
    chart: str = ""  # the column drawn in the chart
    compared: bool = True  # False: a snapshot now, with no previous period
    more: bool = False  # only the first rows were read (dashboard(top=…)); there are others

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def chart_label(self) -> str:
        return self.column(self.chart).label if self.chart else ""


# SQL helpers -------------------------------------------------------------------------------


def _branch_ids(branches: Iterable[Branch | int] | None) -> list[int]:
    return [b if isinstance(b, int) else b.pk for b in branches or []]


# The mark, read once for all the figures of one dashboard (dashboard() sets it).
_MARK: ContextVar[datetime.date | bool | None] = ContextVar("rollup_mark", default=False)


@contextlib.contextmanager
def one_mark() -> Iterator[None]:
    """Read the rollups' mark once for every figure worked out inside (a dashboard, a beat of
    weekly summaries) instead of once a figure."""
    token = _MARK.set(rollups.rolled_through())
    try:
        yield
    finally:
        _MARK.reset(token)


def _params(shop: Shop, branches, period: Period) -> dict:
    previous = period.previous()
    mark = _MARK.get()
    cut = rollups.cut(since=previous.since, through=mark)
    months, days = rollups.rolled_days(previous.start, period.end, period.start, cut["through"])
    return {
        **cut,
        "months": months,  # read from the monthly rollups
        "days": days,  # and these from the daily ones
        "shop": shop.pk,
        "branches": _branch_ids(branches),
        "since": previous.since,  # the previous period's start
        "mid": period.since,  # this period's start
        "until": period.until,
        "since_day": previous.start,
        "mid_day": period.start,
        "until_day": period.end + datetime.timedelta(days=1),
        "tz": timezone.get_current_timezone_name(),
    }


# Days up to the rollups' mark are read from them; later days (today) live from the works
# orders. The SQL of both sides is reports/rollups.py's.


def _day_of(column: str) -> str:
    return f"({column} AT TIME ZONE %(tz)s)::date"


def _day_now(column: str = "day") -> str:
    return f"({column} >= %(mid_day)s AND {column} < %(until_day)s)"


def _day_before(column: str = "day") -> str:
    return f"({column} >= %(since_day)s AND {column} < %(mid_day)s)"


def _in_branches(alias: str, branches) -> str:
    # Written into the text only when chosen: a generic plan for "all" then skips the test.
    return f" AND {alias}.branch_id = ANY(%(branches)s)" if _branch_ids(branches) else ""


def _now(column: str) -> str:
    return f"({column} >= %(mid)s AND {column} < %(until)s)"


def _before(column: str) -> str:
    return f"({column} >= %(since)s AND {column} < %(mid)s)"


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _hours(value) -> float | None:
    return None if value is None else round(float(value) / 3600, 2)


def _rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def _span(period: Period, prefix: str) -> dict[str, str]:
    return {f"{prefix}_from": period.start.isoformat(), f"{prefix}_to": period.end.isoformat()}


# Volume ------------------------------------------------------------------------------------

VOLUME_COLUMNS = [
    Column("booked_in", "Booked in"),
    Column("collected", "Collected", span="collected", filters=(("status", "collected"),)),
    Column("cancelled", "Cancelled", span="cancelled", filters=(("status", "cancelled"),)),
    Column("open_at_end", "Open at the end", linked=False),
]


def volume(shop: Shop, branches, period: Period) -> Table:
    """Per branch: works orders booked in, collected and cancelled in the period, and how many
    were open at its end (all booked before it less all collected or cancelled before it); the
    previous period's beside them. Rolled-up days from reports_dailybranch, the rest live."""
    p = _params(shop, branches, period)
    live = "SELECT w.branch_id, {day} AS day, {values} FROM tickets_worksorder w" + (
        " WHERE w.shop_id = %(shop)s" + _in_branches("w", branches)
        + " AND {column} >= " + CUT_AT + " AND {column} < %(until)s"
    )  # fmt: skip
    # A closing time is set only by its step, so the status says which index holds it.
    events = [
        ("w.created_at", "1, 0, 0", ""),
        ("w.collected_at", "0, 1, 0", " AND w.status = 'collected'"),
        ("w.cancelled_at", "0, 0, 1", " AND w.status = 'cancelled'"),
    ]
    lives = "\n UNION ALL ".join(
        live.format(day=_day_of(column), values=values, column=column) + status
        for column, values, status in events
    )
    open_at = "SUM(booked_in - collected - cancelled) FILTER (WHERE day < {day})"
    sql = f"""
        WITH days AS (
            SELECT r.branch_id, r.day, r.booked_in, r.collected, r.cancelled
            FROM reports_dailybranch r
            WHERE r.shop_id = %(shop)s {_in_branches("r", branches)}
              AND r.day <= {THROUGH} AND r.day < %(until_day)s
            UNION ALL {lives}
        )
        SELECT b.id, b.name,
          COALESCE(SUM(booked_in) FILTER (WHERE {_day_now()}), 0),
          COALESCE(SUM(collected) FILTER (WHERE {_day_now()}), 0),
          COALESCE(SUM(cancelled) FILTER (WHERE {_day_now()}), 0),
          COALESCE({open_at.format(day="%(until_day)s")}, 0),
          COALESCE(SUM(booked_in) FILTER (WHERE {_day_before()}), 0),
          COALESCE(SUM(collected) FILTER (WHERE {_day_before()}), 0),
          COALESCE(SUM(cancelled) FILTER (WHERE {_day_before()}), 0),
          COALESCE({open_at.format(day="%(mid_day)s")}, 0)
        FROM days JOIN shops_branch b ON b.id = days.branch_id
        GROUP BY b.id, b.name
        ORDER BY b.name
    """
    names = [c.name for c in VOLUME_COLUMNS]
    rows = [
        Row(
            key=branch_id,
            label=name,
            now=dict(zip(names, values[:4], strict=True)),
            before=dict(zip(names, values[4:], strict=True)),
            link={"branch_code_of": branch_id, **_span(period, "booked")},
        )
        for branch_id, name, *values in _fetch(sql, p)
    ]
    rows = [r for r in rows if any(r.now.values()) or any(r.before.values())]
    return Table("volume", "Works orders in and out", "Branch", VOLUME_COLUMNS, rows, "booked_in")


def open_by_status(shop: Shop, branches) -> Table:
    """Open works orders now, per status, in the lifecycle's order."""
    sql = f"""
        SELECT w.status, COUNT(*) FROM tickets_worksorder w
        WHERE w.shop_id = %(shop)s {_in_branches("w", branches)}
          AND w.status = ANY(%(open)s)
        GROUP BY w.status
    """
    # The open statuses named, not the closed ones excluded: then the (shop, status) index
    # reads only the open jobs, not the shop's every job (2 ms, not 15, at 300,000 jobs).
    params = {"shop": shop.pk, "branches": _branch_ids(branches), "open": OPEN_STATUSES}
    counts = dict(_fetch(sql, params))
    rows = [
        Row(key=s.value, label=s.label, now={"jobs": counts[s.value]}, link={"status": s.value})
        for s in Status
        if s.value in counts
    ]
    columns = [Column("jobs", "Open now")]
    return Table("open", "Open now by status", "Status", columns, rows, "jobs", compared=False)


# Durations: medians and 90th percentiles from histograms ------------------------------------


@dataclass(frozen=True)
class Spread:
    """How many, the median and the 90th percentile (in hours) of some durations."""

    jobs: int = 0
    median: float | None = None
    p90: float | None = None


BY_BRANCH = "branch_id::text"  # _durations' group for a row per branch


def _durations(
    shop: Shop,
    branches,
    period: Period,
    measures: Sequence[str],
    group: str = "key",
    label: str = "",
    top: int | None = None,
) -> tuple[dict[tuple[str, str, bool], Spread], dict[str, str]]:
    """{(measure, group, now?): Spread} for the period (now) and the one before, read from the
    rolled-up histograms up to the mark and from the jobs after it, each duration rounded as
    the rollups round it (reports.rollups.bucket): percentile_cont's interpolation over those
    counts, so the rollups and the live query give the same figures. `group` is "key", "''"
    (everything as one) or BY_BRANCH. With `top` (group "key" only), only the `top`
    keys with the most jobs of the first measure in the period are worked out (_busiest_keys)."""
    p = {**_params(shop, branches, period), "measures": list(measures)}
    only_chosen = ""
    if top is not None:
        if group != "key":
            raise ValueError("Only keyed histograms are read in part")
        p["chosen"] = _busiest_keys(p, measures, branches, top)
        only_chosen = "WHERE key = ANY(%(chosen)s)"
    sql = f"""
        WITH hist AS NOT MATERIALIZED (
            {_histogram(measures, branches, by_branch=group == BY_BRANCH)}
        ), counted AS (
            SELECT measure COLLATE "C" AS measure, ({group}) COLLATE "C" AS grp,
                   day >= %(mid_day)s AS now, seconds,
                   SUM(jobs)::integer AS jobs
            FROM hist {only_chosen}
            GROUP BY 1, 2, 3, 4
        ), ranked AS (
            SELECT measure, grp, now, seconds,
              SUM(jobs) OVER (PARTITION BY measure, grp, now ORDER BY seconds) - jobs AS below,
              SUM(jobs) OVER (PARTITION BY measure, grp, now) AS total
            FROM counted
        ), placed AS (
            SELECT *, (total - 1) / 2.0::float8 AS r50, 9 * (total - 1) / 10.0::float8 AS r90
            FROM ranked
        )
        SELECT g.*, {LABELS[label]} FROM (
        SELECT measure, grp, now, MAX(total),
          MAX(seconds) FILTER (WHERE below <= floor(r50)),
          MAX(seconds) FILTER (WHERE below <= ceil(r50)), MAX(r50 - floor(r50)),
          MAX(seconds) FILTER (WHERE below <= floor(r90)),
          MAX(seconds) FILTER (WHERE below <= ceil(r90)), MAX(r90 - floor(r90))
        FROM placed
        GROUP BY 1, 2, 3
        ) g
    """

    def between(low, high, share) -> float:
        return low + float(share) * (high - low)

    rows, labels = _labelled(_fetch(sql, p))
    found = {}
    for measure, grp, now, total, lo50, hi50, f50, lo90, hi90, f90, _label in rows:
        found[(measure, grp, now)] = Spread(
            int(total),
            _hours(between(lo50, hi50, f50)),
            _hours(between(lo90, hi90, f90)),
        )
    return found, labels


def _histogram(measures: Sequence[str], branches, *, by_branch: bool = False) -> str:
    """SQL: rows (measure, branch_id, key, day, seconds, jobs) of the duration histograms of
    `measures` (%(measures)s) over both periods: rolled up to the mark, live after it. All
    branches taken as one (no `branches` chosen and not `by_branch`), the rolled-up rows are
    the shop-wide histograms' (half to a fifth as many) and their branch_id is NULL."""
    lives = "\n UNION ALL ".join(DURATIONS[m].live(_in_branches("w", branches)) for m in measures)
    across = not by_branch and not _branch_ids(branches)
    rolled = rolled_up(
        "duration",
        f"r.measure, {'NULL::bigint' if across else 'r.branch_id'}, r.key, r.day, r.seconds,"
        " r.jobs",
        f"AND r.measure = ANY(%(measures)s) {_in_branches('r', branches)}",
        across_branches=across,
    )
    return f"""{rolled}
        UNION ALL
        SELECT measure, branch_id, key, day, seconds, jobs FROM ({lives}) live"""


def _busiest_keys(p: dict, measures: Sequence[str], branches, top: int) -> list[str]:
    """The `top` keys with the most jobs of the first measure in the period, ties by key, as
    the whole table sorts its rows; keys with none there follow, by key. Ranked from the
    period's rows of that measure alone (for a year of device models, a quarter of the rows the
    table's two measures and two periods hold), and the others read only when too few keys have
    any. The percentiles are then worked out for these keys only, read along the histograms'
    (shop, measure, key) index: the 21 busiest of 229 device models hold an eighth of the rows."""
    first = {**p, "measures": [measures[0]], "top": top}
    ranked = [
        key
        for (key,) in _fetch(
            f"""WITH hist AS NOT MATERIALIZED ({_histogram([measures[0]], branches)})
            SELECT key FROM hist WHERE day >= %(mid_day)s GROUP BY key
            ORDER BY SUM(jobs) DESC, key COLLATE "C" LIMIT %(top)s""",
            first,
        )
    ]
    if len(ranked) == top:
        return ranked
    rest = {**p, "ranked": ranked, "rest": top - len(ranked)}
    return ranked + [
        key
        for (key,) in _fetch(
            f"""WITH hist AS NOT MATERIALIZED ({_histogram(measures, branches)})
            SELECT key FROM hist WHERE key <> ALL(%(ranked)s)
            GROUP BY key ORDER BY key COLLATE "C" LIMIT %(rest)s""",
            rest,
        )
    ]


# Counts and sums: rolled up to the mark, live after it -------------------------------------


@dataclass(frozen=True)
class Sums:
    jobs: int = 0
    reworked: int = 0
    came_back: int = 0
    amount: Decimal = Decimal("0")


def _tallies(
    shop: Shop, branches, period: Period, measures: Sequence[str], label: str = ""
) -> tuple[dict[tuple[str, str, bool], Sums], dict[str, str]]:
    """{(measure, key, now?): Sums} for the period (now) and the one before, from
    reports_dailytally up to the mark and from the rows after it (reports/rollups.py)."""
    p = {**_params(shop, branches, period), "measures": list(measures)}
    lives = "\n UNION ALL ".join(
        TALLIES[m].live(_in_branches(TALLIES[m].branch.split(".")[0], branches)) for m in measures
    )
    rolled = rolled_up(
        "tally",
        "r.measure, r.key, r.day, r.jobs, r.reworked, r.came_back, r.amount",
        f"AND r.measure = ANY(%(measures)s) {_in_branches('r', branches)}",
    )
    sql = f"""
        SELECT g.*, {LABELS[label]} FROM (
        SELECT measure, key AS grp, day >= %(mid_day)s, SUM(jobs), SUM(reworked),
               SUM(came_back), SUM(amount)
        FROM (
            {rolled}
            UNION ALL
            SELECT measure, key, day, jobs, reworked, came_back, amount FROM ({lives}) live
        ) tallied
        GROUP BY 1, 2, 3
        ) g
    """
    rows, labels = _labelled(_fetch(sql, p))
    found = {
        (measure, key, now): Sums(int(jobs), int(reworked), int(came_back), amount)
        for measure, key, now, jobs, reworked, came_back, amount, _label in rows
    }
    return found, labels


# The label of a row's key, worked out in the same statement as its figures.
LABELS = {
    "repair_type": "(SELECT rt.name FROM pricebook_repairtype rt"
    " WHERE rt.id = NULLIF(g.grp, '')::bigint)",
    "technician": "(SELECT COALESCE(NULLIF(u.full_name, ''), u.email, '') FROM shops_membership m"
    " JOIN shops_user u ON u.id = m.user_id WHERE m.id = NULLIF(g.grp, '')::bigint)",
    "branch": "(SELECT b.name FROM shops_branch b WHERE b.id = g.grp::bigint)",
    "": "NULL",
}


def _labelled(rows: list[tuple]) -> tuple[dict, dict[str, str]]:
    labels = {row[1]: row[-1] or "" for row in rows}
    return rows, labels


def _keys(found: dict, *measures: str) -> set[str]:
    return {key for measure, key, _now in found if measure in measures}


# Turnaround --------------------------------------------------------------------------------

TURNAROUND_COLUMNS = [
    Column("ready_jobs", "Ready"),
    Column("ready_median", "Intake → ready, median", "hours"),
    Column("ready_p90", "Intake → ready, 90th percentile", "hours"),
    Column("collected_jobs", "Collected", span="collected"),
    Column("collected_median", "Intake → collected, median", "hours", span="collected"),
    Column("collected_p90", "Intake → collected, 90th percentile", "hours", span="collected"),
]

DIMENSION_LABELS = {
    "all": "All",
    "repair_type": "Repair type",
    "device_model": "Device model",
    "technician": "Technician",
}


def _dimension_link(by: str, key) -> dict:
    if by == "repair_type":
        return {"repair_type": key if key is not None else "none"}
    if by == "technician":  # who repaired the job (sent it to QC), not who holds it now
        return {"repaired_by": key} if key is not None else {}
    return {}


def turnaround(
    shop: Shop, branches, period: Period, *, by: str = "repair_type", top: int | None = None
) -> Table:
    """Intake → ready (jobs ready in the period) and intake → collected (jobs collected in it),
    median and 90th percentile in clock hours, by repair type or device model (or "all": one
    row), from the duration histograms (reports/rollups.py). With `top`, the first `top` rows
    only (the most jobs ready first, as the table is sorted)."""
    if by not in ("all", "repair_type", "device_model"):
        raise ValueError(f"Unknown dimension {by!r}")
    kept = "device_model" if by == "device_model" else "repair_type"
    measures = [f"ready:{kept}", f"collected:{kept}"]
    group = "''" if by == "all" else "key"
    label = "repair_type" if by == "repair_type" else ""
    # One more than asked for: then the table knows whether there are others.
    read = top + 1 if top is not None else None
    found, labels = _durations(shop, branches, period, measures, group, label, top=read)
    keys = {grp for _m, grp, _now in found}
    if by == "device_model":
        labels = {k: k for k in keys}

    def figures(grp: str, now: bool) -> list:
        ready = found.get((measures[0], grp, now), Spread())
        collected = found.get((measures[1], grp, now), Spread())
        return [ready.jobs, ready.median, ready.p90, collected.jobs, collected.median,
                collected.p90]  # fmt: skip

    names = [c.name for c in TURNAROUND_COLUMNS]
    rows = []
    for grp in keys:
        row_key = _row_key(by, grp)
        rows.append(
            Row(
                key=row_key,
                label=labels.get(grp, "") or "No repair type",
                now=dict(zip(names, figures(grp, True), strict=True)),
                before=dict(zip(names, figures(grp, False), strict=True)),
                link={**_dimension_link(by, row_key), **_span(period, "ready")},
            )
        )
    rows.sort(key=lambda r: (-r.now["ready_jobs"], r.label))
    more = top is not None and len(rows) > top
    title = f"Turnaround by {DIMENSION_LABELS[by].lower()}"
    return Table(
        f"turnaround_{by}",
        title,
        DIMENSION_LABELS[by],
        TURNAROUND_COLUMNS,
        rows[:top],
        "ready_median",
        more=more,
    )


def _row_key(by: str, grp: str):
    if by == "all":
        return 0
    if by == "repair_type":
        return int(grp) if grp else None
    return grp


# Assignment time ---------------------------------------------------------------------------

ASSIGNMENT_COLUMNS = [
    Column("jobs", "Picked up"),
    Column("median", "Intake → picked up, median", "hours"),
    Column("p90", "Intake → picked up, 90th percentile", "hours"),
]


def assignment_time(shop: Shop, branches, period: Period) -> Table:
    """Per branch: how long jobs first picked up (started) in the period waited since intake."""
    found, names_of = _durations(shop, branches, period, ["started"], BY_BRANCH, "branch")
    ids = sorted({int(grp) for _m, grp, _now in found})
    names = [c.name for c in ASSIGNMENT_COLUMNS]
    rows = []
    for branch_id in sorted(ids, key=lambda i: names_of.get(str(i), "")):
        now = found.get(("started", str(branch_id), True), Spread())
        before = found.get(("started", str(branch_id), False), Spread())
        rows.append(
            Row(
                branch_id,
                names_of.get(str(branch_id), ""),
                dict(zip(names, (now.jobs, now.median, now.p90), strict=True)),
                dict(zip(names, (before.jobs, before.median, before.p90), strict=True)),
                {"branch_code_of": branch_id, **_span(period, "started")},
            )
        )
    return Table(
        "assignment", "Assignment time (intake → picked up)", "Branch", ASSIGNMENT_COLUMNS, rows,
        "median",
    )  # fmt: skip


# Time in each status -----------------------------------------------------------------------

STAY_COLUMNS = [
    Column("stays", "Stays"),
    Column("median", "Median", "hours"),
    Column("p90", "90th percentile", "hours"),
]


def time_in_each_status(shop: Shop, branches, period: Period) -> Table:
    """Per status before ready: how long the stays that ended in the period lasted (the steps'
    time_in_from_status, rolled up per day as histograms)."""
    found, _labels = _durations(shop, branches, period, ["stay"])
    names = [c.name for c in STAY_COLUMNS]
    rows = []
    for status in Status:
        now = found.get(("stay", status.value, True))
        before = found.get(("stay", status.value, False))
        if now is None and before is None:
            continue
        now, before = now or Spread(), before or Spread()
        rows.append(
            Row(
                status.value,
                status.label,
                dict(zip(names, (now.jobs, now.median, now.p90), strict=True)),
                dict(zip(names, (before.jobs, before.median, before.p90), strict=True)),
            )
        )
    return Table("status_time", "Time in each status", "Status", STAY_COLUMNS, rows, "median")


# Quality -----------------------------------------------------------------------------------

QUALITY_COLUMNS = [
    Column("jobs", "Jobs finished"),
    Column("reworked", "Failed QC", filters=(("failed_qc", "on"),)),
    Column("rework_rate", "QC failure rate", "percent", filters=(("failed_qc", "on"),)),
    Column("comebacks", "Came back", filters=(("came_back", "on"),)),
    Column("comeback_rate", "Comeback rate", "percent", filters=(("came_back", "on"),)),
]


def quality(shop: Shop, branches, period: Period, *, by: str = "technician") -> Table:
    """Of the jobs that became ready in the period (by who repaired them, or repair type): how
    many failed QC at least once before passing, and how many came back under warranty (so far:
    a recent period's comebacks still grow; a comeback booked recounts its job's ready day)."""
    if by not in ("technician", "repair_type"):
        raise ValueError(f"Unknown dimension {by!r}")
    measure = f"ready:{by}"
    found, labels = _tallies(shop, branches, period, [measure], by)
    keys = _keys(found, measure)

    def figures(key: str, now: bool) -> dict:
        sums = found.get((measure, key, now), Sums())
        return {
            "jobs": sums.jobs,
            "reworked": sums.reworked,
            "rework_rate": _rate(sums.reworked, sums.jobs),
            "comebacks": sums.came_back,
            "comeback_rate": _rate(sums.came_back, sums.jobs),
        }

    rows = []
    for key in keys:
        row_key = (int(key) if key else None) if by == "technician" else _row_key(by, key)
        rows.append(
            Row(
                row_key,
                labels.get(key, "") or ("Nobody" if by == "technician" else "No repair type"),
                figures(key, True),
                figures(key, False),
                {**_dimension_link(by, row_key), **_span(period, "ready")},
            )
        )
    rows.sort(key=lambda r: (-r.now["jobs"], r.label))
    return Table(
        f"quality_{by}", f"Quality by {DIMENSION_LABELS[by].lower()}", DIMENSION_LABELS[by],
        QUALITY_COLUMNS, rows, "rework_rate",
    )  # fmt: skip


# Technician productivity -------------------------------------------------------------------

PRODUCTIVITY_COLUMNS = [
    Column("jobs", "Jobs finished"),
    Column("logged_hours", "Hours logged", "hours", linked=False),
    Column("bench_hours", "Bench time of the jobs finished", "hours"),
    Column("efficiency", "Bench time / hours logged", "percent", linked=False),
]


def productivity(shop: Shop, branches, period: Period) -> Table:
    """Per technician: jobs finished (sent to QC by them and ready in the period), the hours
    they logged in the period (stretches that ended in it) and the pricebook bench time of the
    jobs they finished (the works order's own where the pricebook has no entry)."""
    found, names = _tallies(shop, branches, period, ["ready:technician", "logged"], "technician")
    keys = _keys(found, "ready:technician", "logged") - {""}

    def figures(key: str, now: bool) -> dict:
        finished = found.get(("ready:technician", key, now), Sums())
        logged = found.get(("logged", key, now))
        hours = _hours(logged.amount) if logged else None
        bench_hours = round(float(finished.amount) / 60, 2)
        return {
            "jobs": finished.jobs,
            "logged_hours": hours or 0.0,
            "bench_hours": bench_hours,
            "efficiency": _rate(bench_hours, hours or 0.0),
        }

    rows = [
        Row(
            int(key),
            names.get(key, ""),
            figures(key, True),
            figures(key, False),
            {"repaired_by": int(key), **_span(period, "ready")},
        )
        for key in keys
        if key in names
    ]
    rows.sort(key=lambda r: (-r.now["jobs"], r.label))
    return Table(
        "productivity", "Technician productivity", "Technician", PRODUCTIVITY_COLUMNS, rows,
        "jobs",
    )  # fmt: skip


# Money -------------------------------------------------------------------------------------

MONEY_COLUMNS = [
    Column("revenue", "Revenue (net of credit notes, excl. VAT)", "money"),
    Column("parts_cost", "Parts cost", "money"),
    Column("margin", "Margin", "money"),
    Column("margin_rate", "Margin %", "percent"),
]


def money(shop: Shop, branches, period: Period) -> Table:
    """Per repair type: invoices less credit notes issued in the period (net of VAT), the cost
    of the parts fitted in it (their cost when fitted, from the stock ledger), and the margin."""
    found, labels = _tallies(shop, branches, period, ["revenue", "parts"], "repair_type")
    keys = _keys(found, "revenue", "parts")

    def amount(measure: str, key: str, now: bool):
        sums = found.get((measure, key, now))
        return sums.amount if sums else None

    def figures(key: str, now: bool) -> dict:
        revenue, parts_cost = _money(amount("revenue", key, now)), _money(amount("parts", key, now))
        margin = revenue - parts_cost
        return {
            "revenue": revenue,
            "parts_cost": parts_cost,
            "margin": margin,
            "margin_rate": _rate(margin, revenue),
        }

    rows = []
    for key in keys:
        type_id = int(key) if key else None
        rows.append(
            Row(
                type_id,
                labels.get(key, "") or "No repair type",
                figures(key, True),
                figures(key, False),
                _dimension_link("repair_type", type_id),
            )
        )
    rows.sort(key=lambda r: (-r.now["revenue"], labels.get(str(r.key or ""), "")))
    return Table(
        "money", "Revenue, parts cost and margin by repair type", "Repair type", MONEY_COLUMNS,
        rows, "margin",
    )  # fmt: skip


# Most common repairs and faults ------------------------------------------------------------

COMMON_COLUMNS = [Column("jobs", "Booked in")]


def common_repairs(shop: Shop, branches, period: Period) -> Table:
    """The repair types most often booked in in the period (at most TOP); rolled-up days from
    reports_dailyrepair (and its months), the rest live."""
    booked = f"{_in_branches('r', branches)} AND r.booked_in > 0"
    sql = f"""
        WITH days AS (
            {rolled_up("repair", "r.repair_type_id, r.day, r.booked_in", booked)}
            UNION ALL
            SELECT w.repair_type_id, {_day_of("w.created_at")}, 1
            FROM tickets_worksorder w
            WHERE w.shop_id = %(shop)s {_in_branches("w", branches)}
              AND w.created_at >= {LIVE_FROM} AND w.created_at < %(until)s
        )
        SELECT days.repair_type_id, COALESCE(rt.name, ''),
          COALESCE(SUM(booked_in) FILTER (WHERE {_day_now()}), 0) AS now,
          COALESCE(SUM(booked_in) FILTER (WHERE {_day_before()}), 0)
        FROM days LEFT JOIN pricebook_repairtype rt ON rt.id = days.repair_type_id
        GROUP BY 1, 2
        HAVING SUM(booked_in) FILTER (WHERE {_day_now()}) > 0
        ORDER BY now DESC, 2
        LIMIT {TOP}
    """
    rows = [
        Row(
            k,
            name or "No repair type",
            {"jobs": now},
            {"jobs": before},
            {**_dimension_link("repair_type", k), **_span(period, "booked")},
        )
        for k, name, now, before in _fetch(sql, _params(shop, branches, period))
    ]
    return Table("repairs", "Most common repairs", "Repair type", COMMON_COLUMNS, rows, "jobs")


def common_faults(shop: Shop, branches, period: Period) -> Table:
    """The faults most often reported in the period, as typed (case and spaces aside)."""
    found, _labels = _tallies(shop, branches, period, ["fault"])
    counted = [
        (key, found[("fault", key, True)].jobs, found.get(("fault", key, False), Sums()).jobs)
        for _m, key, now in found
        if now
    ]
    counted.sort(key=lambda c: (-c[1], c[0]))
    rows = [Row(k, k, {"jobs": now}, {"jobs": before}) for k, now, before in counted[:TOP]]
    return Table("faults", "Most common faults", "Fault", COMMON_COLUMNS, rows, "jobs")


# SLA compliance ----------------------------------------------------------------------------

SLA_COLUMNS = [
    Column("jobs", "Ready with an SLA", filters=(("promise", "promised"),)),
    Column("met", "Ready on time", filters=(("promise", "kept"),)),
    Column("percent", "Compliance", "percent", filters=(("promise", "kept"),)),
]


def sla_compliance(shop: Shop, branches, period: Period) -> Table:
    """Per priority: jobs that became ready in the period with an SLA due time, and how many were
    ready by it; rolled-up days from reports_dailyrepair (and its months), the rest live."""
    p = _params(shop, branches, period)
    promised = f"{_in_branches('r', branches)} AND r.sla_jobs > 0"
    sql = f"""
        WITH days AS (
            {rolled_up("repair", "r.priority, r.day, r.sla_jobs, r.sla_met", promised)}
            UNION ALL
            SELECT w.priority, {_day_of("w.ready_at")}, 1, (w.ready_at <= w.sla_due_at)::int
            FROM tickets_worksorder w
            WHERE w.shop_id = %(shop)s {_in_branches("w", branches)}
              AND w.sla_due_at IS NOT NULL
              AND w.ready_at >= {LIVE_FROM} AND w.ready_at < %(until)s
        )
        SELECT priority,
          COALESCE(SUM(sla_jobs) FILTER (WHERE {_day_now()}), 0),
          COALESCE(SUM(sla_met) FILTER (WHERE {_day_now()}), 0),
          COALESCE(SUM(sla_jobs) FILTER (WHERE {_day_before()}), 0),
          COALESCE(SUM(sla_met) FILTER (WHERE {_day_before()}), 0)
        FROM days
        GROUP BY 1
    """
    found = {priority: values for priority, *values in _fetch(sql, p)}
    rows = []
    for priority in Priority:
        if priority.value not in found:
            continue
        jobs, met, jobs_before, met_before = found[priority.value]
        rows.append(
            Row(
                priority.value,
                priority.label,
                {"jobs": jobs, "met": met, "percent": _rate(met, jobs)},
                {"jobs": jobs_before, "met": met_before, "percent": _rate(met_before, jobs_before)},
                {"priority": priority.value, **_span(period, "ready")},
            )
        )
    return Table("sla", "SLA compliance by priority", "Priority", SLA_COLUMNS, rows, "percent")


# Stock -------------------------------------------------------------------------------------

STOCK_COLUMNS = [
    Column("value", "Stock value at the end", "money"),
    Column("used_cost", "Cost of parts used", "money"),
    Column("turnover", "Turnover (used ÷ average stock)", ""),
]


def stock(shop: Shop, branches, period: Period) -> Table:
    """Per branch: stock on the shelves at the end of the period valued at each part's current
    cost, the cost of the parts used in it (when used), and turnover: used cost over the
    average of the stock values at its start and end."""
    p = _params(shop, branches, period)
    value_at = "SUM(m.on_hand_delta * pt.cost) FILTER (WHERE m.at < {t})"
    used = "SUM(m.quantity * m.unit_cost) FILTER (WHERE m.kind = 'used' AND {w})"
    sql = f"""
        SELECT b.id, b.name,
          {value_at.format(t="%(until)s")}, {value_at.format(t="%(mid)s")},
          {value_at.format(t="%(since)s")},
          {used.format(w=_now("m.at"))}, {used.format(w=_before("m.at"))}
        FROM parts_stockmovement m
        JOIN parts_part pt ON pt.id = m.part_id
        JOIN shops_branch b ON b.id = m.branch_id
        WHERE m.shop_id = %(shop)s {_in_branches("m", branches)} AND m.at < %(until)s
        GROUP BY b.id, b.name
        ORDER BY b.name
    """

    def figures(value_end, value_start, used_cost) -> dict:
        value_end, value_start, used_cost = (
            _money(value_end), _money(value_start), _money(used_cost)
        )  # fmt: skip
        average = (value_end + value_start) / 2
        turnover = round(float(used_cost / average), 2) if average > 0 else None
        return {"value": value_end, "used_cost": used_cost, "turnover": turnover}

    rows = [
        Row(
            branch_id,
            name,
            figures(end, mid, used_now),
            figures(mid, start, used_before),
        )
        for branch_id, name, end, mid, start, used_now, used_before in _fetch(sql, p)
    ]
    return Table("stock", "Stock value and turnover", "Branch", STOCK_COLUMNS, rows, "value")


# All of them -------------------------------------------------------------------------------


@dataclass
class Dashboard:
    period: Period
    tables: dict[str, Table]

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]


TABLES: dict[str, object] = {
    "volume": volume,
    "open": lambda shop, branches, period: open_by_status(shop, branches),
    "turnaround_repair_type": lambda s, b, p: turnaround(s, b, p, by="repair_type"),
    "turnaround_device_model": lambda s, b, p: turnaround(s, b, p, by="device_model"),
    "assignment": assignment_time,
    "status_time": time_in_each_status,
    "quality_technician": lambda s, b, p: quality(s, b, p, by="technician"),
    "quality_repair_type": lambda s, b, p: quality(s, b, p, by="repair_type"),
    "productivity": productivity,
    "money": money,
    "repairs": common_repairs,
    "faults": common_faults,
    "sla": sla_compliance,
    "stock": stock,
}


# Tables of many rows (a row per device model) that can be read in part: the first `top`.
FIRST_ROWS = {
    "turnaround_device_model": lambda s, b, p, top: turnaround(s, b, p, by="device_model", top=top)
}


def dashboard(
    shop: Shop,
    branches: Sequence[Branch | int] | None,
    period: Period,
    *,
    only: str = "",
    top: int | None = None,
    full: str = "",
) -> Dashboard:
    """Every figure for the period (or just the table `only`), each beside the previous
    period's. With `top`, the tables that can be read in part have their first `top` rows
    (and `more` set when there are others), except the one named `full`."""
    chosen = [only] if only else list(TABLES)
    here = [name for name in chosen if name not in READ_BESIDE]
    there = [name for name in chosen if name in READ_BESIDE]

    def read(names: Iterable[str]) -> dict[str, Table]:
        return {name: _read(name) for name in names}

    def _read(name: str) -> Table:
        if top is not None and name in FIRST_ROWS and name != full:
            return FIRST_ROWS[name](shop, branches, period, top)
        return TABLES[name](shop, branches, period)

    if not connection.get_autocommit():
        _plan_each_figure()
    with one_mark():
        if here and there:
            tables = beside.read_both(
                lambda: read(here), lambda: read(there), setup=_plan_each_figure
            )
        else:
            tables = read(chosen)
    return Dashboard(period, {name: tables[name] for name in chosen})


# Read on a second connection while the rest are read on the request's (reports/beside.py):
# about half the SQL time of a year's figures of the big shop (turnaround by repair type
# ~66 ms, common repairs 23, assignment 20, faults 9 and the small ones, against turnaround by
# device model ~70, stays 24, volume 18, SLA 13 and the rest), the other half and the page's
# Python being the request's.
READ_BESIDE = frozenset(
    {"turnaround_repair_type", "repairs", "assignment", "faults", "quality_technician", "open",
     "stock"}
)  # fmt: skip


def _plan_each_figure() -> None:
    """Each figure's plan for its own dates: a generic plan (prepared statements, from their
    fifth run) cannot see how few days after the rollups' mark are read live, and reads the
    works orders of the whole period instead (on the full data set: 0.3–0.5 s a figure for this
    month, 10 ms with its own plan). For this transaction only. And room to count: a year's
    histograms are half a million rows, which in the default 4 MB are sorted on disk (1.1 s
    for the device models' turnaround on the full data set) instead of grouped in memory."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
            " set_config('work_mem', %s, true)",
            [DASHBOARD_WORK_MEM],
        )
