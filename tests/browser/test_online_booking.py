"""A customer books a drop-off online on a phone; the counter then completes the intake of that
booking. The booking page, its confirmation and the managers' settings with the snippet, on a
desktop and a phone (axe-core, no sideways scrolling), under the real CSP."""

import pytest
from playwright.sync_api import Page, expect

from booking import forms as booking_forms
from tests.booking.conftest import shop_taking_bookings
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.browser.htmx import htmx_settled
from tests.browser.test_accessibility import VIEWPORTS, Walk
from tickets.models import WorksOrder

pytestmark = pytest.mark.browser
SHOTS = "/work/shots/booking/booking"


@pytest.fixture
def bookable(personas):
    return shop_taking_bookings(personas)


@pytest.fixture(autouse=True)
def people_type_fast(monkeypatch):
    # A test fills the form quicker than the shortest time a person takes (the bot check).
    monkeypatch.setattr(booking_forms, "MIN_FILL_SECONDS", 0)


def test_a_customer_books_on_a_phone_and_the_counter_completes_it(
    page: Page,
    live_server,
    personas,
    bookable,
    signed_in_page,
):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{live_server.url}/book/{personas.shop.slug}/")
    expect(page.get_by_role("heading", name="Book a repair")).to_be_visible()
    page.get_by_label("Your device").select_option(label="Apple iPhone 13")
    htmx_settled(page)
    page.get_by_label("Repair").select_option(label="Screen replacement (OEM): £149.99")
    htmx_settled(page)
    expect(page.locator("#price-shown")).to_contain_text("£149.99")
    page.locator(".slot-grid label").first.click()
    page.get_by_label("Your name").fill("Nadia Rahman")
    page.get_by_label("Mobile phone").fill("07400 123456")
    page.get_by_label("Email (optional)").fill("nadia@example.org")
    page.screenshot(path=f"{SHOTS}-page-filled-phone.png", full_page=True)
    page.get_by_role("button", name="Book my drop-off").click()

    expect(page.get_by_role("heading", name="You are booked in")).to_be_visible()
    job = WorksOrder.objects.for_shop(personas.shop).get()
    expect(page.get_by_text(job.number)).to_be_visible()
    expect(page.get_by_role("link", name="Your repair’s status page")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-confirmation-phone.png", full_page=True)
    assert not axe_findings(page), describe(axe_findings(page))
    assert not sideways_overflow(page)

    counter = signed_in_page(personas.front_desk)
    counter.set_viewport_size(VIEWPORTS["desktop"])
    counter.goto(f"{live_server.url}/board/?branch={personas.branch.code}")
    card = counter.get_by_role("listitem").filter(has_text=job.number)
    expect(card).to_contain_text("Booked online · drop-off")
    counter.screenshot(path=f"{SHOTS}-board-desktop.png", full_page=True)
    card.get_by_role("link", name=job.number).click()
    counter.get_by_role("link", name="Complete this booking").click()
    expect(counter.get_by_role("heading", level=1)).to_contain_text(
        f"Complete online booking {job.number}"
    )
    expect(counter.locator("#customer-section")).to_contain_text("Nadia Rahman")
    counter.get_by_label("IMEI").fill("352099001761481")
    counter.get_by_label("Screen cracked").check()
    counter.get_by_label("Recorded by staff for the customer").check()
    counter.get_by_label("Customer's name").fill("Nadia Rahman")
    counter.get_by_label("The customer agrees to the quote and the shop's terms").check()
    counter.screenshot(path=f"{SHOTS}-complete-intake-desktop.png", full_page=True)
    counter.get_by_role("button", name="Complete the booking").click()

    expect(counter.get_by_text(f"{job.number} completed and booked in")).to_be_visible()
    expect(counter.locator("#booked-online")).to_contain_text("Booked online")
    expect(counter.get_by_role("link", name="Complete this booking")).to_have_count(0)
    job.refresh_from_db()
    assert job.dropped_off_at is not None and job.device.imei == "352099001761481"
    assert WorksOrder.objects.for_shop(personas.shop).count() == 1
    counter.screenshot(path=f"{SHOTS}-completed-desktop.png", full_page=True)
    counter.goto("about:blank")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_booking_pages_on_a_desktop_and_a_phone(
    page: Page,
    live_server,
    personas,
    bookable,
    signed_in_page,
    viewport,
):
    page.set_viewport_size(VIEWPORTS[viewport])
    walk = Walk(page, live_server.url, viewport)
    model = bookable.entry.device_model_id
    walk.visit(f"/book/{personas.shop.slug}/?device_model={model}")
    page.screenshot(path=f"{SHOTS}-page-{viewport}.png", full_page=True)
    page.get_by_role("button", name="Book my drop-off").click()  # nothing chosen or typed
    expect(page.get_by_text("Please check the highlighted details below.")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-page-errors-{viewport}.png", full_page=True)
    signed_in_page(personas.manager)
    walk.visit("/settings/booking/")
    page.screenshot(path=f"{SHOTS}-settings-{viewport}.png", full_page=True)
    walk.check()
