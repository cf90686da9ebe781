"""At the counter: a loaner lent with a job and taken back, on a phone and a desktop; the
loaners page, the mail-in panel, the customer's status page with a parcel, and a parcel label
(screenshots in /work/shots/loaners for a person to look at)."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Payment
from loaners.models import Loan
from loaners.services import loaner_add, loaner_lend
from mailin.models import ParcelState
from mailin.services import mail_in_set, parcel_state_set
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.factories import CustomerFactory, WorksOrderFactory
from tickets.qr import STATUS_PATH
from tickets.services import ConsentData

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/loaners")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky menu lands mid-page
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def shot_of(locator, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Mid-screen, clear of the sticky menu at the top.
    locator.evaluate("element => element.scrollIntoView({block: 'center'})")
    locator.screenshot(path=str(SHOTS / f"{name}.png"))


def booked(personas, **kwargs):
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
        **kwargs,
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_the_counter_lends_a_loaner_and_takes_it_back(signed_in_page, live_server, personas, width):
    loaner_add(
        branch=personas.branch,
        name="iPhone 11 64 GB",
        serial="F17ZK2LMN72",
        condition="Scratch on the back",
        by=personas.manager,
    )
    job = booked(personas)
    page = signed_in_page(personas.front_desk)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/works-orders/{job.number}/")

    panel = page.locator("#loaner-panel")
    expect(panel).to_contain_text("No loaner with this job")
    panel.get_by_text("Lend a loaner…").click()
    panel.get_by_label("Loaner").select_option(label="iPhone 11 64 GB · S/N F17ZK2LMN72")
    panel.get_by_label("Condition now").fill("Scratch on the back")
    panel.get_by_label("Deposit", exact=True).fill("40")
    assert not axe_findings(page), describe(axe_findings(page))
    if width == 390:
        assert not sideways_overflow(page)
    note = page.get_by_role("textbox", name="Note (required)")
    note.fill("Customer asked for a case with the loaner")  # half-typed when the loan is made
    panel.get_by_role("button", name="Lend").click()

    expect(panel).to_contain_text("Out")
    expect(panel).to_contain_text("£40.00 (cash)")
    # The timeline further down says so too, without the page being loaded again.
    expect(page.locator("#timeline")).to_contain_text("Lent iPhone 11 64 GB")
    expect(note).to_have_value("Customer asked for a case with the loaner")
    shot_of(page.locator("#timeline"), f"timeline-after-lending-{width}")
    shot_of(page.locator("#loaner"), f"loaner-panel-out-{width}")
    loan = Loan.objects.for_shop(personas.shop).get(works_order=job)
    assert loan.deposit.amount == Decimal("40.00") and loan.deposit.held

    panel.get_by_text("Take back…").click()
    panel.get_by_label("Condition it came back in").fill("As lent")
    assert not axe_findings(page), describe(axe_findings(page))
    if width == 390:
        assert not sideways_overflow(page)
    panel.get_by_role("button", name="Record return").click()

    expect(panel).to_contain_text("Returned")
    expect(panel).to_contain_text("As lent")
    shot_of(page.locator("#loaner"), f"loaner-panel-returned-{width}")
    shot_of(page.locator("#billing"), f"billing-panel-after-return-{width}")
    loan.refresh_from_db()
    assert loan.returned_by == personas.front_desk
    refund = Payment.objects.for_shop(personas.shop).get(refund_of=loan.deposit)
    assert refund.amount == Decimal("40.00")


@pytest.mark.parametrize("width", [390, 1280])
def test_screens_of_the_loaners_page_mail_in_status_page_and_label(
    signed_in_page, live_server, personas, width
):
    personas.branch.address = "12 Bull Street\nBirmingham\nB4 6AF"
    personas.branch.save()
    customer = CustomerFactory(
        shop=personas.shop, full_name="Dee Whitfield", address="4 Elm Road\nLeeds\nLS1 4AP"
    )
    job = booked(personas, customer=customer)
    late_job = booked(personas)
    phones = [
        loaner_add(
            branch=personas.branch, name=name, serial=serial, condition="", by=personas.manager
        )
        for name, serial in [
            ("iPhone 11 64 GB", "F17ZK2LMN72"),
            ("Galaxy A14", "R58N0001"),
            ("iPad 9th gen", "DMPXK1Q2"),
        ]
    ]
    today = timezone.localdate()
    loaner_lend(
        works_order=job,
        loaner=phones[0],
        due_back=today + datetime.timedelta(days=5),
        condition="",
        deposit=Decimal("50.00"),
        deposit_method="cash",
        by=personas.front_desk,
    )
    late = loaner_lend(
        works_order=late_job,
        loaner=phones[1],
        due_back=today + datetime.timedelta(days=1),
        condition="",
        by=personas.front_desk,
    )
    Loan.objects.for_shop(personas.shop).filter(pk=late.pk).update(
        due_back=today - datetime.timedelta(days=2),
        lent_at=timezone.now() - datetime.timedelta(days=9),
    )
    mail_in_set(
        works_order=job,
        carrier="royal_mail",
        inbound_tracking="AB123456789GB",
        return_tracking="",
        by=personas.front_desk,
    )
    parcel_state_set(works_order=job, state=ParcelState.IN_TRANSIT_IN, by=personas.front_desk)

    staff = signed_in_page(personas.manager)
    staff.set_viewport_size({"width": width, "height": 844})
    staff.goto(f"{live_server.url}/loaners/")
    expect(staff.get_by_text("1 overdue", exact=True)).to_be_visible()
    expect(staff.locator(".loans-out .badge", has_text="Overdue since")).to_have_count(1)
    assert not axe_findings(staff), describe(axe_findings(staff))
    if width == 390:
        assert not sideways_overflow(staff)
    shot(staff, f"loaners-list-{width}")

    staff.goto(f"{live_server.url}/works-orders/{job.number}/")
    mail_in = staff.locator("#mail-in-panel")
    expect(mail_in).to_contain_text("On its way to us")
    mail_in.get_by_text("Record where the parcel is…").click()
    mail_in.get_by_label("The parcel is now").select_option(label="Received by the shop")
    mail_in.get_by_role("button", name="Save").click()
    expect(mail_in.locator(".badge")).to_have_text("Received by the shop")
    expect(staff.locator("#loaner-panel")).to_contain_text("iPhone 11 64 GB")
    assert not axe_findings(staff), describe(axe_findings(staff))
    if width == 390:
        assert not sideways_overflow(staff)
    shot_of(staff.locator("#mail-in"), f"mail-in-panel-{width}")
    shot(staff, f"works-order-loaner-and-mail-in-{width}")

    # The customer's page needs no sign-in (the same browser page serves).
    page = staff
    page.goto(live_server.url + STATUS_PATH.format(token=job.status_token))
    parcel = page.get_by_role("region", name="Your parcel")
    expect(parcel).to_contain_text("We have received your parcel")
    expect(parcel).to_contain_text("AB123456789GB")
    assert not axe_findings(page), describe(axe_findings(page))
    if width == 390:
        assert not sideways_overflow(page)
    shot(page, f"status-page-parcel-{width}")

    if width == 1280 and shutil.which("pdftoppm"):
        answer = staff.request.get(
            f"{live_server.url}/works-orders/{job.number}/mail-in/label-to-us.pdf"
        )
        assert answer.headers["content-type"] == "application/pdf"
        pdf = SHOTS / "label-to-us.pdf"
        pdf.write_bytes(answer.body())
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(SHOTS / "label-to-us")],
            check=True,
        )
        assert re.search(rb"%PDF", answer.body()[:8])
