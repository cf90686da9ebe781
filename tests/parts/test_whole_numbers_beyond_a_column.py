"""Quantities a shop could never mean (2,147,483,648 and up) are refused at the field with the
range to use, and nothing is stored. Before, 4,294,967,297 units received were stored as 1:
psycopg sends an integer column's value as its low 32 bits, so the database now refuses those
too (shops.db.refuse_integer_wraparound)."""

import pytest
from django.db import DataError, transaction
from django.urls import reverse

from parts import services
from parts.models import MovementKind, PurchaseOrderLine, StockLevel, StockMovement
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db
SAID = "Enter a whole number from 1 to 99,999."
HUGE = ["2147483648", "4294967297", "18446744073709551617", "100000"]


def movements(personas) -> int:
    return StockMovement.objects.for_shop(personas.shop).count()


@pytest.mark.parametrize("quantity", HUGE)
def test_receiving_more_than_a_shop_could_is_refused_and_stores_nothing(
    client_as, personas, screen, quantity
):
    url = reverse("stock_move", args=[screen.pk, "receive"])
    response = client_as(personas.manager).post(
        url, {"branch": personas.branch.pk, "quantity": quantity}
    )
    assert response.status_code == 400
    assert SAID in response.content.decode()
    assert movements(personas) == 0
    assert figures(screen, personas.branch) == (0, 0, 0)


@pytest.mark.parametrize("change", ["2147483648", "-2147483649", "-4294967295"])
def test_an_adjustment_past_the_range_is_refused(client_as, personas, screen, change):
    url = reverse("stock_move", args=[screen.pk, "adjust"])
    response = client_as(personas.manager).post(
        url, {"branch": personas.branch.pk, "change": change, "reason": "miscount"}
    )
    assert response.status_code == 400
    assert "Enter a whole number from -99,999 to 99,999." in response.content.decode()
    assert movements(personas) == 0


def test_a_reorder_rule_past_the_range_is_refused(client_as, personas, screen):
    url = reverse("stock_level_edit", args=[personas.branch.code, screen.pk])
    data = {
        f"level-{screen.pk}-reorder_point": "4294967297",
        f"level-{screen.pk}-reorder_quantity": "5",
    }
    page = client_as(personas.manager).post(url, data, follow=True).content.decode()
    assert "Enter a whole number from 0 to 99,999." in page
    assert not StockLevel.objects.for_shop(personas.shop).filter(reorder_point__gt=0).exists()


def test_a_purchase_order_line_past_the_range_is_refused(client_as, personas, screen, supplier):
    order = services.purchase_order_create(
        supplier=supplier, branch=personas.branch, by=personas.manager
    )
    url = reverse("po_line_add", args=[order.number])
    response = client_as(personas.manager).post(
        url, {"line-code": screen.part_number, "line-quantity": "4294967297"}
    )
    assert SAID in response.content.decode()
    assert not PurchaseOrderLine.objects.for_shop(personas.shop).exists()


def test_a_delivery_past_the_range_is_refused(client_as, personas, screen, supplier):
    order = services.purchase_order_create(
        supplier=supplier, branch=personas.branch, by=personas.manager
    )
    line = services.purchase_order_add_line(order=order, part=screen, quantity=2)
    services.purchase_order_send(order=order, by=personas.manager)
    url = reverse("purchase_order_receive", args=[order.number])
    response = client_as(personas.manager).post(url, {f"line-{line.pk}-quantity": "4294967297"})
    assert response.status_code == 400
    assert "Enter a whole number from 0 to 99,999." in response.content.decode()
    assert movements(personas) == 0


def test_a_stock_take_count_past_the_range_is_refused(client_as, personas, screen):
    services.stock_receive(part=screen, branch=personas.branch, quantity=3, by=personas.manager)
    take = services.stock_take_start(branch=personas.branch, by=personas.manager)
    url = reverse("stock_take_count", args=[take.number, screen.pk])
    page = client_as(personas.technician).post(
        url, {f"count-{screen.pk}-counted": "4294967297"}, follow=True
    )
    assert "Enter a whole number from 0 to 99,999." in page.content.decode()
    assert take.lines.get().counted is None


def test_the_database_refuses_a_number_its_column_cannot_hold(personas, screen):
    """Below the forms: a number past the column fails instead of wrapping around to 1."""
    with pytest.raises(DataError, match="out of range for type integer"), transaction.atomic():
        StockMovement.objects.create(
            shop=personas.shop,
            part=screen,
            branch=personas.branch,
            kind=MovementKind.RECEIVED,
            quantity=4_294_967_297,
            on_hand_delta=4_294_967_297,
            reserved_delta=0,
            unit_cost=0,
        )
    assert movements(personas) == 0
