"""At the counter: the customer pays cash for a ready job, gets change, and takes the device."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import Method, Payment
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.factories import WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import Status
from tickets.services import ConsentData

pytestmark = pytest.mark.browser


def ready_for_collection(personas):
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
    )
    jack = personas.technician
    works_order_advance(
        works_order=works_order, step="assign", by=personas.front_desk, technician=jack
    )
    works_order_advance(works_order=works_order, step="start", by=jack)
    works_order_advance(
        works_order=works_order, step="submit_for_qc", by=jack, amount=Decimal("120.00")
    )
    checks = {item: {"ok": True, "note": ""} for item in personas.shop.qc_checklist}
    return works_order_advance(
        works_order=works_order, step="pass_qc", by=personas.second_technician, results=checks
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_a_cash_payment_with_change_then_the_customer_collects(
    signed_in_page, live_server, personas, width
):
    works_order = ready_for_collection(personas)
    page = signed_in_page(personas.front_desk)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")

    panel = page.locator("#billing-panel")
    expect(panel).to_contain_text("Still to pay")
    expect(panel).to_contain_text("£120.00")
    page.get_by_role("button", name="Take payment…").click()
    dialog = page.get_by_role("dialog", name=re.compile("Take payment"))
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Amount paid")).to_have_value("120.00")
    dialog.get_by_label("Cash handed over").fill("150")
    expect(dialog.locator("output")).to_have_text("£30.00")
    assert not axe_findings(page), describe(axe_findings(page))
    if width == 390:
        assert not sideways_overflow(page)
    dialog.get_by_role("button", name="Record payment").click()

    expect(panel).to_contain_text("Paid in full")
    expect(panel).to_contain_text("change £30.00")
    payment = Payment.objects.for_shop(personas.shop).get(works_order_id=works_order.pk)
    assert (payment.method, payment.amount, payment.change_given) == (
        Method.CASH,
        Decimal("120.00"),
        Decimal("30.00"),
    )

    page.get_by_role("button", name="Move to…").click()
    page.get_by_role("button", name="Collected").click()
    collect = page.get_by_role("dialog", name=re.compile("Collected"))
    collect.get_by_label("Collected by").fill("Dee Whitfield")
    collect.get_by_role("button", name="Collected").click()
    expect(page.get_by_text("Collected", exact=False).first).to_be_visible()
    works_order.refresh_from_db()
    assert works_order.status == Status.COLLECTED


def test_collecting_unpaid_is_refused_with_what_is_owed(signed_in_page, live_server, personas):
    works_order = ready_for_collection(personas)
    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")
    page.get_by_role("button", name="Move to…").click()
    page.get_by_role("button", name="Collected").click()
    collect = page.get_by_role("dialog", name=re.compile("Collected"))
    collect.get_by_label("Collected by").fill("Dee Whitfield")
    collect.get_by_role("button", name="Collected").click()
    expect(collect).to_contain_text("Issue the invoice and take payment first")
    works_order.refresh_from_db()
    assert works_order.status == Status.READY
