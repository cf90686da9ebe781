"""The dashboard page's view of the KPI tables: each figure as shown (with the works-order list
link behind it), the charts' data, and the CSV of a table (the same figures, unformatted)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

from billing.export import _safe as spreadsheet_safe
from reports.kpis import Column, Row, Table
from reports.templatetags.reports_ui import hours
from shops.models import Branch
from shops.money import format_money


@dataclass
class Cell:
    label: str  # the column's
    now: str
    before: str
    trend: str  # "up", "down" or "" (same, or not comparable)
    href: str


@dataclass
class ShownRow:
    label: str
    href: str
    cells: list[Cell]


def figure_text(value: object, column: Column, currency: str) -> str:
    if value is None:
        return "—"
    if column.unit == "hours":
        return hours(value) if value else "0 h"
    if column.unit == "percent":
        return f"{value:.1f} %"
    if column.unit == "money":
        return format_money(value, currency)
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}"


def _trend(row: Row, column: str) -> str:
    change = row.change(column)
    if not change:
        return ""
    return "up" if change > 0 else "down"


def list_url(base: str, row: Row, branches: dict[int, Branch], branch: Branch | None) -> str:
    """The works-order list filtered to the jobs behind a row (its branch, or the one chosen)."""
    if not row.link:
        return ""
    filters = dict(row.link)
    branch_id = filters.pop("branch_code_of", None)
    if branch_id is not None and branch_id in branches:
        filters["branch"] = branches[branch_id].code
    elif branch is not None:
        filters["branch"] = branch.code
    return f"{base}?{urlencode(filters)}"


class RowLinks:
    """The links of one row's figures: the row's (the works-order list of the jobs behind it),
    made for each column the jobs behind that figure — the period's dates moved to the
    column's event (ready_from → collected_from…) and its filters added. The row's query is
    read once, not once a figure."""

    def __init__(self, href: str) -> None:
        self.href = href
        base, _, query = href.partition("?")
        self.base, self.filters = base, parse_qsl(query)

    def of(self, column: Column) -> str:
        if not self.href or not (column.span or column.filters):
            return self.href
        filters = [
            (f"{column.span}_{name.rpartition('_')[2]}", value)
            if column.span and name.endswith(("_from", "_to"))
            else (name, value)
            for name, value in self.filters
        ]
        return f"{self.base}?{urlencode([*filters, *column.filters])}"


# A longer table shows its first rows (each is sorted busiest first); "Show all" and the CSV
# have every row. A year's 229 device models made the page some 2,000 table cells long.
SHOWN_ROWS = 20


def shown_rows(
    table: Table,
    *,
    base: str,
    branches: dict[int, Branch],
    branch: Branch | None,
    currency: str,
    limit: int | None = None,
) -> list[ShownRow]:
    rows = []
    for row in table.rows[:limit]:
        href = list_url(base, row, branches, branch)
        links = RowLinks(href)
        cells = [
            Cell(
                c.label,
                figure_text(row.now.get(c.name), c, currency),
                figure_text(row.before.get(c.name), c, currency) if table.compared else "",
                _trend(row, c.name) if table.compared else "",
                links.of(c) if c.linked and row.now.get(c.name) not in (None, 0) else "",
            )
            for c in table.columns
        ]
        rows.append(ShownRow(row.label, href, cells))
    return rows


def _number(value: object) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | float | int) else None


def chart_data(table: Table, shown: list[ShownRow]) -> dict:
    """What static/js/dashboard.js draws: the chart column, this period's and the one before,
    for the rows shown."""
    column = table.column(table.chart)
    drawn = table.rows[: len(shown)]
    return {
        "label": column.label,
        "unit": column.unit,
        "labels": [row.label[:40] for row in drawn],
        "now": [_number(row.now.get(column.name)) for row in drawn],
        "before": [_number(row.before.get(column.name)) for row in drawn]
        if table.compared
        else None,
        "links": [row.href for row in shown],
    }


def csv_text(table: Table) -> str:
    """The table as CSV: the row's name, then each figure and, when compared, the previous
    period's beside it; numbers unformatted (hours, percent and money as plain decimals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = [table.key_label]
    for column in table.columns:
        header.append(column.label)
        if table.compared:
            header.append(f"{column.label} (previous period)")
    writer.writerow(header)
    for row in table.rows:
        line = [spreadsheet_safe(row.label)]
        for column in table.columns:
            line.append(_plain(row.now.get(column.name)))
            if table.compared:
                line.append(_plain(row.before.get(column.name)))
        writer.writerow(line)
    return buffer.getvalue()


def _plain(value: object) -> str:
    return "" if value is None else str(value)


@dataclass
class Headline:
    label: str
    now: str
    before: str
    trend: str


def headline(board, currency: str) -> list[Headline]:
    """A few totals across the rows shown: booked in, collected, revenue, margin."""
    volume, money = board.tables["volume"], board.tables["money"]

    def total(table: Table, column: str, side: str):
        return sum((getattr(row, side).get(column) or 0 for row in table.rows), 0)

    figures = [
        ("Booked in", volume, "booked_in", Column("booked_in", "")),
        ("Collected", volume, "collected", Column("collected", "")),
        ("Revenue", money, "revenue", Column("revenue", "", "money")),
        ("Margin", money, "margin", Column("margin", "", "money")),
    ]
    shown = []
    for label, table, name, column in figures:
        now, before = total(table, name, "now"), total(table, name, "before")
        trend = "" if now == before else ("up" if now > before else "down")
        shown.append(
            Headline(
                label,
                figure_text(now, column, currency),
                figure_text(before, column, currency),
                trend,
            )
        )
    return shown
