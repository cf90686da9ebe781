"""The board in a real browser: drag a card, see a refused one snap back, use the keyboard."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.htmx import wait_until_true
from tests.factories import WorksOrderFactory
from tests.payments import pay_in_full
from tickets.lifecycle import works_order_advance
from tickets.models import Status, WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.browser


def book(personas) -> WorksOrder:
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee Whitfield"),
    )


def assigned_to_jack(personas) -> WorksOrder:
    works_order = book(personas)
    return works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )


def column(page: Page, name: str):
    return page.get_by_role("list", name=name, exact=True)


def card(page: Page, works_order: WorksOrder):
    return page.get_by_role("listitem").filter(has_text=works_order.number)


@pytest.fixture
def board_as(signed_in_page, live_server, page):
    """board_as(member) → the board open in the browser, signed in as that member."""

    def open_as(member) -> Page:
        signed_in_page(member).goto(f"{live_server.url}/board/")
        expect(column(page, "Intake")).to_be_visible()
        wait_until_true(page, "window.boardBusy !== undefined && window.Sortable !== undefined")
        return page

    yield open_as
    # The board polls every 5 s: leave it before the test database is emptied, or a poll
    # arriving meanwhile deadlocks with the clean-up.
    page.goto("about:blank")
    page.wait_for_timeout(100)


def status_of(works_order: WorksOrder) -> str:
    works_order.refresh_from_db()
    return works_order.status


def test_a_technician_drags_a_card_from_assigned_to_in_progress(board_as, personas):
    works_order = assigned_to_jack(personas)
    page = board_as(personas.technician)
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(1)

    card(page, works_order).drag_to(column(page, "In progress"))

    expect(page.get_by_text(f"{works_order.number}: Start work → In progress.")).to_be_visible()
    expect(column(page, "In progress").get_by_role("listitem")).to_have_count(1)
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(0)
    assert status_of(works_order) == Status.IN_PROGRESS
    moved = works_order.timeline.get(data__step="start")
    assert (moved.actor, moved.data["source"], moved.data["target"]) == (
        personas.technician,
        "assigned",
        "in_progress",
    )


def test_one_drag_sends_one_move_and_logs_nothing(board_as, personas):
    works_order = assigned_to_jack(personas)
    page = board_as(personas.technician)
    posts, logged = [], []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.on("console", lambda m: logged.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: logged.append(error.message))

    card(page, works_order).drag_to(column(page, "In progress"))

    expect(page.get_by_text(f"{works_order.number}: Start work → In progress.")).to_be_visible()
    expect(column(page, "In progress").get_by_role("listitem")).to_have_count(1)
    page.wait_for_timeout(300)  # anything the drag set off late has time to show
    sent = [r.post_data for r in posts]
    assert len(posts) == 1 and posts[0].url.endswith("/board/move/"), sent
    assert posts[0].post_data_json["number"] == works_order.number, sent
    assert posts[0].post_data_json["column"] == "in_progress", sent
    assert logged == []


def test_a_refused_drag_snaps_back_with_the_reason(board_as, personas):
    works_order = assigned_to_jack(personas)
    page = board_as(personas.front_desk)

    card(page, works_order).drag_to(column(page, "In progress"))

    expect(
        page.get_by_role("alert").filter(has_text="A front desk cannot “Start work”.")
    ).to_be_visible()
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(1)
    expect(column(page, "In progress").get_by_role("listitem")).to_have_count(0)
    assert status_of(works_order) == Status.ASSIGNED


def test_the_move_to_menu_works_from_the_keyboard(board_as, personas):
    works_order = assigned_to_jack(personas)
    page = board_as(personas.technician)

    menu_button = page.get_by_role("button", name=f"Move {works_order.number} to…")
    menu_button.focus()
    page.keyboard.press("Enter")
    start = page.get_by_role("button", name="Start work")
    expect(start).to_be_visible()
    expect(page.get_by_role("button", name="Collected")).to_have_count(0)  # not a technician's
    page.keyboard.press("ArrowDown")
    expect(start).to_be_focused()
    page.keyboard.press("Enter")

    expect(column(page, "In progress").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("button", name=f"Move {works_order.number} to…")).to_be_focused()
    assert status_of(works_order) == Status.IN_PROGRESS


def test_qc_signed_by_the_repairer_is_refused_before_any_dialog(board_as, personas):
    works_order = assigned_to_jack(personas)
    jack = personas.technician
    works_order_advance(works_order=works_order, step="start", by=jack)
    works_order_advance(
        works_order=works_order, step="submit_for_qc", by=jack, amount=Decimal("120.00")
    )
    page = board_as(jack)

    card(page, works_order).drag_to(column(page, "Ready"))

    expect(
        page.get_by_role("alert").filter(
            has_text="QC must be signed by someone other than the technicians who worked on it."
        )
    ).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_hidden()  # no checklist to fill in for nothing
    expect(column(page, "QC").get_by_role("listitem")).to_have_count(1)
    assert status_of(works_order) == Status.QUALITY_CONTROL


def test_the_counter_assigns_a_job_in_the_dialog(board_as, personas):
    works_order = book(personas)
    page = board_as(personas.front_desk)

    card(page, works_order).drag_to(column(page, "Assigned"))
    dialog = page.get_by_role("dialog", name=re.compile("Assign"))
    dialog.get_by_label("Technician").select_option(label="Sofia Kowalski · 0 open, 0 h")
    dialog.get_by_role("button", name="Assign").click()

    expect(dialog).to_be_hidden()
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(1)
    expect(card(page, works_order)).to_contain_text("Sofia")
    works_order.refresh_from_db()
    assert works_order.assigned_to == personas.second_technician


def test_the_customer_signs_for_the_device_when_it_is_collected(board_as, personas):
    works_order = assigned_to_jack(personas)
    jack = personas.technician
    works_order_advance(works_order=works_order, step="start", by=jack)
    works_order_advance(
        works_order=works_order, step="submit_for_qc", by=jack, amount=Decimal("120.00")
    )
    checks = {item: {"ok": True, "note": ""} for item in personas.shop.qc_checklist}
    works_order_advance(
        works_order=works_order, step="pass_qc", by=personas.second_technician, results=checks
    )
    pay_in_full(works_order, personas.front_desk)
    page = board_as(personas.front_desk)

    card(page, works_order).drag_to(column(page, "Collected today"))
    dialog = page.get_by_role("dialog", name=re.compile("Collected"))
    expect(dialog).to_contain_text("Price: £120.00")
    dialog.get_by_label("Collected by").fill("Dee Whitfield")
    pad = dialog.locator("#signature-pad")
    # The box is fitted to the dialog once the dialog has opened (its default is 300 × 150).
    wait_until_true(page, "document.getElementById('signature-pad').width > 300")
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 20, steps=6)
    page.mouse.move(box["x"] + 260, box["y"] + 70, steps=6)
    page.mouse.up()
    expect(dialog.locator("input[name=signature]")).to_have_value(re.compile("^data:image/png"))
    dialog.get_by_role("button", name="Collected").click()

    expect(dialog).to_be_hidden()
    expect(column(page, "Collected today").get_by_role("listitem")).to_have_count(1)
    works_order.refresh_from_db()
    assert works_order.status == Status.COLLECTED
    assert works_order.collected_by_name == "Dee Whitfield"
    assert bytes(works_order.collection_signature_png).startswith(b"\x89PNG")


def test_the_board_shows_what_someone_else_just_did(board_as, personas):
    works_order = assigned_to_jack(personas)
    page = board_as(personas.front_desk)
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(1)

    works_order_advance(works_order=works_order, step="start", by=personas.technician)

    # Nobody reloads: the board asks every 5 s whether anything changed, and redraws.
    expect(column(page, "In progress").get_by_role("listitem")).to_have_count(1, timeout=9000)
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(0)


def test_the_works_order_page_moves_a_job_through_the_same_dialog(
    signed_in_page, live_server, personas
):
    works_order = assigned_to_jack(personas)
    works_order_advance(works_order=works_order, step="start", by=personas.technician)
    page = signed_in_page(personas.technician)
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")

    page.get_by_role("button", name="Move to…").click()
    page.get_by_role("button", name="Wait for parts").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Which parts is it waiting for?")).to_be_focused()
    dialog.get_by_label("Which parts is it waiting for?").fill("Charging port, due Thursday")
    dialog.get_by_role("button", name="Wait for parts").click()

    expect(page.get_by_text(f"{works_order.number}: Wait for parts")).to_be_visible()
    entry = "In progress → Waiting for parts: Charging port, due Thursday"
    expect(page.get_by_text(entry)).to_be_visible()
    assert status_of(works_order) == Status.AWAITING_PARTS


def test_on_a_phone_one_column_shows_and_a_card_moves_from_its_menu(
    signed_in_page, live_server, page, personas
):
    works_order = assigned_to_jack(personas)
    book(personas)  # one in Intake too, so the switcher has a choice to make
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in_page(personas.technician).goto(f"{live_server.url}/board/")
    switcher = page.get_by_role("group", name="Column shown")

    # One column at a time: the first with cards in it, the switcher above it.
    expect(switcher.get_by_role("button")).to_have_count(6)
    expect(switcher.get_by_role("button", name="Intake 1 job")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(column(page, "Intake")).to_be_visible()
    for hidden in ("Assigned", "In progress", "QC", "Ready", "Collected today"):
        expect(column(page, hidden)).to_be_hidden()

    switcher.get_by_role("button", name="Assigned 1 job").click()
    expect(column(page, "Assigned")).to_be_visible()
    expect(column(page, "Intake")).to_be_hidden()
    the_card = card(page, works_order)
    assert the_card.bounding_box()["width"] > 320  # the width of the phone, less the margins
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    menu_button = page.get_by_role("button", name=f"Move {works_order.number} to…")
    box = menu_button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb's worth
    menu_button.click()
    page.get_by_role("button", name="Start work").click()

    expect(page.get_by_text(f"{works_order.number}: Start work → In progress.")).to_be_visible()
    expect(column(page, "Assigned").get_by_role("listitem")).to_have_count(0)  # still shown
    expect(switcher.get_by_role("button", name="Assigned 0 jobs")).to_have_attribute(
        "aria-pressed", "true"
    )
    switcher.get_by_role("button", name="In progress 1 job").click()
    expect(column(page, "In progress").get_by_role("listitem")).to_have_count(1)
    assert status_of(works_order) == Status.IN_PROGRESS
    page.goto("about:blank")  # the board polls: leave it before the database is emptied
    page.wait_for_timeout(100)
