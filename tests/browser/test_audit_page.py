"""The audit page as an owner uses it: changes in the shop's words, filtered by kind without
a reload, on a desktop and on a phone (screenshots in /tmp for a person to look at)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from audit.context import acting
from pricebook import services as pricebook
from shops import services as shops
from shops.models import Role
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.browser.htmx import htmx_settled
from tests.factories import PriceOptionFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def history(personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("89.00"))
    with acting(member=personas.manager, source="POST /pricebook/options/1/"):
        pricebook.option_save(
            entry=option.entry, grade=option.grade, price=Decimal("99.50"), option=option
        )
    with acting(member=personas.owner, source="POST /settings/staff/4/"):
        shops.membership_update(
            member=personas.technician,
            role=Role.MANAGER,
            branches=[personas.branch],
            skills=[],
            by=personas.owner,
        )
        personas.shop.approval_threshold = Decimal("15.00")
        personas.shop.terms_text = "Repairs carry a 90-day warranty on parts and labour."
        shops.shop_update_settings(shop=personas.shop, changed_terms=True)
    return option


@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 390)])
def test_an_owner_reads_who_changed_what(
    page: Page, live_server, signed_in_page, personas, history, name, width
):
    page.set_viewport_size({"width": width, "height": 900})
    signed_in_page(personas.owner)
    page.goto(f"{live_server.url}/settings/audit/")
    expect(page.get_by_role("heading", name="Audit")).to_be_visible()
    expect(page.get_by_text("£89.00").first).to_be_visible()
    expect(page.get_by_text("£99.50").first).to_be_visible()
    assert not axe_findings(page), describe(axe_findings(page))
    assert not sideways_overflow(page)
    page.screenshot(path=f"/tmp/issue15-audit-{name}.png", full_page=True)

    page.get_by_label("Kind of change").select_option("staff")
    htmx_settled(page)
    expect(page.get_by_text("£99.50")).to_have_count(0)
    expect(page.locator("#audit-changes").get_by_text("Jack Morgan").first).to_be_visible()
    assert "kind=staff" in page.url
    page.screenshot(path=f"/tmp/issue15-audit-{name}-staff.png", full_page=True)
