"""The front desk finds a customer from the Customers page as they type."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser


def test_the_list_narrows_as_the_number_is_typed_and_the_address_bar_follows(
    signed_in_page, live_server, personas
):
    CustomerFactory(shop=personas.shop, full_name="Jane Smith", phone="+447400123456")
    CustomerFactory(shop=personas.shop, full_name="Bob Brown", phone="+447400654321")
    page: Page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/customers/")
    results = page.locator("#customer-results")
    expect(results.get_by_role("link", name="Bob Brown")).to_be_visible()

    page.get_by_label("Find a customer").press_sequentially("0740012", delay=30)
    expect(results.get_by_role("link", name="Bob Brown")).to_have_count(0)
    expect(results.get_by_role("link", name="Jane Smith")).to_be_visible()
    expect(results).to_contain_text("07400 123456")
    expect(page).to_have_url(re.compile(r"\?q=0740012$"))

    results.get_by_role("link", name="Jane Smith").click()
    expect(page.get_by_role("heading", name="Jane Smith")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Find a customer")).to_have_value("0740012")
    expect(results.get_by_role("link", name="Bob Brown")).to_have_count(0)
