"""An SLA picture for browser tests and screenshots: busy_shop's jobs given due times, some at
risk, some breached (with their crossings recorded) and a history to show where time went."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from shops.models import OpeningHours
from tickets.models import SlaCrossing, TimelineEntry, WorksOrder

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


def sla_floor(personas, busy_shop) -> dict[str, WorksOrder]:
    now = timezone.now()
    jobs = busy_shop["jobs"]
    times = {
        "intake": (now - 6 * H, now - 2 * H),  # breached
        "assigned": (now - H, now + 3 * H),  # at risk
        "in_progress": (now + 4 * H, now + 2 * D),  # on track
        "awaiting_parts": (now - 2 * D, now - D),  # breached, waiting for parts
        "qc": (now - 2 * H, now + H),  # at risk
    }
    shop = personas.shop
    for weekday in range(7):  # time left is business time: the branch needs opening hours
        OpeningHours.objects.get_or_create(
            shop=shop,
            branch=personas.branch,
            weekday=weekday,
            defaults={"opens": datetime.time(0, 0), "closes": datetime.time(23, 59)},
        )
    for state, (risk, due) in times.items():
        WorksOrder.objects.for_shop(shop).filter(pk=jobs[state].pk).update(
            sla_risk_at=risk, sla_due_at=due
        )
    ready = jobs["ready"]
    WorksOrder.objects.for_shop(shop).filter(pk=ready.pk).update(sla_due_at=ready.ready_at + H)
    # Where the parts job's time went: booked three days ago, parts ordered on the first day.
    waiting = jobs["awaiting_parts"]
    booked = now - 3 * D
    entries = TimelineEntry.objects.for_shop(shop).filter(works_order=waiting)
    # The timeline is sealed (append-only); a scene back-dating its history steps past the
    # triggers for this one transaction, as only a test's superuser connection can.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for entry in entries:
            target = (entry.data or {}).get("target")
            at = {"assigned": booked + H, "in_progress": booked + 3 * H}.get(target, booked)
            if target == "awaiting_parts":
                at = booked + 5 * H
            entries.filter(pk=entry.pk).update(at=at)
    WorksOrder.objects.for_shop(shop).filter(pk=waiting.pk).update(created_at=booked)
    for state in ("intake", "awaiting_parts"):
        job = WorksOrder.objects.for_shop(shop).get(pk=jobs[state].pk)
        SlaCrossing.objects.create(
            shop=shop,
            works_order=job,
            branch_id=job.branch_id,
            threshold="breached",
            due_at=job.sla_due_at,
            crossed_at=job.sla_due_at,
        )
    return jobs
