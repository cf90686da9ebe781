"""A NUL byte in a cell or in the header, and a price no column holds (1e30, NaN, Infinity),
are reported by line and column like every other bad cell; nothing is imported from them."""

import pytest
from django.urls import reverse

from pricebook.models import ImportStatus, PricebookEntry, PriceOption
from tests.pricebook.conftest import DIAGNOSTIC, SCREEN_OEM, csv_text, preview, upload

pytestmark = pytest.mark.django_db


def problems(stored) -> list[tuple[int, str, str]]:
    return [(p["line"], p["column"], p["value"]) for p in stored.preview["problems"]]


def test_a_nul_byte_in_a_cell_is_reported_at_its_line_and_column(shop, personas):
    text = csv_text(SCREEN_OEM | {"model": "iPhone\x0013"}, DIAGNOSTIC)
    stored = preview(shop, personas.manager, text)

    assert stored.status == ImportStatus.PREVIEW
    assert problems(stored) == [(2, "model", "iPhone␀13")]
    assert "NUL character" in stored.preview["problems"][0]["text"]
    assert stored.preview["counts"]["rejected"] == 1
    assert not PricebookEntry.objects.for_shop(shop).exists()


def test_a_nul_byte_in_the_header_stops_the_file_with_its_column(shop, personas):
    text = csv_text(SCREEN_OEM).replace("price", "pri\x00ce", 1)
    stored = preview(shop, personas.manager, text)

    assert stored.status == ImportStatus.FAILED
    assert problems(stored) == [(1, "price", "pri␀ce")]
    assert "Line 1, column 6 (“pri␀ce”) has a NUL character" in stored.error


@pytest.mark.parametrize("price", ["1e30", "NaN", "Infinity", "-Infinity", "1000000.00"])
def test_a_price_beyond_what_a_quote_holds_is_reported_at_its_line_and_column(
    shop, personas, price
):
    stored = preview(shop, personas.manager, csv_text(SCREEN_OEM | {"price": price}, DIAGNOSTIC))

    assert problems(stored) == [(2, "price", price)]
    text = stored.preview["problems"][0]["text"]
    assert "is too large (at most 999,999.99)" in text or "is not an amount" in text


def test_the_import_page_shows_a_nul_cell_and_applying_leaves_it_out(shop, personas, client_as):
    client = client_as(personas.manager)
    text = csv_text(SCREEN_OEM | {"part_cost": "1e30"}, DIAGNOSTIC | {"make": "Sam\x00sung"})
    response = client.post(reverse("pricebook_import"), {"file": upload(text, "prices\x00.csv")})
    page = client.get(response["Location"]).content.decode()
    assert "2 problems to fix in the file" in page
    assert "<code>Sam␀sung</code>" in page

    client.post(response["Location"] + "apply/")
    assert not PriceOption.objects.for_shop(shop).exists()
