"""The customer's status page on a phone: follow the repair, approve extra work, and see it land
on the shop's board. Screenshots of each stage when SCREENS_DIR is set."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from parts import services as parts
from tests.browser.axe import axe_findings, sideways_overflow
from tests.factories import WorksOrderFactory
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Status, WorksOrder
from tickets.qr import STATUS_PATH
from tickets.services import ConsentData, LineData

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def waiting_for_approval(personas) -> WorksOrder:
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
    works_order_advance(works_order=works_order, step="start", by=personas.technician)
    services.extra_work_add(
        works_order=works_order,
        line=LineData(description="Charging port", unit_price=Decimal("60.00"), kind="part"),
        reason="The charging port is corroded and needs replacing.",
        by=personas.technician,
    )
    return works_order


def test_the_customer_approves_extra_work_and_the_board_sees_it(
    page: Page, live_server, signed_in_page, personas
):
    works_order = waiting_for_approval(personas)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + STATUS_PATH.format(token=works_order.status_token))
    expect(page.get_by_role("heading", name="Your approval is needed")).to_be_visible()
    expect(page.get_by_text("Waiting for your approval")).to_be_visible()
    assert axe_findings(page) == []
    assert sideways_overflow(page) == ""

    page.get_by_role("button", name="Approve £192.00").click()
    expect(page.get_by_text("you approved the change")).to_be_visible()
    expect(page.get_by_role("heading", name="Your approval is needed")).to_have_count(0)
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS

    signed_in_page(personas.technician).goto(f"{live_server.url}/board/")
    # Paused jobs stay in In progress with a badge; the approval took the badge away.
    in_progress = page.get_by_role("list", name="In progress", exact=True)
    card = in_progress.get_by_role("listitem").filter(has_text=works_order.number)
    expect(card).to_be_visible()
    expect(card).not_to_contain_text("Waiting for")
    page.goto("about:blank")  # the board polls: leave before the database is emptied
    page.wait_for_timeout(100)


@pytest.mark.skipif(not os.environ.get("SCREENS_DIR"), reason="SCREENS_DIR not set")
def test_screens_of_the_status_page_in_each_stage(page: Page, live_server, personas, busy_shop):
    folder = Path(os.environ["SCREENS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    jobs = dict(busy_shop["jobs"]) if "jobs" in busy_shop else {}
    jobs["awaiting_approval"] = waiting_for_approval(personas)
    line = parts.works_order_order_part(
        works_order=jobs["awaiting_parts"],
        part=busy_shop["part"],
        quantity=1,
        by=personas.technician,
    )
    parts.purchase_order_send(order=line.po_line.order, by=personas.manager)
    services.note_add(
        works_order=jobs["awaiting_parts"],
        text="Your new screen is on its way from our supplier.",
        kind="customer",
        by=personas.technician,
    )
    page.set_viewport_size(PHONE)
    for stage, works_order in jobs.items():
        page.goto(live_server.url + STATUS_PATH.format(token=works_order.status_token))
        assert axe_findings(page) == [], stage
        page.screenshot(path=folder / f"status-{stage}.png", full_page=True)
    page.goto(live_server.url + STATUS_PATH.format(token="A" * 22))
    page.screenshot(path=folder / "status-unknown.png", full_page=True)


def test_the_customer_finds_the_invoice_on_the_status_page(page: Page, live_server, busy_shop):
    from billing.selectors import invoice_for

    works_order = busy_shop["jobs"]["collected"]
    invoice = invoice_for(works_order)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + STATUS_PATH.format(token=works_order.status_token))
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    assert axe_findings(page) == []
    assert sideways_overflow(page) == ""
    link = page.get_by_role("link", name=f"Download PDF of invoice {invoice.number}")
    expect(link).to_have_count(1)
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    receipt = page.get_by_role("link", name=f"Receipt size PDF of invoice {invoice.number}")
    assert page.request.get(live_server.url + receipt.get_attribute("href")).status == 200
