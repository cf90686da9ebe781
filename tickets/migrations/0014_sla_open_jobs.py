"""Promises for the works orders open when the SLA engine arrives, counted from their booking-in
as if it had been there. Jobs waiting for the customer are taken as stopped from now, ready ones
from when they became ready. Thresholds already passed are not alerted (a manager opening the
SLA view sees them): the sweep starts from the next one. Closed jobs keep no SLA."""

import zoneinfo

from django.db import migrations
from django.utils import timezone

OPEN = ["intake", "assigned", "in_progress", "awaiting_parts", "awaiting_approval", "qc", "ready"]
BATCH = 1000


def promise_open_jobs(apps, schema_editor):
    # The engine's arithmetic (pure: it reads no model), so promises match what intake makes.
    from tickets.models import DEFAULT_SLA_TARGETS
    from tickets.sla import BusinessCalendar, NoBusinessHours, promise

    WorksOrder = apps.get_model("tickets", "WorksOrder")
    Branch = apps.get_model("shops", "Branch")
    SlaTarget = apps.get_model("tickets", "SlaTarget")
    now = timezone.now()
    calendars, targets = {}, {}

    def calendar(branch_id):
        if branch_id not in calendars:
            branch = Branch.objects.select_related("shop").get(pk=branch_id)
            calendars[branch_id] = (
                BusinessCalendar(
                    tz=zoneinfo.ZoneInfo(branch.timezone),
                    hours={h.weekday: (h.opens, h.closes) for h in branch.opening_hours.all()},
                    closed=frozenset(branch.closed_dates.values_list("date", flat=True)),
                    country=branch.holidays_country,
                    region=branch.holidays_region,
                ),
                branch.shop,
            )
        return calendars[branch_id]

    def target(shop_id, priority):
        if shop_id not in targets:
            targets[shop_id] = {str(p): t for p, t in DEFAULT_SLA_TARGETS.items()} | {
                row.priority: (row.unit, row.amount)
                for row in SlaTarget.objects.filter(shop_id=shop_id)
            }
        return targets[shop_id][priority]

    jobs = WorksOrder.objects.filter(status__in=OPEN, sla_due_at=None).order_by("pk")
    changed = []
    for job in jobs.iterator(chunk_size=BATCH):
        cal, shop = calendar(job.branch_id)
        unit, amount = target(job.shop_id, job.priority)
        due = job.estimated_completion if job.priority == "warranty" else None
        try:
            kept = promise(
                calendar=cal,
                unit=unit,
                amount=amount,
                start=job.created_at,
                risk_percent=shop.sla_risk_percent,
                due=due,
            )
        except NoBusinessHours:
            continue
        if kept.due_at is None:
            continue
        job.sla_due_at, job.sla_risk_at = kept.due_at, kept.risk_at
        stopped = job.status == "awaiting_approval" or (
            job.status == "awaiting_parts" and not shop.sla_parts_clock
        )
        if job.status == "ready":
            job.sla_paused_at = job.ready_at or now
        elif stopped:
            job.sla_paused_at = now
        else:
            job.sla_next_at = next((at for at in (kept.risk_at, kept.due_at) if at > now), None)
        changed.append(job)
        if len(changed) >= BATCH:
            _save(WorksOrder, changed)
    _save(WorksOrder, changed)


def _save(WorksOrder, changed):
    fields = ["sla_due_at", "sla_risk_at", "sla_paused_at", "sla_next_at"]
    WorksOrder.objects.bulk_update(changed, fields, batch_size=BATCH)
    changed.clear()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_sla")]

    operations = [migrations.RunPython(promise_open_jobs, migrations.RunPython.noop)]
