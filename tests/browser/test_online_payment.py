"""The customer pays from their status page through (fake) Stripe's page; the job shows paid on
the desk's panel and board, and the desk hands the device over."""

import re

import pytest
from playwright.sync_api import Page, expect

from billing.models import Method, Payment
from billing.services import invoice_issue
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.browser.test_billing_counter import ready_for_collection
from tests.fakes.stripe import Server
from tickets.models import Status
from tickets.qr import STATUS_PATH

pytestmark = pytest.mark.browser

SECRET = "whsec_test_browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def stripe_fake(settings, live_server):
    with Server() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_browser"
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        settings.STRIPE_API_BASE_URL = fake.url
        settings.STRIPE_CHECKOUT_ORIGIN = fake.url.rstrip("/")
        fake.webhook_secret = SECRET
        fake.webhook_url = f"{live_server.url}/hooks/stripe/"
        yield fake


def test_the_customer_pays_online_the_job_shows_paid_and_the_desk_collects(
    page: Page, live_server, signed_in_page, personas, stripe_fake
):
    works_order = ready_for_collection(personas)
    invoice_issue(works_order=works_order, by=personas.front_desk)

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + STATUS_PATH.format(token=works_order.status_token))
    pay = page.get_by_role("button", name="Pay £120.00 by card")
    expect(pay).to_be_visible()
    assert not axe_findings(page), describe(axe_findings(page))
    assert sideways_overflow(page) == ""
    pay.click()

    # Stripe's page (the fake's): paying there sends the signed events, then comes back.
    expect(page.get_by_role("heading", name="Pay 120.00 GBP")).to_be_visible()
    page.get_by_role("button", name="Pay 120.00 GBP").click()
    expect(page.get_by_text("Thank you — payment received")).to_be_visible()
    expect(page.get_by_text("Paid in full.", exact=True)).to_be_visible()
    assert [status for status, _ in stripe_fake.delivered] == [200, 200]
    assert not axe_findings(page), describe(axe_findings(page))
    payment = Payment.objects.for_shop(personas.shop).get(works_order_id=works_order.pk)
    assert (payment.method, str(payment.amount), payment.taken_by) == (
        Method.CARD_ONLINE,
        "120.00",
        None,
    )

    page = signed_in_page(personas.front_desk)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/board/?branch={works_order.branch.code}")
    card = page.locator(f'li[data-number="{works_order.number}"]')
    expect(card.locator(".bc-paid")).to_have_text("Paid")

    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")
    panel = page.locator("#billing-panel")
    expect(panel).to_contain_text("Paid in full")
    expect(panel).to_contain_text("Card (online)")
    page.get_by_role("button", name="Move to…").click()
    page.get_by_role("button", name="Collected").click()
    collect = page.get_by_role("dialog", name=re.compile("Collected"))
    collect.get_by_label("Collected by").fill("Dee Whitfield")
    collect.get_by_role("button", name="Collected").click()
    expect(page.get_by_text("Collected", exact=False).first).to_be_visible()
    works_order.refresh_from_db()
    assert works_order.status == Status.COLLECTED


def test_the_customer_goes_back_without_paying(page: Page, live_server, personas, stripe_fake):
    works_order = ready_for_collection(personas)
    invoice_issue(works_order=works_order, by=personas.front_desk)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + STATUS_PATH.format(token=works_order.status_token))
    page.get_by_role("button", name="Pay £120.00 by card").click()
    page.get_by_role("link", name="Back without paying").click()
    expect(page.get_by_text("Payment cancelled: nothing was taken.")).to_be_visible()
    expect(page.get_by_role("button", name="Pay £120.00 by card")).to_be_visible()
    assert not Payment.objects.for_shop(personas.shop).filter(works_order_id=works_order.pk)
