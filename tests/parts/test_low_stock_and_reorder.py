"""Reorder points per branch: the low-stock list proposes one draft order per supplier."""

from decimal import Decimal

import pytest

from parts import services
from parts.models import OrderStatus, PurchaseOrder
from parts.selectors import low_stock
from tests.factories import PartFactory, SupplierFactory, SupplierPartFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low(personas, screen, battery):
    """Screens and batteries are low at BHM; the screen is cheapest at Mobile Parts Direct."""
    direct = SupplierFactory(shop=personas.shop, name="Mobile Parts Direct")
    wholesale = SupplierFactory(shop=personas.shop, name="Fone Wholesale")
    SupplierPartFactory(part=screen, supplier=direct, cost=Decimal("79.00"))
    SupplierPartFactory(part=screen, supplier=wholesale, cost=Decimal("81.00"))
    SupplierPartFactory(part=battery, supplier=wholesale, cost=Decimal("14.00"))
    services.stock_receive(part=screen, branch=personas.branch, quantity=2, by=personas.manager)
    for part, point, quantity in [(screen, 2, 5), (battery, 1, 10)]:
        services.stock_level_set(
            part=part, branch=personas.branch, reorder_point=point, reorder_quantity=quantity
        )
    return direct, wholesale


def test_the_low_stock_list_proposes_one_draft_per_supplier_at_the_lowest_cost(
    personas, screen, battery, low
):
    direct, wholesale = low
    well_stocked = PartFactory(shop=personas.shop)
    services.stock_receive(
        part=well_stocked, branch=personas.branch, quantity=9, by=personas.manager
    )
    services.stock_level_set(
        part=well_stocked, branch=personas.branch, reorder_point=3, reorder_quantity=5
    )

    found = low_stock(personas.shop, personas.branch)

    assert {p.pk for p in found.parts} == {screen.pk, battery.pk}
    assert [(p.supplier, [part.pk for part in p.parts]) for p in found.proposals] == [
        (wholesale, [battery.pk]),
        (direct, [screen.pk]),
    ]
    assert found.proposals[1].total == Decimal("395.00")  # 5 × 79.00
    assert low_stock(personas.shop, personas.other_branch).parts == []  # per branch


def test_one_click_raises_the_drafts_and_a_second_click_orders_nothing_more(
    personas, screen, battery, low
):
    direct, wholesale = low
    orders = services.purchase_orders_for_low_stock(branch=personas.branch, by=personas.manager)

    assert {(o.supplier, o.status) for o in orders} == {
        (direct, OrderStatus.DRAFT),
        (wholesale, OrderStatus.DRAFT),
    }
    screen_line = PurchaseOrder.objects.for_shop(personas.shop).get(supplier=direct).lines.get()
    assert (screen_line.part, screen_line.quantity, screen_line.unit_cost) == (
        screen,
        5,
        Decimal("79.00"),
    )
    assert low_stock(personas.shop, personas.branch).proposals == []  # now on order
    assert services.purchase_orders_for_low_stock(branch=personas.branch, by=personas.manager) == []


def test_a_low_part_without_a_supplier_is_listed_for_the_manager_to_fix(personas, low):
    orphan = PartFactory(shop=personas.shop, name="Home button")
    services.stock_level_set(
        part=orphan, branch=personas.branch, reorder_point=1, reorder_quantity=2
    )
    assert low_stock(personas.shop, personas.branch).without_supplier == [orphan]
