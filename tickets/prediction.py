"""Predicted completion: when a job booked in now is likely to be ready, from this shop's own
history and the branch's queue, shown at intake beside the SLA target.

The model, and why:

- **History, not a formula.** The prediction is the median turnaround (booked in → ready,
  `created_at` → `ready_at`) of this shop's finished jobs like this one. The median, not the
  mean: one job that waited three weeks for a part must not move every prediction. Wall-clock
  time, not business time: the customer asks "when?", and nights and Sundays are part of what
  they wait; a shop's history already carries its opening hours.
- **The most specific history that says enough.** The same repair type on the same device model
  first, then the repair type on any model, then every job of the shop; a level is used when it
  holds at least `MIN_SAMPLE` jobs. With no level that does (a new shop), there is no
  prediction: better nothing than a guess presented as the shop's experience. Only this shop's
  jobs count; other shops work at other speeds.
- **Recent and bounded.** Each level takes the latest `WINDOW` jobs finished in the last
  `HORIZON` before `now`: how the shop works today, not two years ago, and the same cost at 300
  jobs or 300,000. The model level looks for its jobs among the repair type's latest
  `MODEL_SCAN` only, so a rare model costs no more than a common one (and falls back to the
  repair type). One SQL statement computes the three medians with `percentile_cont`, reading
  the partial indexes `works_order_turnaround_type` and `works_order_turnaround` (migration
  0015), which carry the times in the index itself. Only jobs finished before `now` are used,
  so a past intake can be replayed with what was known then (`make bench` measures accuracy
  this way).
- **The queue, when it is longer than usual.** The history already contains the usual wait
  before a technician starts (its median, booked in → started, is taken from the same jobs).
  What it cannot know is today's queue: the jobs at this branch booked in before `now`, in the
  last `QUEUE_HORIZON`, not yet started, for the same kind of device, shared among the
  branch's active technicians with the skill for it (or no listed skills: they take anything,
  as "Pick up next" has it), each taking the typical bench time (the pricebook's labour time for
  this repair and model, else the median bench time of the history used). Bench minutes become
  waiting time at about `WORK_HOURS_A_DAY` of bench work in a 24-hour day. When that wait is
  longer than the usual one, the difference is added to the median turnaround; when shorter,
  the median stands (a quiet day does not make the parts arrive sooner). The queue is counted
  from the jobs' own times (started, ready, cancelled), not their status, so a replayed past
  intake sees the queue as it was then.

Two queries, whatever the size of the shop.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

from tickets.lifecycle import SKILL_FOR_CATEGORY

if TYPE_CHECKING:
    from devices.models import DeviceModel
    from pricebook.models import RepairType
    from shops.models import Branch

MIN_SAMPLE = 5  # jobs a level needs before its median is believed
WINDOW = 200  # the latest finished jobs each level looks at
MODEL_SCAN = 2000  # the latest jobs of the repair type searched for the device model
HORIZON = datetime.timedelta(days=365)
QUEUE_HORIZON = datetime.timedelta(days=14)  # a job not started in a fortnight is stuck
WORK_HOURS_A_DAY = 8  # bench hours in a day of a branch
DEFAULT_BENCH_MINUTES = 60

LEVELS = {1: "repair_and_model", 2: "repair", 3: "shop"}

HISTORY_SQL = """
WITH of_type AS (
    SELECT w.created_at, w.started_at, w.ready_at, w.estimated_minutes, w.device_id
    FROM tickets_worksorder w
    WHERE w.shop_id = %(shop)s AND w.repair_type_id = %(repair_type)s
      AND w.ready_at IS NOT NULL AND w.ready_at < %(now)s AND w.ready_at >= %(since)s
    ORDER BY w.ready_at DESC
    LIMIT %(scan)s
), sample AS (
    (SELECT 1 AS level, t.created_at, t.started_at, t.ready_at, t.estimated_minutes
     FROM of_type t JOIN devices_device d ON d.id = t.device_id AND d.shop_id = %(shop)s
     WHERE d.device_model_id = %(device_model)s
     ORDER BY t.ready_at DESC LIMIT %(window)s)
    UNION ALL
    (SELECT 2, t.created_at, t.started_at, t.ready_at, t.estimated_minutes
     FROM of_type t ORDER BY t.ready_at DESC LIMIT %(window)s)
    UNION ALL
    (SELECT 3, w.created_at, w.started_at, w.ready_at, w.estimated_minutes
     FROM tickets_worksorder w
     WHERE w.shop_id = %(shop)s AND w.ready_at IS NOT NULL
       AND w.ready_at < %(now)s AND w.ready_at >= %(since)s
     ORDER BY w.ready_at DESC LIMIT %(window)s)
)
SELECT level, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ready_at - created_at)),
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM LEAST(COALESCE(started_at, ready_at), ready_at)
                                       - created_at)),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY estimated_minutes)
FROM sample GROUP BY level ORDER BY level
"""

QUEUE_SQL = """
SELECT
    (SELECT count(*)
     FROM tickets_worksorder w JOIN devices_device d ON d.id = w.device_id AND d.shop_id = w.shop_id
     WHERE w.shop_id = %(shop)s AND w.branch_id = %(branch)s
       AND w.created_at <= %(now)s AND w.created_at > %(queue_since)s
       AND (w.started_at IS NULL OR w.started_at > %(now)s)
       AND (w.ready_at IS NULL OR w.ready_at > %(now)s)
       AND (w.cancelled_at IS NULL OR w.cancelled_at > %(now)s)
       AND (%(category)s::text IS NULL OR d.category = %(category)s::text)),
    (SELECT count(*)
     FROM shops_membership m
     JOIN shops_membershipbranch mb ON mb.membership_id = m.id AND mb.shop_id = m.shop_id
     WHERE m.shop_id = %(shop)s AND mb.branch_id = %(branch)s AND m.is_active
       AND m.role = 'technician'
       AND (%(skill)s::text IS NULL OR %(skill)s::text = ANY(m.skills) OR m.skills = '{}')),
    (SELECT max(e.labour_minutes)
     FROM pricebook_pricebookentry e
     WHERE e.shop_id = %(shop)s AND e.device_model_id = %(device_model)s
       AND e.repair_type_id = %(repair_type)s AND e.is_active AND e.labour_minutes > 0)
"""


@dataclass(frozen=True)
class Prediction:
    at: datetime.datetime  # when the job is likely to be ready
    basis: str  # how it was worked out, for staff
    sample_size: int  # finished jobs behind the median
    level: str  # "repair_and_model", "repair" or "shop": which history was used
    turnaround: datetime.timedelta  # the median, booked in → ready
    jobs_ahead: int  # not started at this branch, for this kind of device
    technicians: int  # who can do them
    queue_delay: datetime.timedelta  # added to the median for a longer queue than usual


def duration_text(delta: datetime.timedelta) -> str:
    """ "2 days 3 h", "5 h 20 min", "45 min": to the minute under a day, to the hour above."""
    minutes = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        if rest >= 30:  # round to the nearest hour
            hours = round(rest / 60)
            if hours == 24:
                days, hours = days + 1, 0
        head = f"{days} day{'s' if days != 1 else ''}"
        return f"{head} {hours} h" if hours else head
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _jobs(n: int) -> str:
    return f"{n} job{'s' if n != 1 else ''}"


def predict_completion(
    *,
    branch: Branch,
    device_model: DeviceModel | None,
    repair_type: RepairType | None,
    now: datetime.datetime,
    category: str | None = None,
) -> Prediction | None:
    """When a job booked in at `branch` at `now` is likely to be ready, or None without enough
    history. `category` (phone, laptop…) is taken from `device_model` when there is one."""
    shop_id = branch.shop_id
    category = device_model.category if device_model is not None else category
    skill = SKILL_FOR_CATEGORY.get(category) if category else None
    params = {
        "shop": shop_id,
        "branch": branch.pk,
        "repair_type": repair_type.pk if repair_type is not None else None,
        "device_model": device_model.pk if device_model is not None else None,
        "now": now,
        "since": now - HORIZON,
        "scan": MODEL_SCAN,
        "window": WINDOW,
        "queue_since": now - QUEUE_HORIZON,
        "category": category,
        "skill": skill.value if skill else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(HISTORY_SQL, params)
        levels = {row[0]: row[1:] for row in cursor.fetchall()}
        chosen = next((lv for lv in (1, 2, 3) if lv in levels and levels[lv][0] >= MIN_SAMPLE), 0)
        if not chosen:
            return None
        cursor.execute(QUEUE_SQL, params)
        jobs_ahead, technicians, labour_minutes = cursor.fetchone()

    sample_size, turnaround_s, wait_s, bench_minutes = levels[chosen]
    turnaround = datetime.timedelta(seconds=float(turnaround_s))
    usual_wait = datetime.timedelta(seconds=max(0.0, float(wait_s)))
    bench = labour_minutes or (round(bench_minutes) if bench_minutes else DEFAULT_BENCH_MINUTES)
    queue_delay = datetime.timedelta()
    if technicians and jobs_ahead:
        rounds = math.ceil(jobs_ahead / technicians)  # jobs each technician has before this one
        wait = datetime.timedelta(minutes=rounds * bench * 24 / WORK_HOURS_A_DAY)
        queue_delay = max(datetime.timedelta(), wait - usual_wait)

    what = "jobs"
    if chosen in (1, 2):
        what = f"{repair_type.name} jobs"
    if chosen == 1:
        what += f" on {device_model.name}"
    basis = f"median of {sample_size} {what} here: {duration_text(turnaround)}"
    kind = category if skill else ""  # "phone technicians"
    people = (
        f"{technicians} {kind + ' ' if kind else ''}technician{'s' if technicians != 1 else ''}"
    )
    if not technicians:
        basis += f"; {_jobs(jobs_ahead)} queued and no {kind + ' ' if kind else ''}technician here"
    else:
        basis += f"; {_jobs(jobs_ahead)} queued for {people}"
        if queue_delay:
            basis += f", about {duration_text(queue_delay)} longer than usual"
    return Prediction(
        at=now + turnaround + queue_delay,
        basis=basis,
        sample_size=sample_size,
        level=LEVELS[chosen],
        turnaround=turnaround,
        jobs_ahead=jobs_ahead,
        technicians=technicians,
        queue_delay=queue_delay,
    )
