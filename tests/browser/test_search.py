"""The top-bar search in a real browser: type what the customer says, land on their job."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CustomerFactory, DeviceFactory, WorksOrderFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def dees_job(personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Dee Whitfield", phone="+447400123456")
    device = DeviceFactory(shop=personas.shop, customer=customer, model_name="iPhone 13 mini")
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)  # someone else's job
    return WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, customer=customer, device=device
    )


def search_box(page: Page):
    return page.get_by_role("search").get_by_label("Find a works order")


def test_a_phone_number_typed_at_the_counter_finds_the_job_in_one_click(
    signed_in_page, live_server, personas, dees_job
):
    page: Page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/")
    search_box(page).press_sequentially("07400 123 456", delay=20)

    result = page.get_by_role("link", name=re.compile(dees_job.number))
    expect(result).to_be_visible()
    expect(result).to_contain_text("Dee Whitfield")
    expect(result).to_contain_text("Apple iPhone 13 mini")
    expect(page.get_by_role("status").filter(has_text="1 result")).to_be_attached()
    result.click()

    expect(page).to_have_url(f"{live_server.url}/works-orders/{dees_job.number}/")
    expect(page.get_by_role("heading", name=dees_job.number)).to_be_visible()


def test_the_results_work_from_the_keyboard(signed_in_page, live_server, personas, dees_job):
    page: Page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/")
    page.keyboard.press("/")  # jumps to the search box
    expect(search_box(page)).to_be_focused()
    page.keyboard.type("whitfield")
    result = page.get_by_role("search").get_by_role("link", name=re.compile(dees_job.number))
    expect(result).to_be_visible()

    page.keyboard.press("Escape")
    expect(result).to_be_hidden()
    expect(search_box(page)).to_be_focused()

    page.keyboard.type("d")  # "whitfieldd": nothing, then back to a match
    page.keyboard.press("Backspace")
    expect(result).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(search_box(page)).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/works-orders/{dees_job.number}/")


def test_enter_on_a_number_opens_the_job_without_javascript_help(
    signed_in_page, live_server, personas, dees_job
):
    page: Page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/")
    search_box(page).fill(dees_job.number.lower())
    search_box(page).press("Enter")
    expect(page).to_have_url(f"{live_server.url}/works-orders/{dees_job.number}/")
