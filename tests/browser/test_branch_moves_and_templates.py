"""Moving a job to another branch from its page, and finding it on that branch's board; the
template and schedule pages on a desktop and a phone (axe-core, no sideways scrolling)."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from recurring.services import ScheduleData, schedule_create, visits_raise
from shops.services import DEFAULT_HOURS, branch_set_hours
from tests.browser.htmx import htmx_settled
from tests.browser.test_accessibility import VIEWPORTS, Walk
from tests.factories import WorksOrderFactory
from tickets.job_templates import checklist_copy, job_template_save
from tickets.models import JobTemplate
from tickets.services import ConsentData

pytestmark = pytest.mark.browser
SHOTS = "/tmp/issue16-transfer"


def booked(personas):
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
    )


@pytest.fixture
def fleet_check(personas):
    template = JobTemplate(
        shop=personas.shop,
        name="Annual tablet fleet check",
        fault="Annual check under the maintenance contract",
        checklist=["Battery health above 80 %", "Charging port clean", "iPadOS up to date"],
    )
    lines = [
        {"kind": "labour", "description": "Fleet check", "quantity": 1, "unit_price": Decimal(25)},
        {"kind": "other", "description": "Cleaning", "quantity": 1, "unit_price": Decimal(5)},
    ]
    return job_template_save(template=template, lines=lines)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_job_moved_to_another_branch_appears_on_that_branchs_board(
    signed_in_page, live_server, personas, viewport
):
    for branch in (personas.branch, personas.other_branch):
        branch_set_hours(branch=branch, hours=DEFAULT_HOURS)
    job = booked(personas)
    page: Page = signed_in_page(personas.manager)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/works-orders/{job.number}/")
    page.get_by_role("button", name="Move to another branch").click()
    htmx_settled(page)
    dialog = page.locator("#transfer-panel")
    expect(dialog.get_by_label("Move to branch")).to_be_visible()
    dialog.get_by_label("Move to branch").select_option(label="Coventry (COV)")
    dialog.get_by_label("Why is it moving?").fill("Board-level repair at the specialist bench")
    page.screenshot(path=f"{SHOTS}-move-dialog-{viewport}.png", full_page=True)
    dialog.get_by_role("button", name="Move it").click()
    expect(page.get_by_text(f"{job.number} moved to Coventry")).to_be_visible()
    expect(page.locator("#branch-moves")).to_contain_text("Moved from Birmingham to Coventry")
    expect(page.locator("#branch-moves")).to_contain_text("In transit to Coventry")
    page.screenshot(path=f"{SHOTS}-moved-page-{viewport}.png", full_page=True)

    page.goto(f"{live_server.url}/board/?branch={personas.branch.code}")
    expect(page.get_by_role("list", name="Intake", exact=True)).to_be_visible()
    expect(page.get_by_text(job.number)).to_have_count(0)
    if viewport == "phone":
        page.get_by_role("button", name="Branch, filters and order").click()
        # Wait for the fold to finish opening: a filter changed during Bootstrap's animation has
        # htmx copy its inline height onto the new board, which the CSP refuses.
        expect(page.locator("#board-filter-fields")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_label("Branch", exact=True).select_option(label="Coventry")
    htmx_settled(page)
    card = page.get_by_role("listitem").filter(has_text=job.number)
    expect(card).to_be_visible()
    expect(card).to_contain_text("Moved from Birmingham · in transit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Board · Coventry")
    page.screenshot(path=f"{SHOTS}-board-{viewport}.png", full_page=True)
    page.goto("about:blank")  # the board polls: leave it before the database is emptied
    page.wait_for_timeout(100)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_template_and_schedule_pages(
    signed_in_page, live_server, personas, fleet_check, page, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    job = booked(personas)
    checklist_copy(works_order=job, template=fleet_check, by=personas.front_desk)
    first = datetime.date(2027, 1, 4)
    schedule = schedule_create(
        data=ScheduleData(
            name="Acme tablets: quarterly check",
            customer=job.customer,
            devices=[job.device],
            branch=personas.branch,
            template=fleet_check,
            priority="standard",
            frequency="monthly",
            interval=3,
            starts_on=first,
            ends_on=None,
            lead_days=7,
        ),
        by=personas.front_desk,
    )
    visits_raise(today=first)
    signed_in_page(personas.manager)
    walk = Walk(page, live_server.url, viewport)
    pages = {
        "templates": "/settings/templates/",
        "template-form": f"/settings/templates/{fleet_check.pk}/",
        "template-new": "/settings/templates/new/",
        "schedules": "/schedules/",
        "schedule-new": f"/schedules/new/?customer={job.customer_id}",
        "schedule-search": "/schedules/new/?q=a",
        "schedule": f"/schedules/{schedule.pk}/",
        "checklist-job": f"/works-orders/{job.number}/",
        "move-panel": f"/works-orders/{job.number}/?panel=transfer",
        "intake-template": f"/works-orders/new/?template={fleet_check.pk}",
    }
    for name, path in pages.items():
        walk.visit(path)
        page.screenshot(path=f"{SHOTS}-{name}-{viewport}.png", full_page=True)
    walk.check()
