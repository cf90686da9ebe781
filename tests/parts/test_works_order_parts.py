"""The hooks the intake and bench screens call: a job's parts reserved, used, ordered, released."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from parts import services
from parts.models import OrderStatus, PartStatus, PurchaseOrder
from parts.selectors import parts_arrival
from tests.factories import PartFactory, SupplierFactory, SupplierPartFactory, WorksOrderFactory
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db


def stock(part, branch, quantity, by):
    services.stock_receive(part=part, branch=branch, quantity=quantity, by=by)


def test_reserving_takes_whole_lines_as_far_as_stock_allows_and_says_what_is_short(
    personas, screen, battery, job
):
    tech = personas.technician
    stock(screen, personas.branch, 1, personas.manager)
    services.works_order_part_add(works_order=job, part=screen, quantity=1, by=tech)
    services.works_order_part_add(works_order=job, part=screen, quantity=2, by=tech)
    result = services.works_order_reserve_parts(works_order=job, by=tech)
    assert [(line.part, line.quantity) for line in result.reserved] == [(screen, 1)]
    assert [s.message for s in result.short] == [
        "Not enough stock of iPhone 13 screen (OEM): 2 needed, 0 available."
    ]
    assert figures(screen, personas.branch) == (1, 1, 0)
    assert job.timeline.filter(text__startswith="Reserved 1 × iPhone 13 screen").exists()


def test_a_part_used_by_barcode_consumes_the_jobs_reservation(personas, screen, job):
    tech = personas.technician
    stock(screen, personas.branch, 3, personas.manager)
    services.works_order_part_add(works_order=job, part=screen, quantity=2, by=tech)
    services.works_order_reserve_parts(works_order=job, by=tech)

    used = services.works_order_use_part(works_order=job, code="5012345678900", by=tech)

    assert (used.status, used.quantity) == (PartStatus.USED, 1)
    assert figures(screen, personas.branch) == (2, 1, 1)  # one fitted, one still held
    lines = sorted((line.status, line.quantity) for line in job.part_lines.all())
    assert lines == [(PartStatus.RESERVED, 1), (PartStatus.USED, 1)]


def test_a_part_not_reserved_is_used_from_the_shelf_by_part_number(personas, screen, job):
    stock(screen, personas.branch, 1, personas.manager)
    used = services.works_order_use_part(works_order=job, code="ip13-scr-oem", by=personas.manager)
    assert used.status == PartStatus.USED
    assert figures(screen, personas.branch) == (0, 0, 0)
    with pytest.raises(services.NotEnoughStock):
        services.works_order_use_part(works_order=job, code="IP13-SCR-OEM", by=personas.manager)


def test_using_a_tracked_part_needs_the_serial_of_a_unit_on_the_shelf(personas, battery, job):
    services.stock_receive(
        part=battery,
        branch=personas.branch,
        quantity=2,
        serials=["BAT-001", "BAT-002"],
        by=personas.manager,
    )
    tech = personas.technician
    with pytest.raises(ValidationError, match="serial or batch number of the iPhone 13 battery"):
        services.works_order_use_part(works_order=job, code="IP13-BAT", by=tech)
    with pytest.raises(ValidationError, match=r"S/N BAT-999 .* not on the shelf"):
        services.works_order_use_part(
            works_order=job, code="IP13-BAT", unit_number="BAT-999", by=tech
        )
    used = services.works_order_use_part(
        works_order=job, code="IP13-BAT", unit_number="bat-002", by=tech
    )
    assert used.unit.number == "BAT-002"
    with pytest.raises(ValidationError, match="not on the shelf"):  # it is in the phone now
        services.works_order_use_part(
            works_order=job, code="IP13-BAT", unit_number="BAT-002", by=tech
        )


def test_an_unknown_code_says_so(personas, job):
    with pytest.raises(ValidationError, match="No part has the barcode or part number “NOPE”"):
        services.works_order_use_part(works_order=job, code=" NOPE ", by=personas.technician)


def test_ordering_a_part_raises_a_draft_with_the_cheapest_supplier_and_later_jobs_join_it(
    personas, screen, job, other_job
):
    dear = SupplierPartFactory(part=screen, cost=Decimal("82.00"))
    cheap = SupplierPartFactory(part=screen, cost=Decimal("79.50"))
    tech = personas.technician

    first = services.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    second = services.works_order_order_part(
        works_order=other_job, part=screen, quantity=2, by=tech
    )

    assert first.status == second.status == PartStatus.ORDERED
    order = first.po_line.order
    assert second.po_line.order == order  # joined, not a second draft
    assert (order.supplier, order.branch, order.status) == (
        cheap.supplier,
        personas.branch,
        OrderStatus.DRAFT,
    )
    assert [(line.quantity, line.unit_cost, line.works_order) for line in order.lines.all()] == [
        (1, Decimal("79.50"), job),
        (2, Decimal("79.50"), other_job),
    ]
    assert not PurchaseOrder.objects.for_shop(personas.shop).filter(supplier=dear.supplier)


def test_a_sent_order_is_not_joined_and_the_job_shows_its_expected_delivery(
    personas, screen, job, other_job
):
    SupplierPartFactory(part=screen, supplier=SupplierFactory(shop=personas.shop, lead_time_days=4))
    tech = personas.technician
    line = services.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    assert line.expected_on is None  # not sent yet
    order = services.purchase_order_send(order=line.po_line.order, by=personas.manager)
    line.refresh_from_db()
    assert line.expected_on == order.sent_on + datetime.timedelta(days=4)

    later = services.works_order_order_part(works_order=other_job, part=screen, quantity=1, by=tech)
    assert later.po_line.order != order


def test_a_part_with_no_supplier_cannot_be_ordered_and_says_where_to_fix_it(personas, job):
    lonely = PartFactory(shop=personas.shop, name="Rare flex cable")
    with pytest.raises(ValidationError, match="No supplier is set up for Rare flex cable"):
        services.works_order_order_part(
            works_order=job, part=lonely, quantity=1, by=personas.technician
        )


def test_releasing_a_cancelled_jobs_parts_returns_reservations_and_empties_draft_lines(
    personas, screen, battery, supplies, job
):
    tech = personas.technician
    stock(screen, personas.branch, 1, personas.manager)
    services.works_order_part_add(works_order=job, part=screen, quantity=1, by=tech)
    services.works_order_reserve_parts(works_order=job, by=tech)
    ordered = services.works_order_order_part(works_order=job, part=battery, quantity=1, by=tech)
    draft = ordered.po_line.order

    released = services.works_order_release_parts(works_order=job, by=personas.front_desk)

    assert {line.status for line in released} == {PartStatus.RELEASED}
    assert figures(screen, personas.branch) == (1, 0, 1)
    assert not draft.lines.exists()


def test_the_board_learns_which_jobs_parts_have_arrived_in_one_query(
    personas, screen, supplies, job, other_job, django_assert_num_queries
):
    tech, manager = personas.technician, personas.manager
    services.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    line = services.works_order_order_part(works_order=other_job, part=screen, quantity=1, by=tech)
    order = services.purchase_order_send(order=line.po_line.order, by=manager)
    nothing_ordered = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    job_line = order.lines.get(works_order=job)
    services.purchase_order_receive(
        order=order, deliveries=[services.Delivery(job_line, 1)], by=manager
    )

    ids = [job.pk, other_job.pk, nothing_ordered.pk]
    with django_assert_num_queries(1):
        arrival = parts_arrival(shop=personas.shop, works_order_ids=ids)

    assert arrival[job.pk].arrived
    assert not arrival[other_job.pk].arrived
    assert arrival[other_job.pk].expected_on == order.expected_on
    assert nothing_ordered.pk not in arrival
    assert job.part_lines.get().status == PartStatus.RESERVED  # held for the job on arrival
