"""A quote keeps to 50 lines and to amounts its columns hold: more is refused on the form with
what to do, and nothing is booked or added."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.tickets.test_intake import intake_post
from tickets.lifecycle import works_order_advance
from tickets.models import QuoteLine, WorksOrder

pytestmark = pytest.mark.django_db


def lines(count: int, **cells) -> dict:
    data = {"lines-TOTAL_FORMS": str(count), "lines-INITIAL_FORMS": "0"}
    for i in range(count):
        row = {"kind": "labour", "description": f"Line {i + 1}", "quantity": "1"}
        row |= {"unit_price": "1.00", "vat_rate": "20"} | cells
        data |= {f"lines-{i}-{name}": value for name, value in row.items()}
    return data


def test_a_quote_of_51_lines_is_refused_and_nothing_is_booked(client_as, personas):
    response = client_as(personas.front_desk).post(
        reverse("intake"), intake_post(personas, **lines(51))
    )
    assert "A quote has at most 50 lines: put several items on one line." in (
        response.content.decode()
    )
    assert not WorksOrder.objects.for_shop(personas.shop).exists()


def test_a_quote_of_50_lines_is_booked(client_as, personas):
    client_as(personas.front_desk).post(reverse("intake"), intake_post(personas, **lines(50)))
    assert QuoteLine.objects.for_shop(personas.shop).count() == 50


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ({"quantity": "999", "unit_price": "999999.99"}, "This line comes to more than 999,999.99"),
        ({"quantity": "99999.99"}, "Enter an amount from 0.01 to 999.99."),
        ({"unit_price": "1e30"}, "Enter an amount from 0 to 999,999.99."),
        ({"unit_price": "NaN"}, "Enter an amount from 0 to 999,999.99."),
        ({"vat_rate": "999.99"}, "Enter an amount from 0 to 100."),
    ],
)
def test_a_quote_line_past_what_a_quote_holds_is_refused(client_as, personas, cells, said):
    response = client_as(personas.front_desk).post(
        reverse("intake"), intake_post(personas, **lines(1, **cells))
    )
    assert said in response.content.decode()
    assert not WorksOrder.objects.for_shop(personas.shop).exists()


def test_a_quote_adding_up_past_the_limit_is_refused(client_as, personas):
    many = lines(2, quantity="1", unit_price="600000.00", vat_rate="0")
    response = client_as(personas.front_desk).post(reverse("intake"), intake_post(personas, **many))
    assert "The quote comes to more than 999,999.99" in response.content.decode()
    assert not WorksOrder.objects.for_shop(personas.shop).exists()


def test_extra_work_past_what_a_quote_holds_is_refused(client_as, personas, booked):
    works_order_advance(
        works_order=booked, step="assign", by=personas.front_desk, technician=personas.technician
    )
    works_order_advance(works_order=booked, step="start", by=personas.technician)
    response = client_as(personas.technician).post(
        reverse("extra_work", args=[booked.number]),
        {
            "extra-kind": "part",
            "extra-description": "Logic board",
            "extra-quantity": "999",
            "extra-unit_price": "999999.99",
            "extra-vat_rate": "20",
        },
    )
    assert "This line comes to more than 999,999.99 with VAT: check" in response.content.decode()
    assert [line.unit_price for line in booked.lines.all()] == [
        Decimal("149.99"),
        Decimal("20.00"),
    ]
