"""The KPI dashboard in a real browser: a manager changes the branch and the period, the chart
and its table change with them, and a figure opens the works orders behind it."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.reports.kpi_scenes import _invoice, at, known_week

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    if folder := os.environ.get("SCREENS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=full_page)


def test_a_manager_changes_branch_and_period_and_opens_the_jobs_behind_a_figure(
    signed_in_page, live_server, personas
):
    week = known_week(personas)
    page = signed_in_page(personas.manager)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/reports/dashboard/?period=custom&start=2026-11-02&end=2026-11-08")
    volume = page.locator("#kpi-volume")
    chart = volume.locator("canvas[data-chart=volume]")
    expect(chart).to_have_attribute("data-drawn", "Birmingham|Coventry=3|1")
    table = volume.get_by_role("table")
    expect(table.get_by_role("rowheader")).to_have_text(["Birmingham", "Coventry"])
    screenshot(page, "issue14-dashboard-desktop")

    # One branch: the page comes back with its figures only (the select sends the form).
    page.get_by_label("Branch", exact=True).select_option(label="Coventry")
    expect(page.get_by_role("heading", name="Dashboard at Coventry")).to_be_visible()
    expect(chart).to_have_attribute("data-drawn", "Coventry=1")
    expect(table.get_by_role("rowheader")).to_have_text(["Coventry"])

    # All branches again, and the week before: one job, booked in at Birmingham.
    page.get_by_label("Branch", exact=True).select_option(label="All branches")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    page.get_by_label("From", exact=True).fill("2026-10-26")
    page.get_by_label("To", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#dashboard-period")).to_contain_text("26 Oct 2026 to 1 Nov 2026")
    expect(chart).to_have_attribute("data-drawn", "Birmingham=1")
    turnaround = page.locator("#kpi-turnaround_repair_type").get_by_role("table")
    expect(turnaround.get_by_role("rowheader")).to_have_text(["Battery"])

    # Back to the week; the screens' median turnaround opens the two screens ready in it.
    page.go_back()
    expect(page.locator("#dashboard-period")).to_contain_text("2 Nov 2026 to 8 Nov 2026")
    turnaround = page.locator("#kpi-turnaround_repair_type").get_by_role("table")
    screen = turnaround.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Screen"))
    screen.get_by_role("link", name="18 h").click()
    expect(page).to_have_url(
        f"{live_server.url}/works-orders/?repair_type={week.screen.pk}"
        "&ready_from=2026-11-02&ready_to=2026-11-08"
    )
    expect(page.get_by_label("Repair type")).to_have_value(str(week.screen.pk))
    rows = page.locator("#works-order-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=week.jobs["A"].number)).to_have_count(1)
    expect(rows.filter(has_text=week.jobs["B"].number)).to_have_count(1)


def test_a_click_on_a_chart_bar_opens_the_jobs_behind_it(signed_in_page, live_server, personas):
    week = known_week(personas)
    page = signed_in_page(personas.manager)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/reports/dashboard/?period=custom&start=2026-11-02&end=2026-11-08")
    canvas = page.locator("#kpi-volume canvas[data-chart=volume]")
    expect(canvas).to_have_attribute("data-drawn", "Birmingham|Coventry=3|1")
    canvas.scroll_into_view_if_needed()
    # Where Chart.js drew this period's Birmingham bar, in the canvas's own pixels.
    bar = page.evaluate(
        "(() => { const el = document.querySelector('#kpi-volume canvas[data-chart=volume]');"
        " const b = Chart.getChart(el).getDatasetMeta(0).data[0];"
        " return {x: b.x, y: (b.y + b.base) / 2}; })()"
    )
    canvas.click(position=bar)
    expect(page).to_have_url(
        f"{live_server.url}/works-orders/?booked_from=2026-11-02&booked_to=2026-11-08&branch=BHM"
    )
    rows = page.locator("#works-order-table tbody tr")
    expect(rows).to_have_count(3)
    for name in ("A", "B"):
        expect(rows.filter(has_text=week.jobs[name].number)).to_have_count(1)


def test_the_dashboard_on_a_phone(signed_in_page, live_server, personas):
    week = known_week(personas)
    # A year's revenue of a busy shop: the headline card is half the phone's width.
    _invoice(week.jobs["B"], personas.manager, "invoice", "INV-2", "17140127.16", at(6, 9))
    page = signed_in_page(personas.manager)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/reports/dashboard/?period=custom&start=2026-11-02&end=2026-11-08")
    expect(page.locator("canvas[data-chart=volume]")).to_have_attribute(
        "data-drawn", "Birmingham|Coventry=3|1"
    )
    headline = page.locator(".kpi-headline")
    expect(headline.nth(2)).to_have_text("£17,140,207.16")
    # Each figure on one line of its card, not broken after its point.
    lines = page.evaluate(
        "[...document.querySelectorAll('.kpi-headline')].map(e => {"
        " const r = document.createRange(); r.selectNodeContents(e);"
        " return [r.getClientRects().length, e.scrollWidth <= e.clientWidth]; })"
    )
    assert lines == [[1, True]] * 4
    screenshot(page, "issue14-dashboard-phone", full_page=False)
    page.locator("#kpi-volume").scroll_into_view_if_needed()
    screenshot(page, "issue14-dashboard-phone-volume", full_page=False)
    page.locator("#kpi-turnaround_repair_type table").scroll_into_view_if_needed()
    screenshot(page, "issue14-dashboard-phone-turnaround", full_page=False)
