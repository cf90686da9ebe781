"""The dashboard page: who may open it, its figures and CSV exports, its links, its queries."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from reports import kpis
from reports.dashboard import csv_text, shown_rows
from tests.factories import WorksOrderFactory
from tests.reports.kpi_scenes import WEEK, known_week, ready_on_model
from tickets.models import WorksOrder

pytestmark = pytest.mark.django_db
URL = reverse("kpi_dashboard")
THE_WEEK = {"period": "custom", "start": "2026-11-02", "end": "2026-11-08"}


@pytest.fixture
def week(personas):
    return known_week(personas)


def test_managers_and_owners_see_it_and_nobody_else(client_as, client, personas, week):
    for member in (personas.manager, personas.owner):
        response = client_as(member).get(URL, THE_WEEK)
        assert response.status_code == 200
        assert "Turnaround by repair type" in response.content.decode()
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(URL).status_code == 403
        assert client_as(member).get(URL, {"export": "volume"}).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_a_manager_of_another_shop_never_sees_this_shops_figures(client_as, personas, week):
    client = client_as(personas.outsider)
    page = client.get(URL, THE_WEEK).content.decode()
    assert "Birmingham" not in page and "Screen" not in page
    # Another shop's branch code is no branch here: all of the outsider's own branches.
    page = client.get(URL, {**THE_WEEK, "branch": "BHM"}).content.decode()
    assert "Birmingham" not in page
    exported = client.get(URL, {**THE_WEEK, "export": "money"}).content.decode()
    assert "Screen" not in exported


def test_the_headline_and_a_table_show_the_weeks_figures(client_as, personas, week):
    page = client_as(personas.manager).get(URL, THE_WEEK).content.decode()
    assert "£80.00" in page  # revenue: 100.00 invoiced less 20.00 credited
    assert "£50.00" in page  # margin after 30.00 of parts
    assert "18 h" in page  # the screens' median intake → ready


def test_every_csv_export_equals_its_table(client_as, personas, week):
    client = client_as(personas.manager)
    for name in kpis.TABLES:
        response = client.get(URL, {**THE_WEEK, "export": name})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        table = kpis.dashboard(personas.shop, None, WEEK, only=name)[name]
        text = response.content.decode()
        assert text == csv_text(table)
        lines = list(csv.reader(io.StringIO(text)))
        assert len(lines) == 1 + len(table.rows)
        for line, row in zip(lines[1:], table.rows, strict=True):
            assert line[0] == row.label
            expected = []
            for column in table.columns:
                expected.append(row.now.get(column.name))
                if table.compared:
                    expected.append(row.before.get(column.name))
            assert line[1:] == ["" if v is None else str(v) for v in expected]


def test_an_unknown_export_is_not_found(client_as, personas):
    assert client_as(personas.manager).get(URL, {"export": "salaries"}).status_code == 404


def test_a_figure_links_to_the_works_orders_behind_it(client_as, personas, week):
    client = client_as(personas.manager)
    page = client.get(URL, THE_WEEK).content.decode()
    screen = week.screen.pk
    link = (
        f'href="/works-orders/?repair_type={screen}&amp;ready_from=2026-11-02'
        "&amp;ready_to=2026-11-08"
    )
    assert link in page
    listed = client.get(
        reverse("works_orders"),
        {"repair_type": screen, "ready_from": "2026-11-02", "ready_to": "2026-11-08"},
    ).content.decode()
    assert week.jobs["A"].number in listed and week.jobs["B"].number in listed
    assert week.jobs["D"].number not in listed and week.jobs["E"].number not in listed


def test_a_branch_figure_links_to_that_branch(client_as, personas, week):
    page = client_as(personas.manager).get(URL, THE_WEEK).content.decode()
    assert "branch=COV" in page
    started = {"branch": "BHM", "started_from": "2026-11-02", "started_to": "2026-11-08"}
    listed = client_as(personas.manager).get(reverse("works_orders"), started).content.decode()
    assert week.jobs["A"].number in listed and week.jobs["E"].number not in listed


def test_choosing_a_branch_shows_only_its_figures(client_as, personas, week):
    page = client_as(personas.manager).get(URL, {**THE_WEEK, "branch": "COV"}).content.decode()
    assert "Dashboard at Coventry" in page
    assert "Battery" in page and "Screen" not in page


def test_bad_choices_show_this_week_with_a_message(client_as, personas, week):
    client = client_as(personas.manager)
    for bad in (
        {"period": "custom", "start": "2026-02-30", "end": "x"},
        {"period": "\x00"},
        {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"},
        {"branch": "Z" * 5000},
    ):
        response = client.get(URL, bad)
        assert response.status_code == 200
        assert "cannot be shown" in response.content.decode()


def test_the_page_takes_the_same_few_queries_whatever_the_data(
    client_as, personas, week, django_assert_max_num_queries
):
    client = client_as(personas.manager)
    # Signing in, the branches, one statement a table (14), and the device models shown first:
    # ranked, then those with no job ready in the period when fewer than 20 have one.
    with django_assert_max_num_queries(20):
        assert client.get(URL, THE_WEEK).status_code == 200
    # Ten times the jobs cost no more statements: every figure is one aggregate.
    for job in WorksOrder.objects.for_shop(personas.shop)[:2]:
        for _ in range(5):
            WorksOrderFactory(
                branch=personas.branch, by=personas.front_desk, repair_type_id=job.repair_type_id
            )
    with django_assert_max_num_queries(20):
        assert client.get(URL, {**THE_WEEK, "branch": "BHM"}).status_code == 200


def test_the_chart_data_is_on_the_page(client_as, personas, week):
    response = client_as(personas.manager).get(URL, THE_WEEK)
    page = response.content.decode()
    assert 'id="dashboard-charts"' in page
    assert 'data-chart="turnaround_repair_type"' in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]  # the page's own (base.html aside)
    assert "<script>" not in main and 'style="' not in main and " onclick" not in main


def test_every_linked_count_opens_a_list_of_exactly_those_jobs(client_as, personas, week):
    """Each count on the dashboard that links somewhere (booked in, collected, cancelled, failed
    QC, came back, jobs finished…) opens the works-order list showing that many jobs."""
    client = client_as(personas.manager)
    numbers = set(WorksOrder.objects.for_shop(personas.shop).values_list("number", flat=True))
    branches = {b.pk: b for b in (personas.branch, personas.other_branch)}
    checked = set()
    for name, table in kpis.dashboard(personas.shop, None, WEEK).tables.items():
        shown = shown_rows(table, base=reverse("works_orders"), branches=branches, branch=None,
                           currency="GBP")  # fmt: skip
        for row, shown_row in zip(table.rows, shown, strict=True):
            for column, cell in zip(table.columns, shown_row.cells, strict=True):
                if column.unit or not cell.href:
                    continue
                listed = client.get(cell.href).content.decode()
                found = {n for n in re.findall(r"WO-\d+", listed) if n in numbers}
                assert len(found) == row.now[column.name], (name, row.label, column.name, cell.href)
                checked.add(column.span or column.filters or column.name)
    # The figures about other jobs than their row's are among those followed.
    assert {"collected", "cancelled", (("failed_qc", "on"),), (("came_back", "on"),)} <= checked


def test_a_long_table_shows_its_first_rows_and_all_of_them_on_asking(
    client_as, personas, week, monkeypatch
):
    from html import unescape

    from reports import dashboard as shown

    ready_on_model(personas, "Google Pixel 8", 3, 4)
    ready_on_model(personas, "Samsung Galaxy S23", 5)
    monkeypatch.setattr(shown, "SHOWN_ROWS", 2)
    client = client_as(personas.manager)

    def section(page: str) -> str:
        return page.split('id="kpi-turnaround_device_model"', 1)[1].split("</section>", 1)[0]

    first = section(client.get(URL, THE_WEEK).content.decode())
    assert "Apple iPhone 13" in first and "Google Pixel 8" in first
    assert "Samsung Galaxy S23" not in first
    show_all = unescape(re.search(r'href="(\?[^"]*)">Show all', first).group(1))
    assert show_all.endswith("#kpi-turnaround_device_model")
    query = dict(p.split("=", 1) for p in show_all.split("#")[0][1:].split("&"))
    assert query["full"] == "turnaround_device_model" and query["start"] == "2026-11-02"
    every = section(client.get(URL, query).content.decode())
    assert "Samsung Galaxy S23" in every and "Show the first 2 only" in every
    # The CSV always has every row, whichever table is shown in full.
    exported = client.get(URL, {**THE_WEEK, "export": "turnaround_device_model"})
    assert "Samsung Galaxy S23" in exported.content.decode()
