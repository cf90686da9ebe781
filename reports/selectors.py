"""Reads for the manager's SLA view: every figure is one set-based query, whatever the shop's size.

The SLA status of an open job comes from tickets.sla_status (a comparison of its stored times
with the clock, in SQL); time in each status comes from the timeline's status changes, each
stretch running from one change to the next (LEAD over the works order's entries).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Q, QuerySet

from shops.models import Branch, Role, Shop
from tickets.models import SlaCrossing, SlaThreshold, Status, WorksOrder
from tickets.sla_status import SlaStatus, sla_status, sla_status_filter


class _Open(Func):
    """A works order still open. The statuses are written out, not parameters: statements are
    prepared (config/settings/base.py), and a generic plan can only use the partial index
    works_order_sla_open when the condition it was built for is there in the text. The column
    is compiled as any other, so it names the right table in a subquery too."""

    template = "%(expressions)s NOT IN ('collected', 'cancelled')"
    output_field = BooleanField()


OPEN = _Open(F("status"))

# The SLA clock stops for good once a job is ready: time after that is the customer's.
AFTER_READY = "('ready', 'collected', 'cancelled')"
STATUS_LABELS = dict(Status.choices)


@dataclass
class StatusCounts:
    """Open jobs of one branch or technician by SLA status."""

    key: object  # a Branch, a technician's membership id, or None for nobody yet
    name: str
    on_track: int = 0
    at_risk: int = 0
    breached: int = 0
    no_sla: int = 0
    # Whether the works-order list can filter by it: it offers active technicians only.
    linkable: bool = True
    links: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.on_track + self.at_risk + self.breached + self.no_sla


def _open_jobs(shop: Shop, branch: Branch | None) -> QuerySet[WorksOrder]:
    works_orders = WorksOrder.objects.for_shop(shop).filter(OPEN)
    return works_orders if branch is None else works_orders.filter(branch=branch)


def _status_counts(now: datetime.datetime) -> dict:
    return {
        "on_track": Count("pk", filter=sla_status_filter(SlaStatus.ON_TRACK, now)),
        "at_risk": Count("pk", filter=sla_status_filter(SlaStatus.AT_RISK, now)),
        "breached": Count("pk", filter=sla_status_filter(SlaStatus.BREACHED, now)),
        "no_sla": Count("pk", filter=Q(sla_due_at__isnull=True)),
    }


def open_by_branch(
    shop: Shop, branches: dict[int, Branch], now: datetime.datetime, branch: Branch | None = None
) -> list[StatusCounts]:
    """Open jobs per branch by SLA status, in one GROUP BY; branches with none left out."""
    rows = _open_jobs(shop, branch).values("branch_id").annotate(**_status_counts(now)).order_by()
    counts = [
        StatusCounts(
            key=branches[row["branch_id"]],
            name=branches[row["branch_id"]].name,
            **{k: row[k] for k in ("on_track", "at_risk", "breached", "no_sla")},
        )
        for row in rows
    ]
    return sorted(counts, key=lambda row: row.name)


def totals(rows: list[StatusCounts], name: str) -> StatusCounts:
    return StatusCounts(
        key=None,
        name=name,
        **{k: sum(getattr(row, k) for row in rows) for k in ("on_track", "at_risk", "breached")},
        no_sla=sum(row.no_sla for row in rows),
    )


def open_by_technician(
    shop: Shop, now: datetime.datetime, branch: Branch | None = None
) -> list[StatusCounts]:
    """Open jobs per assigned technician by SLA status (those nobody has yet: last)."""
    rows = (
        _open_jobs(shop, branch)
        .values(
            *("assigned_to_id", "assigned_to__role", "assigned_to__is_active"),
            *("assigned_to__user__full_name", "assigned_to__user__email"),
        )
        .annotate(**_status_counts(now))
        .order_by()
    )
    counts = [
        StatusCounts(
            key=row["assigned_to_id"],
            name=row["assigned_to__user__full_name"] or row["assigned_to__user__email"] or "",
            linkable=row["assigned_to__role"] == Role.TECHNICIAN
            and bool(row["assigned_to__is_active"]),
            **{k: row[k] for k in ("on_track", "at_risk", "breached", "no_sla")},
        )
        for row in rows
    ]
    return sorted(counts, key=lambda row: (row.key is None, (row.name or "").lower()))


def watch_list(
    shop: Shop, now: datetime.datetime, branch: Branch | None = None, *, limit: int = 50
) -> list[WorksOrder]:
    """Open jobs at risk or breached, the soonest due first (the longest overdue at the top),
    with what a row shows; at most `limit` of them, read along works_order_sla_open.

    The rows are picked in a subquery of their own, as the works-order list picks its page:
    joined to the branches in one statement, the planner (a branch averages 800 jobs across
    shops, the big shop's hold 44,000) read every branch's jobs through the branch index, and
    its generic plan, from a prepared statement's sixth run, took over a second."""
    due = (
        _open_jobs(shop, branch)
        .filter(
            sla_status_filter(SlaStatus.AT_RISK, now) | sla_status_filter(SlaStatus.BREACHED, now)
        )
        .order_by("sla_due_at", "id")
        .values("pk")[:limit]
    )
    return list(
        WorksOrder.objects.for_shop(shop)
        .filter(pk__in=due)
        .annotate(sla=sla_status(now))
        .select_related("branch", "device", "assigned_to__user")
        .only(
            *("shop", "number", "status", "priority", "created_at"),
            *("sla_due_at", "sla_risk_at", "sla_paused_at", "sla_paused_seconds"),
            *("branch__code", "branch__name", "branch__timezone", "branch__shop"),
            *("device__make", "device__model_name"),
            *("assigned_to__user__full_name", "assigned_to__user__email"),
        )
        .order_by("sla_due_at", "id")
    )


@dataclass
class Breach:
    crossing: SlaCrossing
    stretches: list[tuple[str, float]] = field(default_factory=list)  # (status label, seconds)


def breaches(
    shop: Shop,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    branch: Branch | None = None,
    *,
    limit: int = 50,
) -> tuple[list[Breach], int]:
    """Breaches recorded for the period (the latest first, at most `limit`) and how many there
    were, each with the time its job has spent in each status, the longest first."""
    crossings = SlaCrossing.objects.for_shop(shop).filter(
        threshold=SlaThreshold.BREACHED, crossed_at__gte=start, crossed_at__lt=end
    )
    if branch is not None:
        crossings = crossings.filter(branch=branch)
    shown = list(
        crossings.select_related("works_order__device", "works_order__assigned_to__user", "branch")
        .only(
            *("shop", "works_order", "branch", "threshold", "crossed_at"),
            *("works_order__shop", "works_order__number", "works_order__priority"),
            "works_order__status",  # read as it loads (ConcurrentTransitionMixin)
            *("works_order__device__make", "works_order__device__model_name"),
            *("works_order__assigned_to__user__full_name", "works_order__assigned_to__user__email"),
            *("branch__code", "branch__name"),
        )
        .order_by("-crossed_at", "-id")[: limit + 1]
    )
    total = len(shown) if len(shown) <= limit else crossings.count()
    shown = shown[:limit]
    spent = time_in_each_status(shop, [c.works_order_id for c in shown], now)
    return [Breach(c, spent.get(c.works_order_id, [])) for c in shown], total


def time_in_each_status(
    shop: Shop, works_order_ids: list[int], now: datetime.datetime
) -> dict[int, list[tuple[str, float]]]:
    """Per works order: clock time spent in each status it has been in until it was ready (the
    current one up to `now`), the longest first."""
    if not works_order_ids:
        return {}
    # Each step holds the stay it ended; the stay still going on is the works order's own.
    sql = f"""
        SELECT works_order_id, status, SUM(seconds) AS seconds
        FROM (
            SELECT t.works_order_id, t.from_status AS status,
                   EXTRACT(EPOCH FROM t.time_in_from_status) AS seconds
            FROM tickets_timelineentry t
            WHERE t.shop_id = %(shop)s AND t.works_order_id = ANY(%(ids)s)
              AND t.from_status <> ''
            UNION ALL
            SELECT w.id, w.status, EXTRACT(EPOCH FROM %(now)s - w.status_since)
            FROM tickets_worksorder w
            WHERE w.shop_id = %(shop)s AND w.id = ANY(%(ids)s)
        ) stay
        WHERE status NOT IN {AFTER_READY}
        GROUP BY works_order_id, status
        ORDER BY works_order_id, seconds DESC, status
    """
    spent: dict[int, list[tuple[str, float]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"shop": shop.pk, "ids": list(works_order_ids), "now": now})
        for works_order_id, status, seconds in cursor.fetchall():
            if seconds and seconds > 0:
                spent.setdefault(works_order_id, []).append(
                    (STATUS_LABELS.get(status, status), float(seconds))
                )
    return spent


@dataclass
class Compliance:
    priority: str
    label: str
    jobs: int
    met: int

    @property
    def missed(self) -> int:
        return self.jobs - self.met

    @property
    def percent(self) -> float:
        return 100 * self.met / self.jobs if self.jobs else 0.0


def compliance_by_priority(
    shop: Shop, start: datetime.datetime, end: datetime.datetime, branch: Branch | None = None
) -> list[Compliance]:
    """Jobs that became ready in the period with an SLA due time, and how many were ready by it."""
    from tickets.models import Priority

    jobs = WorksOrder.objects.for_shop(shop).filter(
        ready_at__gte=start, ready_at__lt=end, sla_due_at__isnull=False
    )
    if branch is not None:
        jobs = jobs.filter(branch=branch)
    rows = {
        row["priority"]: row
        for row in jobs.values("priority")
        .annotate(jobs=Count("pk"), met=Count("pk", filter=Q(ready_at__lte=F("sla_due_at"))))
        .order_by()
    }
    return [
        Compliance(value, label, rows[value]["jobs"], rows[value]["met"])
        for value, label in Priority.choices
        if value in rows
    ]


@dataclass
class Waiting:
    status: str
    label: str
    stretches: int
    median_hours: float
    p90_hours: float


def time_in_status(
    shop: Shop, start: datetime.datetime, end: datetime.datetime, branch: Branch | None = None
) -> list[Waiting]:
    """Per status before ready: how long the stays that ended in the period lasted (median and
    90th percentile, clock hours), the longest wait first.

    A stay ends with the works order's next step, which records the status it left and the time
    spent there (read along the index timeline_stays)."""
    branch_join = (
        "JOIN tickets_worksorder w ON w.id = t.works_order_id AND w.shop_id = t.shop_id"
        " AND w.branch_id = %(branch)s"
        if branch is not None
        else ""
    )
    seconds = "EXTRACT(EPOCH FROM t.time_in_from_status)"
    sql = f"""
        SELECT t.from_status, COUNT(t.time_in_from_status),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {seconds})
        FROM tickets_timelineentry t {branch_join}
        WHERE t.shop_id = %(shop)s AND t.at >= %(start)s AND t.at < %(end)s
          AND t.from_status <> '' AND t.from_status NOT IN {AFTER_READY}
        GROUP BY t.from_status
        HAVING COUNT(t.time_in_from_status) > 0
    """
    params = {"shop": shop.pk, "start": start, "end": end}
    if branch is not None:
        params["branch"] = branch.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    waits = [
        Waiting(status, STATUS_LABELS.get(status, status), n, median / 3600, p90 / 3600)
        for status, n, median, p90 in rows
    ]
    return sorted(waits, key=lambda w: (-w.p90_hours, w.label))
