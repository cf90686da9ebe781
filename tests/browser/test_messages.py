"""Staff see the customer's SMS thread on the works order, resend what failed and write back.

With SCREENS_DIR set, the thread and the template editor are also photographed (desktop and
390 px) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Channel, InboundMessage, Message, Stage
from notifications.services import message_queue
from tests.browser.axe import axe_findings, describe
from tests.browser.htmx import htmx_settled
from tests.factories import CustomerFactory, WorksOrderFactory

pytestmark = pytest.mark.browser


def _snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


@pytest.fixture
def thread(personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Ruth Ellis", phone="+447911123456")
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customer)
    message_queue(
        customer=customer,
        works_order=job,
        stage=Stage.READY,
        channel=Channel.SMS,
        key="ready:test:sms",
        body="Fix Corner Repairs: your Apple iPhone 13 is ready to collect.",
        why_not="SMS is not set up",
    )
    InboundMessage.objects.create(
        shop=personas.shop,
        provider_id="SM-reply-1",
        sender=customer.phone,
        body="Great, I'll come by at 5",
        customer=customer,
        works_order=job,
        outcome="threaded",
    )
    return job


def test_staff_see_the_sms_thread_on_the_works_order_and_write_back(
    signed_in_page, live_server, personas, thread
):
    page = signed_in_page(personas.front_desk)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/works-orders/{thread.number}/")
    section = page.get_by_role("region", name="Messages with the customer")
    section.scroll_into_view_if_needed()
    expect(section.get_by_text("Great, I'll come by at 5")).to_be_visible()
    expect(section.get_by_text("Not sent: SMS is not set up")).to_be_visible()
    assert not (findings := axe_findings(page)), describe(findings)
    _snap(page.locator("#messages").page, "thread-desktop")

    section.get_by_role("button", name="Resend").click()
    expect(section.get_by_text("is ready to collect.")).to_have_count(2)  # sent again, once
    htmx_settled(page)  # the new form's length counter listens only once settled
    box = section.get_by_label("Message", exact=True)
    box.fill("We have your phone ready — see you at 5.")
    expect(section.get_by_text("UCS-2")).to_be_visible()  # the dash is not GSM-7
    section.get_by_role("button", name="Send", exact=True).click()
    expect(section.get_by_text("We have your phone ready — see you at 5.")).to_be_visible()
    assert Message.objects.for_shop(personas.shop).filter(stage=Stage.FREE_TEXT).count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    section.scroll_into_view_if_needed()
    _snap(page, "thread-phone")


def test_a_manager_rewords_a_message_with_a_live_preview(
    signed_in_page, live_server, personas, thread
):
    page = signed_in_page(personas.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/settings/messages/?stage=ready&channel=sms")
    body = page.get_by_label("Message", exact=True)
    body.fill("Hi {first_name}, {number} is ready. {{ settings.SECRET_KEY }} {nope}")
    preview = page.locator("#preview")
    expect(preview).to_contain_text(f"Hi Ruth, {thread.number} is ready.")
    expect(preview).to_contain_text("{{ settings.SECRET_KEY }}")
    expect(preview.get_by_role("alert")).to_contain_text("{nope}")
    _snap(page, "editor-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    _snap(page, "editor-phone")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Not a field: {nope}").first).to_be_visible()
