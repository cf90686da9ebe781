"""The front desk books devices in, as at the counter: keyboard, scanner, signature, receipt."""

import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from customers.models import Customer
from parts import services as parts
from parts.models import PartStatus
from tests.factories import (
    CustomerFactory,
    DeviceFactory,
    DeviceModelFactory,
    OptionPartFactory,
    PartFactory,
    PriceOptionFactory,
    RepairTypeFactory,
    valid_imei,
)
from tickets.models import Consent, WorksOrder

pytestmark = pytest.mark.browser


def sign(page: Page) -> None:
    pad = page.locator("#consent-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    page.mouse.move(box["x"] + 160, box["y"] + 40, steps=8)
    page.mouse.move(box["x"] + 280, box["y"] + 130, steps=8)
    page.mouse.up()


def fill_job(page: Page, *, fault: str, line: str, price: str) -> None:
    page.get_by_label("Fault as reported by the customer").fill(fault)
    page.get_by_label("Screen cracked").check()
    page.get_by_label("Charger").check()
    page.get_by_label("Passcode kind").select_option(label="PIN")
    page.get_by_label("Passcode", exact=True).fill("1379")
    page.get_by_label("Description").first.fill(line)
    page.get_by_label("Unit price, net of VAT").first.fill(price)


def test_a_new_customer_is_booked_in_and_the_receipt_opens(signed_in_page, live_server, personas):
    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/new/")
    # The cursor starts in the customer search (headless windows are never "focused", so ask
    # the document rather than the window).
    assert page.evaluate("document.activeElement.id") == "customer-search"

    page.get_by_label("Full name").fill("Nadia Rahman")
    page.get_by_label("Mobile phone").fill("07400 123456")
    imei = page.get_by_label("IMEI")
    imei.fill("35-209900-176148-1")
    imei.press("Enter")  # what a barcode scanner sends: looks up, does not submit
    expect(page.locator("#device-lookup-result")).to_contain_text("valid")
    assert not WorksOrder.objects.for_shop(personas.shop).exists()
    page.get_by_label("Make").fill("Apple")
    page.get_by_label("Model", exact=True).fill("iPhone 13")
    fill_job(
        page,
        fault="Screen black after a drop, still vibrates",
        line="Screen replacement",
        price="99.99",
    )
    expect(page.locator('[data-total="gross"]')).to_have_text("£119.99")

    sign(page)
    page.get_by_label("Customer's name").fill("Nadia Rahman")
    page.get_by_label("The customer agrees to the quote and the shop's terms").check()
    page.get_by_role("button", name="Book in").click()

    expect(page.get_by_role("heading", name="WO-000001")).to_be_visible()
    expect(page.get_by_text("WO-000001 booked in.")).to_be_visible()
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    assert works_order.customer.phone == "+447400123456"
    assert works_order.device.imei == "352099001761481"
    consent = Consent.objects.for_shop(personas.shop).get()
    assert (
        bytes(consent.signature_png).startswith(b"\x89PNG") and str(consent.quote_gross) == "119.99"
    )

    receipt = page.get_by_role("link", name="Receipt A4")
    response = page.request.get(live_server.url + receipt.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "WO-000001" in text and "Nadia Rahman" in text and "1379" not in text


def test_an_existing_customer_is_found_by_phone_and_their_device_reused(
    signed_in_page, live_server, personas
):
    regular = CustomerFactory(shop=personas.shop, full_name="Rita Regular", phone="+447400654321")
    device = DeviceFactory(
        shop=personas.shop,
        customer=regular,
        make="Samsung",
        model_name="Galaxy S23",
        imei=valid_imei(5),
    )
    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/new/")

    page.get_by_label("Find a customer").fill("+44 7400 654321")
    page.get_by_role("button", name="Rita Regular").click()
    expect(page.locator("#picked-customer")).to_contain_text("Rita Regular")
    page.get_by_role("button", name="Samsung Galaxy S23").click()
    expect(page.get_by_label("IMEI")).to_have_value(device.imei)

    fill_job(page, fault="Battery drains by lunchtime", line="Battery replacement", price="49.00")
    page.get_by_label("Recorded by staff for the customer").check()
    expect(page.locator("#consent-pad")).to_be_hidden()
    page.get_by_label("Customer's name").fill("Rita Regular")
    page.get_by_label("The customer agrees to the quote and the shop's terms").check()
    page.get_by_role("button", name="Book in").click()

    expect(page.get_by_role("heading", name="WO-000001")).to_be_visible()
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    assert (works_order.customer, works_order.device) == (regular, device)
    assert Customer.objects.for_shop(personas.shop).count() == 1


def test_a_mistyped_imei_is_explained_and_nothing_typed_is_lost(
    signed_in_page, live_server, personas
):
    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/new/")
    page.get_by_label("Full name").fill("Sam Typo")
    page.get_by_label("Mobile phone").fill("07400 111222")
    page.get_by_label("IMEI").fill("352099001761482")
    page.get_by_label("Make").fill("Apple")
    page.get_by_label("Model", exact=True).fill("iPhone 12")
    fill_job(page, fault="Won't charge", line="Charging port", price="45")
    page.get_by_label("Take consent later").check()
    page.get_by_role("button", name="Book in").click()

    expect(page.get_by_text("The check digit (the last digit) is wrong")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Sam Typo")
    expect(page.get_by_label("Description").first).to_have_value("Charging port")
    assert not WorksOrder.objects.for_shop(personas.shop).exists()


def test_a_screen_replacement_is_quoted_from_the_pricebook(signed_in_page, live_server, personas):
    shop = personas.shop
    model = DeviceModelFactory(shop=shop, make="Apple", name="iPhone 13", tacs=["35209900"])
    screens = RepairTypeFactory(shop=shop, name="Screen replacement")
    oem = PriceOptionFactory(
        shop=shop, entry__device_model=model, entry__repair_type=screens, price=Decimal("149.99")
    )
    PriceOptionFactory(shop=shop, entry=oem.entry, grade="aftermarket", price=Decimal("89.99"))
    screen = PartFactory(shop=shop, name="iPhone 13 screen (OEM)")
    OptionPartFactory(shop=shop, option=oem, part=screen)
    parts.stock_receive(part=screen, branch=personas.branch, quantity=2, by=personas.manager)

    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/new/")
    page.get_by_label("Full name").fill("Nadia Rahman")
    page.get_by_label("Mobile phone").fill("07400 123456")
    imei = page.get_by_label("IMEI")
    imei.fill("35-209900-176148-1")
    imei.press("Enter")  # the TAC names the model: make and model fill in
    expect(page.get_by_label("Model", exact=True)).to_have_value("iPhone 13")
    page.get_by_label("Fault as reported by the customer").fill("Screen cracked, touch works")

    page.get_by_label("Repair from the pricebook").select_option(label="Screen replacement")
    offers = page.locator("#pricebook-offers")
    expect(offers).to_contain_text("2 in stock at Birmingham")
    offers.get_by_role("button", name=re.compile("^OEM")).click()
    expect(page.locator('[data-total="gross"]')).to_have_text("£149.99")
    expect(offers.get_by_role("button", name=re.compile("^OEM"))).to_be_disabled()

    sign(page)
    page.get_by_label("Customer's name").fill("Nadia Rahman")
    page.get_by_label("The customer agrees to the quote and the shop's terms").check()
    page.get_by_role("button", name="Book in").click()

    expect(page.get_by_text("WO-000001 booked in.")).to_be_visible()
    works_order = WorksOrder.objects.for_shop(shop).get()
    assert works_order.agreed_gross == Decimal("149.99")
    assert works_order.part_lines.get().status == PartStatus.RESERVED
    expect(page.locator("#parts")).to_contain_text("Reserved")
