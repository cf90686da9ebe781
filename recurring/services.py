"""Recurring works orders: schedules, and raising each visit as its own works order, once.

Raising runs from Celery beat (recurring.tasks.raise_due_visits) in two steps:

1. The claim, set-based: one transaction locks every active schedule whose next visit is due to
   be raised (`raise_on <= today`, through a partial index) with FOR UPDATE SKIP LOCKED, so a
   second beat running at the same moment takes none of them. For each it works out every visit
   due to be raised by today, from `next_index` on, and inserts one Visit row per (schedule,
   due date, device) with ON CONFLICT DO NOTHING on that unique key, then moves the schedule's
   `next_index` past them. The unique key is the floor: a rerun, two beats at once, or a run
   after a restore cannot add a visit twice.
2. The booking: each claimed visit without a works order is locked (SKIP LOCKED again) and
   booked in, in its own transaction with its Visit row, so a worker that dies mid-way leaves
   the visit claimed and the next run books it. A visit that cannot be booked (the branch
   closed meanwhile) keeps the reason in `problem`, shown on the schedule's page.

Catch-up after an outage: every visit missed is raised, once each (a maintenance contract owes
each visit; the shop cancels the ones it no longer wants, with a reason, like any job).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer
from devices.models import Device
from recurring.models import Schedule, ScheduleDevice, ScheduleState, Visit
from shops.models import Branch, Membership
from tickets.job_templates import checklist_copy, template_lines
from tickets.models import Event, JobTemplate, WorksOrder
from tickets.services import record, works_order_book_in

# Schedules claimed in one transaction, and the most visits one schedule raises in one run (a
# weekly schedule missed for years catches up over several runs, not in one long transaction).
CLAIM_BATCH = 500
MAX_VISITS_A_RUN = 100


@dataclass(frozen=True)
class ScheduleData:
    name: str
    customer: Customer
    devices: list[Device]
    branch: Branch
    template: JobTemplate
    priority: str
    frequency: str
    interval: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    lead_days: int


def _check(data: ScheduleData, shop_id: int) -> None:
    for thing in (data.customer, data.branch, data.template, *data.devices):
        if thing.shop_id != shop_id:
            raise ValidationError("Choose this shop's customer, devices, branch and template.")
    if not data.devices:
        raise ValidationError("Choose at least one device: each visit is a works order for one.")
    if any(device.customer_id != data.customer.pk for device in data.devices):
        raise ValidationError("Choose devices of this customer.")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise ValidationError("The last visit cannot come before the first.")


@transaction.atomic
def schedule_create(*, data: ScheduleData, by: Membership) -> Schedule:
    """A new active schedule; its first visit is raised `lead_days` before `starts_on`."""
    _check(data, by.shop_id)
    schedule = Schedule(
        shop_id=by.shop_id,
        name=data.name,
        customer=data.customer,
        branch=data.branch,
        template=data.template,
        priority=data.priority,
        frequency=data.frequency,
        interval=data.interval,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        lead_days=data.lead_days,
        created_by=by,
    )
    schedule.set_next(0)
    schedule.save()
    ScheduleDevice.objects.bulk_create(
        ScheduleDevice(shop_id=by.shop_id, schedule=schedule, device=device)
        for device in data.devices
    )
    return schedule


@transaction.atomic
def schedule_set_state(*, schedule: Schedule, state: str, by: Membership) -> Schedule:
    """Pause, resume or end a schedule. Resuming does not raise the visits a pause skipped:
    the next one raised is the first still ahead (a pause means "no visits meanwhile")."""
    locked = Schedule.objects.for_shop(schedule.shop_id).select_for_update().get(pk=schedule.pk)
    if locked.state == ScheduleState.ENDED:
        raise ValidationError("This schedule has ended; set up a new one to start again.")
    if state not in ScheduleState.values or state == locked.state:
        return locked
    if state == ScheduleState.ACTIVE:
        today = timezone.localdate()
        index = locked.next_index
        while locked.due_on(index) < today:
            index += 1
        locked.set_next(index)
    locked.state = state
    locked.save(update_fields=["state", "next_index", "next_due", "raise_on"])
    return locked


# Raising ------------------------------------------------------------------------------------

INSERT_VISITS = f"""
INSERT INTO {Visit._meta.db_table} (shop_id, schedule_id, device_id, due_on, claimed_at, problem)
SELECT %(shop)s, %(schedule)s, sd.device_id, d.due_on, %(now)s, ''
  FROM {ScheduleDevice._meta.db_table} sd
 CROSS JOIN unnest(%(dates)s::date[]) AS d (due_on)
 WHERE sd.shop_id = %(shop)s AND sd.schedule_id = %(schedule)s
    ON CONFLICT (shop_id, schedule_id, due_on, device_id) DO NOTHING
RETURNING id
"""


@dataclass
class Run:
    claimed: int = 0  # visits claimed (rows written) by this run
    booked: int = 0  # works orders raised
    problems: int = 0


def _due_dates(schedule: Schedule, today: datetime.date) -> list[datetime.date]:
    dates, index = [], schedule.next_index
    while len(dates) < MAX_VISITS_A_RUN:
        due = schedule.due_on(index)
        if schedule.ends_on is not None and due > schedule.ends_on:
            break
        if due - datetime.timedelta(days=schedule.lead_days) > today:
            break
        dates.append(due)
        index += 1
    return dates


def visits_claim(*, today: datetime.date, now: datetime.datetime | None = None) -> int:
    """Step 1: claim the visits due to be raised by `today`, for every shop. Returns how many
    Visit rows were written (0 on a rerun)."""
    now = now or timezone.now()
    claimed = 0
    with transaction.atomic():
        due = list(
            Schedule.objects.all_shops()
            .select_for_update(skip_locked=True)
            .filter(state=ScheduleState.ACTIVE, raise_on__lte=today)
            .order_by("id")[:CLAIM_BATCH]
        )
        for schedule in due:
            dates = _due_dates(schedule, today)
            if dates:
                with connection.cursor() as cursor:
                    params = {"shop": schedule.shop_id, "schedule": schedule.pk, "now": now}
                    cursor.execute(INSERT_VISITS, {**params, "dates": dates})
                    claimed += len(cursor.fetchall())
            schedule.set_next(schedule.next_index + len(dates))
            if schedule.ends_on is not None and schedule.next_due > schedule.ends_on:
                schedule.state = ScheduleState.ENDED  # nothing left to raise
            schedule.save(update_fields=["next_index", "next_due", "raise_on", "state"])
    return claimed


def _visit_day_start(visit: Visit) -> datetime.datetime | None:
    """The SLA counts from the visit's day (the branch's opening then), not from raising it
    ahead of time; a visit raised on or after its day counts from booking in."""
    start = datetime.datetime.combine(
        visit.due_on, datetime.time.min, tzinfo=visit.schedule.branch.tz
    )
    return start if start > timezone.now() else None


def _book(visit: Visit) -> WorksOrder:
    schedule = visit.schedule
    template = schedule.template
    works_order = works_order_book_in(
        branch=schedule.branch,
        customer=schedule.customer,
        device=visit.device,
        by=schedule.created_by,
        details={
            "fault_reported": template.fault or f"Scheduled visit: {schedule.name}",
            "priority": schedule.priority,
            "sla_from": _visit_day_start(visit),
        },
        lines=template_lines(template),
        tell_customer=False,  # raised ahead of time: the device is not in the shop yet
    )
    checklist_copy(works_order=works_order, template=template, by=schedule.created_by)
    record(
        works_order,
        Event.DETAILS,
        None,
        f"Raised by the schedule “{schedule.name}” for the visit due {visit.due_on:%a %-d %b %Y}",
        schedule=schedule.pk,
        due_on=visit.due_on.isoformat(),
    )
    return works_order


def visit_book_next() -> str | None:
    """Step 2, one visit: book the earliest claimed visit nobody else is booking. Returns
    "booked", "problem", or None when none is left."""
    with transaction.atomic():
        visit = (
            Visit.objects.all_shops()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(works_order__isnull=True, problem="")
            .select_related(
                "device", "schedule__branch", "schedule__customer", "schedule__template"
            )
            .select_related("schedule__created_by")
            .order_by("due_on", "id")
            .first()
        )
        if visit is None:
            return None
        try:
            with transaction.atomic():  # a refused booking leaves nothing half-written
                visit.works_order = _book(visit)
        except ValidationError as refused:
            visit.problem = " ".join(refused.messages)[:300]
            visit.save(update_fields=["problem"])
            return "problem"
        visit.raised_at = timezone.now()
        visit.save(update_fields=["works_order", "raised_at"])
        return "booked"


def visits_raise(*, today: datetime.date | None = None, limit: int = 1000) -> Run:
    """Claim what is due and book it (safe to run any number of times, and at once)."""
    today = today or timezone.localdate()
    run = Run(claimed=visits_claim(today=today))
    for _ in range(limit):
        outcome = visit_book_next()
        if outcome is None:
            break
        if outcome == "booked":
            run.booked += 1
        else:
            run.problems += 1
    return run


def schedule_visits(schedule: Schedule) -> list[Visit]:
    return list(
        Visit.objects.for_shop(schedule.shop_id)
        .filter(schedule=schedule)
        .select_related("device", "works_order")
        .order_by("-due_on", "id")[:200]
    )
