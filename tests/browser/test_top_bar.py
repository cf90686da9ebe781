"""The top bar at a laptop's and a tablet's width: nothing off the right edge of the page."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1024, 1200, 1280, 1440])
def test_the_shop_menu_and_search_fit_beside_the_links_or_fold_away(
    signed_in_page, live_server, personas, width
):
    # A long shop name, as a chain's might be: it was the shop menu that went off the edge.
    personas.shop.name = "Screen Savers Derby and District Repairs"
    personas.shop.save(update_fields=["name"])
    page: Page = signed_in_page(personas.manager)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/works-orders/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    toggler = page.get_by_role("button", name="Menu")
    if toggler.is_visible():  # below 1200 px the links fold into the menu button
        toggler.click()
    shop_menu = page.locator("#shop-menu")
    expect(page.get_by_role("search").get_by_label("Find a works order")).to_be_visible()
    box = shop_menu.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    shop_menu.click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
