"""Browser-test fixtures: a shop with something on every page."""

import datetime
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import BrowserContext

from parts import services as parts
from tests.factories import (
    CustomerFactory,
    PartFactory,
    PriceOptionFactory,
    SupplierFactory,
    SupplierPartFactory,
    WorksOrderFactory,
)
from tests.payments import pay_in_full
from tickets import services as tickets
from tickets.lifecycle import works_order_advance
from tickets.models import WorksOrder
from tickets.services import ConsentData

CSP_REFUSAL = "Content Security Policy"


def where(message) -> str:
    """The file and line the refused code came from, as the console tells it."""
    location = message.location
    return f"{location.get('url') or 'inline'}:{location.get('lineNumber')}"


def watch_for_csp_violations(context: BrowserContext, seen: list[str]) -> None:
    """Collect what Chromium reports to the console when the page's CSP refuses something."""
    context.on(
        "console",
        lambda message: (
            seen.append(f"{message.page and message.page.url} ({where(message)}): {message.text}")
            if CSP_REFUSAL in message.text
            else None
        ),
    )


@pytest.fixture
def csp_violations(context):
    """Every CSP violation of the test's browser context; fails the test if there are any.
    A test that opens another context adds it with watch_for_csp_violations(it, this list)."""
    seen: list[str] = []
    watch_for_csp_violations(context, seen)
    yield seen
    assert not seen, "The Content-Security-Policy refused:\n" + "\n".join(seen)


@pytest.fixture(autouse=True)
def no_csp_violations(csp_violations):
    """Browser tests run under the app's real CSP and fail on any violation it reports."""


@pytest.fixture(autouse=True)
def server_quiet_before_flush(live_server, page):
    """After each test, wait until the live server has finished what the page last asked of it.

    A test may end while a panel it opened is still loading; the database is then emptied under
    that request, and the two deadlock. Set up after the database and the page, this runs first
    at teardown: it leaves the page, then waits until no other session is working on the database.
    """
    yield
    page.goto("about:blank")
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
                " AND backend_type = 'client backend'"
            )
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.05)


def _to_qc(personas, works_order):
    jack = personas.technician
    works_order_advance(works_order=works_order, step="start", by=jack)
    works_order_advance(
        works_order=works_order, step="submit_for_qc", by=jack, amount=Decimal("120.00")
    )
    return works_order


def _sla_in_every_state(jobs: dict) -> None:
    """Give the jobs SLA times in every state the pages show (set directly: the engine that
    works them out is tested on its own): breached, at risk, on track, a stopped clock, done in
    time, done late."""
    now, hour = timezone.now(), datetime.timedelta(hours=1)
    states = {
        "intake": (now - 3 * hour, now - hour, None),  # breached
        "assigned": (now - hour, now + 2 * hour, None),  # at risk
        "in_progress": (now + 20 * hour, now + 30 * hour, None),  # on track
        "awaiting_parts": (now + 2 * hour, now + 5 * hour, now - hour),  # clock stopped
        "qc": (now + 48 * hour, now + 60 * hour, None),
        "ready": (now - hour, now + hour, now - 2 * hour),  # done in time
        "collected": (now - 30 * hour, now - 20 * hour, now - 10 * hour),  # done late
    }
    for name, (risk, due, paused) in states.items():
        WorksOrder.objects.for_shop(jobs[name].shop_id).filter(pk=jobs[name].pk).update(
            sla_risk_at=risk, sla_due_at=due, sla_paused_at=paused
        )


@pytest.fixture
def busy_shop(personas):
    """A shop with a job in every state, customers, stock, orders, a stock take and prices."""
    desk, jack, manager = personas.front_desk, personas.technician, personas.manager
    consent = ConsentData(method="on_behalf", signed_name="Dee Whitfield")
    customer = CustomerFactory(shop=personas.shop, full_name="Dee Whitfield")

    def book(**kwargs):
        return WorksOrderFactory(branch=personas.branch, by=desk, customer=customer, **kwargs)

    def assigned():
        works_order = book(consent=consent)
        return works_order_advance(works_order=works_order, step="assign", by=desk, technician=jack)

    jobs = {"intake": book(priority="urgent"), "assigned": assigned()}
    jobs["in_progress"] = works_order_advance(works_order=assigned(), step="start", by=jack)
    jobs["awaiting_parts"] = works_order_advance(
        works_order=works_order_advance(works_order=assigned(), step="start", by=jack),
        step="wait_for_parts",
        by=jack,
        reason="Charging port",
    )
    jobs["qc"] = _to_qc(personas, assigned())
    checks = {item: {"ok": True, "note": ""} for item in personas.shop.qc_checklist}
    jobs["ready"] = works_order_advance(
        works_order=_to_qc(personas, assigned()),
        step="pass_qc",
        by=personas.second_technician,
        results=checks,
    )
    to_collect = works_order_advance(
        works_order=_to_qc(personas, assigned()),
        step="pass_qc",
        by=personas.second_technician,
        results=checks,
    )
    pay_in_full(to_collect, desk)
    jobs["collected"] = works_order_advance(
        works_order=to_collect,
        step="collect",
        by=desk,
        signed_name="Dee Whitfield",
        signature_png=None,
    )
    jobs["cancelled"] = tickets.works_order_cancel(
        works_order=book(), reason="Customer changed their mind", by=desk
    )

    _sla_in_every_state(jobs)

    screen = PartFactory(shop=personas.shop, name="iPhone 13 screen (OEM)")
    supplier = SupplierFactory(shop=personas.shop, name="Mobile Parts Direct")
    SupplierPartFactory(part=screen, supplier=supplier)
    parts.stock_receive(part=screen, branch=personas.branch, quantity=3, by=manager)
    parts.stock_level_set(part=screen, branch=personas.branch, reorder_point=5, reorder_quantity=5)
    draft = parts.purchase_order_create(supplier=supplier, branch=personas.branch, by=manager)
    parts.purchase_order_add_line(order=draft, part=screen, quantity=2)
    sent = parts.purchase_order_create(supplier=supplier, branch=personas.branch, by=manager)
    parts.purchase_order_add_line(order=sent, part=screen, quantity=4)
    parts.purchase_order_send(order=sent, by=manager)
    take = parts.stock_take_start(branch=personas.other_branch, by=manager)
    option = PriceOptionFactory(shop=personas.shop, entry__shop=personas.shop)
    return {
        "jobs": jobs,
        "customer": customer,
        "part": screen,
        "supplier": supplier,
        "draft": draft,
        "sent": sent,
        "take": take,
        "entry": option.entry,
        "option": option,
    }
