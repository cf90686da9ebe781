"""The customer answers by SMS: a signed reply "YES <code>" reaches the webhook, and the job
leaves "Waiting for approval" on the technician's board."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from tests.browser.test_status_page import waiting_for_approval
from tickets.models import Approval, Status

pytestmark = pytest.mark.browser

AUTH_TOKEN = "test-auth-token-0123456789abcdef"


def twilio_posts(url: str, form: dict[str, str], public_url: str) -> int:
    """POST `form` as Twilio would: form-encoded, signed for the public address."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(public_url, form)
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": signature},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_an_sms_reply_yes_approves_and_the_board_sees_it(
    signed_in_page, live_server, personas, settings
):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = live_server.url
    works_order = waiting_for_approval(personas)
    approval = Approval.objects.for_shop(personas.shop).get(works_order=works_order)
    page = signed_in_page(personas.technician)
    page.goto(f"{live_server.url}/board/")
    # Paused jobs stay in In progress, with a badge saying what they wait for.
    in_progress = page.get_by_role("list", name="In progress", exact=True)
    card = in_progress.get_by_role("listitem").filter(has_text=works_order.number)
    expect(card).to_contain_text("Waiting for approval")

    path = "/hooks/twilio/inbound/"
    form = {
        "MessageSid": "SM" + "7" * 32,
        "From": works_order.customer.phone,
        "To": "+447700900000",
        "Body": f"yes {approval.reply_code}",
    }
    assert twilio_posts(live_server.url + path, form, live_server.url + path) == 200

    # Nobody reloads: the board notices the change within seconds.
    expect(card).not_to_contain_text("Waiting for approval", timeout=9000)
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS
    approval.refresh_from_db()
    assert (approval.approved, approval.method) == (True, "sms")
    page.goto("about:blank")  # the board polls: leave before the database is emptied
    page.wait_for_timeout(100)
