"""Browsing the pricebook: search by model or repair, filter by make, category, repair type
and model; the table alone comes back to the page's htmx requests."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import DeviceModelFactory, PriceOptionFactory, RepairTypeFactory


@pytest.fixture
def pricebook(personas):
    shop = personas.shop
    iphone = DeviceModelFactory(shop=shop, make="Apple", name="iPhone 13")
    pixel = DeviceModelFactory(shop=shop, make="Google", name="Pixel 7")
    ipad = DeviceModelFactory(shop=shop, make="Apple", name="iPad Air", category="tablet")
    screen = RepairTypeFactory(shop=shop, name="Screen replacement")
    battery = RepairTypeFactory(shop=shop, name="Battery replacement")
    for model, repair, price in [
        (iphone, screen, "189.00"),
        (iphone, battery, "79.00"),
        (pixel, screen, "149.00"),
        (ipad, battery, "99.00"),
    ]:
        PriceOptionFactory(
            shop=shop, entry__device_model=model, entry__repair_type=repair, price=Decimal(price)
        )
    return {"iphone": iphone, "screen": screen}


def listed(client, **query) -> list[str]:
    page = client.get(reverse("pricebook"), query).content.decode()
    table = page[page.index('id="pricebook-table"') :]
    return [price for price in ("189.00", "79.00", "149.00", "99.00") if f"£{price}" in table]


def test_search_matches_every_word_against_make_model_and_repair(personas, client_as, pricebook):
    client = client_as(personas.front_desk)
    assert listed(client) == ["189.00", "79.00", "149.00", "99.00"]
    assert listed(client, q="iphone 13 screen") == ["189.00"]
    assert listed(client, q="apple battery") == ["79.00", "99.00"]
    assert listed(client, q="nokia") == []


def test_filters_narrow_by_make_category_repair_and_model(personas, client_as, pricebook):
    client = client_as(personas.technician)
    assert listed(client, make="Google") == ["149.00"]
    assert listed(client, category="tablet") == ["99.00"]
    assert listed(client, repair_type=pricebook["screen"].pk) == ["189.00", "149.00"]
    assert listed(client, model=pricebook["iphone"].pk) == ["189.00", "79.00"]


def test_an_htmx_request_gets_the_table_alone_and_the_address_to_show(
    personas, client_as, pricebook, django_assert_max_num_queries
):
    client = client_as(personas.front_desk)
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("pricebook"), {"q": "pixel", "make": ""}, headers={"HX-Request": "true"}
        )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="pricebook-table">')
    assert "£149.00" in body and "<nav" not in body.split("pricebook-table")[0]
    assert response.headers["HX-Push-Url"] == "/pricebook/?q=pixel"
    assert "HX-Request" in response.headers["Vary"]
