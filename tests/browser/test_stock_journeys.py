"""Stock in a real browser: the counter takes a delivery in and sees the shelf fill; a stock
take counted with a keyboard-wedge scanner (which types the barcode and Enter) and by hand."""

import re

import pytest
from playwright.sync_api import Page, expect

from parts import services
from tests.browser.htmx import htmx_settled
from tests.factories import PartFactory, SupplierFactory, SupplierPartFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def screen(personas):
    return PartFactory(
        shop=personas.shop,
        name="iPhone 13 screen (OEM)",
        part_number="IP13-SCR-OEM",
        barcode="5012345678900",
    )


def stock_row(page: Page, part):
    return page.locator(f"#stock-row-{part.pk}")


def test_the_counter_receives_a_delivery_line_and_sees_the_stock_go_up(
    signed_in_page, live_server, personas, screen
):
    supplier = SupplierFactory(shop=personas.shop, name="Mobile Parts Direct")
    SupplierPartFactory(part=screen, supplier=supplier)
    order = services.purchase_order_create(
        supplier=supplier, branch=personas.branch, by=personas.manager
    )
    services.purchase_order_add_line(order=order, part=screen, quantity=3)
    services.purchase_order_send(order=order, by=personas.manager)

    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/stock/purchase-orders/{order.number}/")
    page.get_by_role("link", name="Receive a delivery").click()
    page.get_by_label("Arrived: iPhone 13 screen (OEM)").fill("2")
    page.get_by_role("button", name="Receive into Birmingham").click()

    expect(page.get_by_text("Received 2 parts into Birmingham.")).to_be_visible()
    expect(page.get_by_text("Partly received").first).to_be_visible()
    page.get_by_role("link", name="Stock", exact=True).first.click()
    row = stock_row(page, screen)
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")  # on hand
    expect(row.get_by_role("cell").nth(3)).to_have_text("2")  # available


def test_a_stock_take_counted_by_scanner_and_by_hand_posts_its_differences(
    signed_in_page, live_server, personas, screen
):
    flex = PartFactory(shop=personas.shop, name="Charge port flex", part_number="FLEX-1")
    for part, quantity in [(screen, 3), (flex, 1)]:
        services.stock_receive(
            part=part, branch=personas.branch, quantity=quantity, by=personas.manager
        )
    page = signed_in_page(personas.manager)
    page.goto(f"{live_server.url}/stock/takes/")
    page.get_by_role("button", name="Start a stock take").click()
    expect(page.get_by_role("heading", name=re.compile("Stock take #1"))).to_be_visible()

    scanner = page.get_by_label("Scan or type a barcode or part number")
    for seen in ("1", "2"):
        scanner.press_sequentially("5012345678900")  # the wedge types the code…
        scanner.press("Enter")  # …and Enter
        expect(page.get_by_text(f"iPhone 13 screen (OEM): {seen} counted.")).to_be_visible()
        expect(scanner).to_have_value("")
        expect(scanner).to_be_focused()
    scanner.press_sequentially("NOT-A-PART")
    scanner.press("Enter")
    expect(page.get_by_text("No part has the barcode or part number “NOT-A-PART”.")).to_be_visible()
    # The toast comes with the answer's headers, before its table is swapped in: wait for the
    # swap, or the count typed next goes into a row that is about to be replaced.
    htmx_settled(page)

    counted = page.get_by_label("Counted: Charge port flex")
    counted.fill("2")
    counted.press("Tab")
    expect(page.locator(f"#count-{flex.pk}")).to_contain_text("+1")
    expect(page.locator(f"#count-{screen.pk}")).to_contain_text("−1")
    expect(page.get_by_text("2 of 2 parts counted")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Post the differences").click()
    expect(page.get_by_text("Stock take #1 posted: 2 adjustments to the ledger.")).to_be_visible()

    page.goto(f"{live_server.url}/stock/?branch=BHM")
    expect(stock_row(page, screen).get_by_role("cell").nth(1)).to_have_text("2")
    expect(stock_row(page, flex).get_by_role("cell").nth(1)).to_have_text("2")


def test_a_manager_sets_a_reorder_point_in_the_row_without_leaving_the_page(
    signed_in_page, live_server, personas, screen
):
    page = signed_in_page(personas.manager)
    page.goto(f"{live_server.url}/stock/?branch=BHM")
    page.get_by_label("Reorder point for iPhone 13 screen (OEM)").fill("2")
    page.get_by_label("Reorder quantity for iPhone 13 screen (OEM)").fill("5")
    page.get_by_role("button", name="Save the reorder rule for iPhone 13 screen (OEM)").click()
    row = stock_row(page, screen)
    expect(row.get_by_text("Saved")).to_be_visible()
    expect(row.get_by_role("cell").nth(3)).to_contain_text("0")
    expect(row.get_by_text("(low)")).to_be_attached()  # now at or below its reorder point
