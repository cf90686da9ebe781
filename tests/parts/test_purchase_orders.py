"""Purchase orders: numbered without gaps, sent with an expected delivery, received line by
line (partial, exact, over), with the jobs waiting on them told they can go ahead."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from parts import services
from parts.models import MovementKind, OrderStatus, PartStatus, StockMovement
from tests.factories import SupplierFactory, SupplierPartFactory, WorksOrderFactory
from tests.parts.conftest import figures

MONDAY = datetime.date(2026, 12, 7)


def draft(personas, supplier, *lines):
    order = services.purchase_order_create(
        supplier=supplier, branch=personas.branch, by=personas.manager
    )
    for part, quantity in lines:
        services.purchase_order_add_line(order=order, part=part, quantity=quantity)
    return order


def sent(personas, supplier, *lines):
    return services.purchase_order_send(
        order=draft(personas, supplier, *lines), by=personas.manager, on=MONDAY
    )


def receive(order, by, *deliveries):
    return services.purchase_order_receive(
        order=order,
        deliveries=[
            services.Delivery(order.lines.get(part=part), n, **kw) for part, n, kw in deliveries
        ],
        by=by,
    )


@pytest.mark.django_db
def test_lines_take_the_suppliers_sku_and_cost(personas, supplier, supplies, screen):
    order = draft(personas, supplier, (screen, 3))
    line = order.lines.get()
    assert (line.supplier_sku, line.unit_cost, line.total) == (
        supplies[0].supplier_sku,
        Decimal("80.00"),
        Decimal("240.00"),
    )
    assert order.number == "PO-000001"


@pytest.mark.django_db
def test_sending_records_the_date_and_expects_delivery_after_the_longest_lead_time(
    personas, supplier, supplies, screen, battery
):
    supplies[1].lead_time_days = 5  # the battery comes from further away
    supplies[1].save()
    order = sent(personas, supplier, (screen, 1), (battery, 1))
    assert (order.status, order.sent_on, order.expected_on) == (
        OrderStatus.SENT,
        MONDAY,
        MONDAY + datetime.timedelta(days=5),
    )
    services.purchase_order_set_expected(order=order, expected_on=datetime.date(2026, 12, 15))
    order.refresh_from_db()
    assert order.expected_on == datetime.date(2026, 12, 15)
    with pytest.raises(ValidationError, match="only a draft's lines can change"):
        services.purchase_order_add_line(order=order, part=screen, quantity=1)


@pytest.mark.django_db
def test_an_empty_draft_cannot_be_sent(personas, supplier):
    with pytest.raises(ValidationError, match="no lines yet"):
        services.purchase_order_send(order=draft(personas, supplier), by=personas.manager)


@pytest.mark.django_db
def test_a_short_delivery_leaves_the_order_partly_received_until_the_rest_comes(
    personas, supplier, supplies, screen
):
    order = sent(personas, supplier, (screen, 5))
    receive(order, personas.front_desk, (screen, 3, {}))
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTLY_RECEIVED
    assert figures(screen, personas.branch) == (3, 0, 3)

    receive(order, personas.front_desk, (screen, 2, {}))
    order.refresh_from_db()
    assert (order.status, order.received_on) == (OrderStatus.RECEIVED, timezone.localdate())
    assert figures(screen, personas.branch) == (5, 0, 5)
    received = StockMovement.objects.for_shop(personas.shop).filter(kind=MovementKind.RECEIVED)
    assert {m.unit_cost for m in received} == {Decimal("80.00")}  # at the order's price


@pytest.mark.django_db
def test_more_than_ordered_is_refused_unless_the_extra_is_accepted(
    personas, supplier, supplies, screen
):
    order = sent(personas, supplier, (screen, 2))
    with pytest.raises(ValidationError, match="3 arrived but 2 are outstanding"):
        receive(order, personas.front_desk, (screen, 3, {}))
    assert figures(screen, personas.branch) == (0, 0, 0)  # nothing half-received

    receive(order, personas.front_desk, (screen, 3, {"accept_extra": True}))
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert figures(screen, personas.branch) == (3, 0, 3)


@pytest.mark.django_db
def test_a_tracked_part_is_received_with_one_serial_per_unit(personas, supplier, supplies, battery):
    order = sent(personas, supplier, (battery, 2))
    with pytest.raises(ValidationError, match="give 2 serial numbers"):
        receive(order, personas.front_desk, (battery, 2, {"serials": ["B-1"]}))
    receipt = receive(order, personas.front_desk, (battery, 2, {"serials": ["B-1", "B-2"]}))
    assert sorted(str(m.unit) for m in receipt.movements) == ["S/N B-1", "S/N B-2"]
    with pytest.raises(ValidationError, match="already in stock"):
        services.stock_receive(
            part=battery, branch=personas.branch, quantity=1, serials=["b-1"], by=personas.manager
        )


@pytest.mark.django_db
def test_receiving_says_which_waiting_jobs_can_now_go_ahead(
    personas, supplier, supplies, screen, battery, job, other_job
):
    tech = personas.technician
    line = services.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    services.works_order_part_add(works_order=other_job, part=battery, quantity=1, by=tech)
    services.purchase_order_add_line(order=line.po_line.order, part=battery, quantity=2)
    order = services.purchase_order_send(order=line.po_line.order, by=personas.manager)

    receipt = receive(
        order, personas.front_desk, (screen, 1, {}), (battery, 2, {"batch": "LOT-2026-11"})
    )

    assert receipt.ready == [job]  # its part arrived and is reserved for it
    assert receipt.waiting == [other_job]  # needs a battery, which is now on the shelf
    assert job.part_lines.get().status == PartStatus.RESERVED
    assert figures(screen, personas.branch) == (1, 1, 0)
    assert figures(battery, personas.branch) == (2, 0, 2)


@pytest.mark.django_db
def test_cancelling_an_order_puts_its_jobs_back_to_needing_the_part(
    personas, supplier, supplies, screen, job
):
    line = services.works_order_order_part(
        works_order=job, part=screen, quantity=1, by=personas.technician
    )
    order = services.purchase_order_send(order=line.po_line.order, by=personas.manager)
    with pytest.raises(ValidationError, match="Say why"):
        services.purchase_order_cancel(order=order, reason="", by=personas.manager)
    services.purchase_order_cancel(order=order, reason="Supplier out of stock", by=personas.manager)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert job.part_lines.get().status == PartStatus.NEEDED


@pytest.mark.django_db(transaction=True)
def test_orders_raised_at_once_get_numbers_without_a_gap(personas):
    supplier = SupplierFactory(shop=personas.shop)
    start = threading.Barrier(4)

    def raise_orders() -> list[str]:
        try:
            start.wait(timeout=30)
            return [
                services.purchase_order_create(
                    supplier=supplier, branch=personas.branch, by=personas.manager
                ).number
                for _ in range(10)
            ]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [n for f in [pool.submit(raise_orders) for _ in range(4)] for n in f.result()]
    assert sorted(numbers) == [f"PO-{n:06d}" for n in range(1, 41)]


@pytest.mark.django_db(transaction=True)
def test_two_jobs_ordering_from_one_supplier_at_once_share_one_draft(personas, screen):
    SupplierPartFactory(part=screen)
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(2)]
    start = threading.Barrier(2)

    def order_for(job):
        try:
            start.wait(timeout=30)
            return services.works_order_order_part(
                works_order=job, part=screen, quantity=1, by=personas.technician
            ).po_line.order_id
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        order_ids = set(pool.map(order_for, jobs))
    assert len(order_ids) == 1
