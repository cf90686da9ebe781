"""The weekly summary email as a mail client draws it (Chromium, at a phone's width and a
desktop's), and a manager downloading open repair data from Reports."""

from __future__ import annotations

import csv
import datetime
import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Message, Stage
from reports.ords import COLUMNS
from reports.weekly import weekly_summaries_send
from tests.browser.axe import axe_findings, describe, sideways_overflow
from tests.factories import WorksOrderFactory
from tests.reports.test_weekly_summary import MONDAY_8, breached_week
from tickets.models import Status, WorksOrder

pytestmark = pytest.mark.browser

# Every table ends inside the email's white sheet (the page may fit while a table overflows it).
TABLES_INSIDE_THE_SHEET = """() => {
    const sheet = document.querySelector(".sheet").getBoundingClientRect().right;
    return [...document.querySelectorAll("table")].every(
        (table) => table.getBoundingClientRect().right <= sheet + 0.5);
}"""
SIZES = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 800}}


def shot(page: Page, name: str) -> None:
    """A screenshot for a person to look at, when SCREENS_DIR says where."""
    if folder := os.environ.get("SCREENS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


def test_the_weekly_email_reads_on_a_phone_and_a_desktop(page: Page, personas):
    week = breached_week(personas)
    weekly_summaries_send(MONDAY_8)
    email = Message.objects.for_shop(personas.shop).get(
        stage=Stage.WEEKLY_SUMMARY, member=personas.manager
    )
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        page.set_content(email.html)
        expect(
            page.get_by_role("heading", name="Your week: Mon 2 Nov to Sun 8 Nov")
        ).to_be_visible()
        figures = page.get_by_role("table").first
        expect(figures.get_by_role("row", name="Jobs in 4 ▲ up 1")).to_be_visible()
        expect(page.get_by_role("link", name=week.jobs["B"].number).first).to_have_attribute(
            "href", f"http://127.0.0.1:8000/works-orders/{week.jobs['B'].number}/"
        )
        findings = axe_findings(page)
        assert not findings, describe(findings)
        if name == "390":
            assert sideways_overflow(page) == ""
            assert page.evaluate(TABLES_INSIDE_THE_SHEET), "a table sticks out of the email"
        shot(page, f"weekly-email-{name}")


def test_a_manager_downloads_open_repair_data_from_reports(
    page: Page, signed_in_page, live_server, personas
):
    job = WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, fault_reported="No sound from speaker"
    )
    collected = datetime.datetime(2026, 11, 10, 15, 0, tzinfo=datetime.UTC)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=job.pk).update(
        status=Status.COLLECTED, collected_at=collected
    )
    page = signed_in_page(personas.manager)
    page.set_viewport_size(SIZES["1280"])
    page.goto(f"{live_server.url}/reports/")
    shot(page, "reports-1280")
    page.get_by_role("link", name="Open repair data").click()
    expect(page.get_by_role("heading", name="Open repair data", level=1)).to_be_visible()
    page.set_viewport_size(SIZES["390"])
    shot(page, "open-repair-data-390")
    page.get_by_label("From").fill("2026-11-01")
    page.get_by_label("To").fill("2026-11-30")
    page.get_by_label("Branch", exact=True).select_option(label="Birmingham")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == (
        "fix-corner-bhm-open-repair-data-20261101-20261130.csv"
    )
    text = Path(download.value.path()).read_text()
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert list(row) == COLUMNS
    assert (row["id"], row["repair_status"], row["problem"]) == (
        f"fix-corner-{job.number}",
        "Fixed",
        "No sound from speaker",
    )
    # A period the wrong way round says why, and downloads nothing.
    page.get_by_label("From").fill("2026-11-30")
    page.get_by_label("To").fill("2026-11-01")
    page.get_by_role("button", name="Download CSV").click()
    expect(page.get_by_text("The last day is before the first.")).to_be_visible()
    shot(page, "open-repair-data-390-bad-period")
