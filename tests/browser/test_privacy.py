"""A manager exports a customer's data and erases them, from the customer's page, on a desktop
and on a phone; axe finds nothing serious on the pages along the way."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.privacy.conftest import NAME, customer_with_history

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def looked_at(page: Page, name: str, size: str) -> None:
    assert not (findings := axe_findings(page)), describe(findings)
    if size == "phone":
        assert not sideways_overflow(page)
    page.screenshot(path=f"/tmp/issue15-privacy-{name}-{size}.png", full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_manager_exports_then_erases_a_customer(signed_in_page, live_server, personas, size):
    history = customer_with_history(personas)
    page = signed_in_page(personas.manager)
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/customers/{history.customer.pk}/")
    privacy = page.get_by_role("region", name="Privacy")
    expect(privacy).to_be_visible()
    looked_at(page, "customer", size)

    with page.expect_download() as download:
        privacy.get_by_role("button", name="Export their data").click()
    archive = zipfile.ZipFile(download.value.path())
    assert json.loads(archive.read("customer.json"))["customer"]["full_name"] == NAME
    page.reload()
    expect(privacy).to_contain_text("Exported by Tom Fletcher")

    privacy.get_by_role("link", name="Erase customer…").click()
    expect(page.get_by_role("heading", name=f"Erase {NAME}")).to_be_visible()
    looked_at(page, "confirm", size)
    field = page.get_by_label("Type the customer's name to confirm")
    field.fill("Zebedee")
    page.get_by_role("button", name="Erase this customer").click()
    expect(page.get_by_text("Type the customer's name exactly as shown")).to_be_visible()
    looked_at(page, "confirm-mismatch", size)
    page.get_by_label("Type the customer's name to confirm").fill(NAME)
    page.get_by_role("button", name="Erase this customer").click()
    expect(page.get_by_role("heading", name="Erased customer", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Privacy")).to_contain_text("Personal data erased")
    looked_at(page, "erased", size)


def test_settings_privacy_and_a_refused_erasure(signed_in_page, live_server, personas):
    from tests.factories import WorksOrderFactory

    history = customer_with_history(personas)
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=history.customer)
    page = signed_in_page(personas.owner)
    page.goto(f"{live_server.url}/customers/{history.customer.pk}/erase/")
    expect(page.get_by_role("alert")).to_contain_text("collect or cancel it first")
    looked_at(page, "refused", "desktop")
    page.goto(f"{live_server.url}/settings/privacy/")
    page.get_by_label("Remove photos after (months)").fill("0")
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_text("Enter a whole number from 1 to 120.")).to_be_visible()
    page.get_by_label("Remove photos after (months)").fill("24")
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_text("Privacy settings saved.")).to_be_visible()
    looked_at(page, "settings", "desktop")
