"""Every main page, as the people who use it, on a desktop and on a phone (390 px wide): axe-core
finds nothing serious or critical, and no page scrolls sideways.

Each test walks a persona's pages and reports every finding at once, page by page, so one run
shows all that is wrong."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.factories import UserFactory
from tests.reports.scenes import sla_floor

pytestmark = pytest.mark.browser


def invoice_of(personas, works_order) -> str:
    from billing.selectors import invoice_for

    return invoice_for(works_order).number


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page: Page) -> str:
    page.set_viewport_size(VIEWPORTS[request.param])
    return request.param


class Walk:
    """Visits pages and gathers what is wrong on each."""

    def __init__(self, page: Page, base: str, viewport: str) -> None:
        self.page, self.base, self.viewport = page, base, viewport
        self.problems: list[str] = []
        self.seen = 0

    def visit(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(self.base + path)
        self.seen += 1
        where = f"{path} ({self.viewport})"
        if response.status != status:
            self.problems.append(f"{where}: answered {response.status}, expected {status}")
            return
        if findings := axe_findings(self.page):
            self.problems.append(f"{where}:\n{describe(findings)}")
        if self.viewport == "phone" and (overflow := sideways_overflow(self.page)):
            self.problems.append(f"{where}: the page scrolls sideways by {overflow}")

    def check(self) -> None:
        assert self.seen, "no page was visited"
        report = "\n".join(self.problems)
        assert not self.problems, f"{len(self.problems)} of {self.seen} pages:\n{report}"


@pytest.fixture
def walk(page: Page, live_server, viewport):
    walker = Walk(page, live_server.url, viewport)
    yield walker
    page.goto("about:blank")  # the board polls: leave it before the database is emptied
    page.wait_for_timeout(100)


def test_a_manager_s_pages(walk, signed_in_page, personas, busy_shop):
    sla_floor(personas, busy_shop)  # the SLA view with something in each of its tables
    signed_in_page(personas.manager)
    for path in [
        "/",
        "/board/",
        "/works-orders/",
        "/works-orders/new/",
        f"/search/?q={busy_shop['customer'].full_name.split()[0]}",
        "/customers/",
        f"/customers/{busy_shop['customer'].pk}/",
        f"/customers/{busy_shop['customer'].pk}/edit/",
        f"/customers/{busy_shop['customer'].pk}/erase/",
        "/stock/",
        "/stock/low/",
        f"/stock/trace/?q={busy_shop['part'].part_number}",
        "/stock/reports/",
        "/stock/parts/",
        "/stock/parts/new/",
        f"/stock/parts/{busy_shop['part'].pk}/",
        f"/stock/parts/{busy_shop['part'].pk}/edit/",
        f"/stock/parts/{busy_shop['part'].pk}/receive/",
        f"/stock/parts/{busy_shop['part'].pk}/adjust/",
        f"/stock/parts/{busy_shop['part'].pk}/transfer/",
        f"/stock/{personas.branch.code}/parts/{busy_shop['part'].pk}/reorder/",
        "/stock/suppliers/",
        "/stock/suppliers/new/",
        f"/stock/suppliers/{busy_shop['supplier'].pk}/",
        "/stock/purchase-orders/",
        "/stock/purchase-orders/new/",
        f"/stock/purchase-orders/{busy_shop['draft'].number}/",
        f"/stock/purchase-orders/{busy_shop['sent'].number}/",
        f"/stock/purchase-orders/{busy_shop['sent'].number}/receive/",
        "/stock/takes/",
        f"/stock/takes/{busy_shop['take'].number}/",
        "/pricebook/",
        "/pricebook/new/",
        "/pricebook/no-price/",
        "/pricebook/import/",
        f"/pricebook/{busy_shop['entry'].pk}/",
        f"/pricebook/{busy_shop['entry'].pk}/edit/",
        f"/pricebook/options/{busy_shop['option'].pk}/",
        "/settings/",
        "/settings/workshop/",
        "/settings/privacy/",
        "/settings/sla/",
        "/settings/messages/",
        "/settings/messages/?stage=ready&channel=email",
        f"/works-orders/{busy_shop['jobs']['ready'].number}/messages/",
        f"/customers/{busy_shop['customer'].pk}/messages/",
        "/alerts/",
        "/settings/branches/",
        "/settings/branches/new/",
        f"/settings/branches/{personas.branch.code}/",
        "/settings/staff/",
        "/settings/staff/invite/",
        f"/settings/staff/{personas.technician.pk}/",
        "/settings/audit/",
        "/settings/audit/?kind=prices&date_to=9999-12-31&works_order=NOPE",
        "/account/password/",
        "/reports/",
        "/reports/sla/",
        "/reports/sla/?period=custom&start=2026-03-10&end=2026-03-01&branch=NOPE",
        "/reports/dashboard/",
        "/reports/dashboard/?period=month&branch=BHM",
        "/reports/dashboard/?period=custom&start=2026-03-10&end=2026-03-01&branch=NOPE",
        "/billing/till/",
        f"/billing/till/?branch={personas.other_branch.code}",
        "/billing/till/?branch=NOPE&day=9999-12-31",
        "/billing/export/",
        "/billing/export/?start=2026-03-10&end=2026-03-01&layout=xero_invoices",
        "/reports/open-repair-data/",
        "/reports/open-repair-data/?start=2026-03-10&end=2026-03-01&branch=NOPE",
    ]:
        walk.visit(path)
    for job in busy_shop["jobs"].values():
        walk.visit(f"/works-orders/{job.number}/")
    for state in ("in_progress", "ready", "collected"):  # a deposit, a payment, paid in full
        walk.visit(f"/works-orders/{busy_shop['jobs'][state].number}/billing/")
    walk.visit(f"/invoices/{invoice_of(personas, busy_shop['jobs']['collected'])}/")
    walk.check()


def test_the_front_desk_s_pages_and_the_refusal(walk, signed_in_page, personas, busy_shop):
    signed_in_page(personas.front_desk)
    for path in ["/", "/board/", "/works-orders/", "/works-orders/new/", "/customers/"]:
        walk.visit(path)
    for state in ("intake", "ready", "collected"):
        walk.visit(f"/works-orders/{busy_shop['jobs'][state].number}/")
        walk.visit(f"/works-orders/{busy_shop['jobs'][state].number}/billing/")
    walk.visit("/settings/", status=403)
    walk.visit("/reports/sla/", status=403)
    walk.visit("/reports/dashboard/", status=403)
    walk.check()


def test_a_technician_s_pages(walk, signed_in_page, personas, busy_shop):
    signed_in_page(personas.technician)
    for path in [
        "/",
        "/board/",
        "/board/?mine=1",
        "/works-orders/",
        "/stock/",
        "/pricebook/",
        "/alerts/",
    ]:
        walk.visit(path)
    for state in ("assigned", "in_progress", "awaiting_parts", "qc"):
        walk.visit(f"/works-orders/{busy_shop['jobs'][state].number}/")
    walk.visit("/works-orders/new/", status=403)
    walk.check()


def test_the_customer_s_status_page_with_an_invoice_to_pay(walk, personas, busy_shop, settings):
    from billing.services import invoice_issue
    from tickets.qr import STATUS_PATH

    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_axe", "whsec_axe"
    ready = busy_shop["jobs"]["ready"]
    invoice_issue(works_order=ready, by=personas.front_desk)
    for query in ("", "?payment=done", "?payment=cancelled"):  # the Pay button; back from Stripe
        walk.visit(STATUS_PATH.format(token=ready.status_token) + query)
    paid = busy_shop["jobs"]["collected"]  # paid in full: "payment received"
    walk.visit(STATUS_PATH.format(token=paid.status_token) + "?payment=done")
    walk.check()


def test_the_pages_before_signing_in(walk, db):
    for path in [
        "/sign-in/",
        "/password/reset/",
        "/password/reset/sent/",
        "/password/reset/MQ/not-a-token/",
        "/password/reset/done/",
    ]:
        walk.visit(path)
    walk.visit("/invite/not-a-token/", status=404)  # a link that is no longer good says so
    walk.check()


def test_someone_with_no_shop(walk, signed_in_page, page, live_server, client):
    user = UserFactory(full_name="Nell Noshop")
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    walk.visit("/no-shop/")
    walk.check()


def test_the_warranty_return_pages(walk, signed_in_page, personas):
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import sign_in
    from tests.tickets.test_warranty_returns import collected_job, return_post

    original = collected_job(personas, days_ago=10)
    ended = collected_job(personas, days_ago=200)
    sign_in(Client(), personas.front_desk).post(reverse("intake"), return_post(personas, original))
    comeback = original.warranty_returns.get()
    signed_in_page(personas.front_desk)
    for path in [
        f"/works-orders/{original.number}/",
        f"/works-orders/{original.number}/warranty/",
        f"/works-orders/{ended.number}/warranty/",
        f"/works-orders/new/?warranty_return_of={original.number}",
        f"/works-orders/{comeback.number}/",
        f"/customers/{original.customer_id}/",
        f"/board/?branch={personas.branch.code}",
    ]:
        walk.visit(path)
    walk.check()
