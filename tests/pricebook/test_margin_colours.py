"""A margin is green above the shop's upper threshold, red below its lower one, amber between;
it is worked out on the parts' cost today."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pricebook.pricing import MarginBand, margin_band, margin_percent
from tests.factories import OptionPartFactory, PriceOptionFactory

D = Decimal


@pytest.mark.parametrize(
    ("margin", "band"),
    [
        ("60.1", MarginBand.GREEN),
        ("60.0", MarginBand.AMBER),
        ("40.0", MarginBand.AMBER),
        ("39.9", MarginBand.RED),
        ("-5.0", MarginBand.RED),
    ],
)
def test_the_default_thresholds_put_their_own_values_in_amber(margin, band):
    assert margin_band(D(margin), green_above=D(60), red_below=D(40)) == band


def test_no_net_price_means_no_margin():
    assert margin_percent(D("0.00"), D("10.00")) is None
    assert margin_band(None, green_above=D(60), red_below=D(40)) is None


@pytest.fixture
def option(personas):
    shop = personas.shop
    shop.pricebook_prices_include_vat = False  # £100.00 net: the margin reads straight off
    shop.save()
    option = PriceOptionFactory(shop=shop, price=D("100.00"))
    OptionPartFactory(shop=shop, option=option, part__cost=D("40.00"))
    return option


def badge(client, option) -> str:
    page = client.get(reverse("pricebook_entry", args=[option.entry_id])).content.decode()
    start = page.index('title="Margin on current part costs')
    return page[page.rindex("<span", 0, start) : page.index("</span>", start)]


def test_the_entry_page_colours_the_margin_by_the_shops_thresholds(personas, client_as, option):
    client = client_as(personas.manager)
    assert 'class="badge text-bg-warning"' in badge(client, option)
    assert "60.0 %" in badge(client, option)

    shop = personas.shop
    shop.margin_green_above, shop.margin_red_below = D("50"), D("45")
    shop.save()
    assert 'class="badge text-bg-success"' in badge(client, option)

    shop.margin_green_above, shop.margin_red_below = D("80"), D("70")
    shop.save()
    assert 'class="badge text-bg-danger"' in badge(client, option)


def test_a_part_costing_more_today_lowers_the_margin_without_touching_the_price(
    personas, client_as, option
):
    part = option.parts.get().part
    part.cost = D("39.90")
    part.save()
    client = client_as(personas.manager)
    assert "60.1 %" in badge(client, option)
    assert "text-bg-success" in badge(client, option)
    part.cost = D("61.00")
    part.save()
    assert "39.0 %" in badge(client, option)
    assert "text-bg-danger" in badge(client, option)


def test_the_pricebook_list_shows_margins_to_managers_only(personas, client_as, option):
    manager_page = client_as(personas.manager).get(reverse("pricebook")).content.decode()
    assert "60.0 %" in manager_page
    desk_page = client_as(personas.front_desk).get(reverse("pricebook")).content.decode()
    assert "60.0 %" not in desk_page
    assert "£100.00" in desk_page
