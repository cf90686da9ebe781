"""The counter finds a customer as they type: by phone in any format, email, or name."""

import re

import pytest
from django.urls import reverse

from customers.selectors import customer_matches, returning_customer
from tests.factories import CustomerFactory, WorksOrderFactory
from tickets.models import WorksOrder


@pytest.fixture
def customers(personas):
    shop = personas.shop
    return {
        "jane": CustomerFactory(
            shop=shop, full_name="Jane Smith", phone="+447400123456", email="jane@example.com"
        ),
        "janet": CustomerFactory(
            shop=shop, full_name="Janet Jones", phone="+447400900123", email="jj@example.org"
        ),
        "john": CustomerFactory(
            shop=shop, full_name="John Smithson", phone="+441214960000", email="john@work.example"
        ),
    }


def names(matches):
    return [c.full_name for c in matches]


@pytest.mark.parametrize(
    "typed", ["07400123456", "07400 123456", "+44 7400 123456", "0044 7400 123 456"]
)
def test_a_full_number_in_any_format_finds_its_customer(personas, customers, typed):
    assert names(customer_matches(personas.shop, typed)) == ["Jane Smith"]


def test_the_last_six_digits_are_enough(personas, customers):
    assert names(customer_matches(personas.shop, "123456")) == ["Jane Smith"]


def test_the_start_of_a_number_typed_as_dialled_finds_it(personas, customers):
    assert names(customer_matches(personas.shop, "07400 12")) == ["Jane Smith"]


def test_fewer_than_six_digits_match_nobody(personas, customers):
    assert customer_matches(personas.shop, "3456") == []


def test_email_is_found_exactly_in_any_case_or_by_its_beginning(personas, customers):
    assert names(customer_matches(personas.shop, "JANE@Example.com")) == ["Jane Smith"]
    assert names(customer_matches(personas.shop, "john@")) == ["John Smithson"]


def test_names_are_found_best_match_first(personas, customers):
    assert names(customer_matches(personas.shop, "jane"))[0] == "Jane Smith"
    assert names(customer_matches(personas.shop, "smith")) == ["Jane Smith", "John Smithson"]


def test_a_misspelt_name_is_still_found(personas, customers):
    assert "Jane Smith" in names(customer_matches(personas.shop, "Jane Smtih"))


def test_customers_of_another_shop_are_never_found(personas, customers):
    CustomerFactory(shop=personas.outsider.shop, full_name="Jane Smith", phone="+447400123456")
    assert [c.shop_id for c in customer_matches(personas.shop, "07400123456")] == [personas.shop.pk]
    assert {c.shop_id for c in customer_matches(personas.shop, "Jane Smith")} == {personas.shop.pk}


def test_an_earlier_works_order_makes_a_returning_customer(personas, customers):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customers["jane"])
    found = {c.full_name: c.is_returning for c in customer_matches(personas.shop, "ja")}
    assert found == {"Jane Smith": True, "Janet Jones": False}


def test_a_works_order_made_the_customer_returning_only_if_another_came_before_it(personas):
    first = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    second = WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, customer=first.customer
    )
    returning = dict(
        WorksOrder.objects.for_shop(personas.shop)
        .annotate(returning=returning_customer(personas.shop))
        .values_list("pk", "returning")
    )
    assert returning == {first.pk: False, second.pk: True}


def test_the_lookup_partial_lists_buttons_the_intake_page_can_pick(client_as, personas, customers):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customers["jane"])
    response = client_as(personas.front_desk).get(
        reverse("customer_lookup"), {"q": "+44 7400 123456"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in html and "<html" not in html  # a fragment, no page chrome
    buttons = re.findall(r"<button[^>]*>", html)
    assert len(buttons) == 1
    assert 'type="button"' in buttons[0]
    assert "list-group-item list-group-item-action" in buttons[0]
    assert f'data-customer-id="{customers["jane"].pk}"' in buttons[0]
    assert 'data-customer-name="Jane Smith"' in buttons[0]
    assert 'data-customer-phone="07400 123456"' in buttons[0]
    assert 'data-customer-email="jane@example.com"' in buttons[0]
    assert "returning" in html


def test_the_lookup_partial_lists_at_most_eight(client_as, personas):
    for n in range(12):
        CustomerFactory(shop=personas.shop, full_name=f"Sam Taylor {n}")
    response = client_as(personas.technician).get(reverse("customer_lookup"), {"q": "Sam Taylor"})
    assert response.content.decode().count("data-customer-id=") == 8


def test_the_lookup_partial_says_when_nobody_matches(client_as, personas, customers):
    response = client_as(personas.front_desk).get(reverse("customer_lookup"), {"q": "Zebedee"})
    assert "No customer matches “Zebedee”" in response.content.decode()
    empty = client_as(personas.front_desk).get(reverse("customer_lookup"), {"q": ""})
    assert "data-customer-id" not in empty.content.decode()
    assert "No customer matches" not in empty.content.decode()
