"""Each KPI figure on the known week of kpi_scenes, worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reports import kpis
from reports.kpis import Period
from tests.reports.kpi_scenes import WEEK, known_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(personas):
    return known_week(personas)


def rows(table: kpis.Table) -> dict:
    return {row.label: row for row in table.rows}


def test_a_period_before_is_as_long_and_ends_the_day_before():
    assert WEEK.previous() == Period(datetime.date(2026, 10, 26), datetime.date(2026, 11, 1))
    month = Period.month_of(datetime.date(2026, 11, 10))
    assert month.previous() == Period(datetime.date(2026, 10, 22), datetime.date(2026, 10, 31))
    assert Period.week_of(datetime.date(2026, 11, 5)) == Period(
        datetime.date(2026, 11, 2), datetime.date(2026, 11, 5)
    )


def test_volume_counts_in_out_cancelled_and_open_at_the_end(personas, week):
    table = rows(kpis.volume(personas.shop, None, WEEK))
    assert table["Birmingham"].now == {
        "booked_in": 3, "collected": 1, "cancelled": 0, "open_at_end": 2
    }  # fmt: skip
    assert table["Birmingham"].before == {
        "booked_in": 1, "collected": 1, "cancelled": 0, "open_at_end": 0
    }  # fmt: skip
    assert table["Coventry"].now == {
        "booked_in": 1, "collected": 0, "cancelled": 1, "open_at_end": 0
    }  # fmt: skip


def test_open_by_status_is_now(personas, week):
    table = rows(kpis.open_by_status(personas.shop, None))
    assert {label: row.now["jobs"] for label, row in table.items()} == {
        "Intake": 1, "Ready for collection": 1
    }  # fmt: skip


def test_turnaround_by_repair_type_leaves_the_cancelled_job_out(personas, week):
    table = rows(kpis.turnaround(personas.shop, None, WEEK, by="repair_type"))
    screen = table["Screen"]
    assert screen.now == {
        "ready_jobs": 2, "ready_median": 18.0, "ready_p90": 22.8,
        "collected_jobs": 1, "collected_median": 48.0, "collected_p90": 48.0,
    }  # fmt: skip
    assert screen.before["ready_jobs"] == 0 and screen.before["ready_median"] is None
    battery = table["Battery"]
    assert battery.now["ready_jobs"] == 0
    assert battery.before == {
        "ready_jobs": 1, "ready_median": 36.0, "ready_p90": 36.0,
        "collected_jobs": 1, "collected_median": 72.0, "collected_p90": 72.0,
    }  # fmt: skip


def test_turnaround_by_device_model(personas, week):
    table = rows(kpis.turnaround(personas.shop, None, WEEK, by="device_model"))
    assert table["Apple iPhone 13"].now["ready_jobs"] == 2


def test_assignment_time_is_intake_to_first_picked_up(personas, week):
    table = rows(kpis.assignment_time(personas.shop, None, WEEK))
    assert table["Birmingham"].now == {"jobs": 2, "median": 3.0, "p90": 3.8}
    assert table["Birmingham"].before == {"jobs": 1, "median": 2.0, "p90": 2.0}


def test_time_in_each_status(personas, week):
    table = rows(kpis.time_in_each_status(personas.shop, None, WEEK))
    assert table["Intake"].now == {"stays": 2, "median": 3.0, "p90": 3.8}
    assert table["Intake"].before == {"stays": 1, "median": 2.0, "p90": 2.0}


def test_quality_counts_the_job_reopened_by_failed_qc_and_the_comeback(personas, week):
    table = rows(kpis.quality(personas.shop, None, WEEK, by="technician"))
    assert table["Jack Morgan"].now == {
        "jobs": 2, "reworked": 1, "rework_rate": 50.0, "comebacks": 1, "comeback_rate": 50.0
    }  # fmt: skip
    assert table["Sofia Kowalski"].before == {
        "jobs": 1, "reworked": 0, "rework_rate": 0.0, "comebacks": 0, "comeback_rate": 0.0
    }  # fmt: skip
    by_type = rows(kpis.quality(personas.shop, None, WEEK, by="repair_type"))
    assert by_type["Screen"].now["rework_rate"] == 50.0


def test_productivity_compares_hours_logged_with_bench_time(personas, week):
    table = rows(kpis.productivity(personas.shop, None, WEEK))
    assert table["Jack Morgan"].now == {
        "jobs": 2, "logged_hours": 1.5, "bench_hours": 2.0, "efficiency": 133.3
    }  # fmt: skip
    assert table["Sofia Kowalski"].before["bench_hours"] == 0.5


def test_money_is_invoices_less_credit_notes_less_parts_fitted(personas, week):
    table = rows(kpis.money(personas.shop, None, WEEK))
    assert table["Screen"].now == {
        "revenue": Decimal("80.00"), "parts_cost": Decimal("30.00"),
        "margin": Decimal("50.00"), "margin_rate": 62.5,
    }  # fmt: skip
    assert table["Screen"].before["revenue"] == Decimal("0.00")


def test_most_common_repairs_and_faults(personas, week):
    repairs = rows(kpis.common_repairs(personas.shop, None, WEEK))
    assert {label: (r.now["jobs"], r.before["jobs"]) for label, r in repairs.items()} == {
        "Screen": (3, 0), "Battery": (1, 1)
    }  # fmt: skip
    faults = kpis.common_faults(personas.shop, None, WEEK)
    assert faults.rows[0].label == "screen cracked" and faults.rows[0].now["jobs"] == 2


def test_sla_compliance_by_priority(personas, week):
    table = rows(kpis.sla_compliance(personas.shop, None, WEEK))
    assert table["Standard"].now == {"jobs": 2, "met": 1, "percent": 50.0}


def test_stock_value_and_turnover(personas, week):
    table = rows(kpis.stock(personas.shop, None, WEEK))
    assert table["Birmingham"].now == {
        "value": Decimal("45.00"), "used_cost": Decimal("30.00"), "turnover": 0.5
    }  # fmt: skip
    assert table["Birmingham"].before["value"] == Decimal("75.00")


def test_one_branch_leaves_the_others_out(personas, week):
    table = kpis.volume(personas.shop, [personas.other_branch], WEEK)
    assert [row.label for row in table.rows] == ["Coventry"]
    repairs = rows(kpis.common_repairs(personas.shop, [personas.other_branch], WEEK))
    assert list(repairs) == ["Battery"]


def test_an_empty_period_has_no_rows(personas, week):
    empty = Period(datetime.date(2025, 1, 6), datetime.date(2025, 1, 12))
    board = kpis.dashboard(personas.shop, None, empty)
    assert {name: t.rows for name, t in board.tables.items() if name != "open"} == {
        name: [] for name in board.tables if name != "open"
    }


def test_another_shops_figures_are_never_counted(personas, week):
    outsider = personas.outsider.shop
    board = kpis.dashboard(outsider, None, WEEK)
    assert all(not table.rows for table in board.tables.values())
