"""Screenshots of pages at a phone's width and a desktop's, for a person to look at.

Only when asked: `SCREENS_DIR=/some/folder make test ARGS=tests/browser/test_screens.py`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.reports.scenes import sla_floor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("SCREENS_DIR"), reason="SCREENS_DIR not set"),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def shoot(page: Page, live_server):
    folder = Path(os.environ.get("SCREENS_DIR", "."))
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, full_page: bool = True) -> None:
        page.wait_for_timeout(400)  # toasts and menus finish appearing
        page.screenshot(path=folder / f"{name}.png", full_page=full_page)

    yield take
    page.goto("about:blank")
    page.wait_for_timeout(100)


def test_the_board(shoot, signed_in_page, live_server, personas, busy_shop):
    page = signed_in_page(personas.technician)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/board/")
    shoot("board-390")
    shoot("board-390-screen", full_page=False)
    page.get_by_role("button", name="Assigned 1 job").click()
    shoot("board-390-assigned", full_page=False)
    page.get_by_role("button", name=f"Move {busy_shop['jobs']['assigned'].number} to…").click()
    expect(page.get_by_role("button", name="Start work")).to_be_visible()
    shoot("board-390-move-menu", full_page=False)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="In progress 2 jobs").click()
    page.mouse.wheel(0, 400)
    shoot("board-390-in-progress-scrolled", full_page=False)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/board/")
    shoot("board-1280", full_page=False)


def test_the_refusal(shoot, signed_in_page, live_server, personas, busy_shop):
    page = signed_in_page(personas.front_desk)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/settings/", referer=f"{live_server.url}/board/")
        shoot(f"403-{name}")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/works-orders/",
        "/works-orders/new/",
        "/customers/",
        "/stock/",
        "/stock/parts/{part}/",
        "/stock/purchase-orders/{draft}/",
        "/stock/purchase-orders/{sent}/receive/",
        "/pricebook/",
        "/pricebook/no-price/",
        "/settings/staff/",
        "/settings/sla/",
        "/settings/branches/BHM/",
        "/works-orders/{in_progress}/",
    ],
)
def test_pages_on_a_phone(shoot, signed_in_page, live_server, personas, busy_shop, path):
    page = signed_in_page(personas.manager)
    page.set_viewport_size(PHONE)
    numbers = {
        "part": busy_shop["part"].pk,
        "draft": busy_shop["draft"].number,
        "sent": busy_shop["sent"].number,
        "in_progress": busy_shop["jobs"]["in_progress"].number,
    }
    page.goto(live_server.url + path.format(**numbers))
    shoot("page-390" + (path.format(**numbers).rstrip("/").replace("/", "_") or "_home"))


def test_the_sla_view(shoot, signed_in_page, live_server, personas, busy_shop):
    sla_floor(personas, busy_shop)
    page = signed_in_page(personas.manager)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/reports/sla/?period=30d")
        expect(page.get_by_role("heading", name="At risk and breached")).to_be_visible()
        shoot(f"sla-view-{name}")
    page.goto(f"{live_server.url}/reports/sla/?period=custom&start=2026-03-10&end=2026-03-01")
    shoot("sla-view-1280-bad-dates", full_page=False)
    page.goto(f"{live_server.url}/reports/")
    shoot("reports-1280", full_page=False)


def test_the_final_price_on_the_way_to_qc(shoot, signed_in_page, live_server, personas, busy_shop):
    job = busy_shop["jobs"]["in_progress"]
    page = signed_in_page(personas.technician)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/works-orders/{job.number}/")
    page.get_by_role("button", name="Move to…").click()
    shoot("final-price-390-move-menu", full_page=False)
    page.get_by_role("button", name="Send to QC").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    shoot("final-price-390-qc-dialog", full_page=False)
    page.get_by_role("dialog").get_by_role("button", name="Send to QC").click()
    shoot("final-price-390-qc-refused", full_page=False)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/works-orders/{job.number}/")
    shoot("final-price-1280-detail")


def test_the_sla_colours(shoot, signed_in_page, live_server, personas, busy_shop):
    """The board, the list and a works order with jobs in every SLA state."""
    page = signed_in_page(personas.manager)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/board/")
    shoot("sla-board-1280", full_page=False)
    page.goto(f"{live_server.url}/board/?sort=sla")
    shoot("sla-board-1280-sorted", full_page=False)
    page.goto(f"{live_server.url}/works-orders/")
    shoot("sla-list-1280")
    page.goto(f"{live_server.url}/works-orders/{busy_shop['jobs']['assigned'].number}/")
    shoot("sla-detail-1280-at-risk", full_page=False)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/board/")
    for column in ("Intake", "Assigned", "In progress", "Ready"):
        page.get_by_role("button", name=re.compile(f"^{column}")).click()
        shoot(f"sla-board-390-{column.lower().replace(' ', '-')}", full_page=False)
    page.goto(f"{live_server.url}/works-orders/{busy_shop['jobs']['awaiting_parts'].number}/")
    shoot("sla-detail-390-clock-stopped", full_page=False)
    page.goto(f"{live_server.url}/works-orders/?sla=breached")
    shoot("sla-list-390-breached")


def test_the_promise_at_the_counter(shoot, signed_in_page, live_server, personas, busy_shop):
    from shops.services import DEFAULT_HOURS, branch_set_hours

    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    page = signed_in_page(personas.front_desk)
    for name, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/works-orders/new/")
        page.get_by_label("VIP").check()
        promise = page.locator("#promise")
        expect(promise).to_contain_text("Ready by")
        expect(promise).to_contain_text("4 business hours")
        promise.scroll_into_view_if_needed()
        shoot(f"intake-promise-{name}")


def test_a_branch_opens_on_a_public_holiday(shoot, signed_in_page, live_server, personas):
    page = signed_in_page(personas.manager)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/settings/branches/{personas.branch.code}/")
    holidays = page.locator("#public-holidays")
    first = holidays.get_by_role("button", name=re.compile(r"^Open this day: ")).first
    label = first.get_attribute("aria-label")
    first.click()
    holiday = label.removeprefix("Open this day: ")
    expect(holidays.get_by_role("button", name=f"Closed after all: {holiday}")).to_be_visible()
    expect(holidays.locator(".badge", has_text="Open")).to_have_count(1)
    holidays.scroll_into_view_if_needed()
    shoot("branch-390-holiday-opened", full_page=False)


def test_the_invoice_panel_and_payment_dialog(
    shoot, signed_in_page, live_server, personas, busy_shop
):
    from billing.selectors import invoice_for

    ready = busy_shop["jobs"]["ready"].number
    page = signed_in_page(personas.manager)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/works-orders/{ready}/billing/")
        shoot(f"invoice-panel-{name}")
        page.get_by_role("button", name="Take payment…").click()
        page.get_by_label("Cash handed over").fill("150")
        shoot(f"invoice-payment-dialog-{name}", full_page=False)
        page.keyboard.press("Escape")
    invoice = invoice_for(busy_shop["jobs"]["collected"]).number
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/invoices/{invoice}/")
        shoot(f"invoice-page-{name}")
    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/invoices/{invoice}/")
    shoot("invoice-page-print")


def test_the_status_page_pay_button(shoot, page, live_server, personas, busy_shop, settings):
    from billing.services import invoice_issue
    from tickets.qr import STATUS_PATH

    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_shot", "whsec_shot"
    ready = busy_shop["jobs"]["ready"]
    invoice_issue(works_order=ready, by=personas.front_desk)
    status = live_server.url + STATUS_PATH.format(token=ready.status_token)
    paid = live_server.url + STATUS_PATH.format(token=busy_shop["jobs"]["collected"].status_token)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(status)
        expect(page.get_by_role("button", name=re.compile(r"^Pay .* by card$"))).to_be_visible()
        shoot(f"status-pay-{name}")
    page.set_viewport_size(PHONE)
    page.goto(status + "?payment=done")
    shoot("status-pay-390-processing", full_page=False)
    page.goto(status + "?payment=cancelled")
    shoot("status-pay-390-cancelled", full_page=False)
    page.goto(paid + "?payment=done")
    shoot("status-pay-390-received", full_page=False)


def test_the_invoice_pdfs(personas, busy_shop):
    """The invoice as the worker renders it, A4 and 80 mm roll, and after a credit note (its
    second version) with the credit note itself, each page as a PNG (pdftoppm)."""
    import subprocess
    from decimal import Decimal

    from billing import documents, services
    from billing.models import DocumentFormat
    from billing.selectors import invoice_for

    folder = Path(os.environ["SCREENS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    invoice = invoice_for(busy_shop["jobs"]["collected"])

    def picture(document, layout, name: str) -> None:
        stored = documents.document_pdf(document, layout)
        with stored.file.open("rb") as file:
            (folder / f"{name}.pdf").write_bytes(file.read())
        subprocess.run(
            ["pdftoppm", "-r", "110", "-png", "-singlefile", str(folder / f"{name}.pdf"),
             str(folder / name)],
            check=True,
        )  # fmt: skip

    for layout in DocumentFormat:
        picture(invoice, layout, f"invoice-pdf-{layout}")
    note = services.credit_note_issue(
        invoice=invoice, amount=Decimal("10.00"), reason="Case not supplied", by=personas.manager
    )
    picture(invoice, DocumentFormat.A4, "invoice-pdf-a4-version-2")
    picture(note, DocumentFormat.A4, "credit-note-pdf-a4")
    picture(note, DocumentFormat.ROLL, "credit-note-pdf-roll")


def test_the_till_report(shoot, signed_in_page, live_server, personas, busy_shop):
    page = signed_in_page(personas.manager)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/billing/till/?branch={personas.branch.code}")
        expect(page.get_by_role("heading", name="Cash in the drawer")).to_be_visible()
        shoot(f"till-{name}")
    page.get_by_label("Cash counted in the drawer").fill("-5")
    page.get_by_role("button", name=re.compile("^Close ")).click()
    shoot("till-1280-refused")
    page.get_by_label("Cash counted in the drawer").fill("150.00")
    page.get_by_role("button", name=re.compile("^Close ")).click()
    expect(page.get_by_text("A closed day is not changed.")).to_be_visible()
    shoot("till-1280-closed")
    page.set_viewport_size(PHONE)
    page.reload()
    shoot("till-390-closed")


def test_the_accounting_export_page(shoot, signed_in_page, live_server, personas, busy_shop):
    page = signed_in_page(personas.manager)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/billing/export/")
        shoot(f"export-{name}")
    page.goto(f"{live_server.url}/billing/export/?start=2026-03-10&end=2026-03-01&layout=payments")
    shoot("export-1280-refused")
    page.goto(f"{live_server.url}/reports/")
    shoot("reports-index-1280")


def test_the_warranty_return(shoot, signed_in_page, live_server, personas):
    from tests.tickets.test_warranty_returns import collected_job

    original = collected_job(personas, days_ago=10)
    ended = collected_job(personas, days_ago=200)
    page = signed_in_page(personas.front_desk)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/works-orders/{ended.number}/")
        expect(page.get_by_text("ended on")).to_be_visible()
        shoot(f"warranty-ended-{name}")
        page.goto(f"{live_server.url}/works-orders/{original.number}/")
        expect(page.get_by_role("link", name="Book a warranty return")).to_be_visible()
        shoot(f"warranty-collected-{name}")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Book a warranty return").click()
    page.get_by_label("Fault as reported by the customer").fill("Screen flickers again")
    page.get_by_label("Recorded by staff for the customer").check()
    page.get_by_label("Customer's name").fill("Dee Whitfield")
    page.get_by_label("The customer agrees to the quote and the shop's terms").check()
    shoot("warranty-return-intake-1280")
    page.get_by_role("button", name="Book in").click()
    comeback = original.warranty_returns.get()
    expect(page.get_by_role("heading", name=comeback.number)).to_be_visible()
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.reload()
        shoot(f"warranty-return-job-{name}")
    page.goto(f"{live_server.url}/board/?branch={personas.branch.code}")
    shoot("warranty-return-board-1280", full_page=False)


def test_the_vat_number_warning(shoot, signed_in_page, live_server, personas):
    personas.shop.vat_number = ""
    personas.shop.save(update_fields=["vat_number"])
    page = signed_in_page(personas.manager)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        for where, path in (("settings", "/settings/"), ("pricebook", "/pricebook/")):
            page.goto(f"{live_server.url}{path}")
            expect(page.get_by_text("VAT is charged, but there is no VAT number")).to_be_visible()
            shoot(f"vat-warning-{where}-{name}", full_page=False)
