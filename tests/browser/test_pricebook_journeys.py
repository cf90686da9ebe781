"""A manager's pricebook journeys in a real browser: import a price list, fix what it rejects,
find the prices."""

import re

import pytest
from playwright.sync_api import Page, expect

from pricebook.starter import repair_types_seed
from tests.pricebook.conftest import DIAGNOSTIC, SCREEN_AFTERMARKET, SCREEN_OEM, csv_text

pytestmark = pytest.mark.browser


def test_a_manager_imports_a_price_list_sees_the_bad_line_applies_and_finds_the_prices(
    signed_in_page, live_server, personas
):
    repair_types_seed(shop=personas.shop)
    page: Page = signed_in_page(personas.manager)
    page.goto(f"{live_server.url}/pricebook/")
    expect(page.get_by_text("The pricebook is empty.")).to_be_visible()
    page.get_by_role("link", name="Import or export").click()

    prices = csv_text(SCREEN_OEM, SCREEN_AFTERMARKET | {"price": "1O9.00"}, DIAGNOSTIC)
    page.get_by_label("Pricebook file (CSV)").set_input_files(
        files=[{"name": "prices.csv", "mimeType": "text/csv", "buffer": prices.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Import of prices.csv")).to_be_visible()
    expect(page.get_by_role("heading", name="1 problem to fix in the file")).to_be_visible()
    bad = page.locator("#problems").get_by_role("row").filter(has_text="1O9.00")
    expect(bad.get_by_role("cell").nth(0)).to_have_text("3")
    expect(bad.get_by_role("cell").nth(1)).to_have_text("price")
    expect(bad).to_contain_text("write it with a decimal point")

    page.get_by_role("button", name=re.compile(r"Apply: add 2, change 0")).click()
    expect(page.get_by_role("status").filter(has_text="The pricebook is updated")).to_be_visible()

    page.get_by_role("link", name="See the pricebook").click()
    table = page.locator("#pricebook-table")
    screen = table.get_by_role("row").filter(has_text="Screen replacement")
    expect(screen).to_contain_text("Apple iPhone 13")
    expect(screen).to_contain_text("£189.00")
    expect(screen).not_to_contain_text("£119.00")  # the rejected line stayed out

    page.get_by_label("Search").fill("diagnostic")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the diagnostic
    expect(page).to_have_url(re.compile(r"q=diagnostic"))

    table.get_by_role("link", name="Water damage diagnostic").click()
    expect(page.get_by_role("heading", name=re.compile("Water damage diagnostic"))).to_be_visible()
    expect(page.get_by_text("No parts: labour only.")).to_be_visible()
