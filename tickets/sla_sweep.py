"""The SLA sweep: every minute, record each threshold a works order has passed, once.

The sweep reads its own queue, `SlaClock`: a row per works order with a threshold still to
record, written by the engine with the works order (tickets/sla.py), so the sweep never writes
the works order itself. One statement does the work for every shop at once, through the index
on `next_at`. With now' = COALESCE(paused_at, now) it:

1. locks the due rows (`next_at <= now`) in works-order order, so two sweeps queue on each
   other's rows instead of deadlocking; under READ COMMITTED the one that waited re-reads each
   row after the other commits, finds it moved on or gone, and leaves it;
2. moves `next_at` on: to the due time once the risk time has passed, or deletes the row once
   the due time has passed or the clock is stopped (nothing more to record);
3. records AT_RISK (crossed at the risk time) and BREACHED (crossed at the due time) where that
   time is <= now', each ON CONFLICT DO NOTHING on (shop, works order, threshold, due time): the
   unique constraint is the floor under everything above, so a rerun or a duplicate beat adds
   nothing, and a sweep after an outage records every threshold passed meanwhile.

A collected or cancelled job has no row (the engine deletes it at that step). The crossings just
written go to the apps above (tickets.signals.sla_crossed) in the same transaction:
notifications writes its alerts and outbox rows with them, and sends after commit.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from tickets.models import SlaClock, SlaCrossing, SlaThreshold
from tickets.signals import sla_crossed

# The most works orders one sweep takes in one transaction: a backlog (thresholds stored for a
# year of open jobs at once) is worked through in batches of this, not one long transaction.
BATCH = 50_000
_TABLES = {"clock": SlaClock._meta.db_table, "crossing": SlaCrossing._meta.db_table}

SWEEP_SQL = """
WITH due AS (
    SELECT works_order_id, shop_id, branch_id, risk_at, due_at,
           COALESCE(paused_at, %(now)s) AS clock,
           CASE WHEN paused_at IS NOT NULL OR due_at <= %(now)s THEN NULL
                WHEN risk_at > %(now)s THEN risk_at
                ELSE due_at END AS next_at
      FROM {clock}
     WHERE next_at <= %(now)s
     ORDER BY works_order_id
     LIMIT %(limit)s
       FOR UPDATE
), moved AS (
    UPDATE {clock} c
       SET next_at = due.next_at
      FROM due
     WHERE c.works_order_id = due.works_order_id AND due.next_at IS NOT NULL
    RETURNING 1
), done AS (
    DELETE FROM {clock} c
     USING due
     WHERE c.works_order_id = due.works_order_id AND due.next_at IS NULL
    RETURNING 1
), crossed AS (
    INSERT INTO {crossing}
           (shop_id, works_order_id, branch_id, threshold, due_at, crossed_at, recorded_at)
    SELECT d.shop_id, d.works_order_id, d.branch_id, t.threshold, d.due_at, t.crossed_at, %(now)s
      FROM due d
     CROSS JOIN LATERAL (VALUES (%(at_risk)s, d.risk_at),
                                (%(breached)s, d.due_at)) AS t (threshold, crossed_at)
     WHERE t.crossed_at <= d.clock
     ORDER BY d.works_order_id, t.crossed_at
        ON CONFLICT (shop_id, works_order_id, threshold, due_at) DO NOTHING
    RETURNING id, threshold
)
SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM done),
       (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM crossed),
       (SELECT count(*) FROM crossed WHERE threshold = %(at_risk)s)
""".format(**_TABLES)


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: the jobs it looked at, the crossings it recorded, and what the apps
    above queued for them (alerts in the app, emails, SMS: queued, not yet sent)."""

    jobs: int = 0
    limit: int = BATCH
    at_risk: int = 0
    breached: int = 0
    crossing_ids: tuple[int, ...] = ()
    queued: dict[str, int] = field(default_factory=dict)

    @property
    def more(self) -> bool:
        """The batch was full: more may be due now (the task sweeps again at once)."""
        return self.jobs >= self.limit

    @property
    def crossings(self) -> int:
        return self.at_risk + self.breached

    @property
    def alerts(self) -> int:
        return self.queued.get("alerts", 0)

    @property
    def emails(self) -> int:
        return self.queued.get("emails", 0)

    @property
    def sms(self) -> int:
        return self.queued.get("sms", 0)


def sla_sweep(now: datetime.datetime | None = None, *, limit: int = BATCH) -> SweepResult:
    """Record every SLA threshold passed by `now` across all shops, once, and queue one alert
    per new crossing to each manager of the job's branch; safe to run twice or at once. At most
    `limit` works orders a call (`more` says when the batch was full)."""
    now = now or timezone.now()
    params = {
        "now": now,
        "limit": limit,
        "at_risk": SlaThreshold.AT_RISK.value,
        "breached": SlaThreshold.BREACHED.value,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(SWEEP_SQL, params)
            jobs, crossing_ids, at_risk = cursor.fetchone()
        queued: Counter[str] = Counter()
        if crossing_ids:
            for _receiver, answer in sla_crossed.send(
                sender=SlaCrossing, crossing_ids=list(crossing_ids), now=now
            ):
                queued.update(answer or {})
    return SweepResult(
        jobs=jobs,
        limit=limit,
        at_risk=at_risk,
        breached=len(crossing_ids) - at_risk,
        crossing_ids=tuple(crossing_ids),
        queued=dict(queued),
    )
