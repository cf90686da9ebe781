"""Suggestions from the shop's history in a real browser, on a phone: the counter types a fault
and puts the usual repair on the quote; the technician adds a likely part to the job.

With SCREENS_DIR set, each step is also photographed at 390 px and 1280 px for a person to look
at (`SCREENS_DIR=/some/folder make test ARGS=tests/browser/test_suggestions.py`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from parts.models import PartStatus, WorksOrderPart
from tests.browser.axe import axe_findings, sideways_overflow
from tests.tickets.test_suggestions import history_of, put_on_the_bench

pytestmark = pytest.mark.browser


@pytest.fixture
def history(personas):
    return history_of(personas)


@pytest.fixture
def on_the_bench(personas, history):
    return put_on_the_bench(personas, history)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def shoot(page: Page, name: str) -> None:
    if folder := os.environ.get("SCREENS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(300)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=False)


def test_typing_a_fault_shows_what_the_shop_usually_did_and_a_click_quotes_it(
    signed_in_page, live_server, personas, history
):
    page = signed_in_page(personas.front_desk)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/works-orders/new/")
    page.get_by_label("Model from the catalogue").select_option(label="Apple iPhone 12")
    expect(page.locator("#history-suggestions")).to_have_count(0)  # nothing typed: no box

    page.get_by_label("Fault as reported by the customer").press_sequentially(
        "no display after drop", delay=20
    )
    suggestions = page.locator("#history-suggestions")
    expect(suggestions).to_contain_text("What this shop usually did")
    expect(suggestions).to_contain_text("4 of 6 similar iPhone 12 jobs since March")
    suggestions.scroll_into_view_if_needed()
    found = axe_findings(page)
    assert found == [], [(n["html"], n.get("failureSummary")) for v in found for n in v["nodes"]]
    assert sideways_overflow(page) == ""
    shoot(page, "intake-suggestions-390")

    suggestions.get_by_role("button", name=re.compile("^Add Screen replacement OEM")).click()
    expect(page.locator('[data-total="gross"]')).to_have_text("£149.99")
    expect(page.get_by_label("Description").first).to_have_value(re.compile("iPhone 12 screen"))
    expect(
        suggestions.get_by_role("button", name=re.compile("^Add Screen replacement OEM"))
    ).to_be_disabled()
    expect(page.locator('input[name="pricebook_option"]')).to_have_count(1)
    shoot(page, "intake-suggestion-added-390")

    page.set_viewport_size(DESKTOP)
    suggestions.scroll_into_view_if_needed()
    shoot(page, "intake-suggestions-1280")


def test_the_technician_adds_a_likely_part_to_the_job(
    signed_in_page, live_server, personas, history, on_the_bench
):
    job, _ = on_the_bench
    page = signed_in_page(personas.technician)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/works-orders/{job.number}/")
    likely = page.locator("#likely-parts")
    expect(likely).to_contain_text("Fitted on 4 of 6 similar iPhone 12 jobs")
    expect(likely).to_contain_text("3 free at Birmingham")
    likely.scroll_into_view_if_needed()
    found = axe_findings(page)
    assert found == [], [(n["html"], n.get("failureSummary")) for v in found for n in v["nodes"]]
    assert sideways_overflow(page) == ""
    shoot(page, "bench-likely-parts-390")
    page.set_viewport_size(DESKTOP)
    likely.scroll_into_view_if_needed()
    shoot(page, "bench-likely-parts-1280")
    page.set_viewport_size(PHONE)

    likely.get_by_role("button", name=re.compile(r"^Add to the job\W+iPhone 12 screen")).click()
    expect(page.get_by_text("1 × iPhone 12 screen (OEM) reserved for the job.")).to_be_visible()
    expect(page.locator("#likely-parts")).to_contain_text("On the job")
    line = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=job)
    assert line.status == PartStatus.RESERVED
