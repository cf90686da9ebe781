"""Suggestions from the shop's own history: what it usually did for a fault like this one.

At intake, the fault being typed for a device is matched against the faults and findings of the
shop's latest RECENT_JOBS finished works orders (PostgreSQL pg_trgm word similarity). The similar
jobs are grouped by the repair they were sold as; the repairs done most often come back with the
pricebook's options for the model being booked. On the bench, the same match over the job's own
findings (or its fault) gives the parts most often fitted on similar jobs.

History is looked for in widening circles: jobs on the same model; then also on similar models of
the make (their names alike by trigram similarity, e.g. iPhone 12 Pro for an iPhone 12); then
every model of the make and category. The narrowest circle with at least MIN_HISTORY similar jobs
is used, so a well-known model speaks for itself and a rare one borrows from its relatives. Every
suggestion says how many of those jobs it was, since when, and the fault of the closest one.

Only this shop's rows are read: the SQL names the shop, and row-level security would hide any
other shop's rows anyway. No external service is asked anything.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from devices.models import Category, DeviceModel
from shops.models import Shop

# Fewer similar jobs than this in a circle: look in the next, wider one.
MIN_HISTORY = 3
# How alike the typed fault and a past job's text must be (pg_trgm word similarity: the best
# match of the typed words within the job's text, 0–1). At 0.55 "wont charge" finds "Will not
# charge" (0.58), which the default 0.6 missed, and "no display after drop" leaves out "Screen
# cracked after a drop" (0.50).
FAULT_SIMILARITY = "0.55"
# How alike two model names must be to count as similar models (pg_trgm similarity).
MODEL_SIMILARITY = 0.6
# The typed fault is cut to this many characters: what the counter types first says most, and a
# long text only makes each comparison slower.
FAULT_CHARS = 200
# Only the shop's latest finished jobs are looked through: enough history to say what it usually
# does ("since" says how far back), and a bounded amount of work however big the shop, as each
# comparison costs some 10-50 microseconds. A GIN trigram index over all of a shop's history was
# tried and measured slower: a few typed words share trigrams with most faults (on the generated
# data, 23,193 of a shop's 24,825 jobs were candidates for "screen cracked"), and every candidate
# is compared again; README "Suggestions from the shop's history" has the figures.
RECENT_JOBS = 3000
SHOWN = 3  # repairs suggested at intake
PARTS_SHOWN = 5  # likely parts on the bench

# The shop's latest RECENT_JOBS finished jobs (they reached ready), newest first along the index
# works_order_turnaround (shop, ready_at DESC); those of the make (and category), with their
# device; and of those, the ones whose fault or findings are like the typed fault, each with its
# circle: 0 same model, 1 a similar model of the make, 2 any model of the make and category.
# The make is checked before the text (MATERIALIZED keeps it so): a device lookup costs less than
# a word similarity, and most of a shop's jobs are of other makes.
SIMILAR_JOBS = """
WITH recent AS (
    SELECT wo.id, wo.device_id, wo.repair_type_id, wo.fault_reported, wo.diagnosis, wo.created_at
    FROM tickets_worksorder wo
    WHERE wo.shop_id = %(shop)s AND wo.ready_at IS NOT NULL AND wo.id <> %(exclude)s
    ORDER BY wo.ready_at DESC
    LIMIT %(recent)s
), of_the_make AS MATERIALIZED (
    SELECT wo.*, d.device_model_id, d.model_name
    FROM recent wo
    JOIN devices_device d ON d.shop_id = %(shop)s AND d.id = wo.device_id
    WHERE lower(d.make) = lower(%(make)s)
      AND (%(category)s = '' OR d.category = %(category)s OR d.device_model_id = %(model)s)
), alike AS (
    SELECT wo.id, wo.repair_type_id, wo.fault_reported, wo.created_at,
           word_similarity(%(fault)s, wo.fault_reported || ' ' || wo.diagnosis) AS score,
           CASE
               WHEN wo.device_model_id = %(model)s OR lower(wo.model_name) = lower(%(name)s) THEN 0
               WHEN similarity(wo.model_name, %(name)s) >= %(model_similarity)s THEN 1
               ELSE 2
           END AS circle
    FROM of_the_make wo
    WHERE (wo.fault_reported || ' ' || wo.diagnosis) %%> %(fault)s
)
"""

# Per circle: the similar jobs (whole = 1), and per repair they were sold as.
REPAIRS_SQL = (
    SIMILAR_JOBS
    + """
SELECT circle, repair_type_id, GROUPING(repair_type_id) AS whole, count(*) AS jobs,
       min(created_at) AS since,
       (array_agg(fault_reported ORDER BY score DESC, created_at DESC))[1] AS example
FROM alike
GROUP BY GROUPING SETS ((circle), (circle, repair_type_id))
"""
)

# Per circle: the similar jobs (part_id NULL), and per part fitted on them, the jobs it was on.
PARTS_SQL = (
    SIMILAR_JOBS
    + """
SELECT circle, NULL::bigint AS part_id, count(*) AS jobs, min(created_at) AS since
FROM alike GROUP BY circle
UNION ALL
SELECT s.circle, wp.part_id, count(DISTINCT s.id), NULL
FROM alike s
JOIN parts_worksorderpart wp ON wp.shop_id = %(shop)s AND wp.works_order_id = s.id
WHERE wp.status = 'used'
GROUP BY s.circle, wp.part_id
"""
)


@dataclass(frozen=True)
class Device:
    """The device the history is looked up for: a catalogue model, or a typed make and model."""

    make: str
    name: str
    category: str
    model: DeviceModel | None = None

    @classmethod
    def of(
        cls, model: DeviceModel | None, *, make: str = "", name: str = "", category: str = ""
    ) -> Device | None:
        if model is not None:
            return cls(make=model.make, name=model.name, category=model.category, model=model)
        make, name = make.strip()[:60], name.strip()[:120]
        if not (make and name) or "\x00" in make + name:
            return None
        return cls(make=make, name=name, category=category if category in Category.values else "")

    def scope(self, circle: int) -> str:
        """What the jobs counted were: "iPhone 12 jobs", "jobs on Apple models like the iPhone
        12", "Apple phone jobs"."""
        if circle == 0:
            return f"{self.name} jobs"
        if circle == 1:
            return f"jobs on {self.make} models like the {self.name}"
        kind = Category(self.category).label.lower() if self.category else "device"
        return f"{self.make} {kind} jobs"


@dataclass(frozen=True)
class Circle:
    """The similar jobs the suggestions are drawn from."""

    jobs: int
    since: datetime.datetime
    scope: str

    def since_text(self) -> str:
        since, now = timezone.localtime(self.since), timezone.localtime()
        if (since.year, since.month) == (now.year, now.month):
            return "this month"
        return f"since {since:%B}" if since.year == now.year else f"since {since:%B %Y}"

    def out_of(self, count: int) -> str:
        """ "7 of 9 similar iPhone 12 jobs since March" """
        return f"{count} of {self.jobs} similar {self.scope} {self.since_text()}"


@dataclass
class RepairSuggestion:
    repair_type_id: int
    jobs: int
    example: str  # the fault of the closest job it was done for
    circle: Circle
    repair_type: str = ""
    options: list = field(default_factory=list)  # pricebook QuoteOptions for the model booked

    @property
    def why(self) -> str:
        return f"{self.circle.out_of(self.jobs)}: “{_short(self.example)}”"


@dataclass(frozen=True)
class LikelyPart:
    part_id: int
    jobs: int
    circle: Circle

    @property
    def why(self) -> str:
        return f"Fitted on {self.circle.out_of(self.jobs)}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fault(text: str) -> str | None:
    text = " ".join(text.split())[:FAULT_CHARS]
    if len(text) < 3 or "\x00" in text:
        return None  # too little to match on (or a NUL, which PostgreSQL text cannot hold)
    return text


def _rows(sql: str, *, shop: Shop | int, fault: str, device: Device, exclude: int) -> list:
    params = {
        "shop": getattr(shop, "pk", shop),
        "fault": fault,
        "model": device.model.pk if device.model else None,
        "name": device.name,
        "make": device.make,
        "category": device.category,
        "model_similarity": MODEL_SIMILARITY,
        "exclude": exclude,
        "recent": RECENT_JOBS,
    }
    with connection.cursor() as cursor:
        # Transaction-local (requests and tasks run in one): nothing else sees the threshold.
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {FAULT_SIMILARITY}")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _widest_needed(totals: dict[int, tuple[int, datetime.datetime]]) -> int | None:
    """The narrowest circle holding MIN_HISTORY similar jobs with the ones inside it; short of
    that, the narrowest holding every similar job found; None without any."""
    held = []
    for circle in (0, 1, 2):
        held.append((held[-1] if held else 0) + totals.get(circle, (0, None))[0])
        if held[-1] >= MIN_HISTORY:
            return circle
    if not held[-1]:
        return None
    return held.index(held[-1])


def _circle(totals: dict, widest: int, device: Device) -> Circle:
    inside = [totals[c] for c in range(widest + 1) if c in totals]
    return Circle(
        jobs=sum(jobs for jobs, _ in inside),
        since=min(since for _, since in inside),
        scope=device.scope(widest),
    )


def repairs_for_fault(
    shop: Shop, *, fault: str, device: Device | None, exclude: int = 0
) -> list[RepairSuggestion]:
    """The repairs this shop most often did for faults like `fault` on this device (or its
    relatives), most often first, each saying why; [] without such history. Two statements."""
    fault_text = _fault(fault)
    if fault_text is None or device is None:
        return []
    rows = _rows(REPAIRS_SQL, shop=shop, fault=fault_text, device=device, exclude=exclude)
    totals = {circle: (jobs, since) for circle, _, whole, jobs, since, _ in rows if whole}
    widest = _widest_needed(totals)
    if widest is None:
        return []
    circle = _circle(totals, widest, device)
    counts: Counter[int] = Counter()
    examples: dict[int, tuple[int, str]] = {}  # repair → (circle, the closest job's fault)
    for row_circle, repair_type_id, whole, jobs, _, example in rows:
        if whole or repair_type_id is None or row_circle > widest:
            continue  # circles' totals, jobs quoted by hand, jobs too far away
        counts[repair_type_id] += jobs
        if repair_type_id not in examples or row_circle < examples[repair_type_id][0]:
            examples[repair_type_id] = (row_circle, example)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:SHOWN]
    return [
        RepairSuggestion(repair_type_id=r, jobs=n, example=examples[r][1], circle=circle)
        for r, n in ranked
    ]


def likely_parts(shop: Shop, works_order) -> list[LikelyPart]:
    """The parts most often fitted on jobs like `works_order` (its findings if the technician
    wrote any, else the fault), most often first; [] without such history. Two statements."""
    device_row = works_order.device
    device = Device.of(
        device_row.device_model,
        make=device_row.make,
        name=device_row.model_name,
        category=device_row.category,
    )
    fault_text = _fault(works_order.diagnosis or works_order.fault_reported)
    if fault_text is None or device is None:
        return []
    rows = _rows(PARTS_SQL, shop=shop, fault=fault_text, device=device, exclude=works_order.pk)
    totals = {circle: (jobs, since) for circle, part_id, jobs, since in rows if part_id is None}
    widest = _widest_needed(totals)
    if widest is None:
        return []
    circle = _circle(totals, widest, device)
    counts: Counter[int] = Counter()
    for row_circle, part_id, jobs, _ in rows:
        if part_id is not None and row_circle <= widest:
            counts[part_id] += jobs
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:PARTS_SHOWN]
    return [LikelyPart(part_id=p, jobs=n, circle=circle) for p, n in ranked]
