"""The SLA on the board in a real browser: a VIP job booked in gets its promise, its card turns
amber, then red, as time moves on (its times are moved back in the database between looks), says
so in words, and the sweep tells the manager."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shops.services import DEFAULT_HOURS, branch_set_hours
from tests.factories import WorksOrderFactory
from tests.tickets.sla_helpers import sla_set
from tickets.models import Priority, WorksOrder
from tickets.services import ConsentData
from tickets.sla_sweep import sla_sweep

pytestmark = pytest.mark.browser

AMBER = "rgb(255, 243, 205)"  # Bootstrap's warning background (subtle), under dark amber text
RED = "rgb(220, 53, 69)"  # Bootstrap's danger, under white text
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def move_sla(works_order: WorksOrder, *, risk: datetime.timedelta, due: datetime.timedelta):
    """Set the SLA times relative to now, as if the clock had moved on."""
    now = timezone.now()
    sla_set(works_order, risk=now + risk, due=now + due, next_at=now + min(risk, due))


def screenshot(page: Page, name: str) -> None:
    if folder := os.environ.get("SCREENS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=False)


def test_a_vip_card_turns_amber_then_red_as_its_sla_times_pass(
    signed_in_page, live_server, personas
):
    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    vip = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        priority=Priority.VIP,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
    )
    assert vip.sla_due_at is not None and vip.sla_risk_at < vip.sla_due_at  # promised at booking
    hour = datetime.timedelta(hours=1)
    move_sla(vip, risk=2 * hour, due=4 * hour)
    page = signed_in_page(personas.manager)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/board/")
    card = page.get_by_role("listitem").filter(has_text=vip.number)
    sla = card.locator(".bc-sla")
    expect(sla).to_contain_text("On track · due")
    expect(card).to_contain_text("VIP")

    # An hour before it is due: the board notices on its own (its poll), and the card says so.
    move_sla(vip, risk=-datetime.timedelta(minutes=1), due=hour)
    expect(sla).to_contain_text("At risk · due", timeout=12_000)
    expect(sla).to_have_css("background-color", AMBER)
    screenshot(page, "sla-board-1280-at-risk")

    # Past its due time: red, and it says when it was due.
    move_sla(vip, risk=-2 * hour, due=-datetime.timedelta(minutes=1))
    page.reload()
    expect(sla).to_contain_text("Breached · was due")
    expect(sla).to_have_css("background-color", RED)
    expect(sla).to_have_css("color", "rgb(255, 255, 255)")
    screenshot(page, "sla-board-1280-breached")

    # The sweep records both crossings and the manager is told, once each.
    assert sla_sweep().crossings == 2 and sla_sweep().crossings == 0
    page.goto(f"{live_server.url}/alerts/")
    alerts = page.get_by_role("link", name=f"{vip.number} has breached its SLA")
    expect(alerts).to_be_visible()
    expect(page.get_by_role("link", name=f"{vip.number} is at risk")).to_be_visible()
    page.goto(f"{live_server.url}/board/")

    # Filtered to the breached jobs, it is the one on the board; on track, it is not.
    page.get_by_label("SLA").select_option("Breached")
    expect(page.get_by_text("1 job on the board")).to_be_visible()
    page.get_by_label("SLA").select_option("On track")
    expect(page.get_by_text("0 jobs on the board")).to_be_visible()
    expect(card).to_have_count(0)

    # On a phone: the same words on the card, the column picked from the switcher.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/board/?sort=sla")
    page.get_by_role("button", name="Intake 1 job").click()
    expect(sla).to_be_visible()
    expect(sla).to_contain_text("Breached · was due")
    screenshot(page, "sla-board-390-breached")
