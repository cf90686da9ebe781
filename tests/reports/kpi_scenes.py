"""A small week of a shop whose KPI figures are worked out by hand in tests/reports/test_kpis.py.

The week is Monday 2 to Sunday 8 November 2026 (GMT, so the shop's time is UTC); the week
before it holds one job. Times are set straight on the rows, as the lifecycle would have left
them, so each figure can be read off the table below.

    job branch repair  by    booked      picked up ready  collected notes
    A   BHM    Screen  Jack  Mon 09:00   +2 h      +24 h  +48 h     failed QC once; came back (D)
    B   BHM    Screen  Jack  Mon 10:00   +4 h      +12 h  —         missed its SLA
    C   COV    Battery —     Tue 09:00   —         —      —         cancelled at 12:00
    D   BHM    Screen  —     Thu 09:00   —         —      —         comeback of A, in intake
    E   BHM    Battery Sofia Mon 26 Oct  +2 h      +36 h  +72 h     the week before
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from billing.models import Invoice
from devices.models import Device
from parts.models import StockMovement
from reports.kpis import Period
from tests.factories import PartFactory, RepairTypeFactory, WorksOrderFactory
from tickets.models import TimeEntry, TimelineEntry, WorksOrder

H = datetime.timedelta(hours=1)
WEEK = Period(datetime.date(2026, 11, 2), datetime.date(2026, 11, 8))


def at(day: int, hour: int, month: int = 11) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour))


@dataclass
class Week:
    jobs: dict[str, WorksOrder]
    screen: object
    battery: object
    part: object


def _set(job: WorksOrder, **fields) -> WorksOrder:
    WorksOrder.objects.for_shop(job.shop).filter(pk=job.pk).update(**fields)
    return WorksOrder.objects.for_shop(job.shop).get(pk=job.pk)


def _invoice(job: WorksOrder, by, kind: str, number: str, net: str, issued, credits=None):
    return Invoice.objects.create(
        credits=credits,
        shop=job.shop,
        kind=kind,
        number=number,
        works_order=job,
        issued_at=issued,
        time_of_supply=issued.date(),
        issued_by=by,
        currency="GBP",
        prices_include_vat=True,
        supplier_name="Fix Corner Repairs",
        customer_name="A customer",
        works_order_number=job.number,
        net=Decimal(net),
        vat=Decimal(net) / 5,
        gross=Decimal(net) * Decimal("1.2"),
    )


def known_week(personas) -> Week:
    p = personas
    shop = p.shop
    screen = RepairTypeFactory(shop=shop, name="Screen")
    battery = RepairTypeFactory(shop=shop, name="Battery")

    def book(branch, repair_type, fault: str) -> WorksOrder:
        return WorksOrderFactory(
            branch=branch, by=p.front_desk, repair_type=repair_type, fault_reported=fault
        )

    a, b = book(p.branch, screen, "Screen cracked"), book(p.branch, screen, " screen CRACKED ")
    c = book(p.other_branch, battery, "Battery drains")
    d = book(p.branch, screen, "Screen cracked again")
    e = book(p.branch, battery, "Battery drains")
    a = _set(
        a, status="collected", created_at=at(2, 9), started_at=at(2, 11), ready_at=at(3, 9),
        collected_at=at(4, 9), repaired_by=p.technician, assigned_to=p.technician,
        qc_failures=1, sla_due_at=at(3, 12), estimated_minutes=60,
    )  # fmt: skip
    b = _set(
        b, status="ready", created_at=at(2, 10), started_at=at(2, 14), ready_at=at(2, 22),
        repaired_by=p.technician, assigned_to=p.technician, sla_due_at=at(2, 20),
        estimated_minutes=60,
    )  # fmt: skip
    c = _set(c, status="cancelled", created_at=at(3, 9), cancelled_at=at(3, 12))
    d = _set(d, status="intake", created_at=at(5, 9), warranty_return_of=a)
    e = _set(
        e, status="collected", created_at=at(26, 9, 10), started_at=at(26, 11, 10),
        ready_at=at(27, 21, 10), collected_at=at(29, 9, 10), repaired_by=p.second_technician,
        assigned_to=p.second_technician, estimated_minutes=30,
    )  # fmt: skip
    # Stays: A waited 2 h in intake and B 4 h (ended in the week); E 2 h the week before.
    for job, hours, ended in ((a, 2, at(2, 11)), (b, 4, at(2, 14)), (e, 2, at(26, 11, 10))):
        TimelineEntry.objects.create(
            shop=shop, works_order=job, event="status", at=ended, from_status="intake",
            time_in_from_status=hours * H,
        )  # fmt: skip
    # Jack logged an hour and a half on A in the week.
    TimeEntry.objects.create(
        shop=shop, works_order=a, technician=p.technician, started_at=at(2, 11),
        ended_at=at(2, 12) + H / 2,
    )  # fmt: skip
    # A was invoiced 100.00 net on Wednesday and 20.00 credited on Thursday.
    invoice = _invoice(a, p.manager, "invoice", "INV-1", "100.00", at(4, 8))
    _invoice(a, p.manager, "credit_note", "CN-1", "20.00", at(5, 8), credits=invoice)
    # Five screens at 15.00 received the week before; two fitted on A in the week.
    part = PartFactory(shop=shop, cost=Decimal("15.00"))
    StockMovement.objects.create(
        shop=shop, part=part, branch=p.branch, kind="received", quantity=5, on_hand_delta=5,
        reserved_delta=0, unit_cost=Decimal("15.00"), at=at(27, 9, 10),
    )  # fmt: skip
    StockMovement.objects.create(
        shop=shop, part=part, branch=p.branch, kind="used", quantity=2, on_hand_delta=-2,
        reserved_delta=0, unit_cost=Decimal("15.00"), works_order=a, at=at(3, 8),
    )  # fmt: skip
    return Week({"A": a, "B": b, "C": c, "D": d, "E": e}, screen, battery, part)


def ready_on_model(personas, model: str, *days: int, month: int = 11) -> None:
    """A job on another device model for each day given, booked at 9 and ready at 20."""
    make, _, name = model.partition(" ")
    for day in days:
        job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
        Device.objects.for_shop(personas.shop).filter(pk=job.device_id).update(
            make=make, model_name=name
        )
        _set(job, status="ready", created_at=at(day, 9, month), ready_at=at(day, 20, month))
