"""A manager makes an API key, adds a webhook, and reads its delivery log, on a desktop and on
a phone: the key is shown once, each page passes axe-core and fits 390 px, and "Send again"
sends the same event once more."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from api import webhooks
from api.models import ApiKey, WebhookDelivery
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.factories import WorksOrderFactory
from tests.fakes.webhook_receiver import Server

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def looks_right(page: Page, viewport: str) -> None:
    findings = axe_findings(page)
    assert not findings, describe(findings)
    if viewport == "phone":
        assert not sideways_overflow(page)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_manager_makes_a_key_and_a_webhook_and_reads_the_log(
    signed_in_page, live_server, personas, viewport
):
    page = signed_in_page(personas.manager)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/settings/api-keys/")
    looks_right(page, viewport)
    page.get_by_label("Name").fill("Shopify sync")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make key").click()
    shown = page.get_by_label("New API key")
    expect(shown).to_be_visible()
    key = shown.input_value()
    row = ApiKey.objects.for_shop(personas.shop).get()
    assert key.startswith(f"bdk_{row.prefix}_") and row.secret_hash not in key
    expect(page.get_by_role("cell", name="Read and write")).to_be_visible()
    looks_right(page, viewport)
    page.screenshot(path=f"/tmp/issue16-api-keys-{viewport}.png", full_page=True)
    page.goto(f"{live_server.url}/settings/api-keys/")  # shown once: never again
    expect(page.get_by_label("New API key")).to_have_count(0)

    with Server() as receiver:
        page.goto(f"{live_server.url}/settings/webhooks/")
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Works order created").check()
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_label("Signing secret")).to_be_visible()
        looks_right(page, viewport)
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
        receiver.fail_next(500)
        [webhooks.delivery_attempt(i) for i in webhooks.due_ids()]
        page.goto(f"{live_server.url}/settings/webhooks/log/")
        expect(page.get_by_text("HTTP 500").locator("visible=true")).to_have_count(1)
        expect(page.get_by_text("Waiting")).to_be_visible()
        looks_right(page, viewport)
        page.get_by_role("button", name="Send again").click()
        expect(page.get_by_text("will be sent again now")).to_be_visible()
        [webhooks.delivery_attempt(i) for i in webhooks.due_ids()]
        page.reload()
        expect(page.get_by_text("Delivered", exact=True)).to_be_visible()
        looks_right(page, viewport)
        page.screenshot(path=f"/tmp/issue16-api-webhook-log-{viewport}.png", full_page=True)
        first, again = receiver.deliveries
        assert first.event_id == again.event_id
    assert WebhookDelivery.objects.for_shop(personas.shop).get().attempts == 2

    # The secret may have leaked: a new one, shown once, the old one signing beside it a day.
    page.goto(f"{live_server.url}/settings/webhooks/")
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Make a new secret").click()
    expect(page.get_by_role("textbox", name="Signing secret")).to_have_value(re.compile("^whsec_"))
    expect(page.get_by_text("each delivery carries two signatures")).to_be_visible()
    looks_right(page, viewport)
    page.screenshot(path=f"/tmp/issue16-webhook-new-secret-{viewport}.png", full_page=True)


def test_the_api_docs_page_loads_from_the_app_alone(page: Page, live_server):
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("Benchdesk API")).to_be_visible()
    expect(page.get_by_text("/api/v1/works-orders/{number}/steps")).to_be_visible()
    page.screenshot(path="/tmp/issue16-api-docs.png")
    assert not outside
