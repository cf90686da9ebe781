"""The works-order page's collapsed panels in a real browser: opened, their forms arrive."""

import pytest
from playwright.sync_api import expect

from tests.factories import WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.browser


def on_jacks_bench(personas) -> WorksOrder:
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
    )
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    return works_order_advance(works_order=works_order, step="start", by=personas.technician)


def test_a_manager_opens_reassign_and_gives_the_job_away(signed_in_page, live_server, personas):
    works_order = on_jacks_bench(personas)
    page = signed_in_page(personas.manager)
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")

    page.get_by_role("button", name="Reassign").click()
    page.get_by_label("Technician").select_option(label="Sofia Kowalski · 0 open, 0 h")
    page.get_by_role("button", name="Give it to them").click()

    expect(page.get_by_text(f"{works_order.number} is now Sofia Kowalski's job.")).to_be_visible()
    works_order.refresh_from_db()
    assert works_order.assigned_to == personas.second_technician


def test_a_technician_adds_time_from_the_collapsed_panel(signed_in_page, live_server, personas):
    works_order = on_jacks_bench(personas)
    page = signed_in_page(personas.technician)
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")

    page.get_by_text("Add time worked without the timer").click()
    page.get_by_label("Minutes").fill("25")
    page.get_by_label("What was done").fill("Cleaned the charging port")
    page.get_by_role("button", name="Add time").click()

    expect(page.get_by_text("25 min logged.")).to_be_visible()
    assert works_order.time_entries.get().minutes == 25
