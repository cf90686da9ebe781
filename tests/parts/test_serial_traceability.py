"""A numbered unit is traceable: supplier → purchase order → shelf → works order → customer,
and from the customer's job back to the supplier."""

import pytest

from parts import services
from parts.selectors import unit_trace, works_order_trace
from tests.factories import CustomerFactory, WorksOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fitted(personas, supplier, supplies, battery):
    """Two serial-numbered batteries bought on a PO; one moved to COV and fitted for Dee."""
    order = services.purchase_order_create(
        supplier=supplier, branch=personas.branch, by=personas.manager
    )
    services.purchase_order_add_line(order=order, part=battery, quantity=2)
    services.purchase_order_send(order=order, by=personas.manager)
    services.purchase_order_receive(
        order=order,
        deliveries=[services.Delivery(order.lines.get(), 2, serials=["BAT-7001", "BAT-7002"])],
        by=personas.front_desk,
    )
    services.stock_transfer(
        part=battery,
        from_branch=personas.branch,
        to_branch=personas.other_branch,
        quantity=1,
        serials=["BAT-7001"],
        by=personas.manager,
    )
    dee = CustomerFactory(shop=personas.shop, full_name="Dee Whitfield")
    job = WorksOrderFactory(branch=personas.other_branch, by=personas.manager, customer=dee)
    services.works_order_use_part(
        works_order=job, code="IP13-BAT", unit_number="BAT-7001", by=personas.second_technician
    )
    return order, job


def test_a_serial_leads_from_the_supplier_to_the_customer(personas, supplier, fitted):
    order, job = fitted
    (trace,) = unit_trace(personas.shop, " bat-7001 ")
    (received,) = trace.received
    (used,) = trace.used
    assert received.po_line.order == order and received.po_line.order.supplier == supplier
    assert [m.kind for m in trace.movements] == ["received", "transfer_out", "transfer_in", "used"]
    assert (used.works_order, used.works_order.customer.full_name) == (job, "Dee Whitfield")
    assert trace.where == {}  # in Dee's phone, on no shelf


def test_the_customers_job_leads_back_to_the_supplier(personas, supplier, fitted):
    _, job = fitted
    (trace,) = works_order_trace(personas.shop, job.number.lower())
    assert trace.unit.number == "BAT-7001"
    assert trace.received[0].po_line.order.supplier == supplier
    assert job.part_lines.get().unit == trace.unit


def test_the_unit_still_on_the_shelf_shows_where_it_is(personas, fitted):
    (trace,) = unit_trace(personas.shop, "BAT-7002")
    assert trace.where == {"Birmingham": 1} and not trace.used


def test_a_batch_is_received_with_its_quantity_and_used_from_one_at_a_time(personas, battery, job):
    services.stock_receive(
        part=battery, branch=personas.branch, quantity=5, batch="LOT-42", by=personas.manager
    )
    services.works_order_use_part(
        works_order=job, code="IP13-BAT", unit_number="lot-42", by=personas.technician
    )
    (trace,) = unit_trace(personas.shop, "LOT-42")
    assert trace.unit.is_batch and trace.where == {"Birmingham": 4}


def test_another_shop_never_sees_the_unit(personas, fitted):
    assert unit_trace(personas.outsider.shop, "BAT-7001") == []
