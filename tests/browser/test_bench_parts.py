"""Parts on the bench in a real browser: a part scanned as fitted, and a part the branch lacks
ordered from the works order, delivered, and flagged on the board."""

import pytest
from playwright.sync_api import Page, expect

from parts import services
from parts.models import PartStatus, PurchaseOrder
from tests.factories import PartFactory, SupplierPartFactory, WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import Status, WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.browser


def on_jacks_bench(personas) -> WorksOrder:
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
    )
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    return works_order_advance(works_order=works_order, step="start", by=personas.technician)


def open_job(page: Page, live_server, works_order: WorksOrder) -> Page:
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")
    return page


def test_a_technician_scans_the_part_they_fitted(signed_in_page, live_server, personas):
    works_order = on_jacks_bench(personas)
    battery = PartFactory(shop=personas.shop, name="iPhone 13 battery", barcode="5012345678900")
    services.stock_receive(part=battery, branch=personas.branch, quantity=4, by=personas.manager)
    page = open_job(signed_in_page(personas.technician), live_server, works_order)

    scan = page.get_by_label("Scan the part fitted")
    scan.press_sequentially("5012345678900")  # a keyboard-wedge scanner types the code…
    scan.press("Enter")  # …and Enter

    expect(page.get_by_text("Fitted 1 × iPhone 13 battery.")).to_be_visible()
    parts_card = page.locator("#parts")
    expect(parts_card.get_by_role("row", name="iPhone 13 battery")).to_contain_text("Fitted")
    expect(page.get_by_label("Scan the part fitted")).to_be_focused()  # ready for the next one
    assert works_order.part_lines.get().status == PartStatus.USED


def test_a_part_ordered_from_the_job_arrives_and_the_board_says_so(
    signed_in_page, live_server, personas
):
    works_order = on_jacks_bench(personas)
    screen = PartFactory(shop=personas.shop, name="Galaxy S23 screen", part_number="GS23-SCR")
    SupplierPartFactory(part=screen, supplier__name="Mobile Parts Direct")
    page = open_job(signed_in_page(personas.technician), live_server, works_order)

    page.get_by_text("Add a part this job needs").click()
    page.get_by_label("Part (required)", exact=True).fill("GS23-SCR")
    page.get_by_role("button", name="Add and reserve").click()
    expect(page.get_by_text("Not enough stock of Galaxy S23 screen")).to_be_visible()
    page.get_by_role("button", name="Order it and wait").click()

    expect(page.get_by_text("The job waits for it.")).to_be_visible()
    expect(page.get_by_text("Waiting for parts").first).to_be_visible()
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_PARTS

    # The manager sends the order; the delivery comes in at the counter.
    order = PurchaseOrder.objects.for_shop(personas.shop).get()
    manager = signed_in_page(personas.manager)
    manager.goto(f"{live_server.url}/stock/purchase-orders/{order.number}/")
    manager.get_by_role("button", name="Mark as sent").click()
    expect(manager.get_by_text("Sent", exact=True).first).to_be_visible()
    manager.get_by_role("link", name="Receive a delivery").click()
    manager.get_by_label("Arrived: Galaxy S23 screen").fill("1")
    manager.get_by_role("button", name="Receive into Birmingham").click()
    expect(manager.get_by_text("Received 1 part into Birmingham.")).to_be_visible()

    manager.goto(f"{live_server.url}/board/")
    card = manager.get_by_role("listitem").filter(has_text=works_order.number)
    expect(card).to_contain_text("Waiting for parts")
    expect(card).to_contain_text("Parts arrived")
    manager.goto("about:blank")  # the board polls: leave it before the database is emptied
