"""The SLA sweep: every minute, record each threshold a works order has passed, once.

One statement does the work for every shop at once, through the partial index `sla_next` (only
jobs with a threshold still to record are in it, so a sweep with nothing due reads an empty
range). With now' = COALESCE(sla_paused_at, now) it:

1. locks the due rows (`sla_next_at <= now`) in id order, so two sweeps queue on each other's
   rows instead of deadlocking; under READ COMMITTED the one that waited re-reads each row after
   the other commits, finds `sla_next_at` moved on and leaves it;
2. moves `sla_next_at` on: NULL once the due time has passed, while paused, for a closed job or
   one with no due time; else the due time once the risk time has passed; else the risk time;
3. records AT_RISK (crossed at `sla_risk_at`) and BREACHED (crossed at `sla_due_at`) where that
   time is <= now', each ON CONFLICT DO NOTHING on (shop, works order, threshold, due time): the
   unique constraint is the floor under everything above, so a rerun or a duplicate beat adds
   nothing, and a sweep after an outage records every threshold passed meanwhile.

Collected and cancelled jobs with a stale `sla_next_at` are cleared without crossings. The
crossings just written go to the apps above (tickets.signals.sla_crossed) in the same
transaction: notifications writes its alerts and outbox rows with them, and sends after commit.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from tickets.models import SlaCrossing, SlaThreshold, Status, WorksOrder
from tickets.signals import sla_crossed

CLOSED = (Status.COLLECTED.value, Status.CANCELLED.value)
# The most works orders one sweep takes in one transaction: a backlog (thresholds stored for a
# year of open jobs at once) is worked through in batches of this, not one long transaction.
BATCH = 50_000
_TABLES = {"works_order": WorksOrder._meta.db_table, "crossing": SlaCrossing._meta.db_table}

SWEEP_SQL = """
WITH due AS (
    SELECT id FROM {works_order}
     WHERE sla_next_at <= %(now)s
     ORDER BY id
     LIMIT %(limit)s
       FOR UPDATE
), moved AS (
    UPDATE {works_order} w
       SET sla_next_at = CASE
               WHEN w.status = ANY(%(closed)s) OR w.sla_paused_at IS NOT NULL
                    OR w.sla_due_at IS NULL OR w.sla_due_at <= %(now)s THEN NULL
               WHEN w.sla_risk_at > %(now)s THEN w.sla_risk_at
               ELSE w.sla_due_at END
     WHERE w.id = ANY(ARRAY(SELECT id FROM due))  -- by primary key, not a scan of every job
    RETURNING w.id, w.shop_id, w.branch_id, w.status, w.sla_risk_at, w.sla_due_at,
              COALESCE(w.sla_paused_at, %(now)s) AS clock
), crossed AS (
    INSERT INTO {crossing}
           (shop_id, works_order_id, branch_id, threshold, due_at, crossed_at, recorded_at)
    SELECT m.shop_id, m.id, m.branch_id, t.threshold, m.sla_due_at, t.crossed_at, %(now)s
      FROM moved m
     CROSS JOIN LATERAL (VALUES (%(at_risk)s, m.sla_risk_at),
                                (%(breached)s, m.sla_due_at)) AS t (threshold, crossed_at)
     WHERE m.sla_due_at IS NOT NULL AND NOT m.status = ANY(%(closed)s)
       AND t.crossed_at <= m.clock
     ORDER BY m.id, t.crossed_at
        ON CONFLICT (shop_id, works_order_id, threshold, due_at) DO NOTHING
    RETURNING id, threshold
)
SELECT (SELECT count(*) FROM moved),
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
        "closed": list(CLOSED),
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
