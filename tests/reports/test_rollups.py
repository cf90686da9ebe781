"""The dashboard's daily rollups give the same figures as the live query, and keep up."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from reports import kpis, rollups
from reports.models import (
    DailyBranch,
    DailyDuration,
    DailyRepair,
    DailyShopDuration,
    DailyTally,
    MonthlyDuration,
    MonthlyRepair,
    MonthlyShopDuration,
    MonthlyTally,
    RollupMark,
)
from reports.receivers import works_order_closed_rollup
from tests.reports.kpi_scenes import WEEK, known_week, ready_on_model
from tickets.models import WorksOrder

pytestmark = pytest.mark.django_db
MONTH = kpis.Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
ROLLED = ("volume", "repairs", "sla")


@pytest.fixture
def week(personas):
    return known_week(personas)


def figures(shop, branches, period) -> dict:
    board = kpis.dashboard(shop, branches, period)
    return {
        name: [dataclasses.asdict(row) for row in table.rows]
        for name, table in board.tables.items()
        if name != "open"  # now, whatever the period
    }


@pytest.mark.parametrize("today", [datetime.date(2026, 12, 6), datetime.date(2026, 11, 5)])
def test_rollups_give_the_live_figures(personas, week, today):
    shop, one = personas.shop, [personas.branch]
    live = {p: figures(shop, b, p) for p in (WEEK, MONTH) for b in (None, one)}
    assert not RollupMark.objects.exists()
    rollups.rollup_catch_up(today=today)  # all closed days, or up to the middle of the week
    assert RollupMark.objects.get().through == today - datetime.timedelta(days=1)
    assert DailyBranch.objects.for_shop(shop).exists()
    assert DailyRepair.objects.for_shop(shop).exists()
    assert DailyDuration.objects.for_shop(shop).filter(measure="stay").exists()
    assert {p: figures(shop, b, p) for p in (WEEK, MONTH) for b in (None, one)} == live


def test_the_dashboard_reads_the_rolled_days_from_the_rollups(personas, week):
    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    row = DailyBranch.objects.for_shop(personas.shop).get(
        branch=personas.branch, day=datetime.date(2026, 11, 2)
    )
    DailyBranch.objects.for_shop(personas.shop).filter(pk=row.pk).update(booked_in=12)
    volume = {r.label: r for r in kpis.volume(personas.shop, None, WEEK).rows}
    assert volume["Birmingham"].now["booked_in"] == 3 - row.booked_in + 12


def test_catching_up_again_recounts_the_last_day_and_moves_on(personas, week):
    rollups.rollup_catch_up(today=datetime.date(2026, 11, 5))
    assert rollups.rollup_catch_up(today=datetime.date(2026, 11, 7)) == 3  # the 4th again, 5, 6
    assert RollupMark.objects.get().through == datetime.date(2026, 11, 6)
    assert rollups.rollup_catch_up(today=datetime.date(2026, 11, 7)) == 1


def test_a_job_closing_recounts_its_rolled_up_days(personas, week, monkeypatch):
    from reports import tasks

    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    b = week.jobs["B"]
    # A change to a closed day the rollups hold (B's priority) shows once B is collected.
    WorksOrder.objects.for_shop(personas.shop).filter(pk=b.pk).update(priority="urgent")
    ran = []
    monkeypatch.setattr(tasks.rollup_job_days, "delay", lambda *a: ran.append(a))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        b.refresh_from_db()
        # What tickets.lifecycle sends on collection (other listeners need the step's entry).
        works_order_closed_rollup(WorksOrder, works_order=b, target="collected")
    assert ran == [(personas.shop.pk, ["2026-11-02"])]
    tasks.rollup_job_days.run(*ran[0])
    sla = {r.key: r.now for r in kpis.sla_compliance(personas.shop, None, WEEK).rows}
    assert sla == {
        "standard": {"jobs": 1, "met": 1, "percent": 100.0},
        "urgent": {"jobs": 1, "met": 0, "percent": 0.0},
    }
    # November whole is read from its monthly row, recounted with the day.
    month = {r.key: r.now["jobs"] for r in kpis.sla_compliance(personas.shop, None, MONTH).rows}
    assert month == {"standard": 1, "urgent": 1}


def test_a_whole_month_is_read_from_the_monthly_rollups(personas, week):
    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    monthly = MonthlyRepair.objects.for_shop(personas.shop)
    november = monthly.filter(day=datetime.date(2026, 11, 1), booked_in__gt=0)
    assert sum(november.values_list("booked_in", flat=True)) == 4  # A, B, C, D
    assert DailyTally.objects.for_shop(personas.shop).count() > (
        MonthlyTally.objects.for_shop(personas.shop).count()
    )
    assert MonthlyDuration.objects.for_shop(personas.shop).filter(measure="stay").exists()
    november.filter(repair_type=week.screen).update(booked_in=30)
    repairs = {r.label: r.now["jobs"] for r in kpis.common_repairs(personas.shop, None, MONTH).rows}
    assert repairs["Screen"] == 30  # the monthly row, not the days'
    repairs = {r.label: r.now["jobs"] for r in kpis.common_repairs(personas.shop, None, WEEK).rows}
    assert repairs["Screen"] == 3  # a week is read by day


@pytest.mark.parametrize(
    ("table", "period", "day"),
    [(MonthlyShopDuration, MONTH, datetime.date(2026, 11, 1)),
     (DailyShopDuration, WEEK, datetime.date(2026, 11, 3))],
)  # fmt: skip
def test_all_branches_are_read_from_the_shop_wide_histograms(personas, week, table, period, day):
    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    rows = table.objects.for_shop(personas.shop).filter(day=day, measure="ready:repair_type")
    screen = rows.filter(key=str(week.screen.pk))
    counted = sum(screen.values_list("jobs", flat=True))
    assert counted > 0
    screen.update(jobs=50)

    def screen_ready(branches) -> int:
        rows = kpis.turnaround(personas.shop, branches, period).rows
        return next(r for r in rows if r.label == "Screen").now["ready_jobs"]

    # Screen jobs ready: A and B, both at the one branch. All branches read the shop's rows.
    assert screen_ready(None) == 2 - counted + 50 * screen.count()
    assert screen_ready([personas.branch]) == 2  # one branch: its own rows


@pytest.mark.parametrize(
    ("first", "last", "split", "through", "months", "days"),
    [
        # A week and the week before: days only.
        ("2026-11-02", "2026-11-15", "2026-11-09", "2026-12-05", [], ("2026-11-02", 14)),
        # November and the 30 days before: November whole, October's days from the 2nd.
        ("2026-10-02", "2026-11-30", "2026-11-01", "2026-12-05", ["2026-11-01"],
         ("2026-10-02", 30)),
        # A year to 7 Dec and the year before: whole months both sides of the split, which
        # splits December 2025 into days; the mark ends December 2026's days on the 5th.
        ("2024-12-08", "2026-12-07", "2025-12-08", "2026-12-05",
         [f"2025-{m:02}-01" for m in range(1, 12)] + [f"2026-{m:02}-01" for m in range(1, 12)],
         None),
        # Nothing rolled up yet.
        ("2026-11-01", "2026-11-30", "2026-11-16", "1900-01-01", [], ("2026-11-01", 0)),
    ],
)  # fmt: skip
def test_rolled_days_take_whole_months_on_one_side_of_the_split(
    first, last, split, through, months, days
):
    day = datetime.date.fromisoformat
    got_months, got_days = rollups.rolled_days(day(first), day(last), day(split), day(through))
    assert got_months == [day(m) for m in months]
    covered = set(got_days)
    for month in got_months:
        after = (month + datetime.timedelta(days=31)).replace(day=1)
        covered |= {month + datetime.timedelta(days=n) for n in range((after - month).days)}
    # Every rolled day of the range once, and no month across the split.
    rolled = min(day(last), day(through))
    span = (rolled - day(first)).days + 1
    assert covered == {day(first) + datetime.timedelta(days=n) for n in range(max(span, 0))}
    assert len(covered) == len(got_days) + sum(
        ((m + datetime.timedelta(days=31)).replace(day=1) - m).days for m in got_months
    )
    assert all(not (m < day(split) < (m + datetime.timedelta(days=31)).replace(day=1))
               for m in got_months)  # fmt: skip
    if days is not None:
        start, count = days
        assert got_days == [day(start) + datetime.timedelta(days=n) for n in range(count)]


def test_nothing_to_roll_up_marks_yesterday(db):
    assert rollups.rollup_catch_up(today=datetime.date(2026, 12, 6)) == 0
    assert RollupMark.objects.get().through == datetime.date(2026, 12, 5)


def test_durations_are_read_at_the_precision_shown_rolled_up_or_live(personas, week):
    # Off the hour: A ready after 24 h 20 min 40 s, B after 9 h 4 min, picked up after 1 min
    # 29 s and 47 min 31 s: a day and more in whole hours, under a day in tenths of an hour,
    # under an hour in minutes (what the dashboard shows); the percentiles between them.
    shop = personas.shop
    jobs = WorksOrder.objects.for_shop(shop)
    a, b = week.jobs["A"], week.jobs["B"]
    jobs.filter(pk=a.pk).update(
        ready_at=a.created_at + datetime.timedelta(hours=24, minutes=20, seconds=40),
        started_at=a.created_at + datetime.timedelta(minutes=1, seconds=29),
    )
    jobs.filter(pk=b.pk).update(
        ready_at=b.created_at + datetime.timedelta(hours=9, minutes=4),
        started_at=b.created_at + datetime.timedelta(minutes=47, seconds=31),
    )
    live = figures(shop, None, WEEK)
    screen = next(r for r in kpis.turnaround(shop, None, WEEK).rows if r.label == "Screen")
    # 24 h and 9.1 h: the median halfway, the 90th percentile nine tenths of the way.
    assert (screen.now["ready_median"], screen.now["ready_p90"]) == (16.55, 22.51)
    branch = next(r for r in kpis.assignment_time(shop, None, WEEK).rows if r.key == b.branch_id)
    assert (branch.now["median"], branch.now["p90"]) == (0.41, 0.72)  # 1 and 48 minutes
    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    assert figures(shop, None, WEEK) == live


def test_rolling_the_same_days_again_gives_the_same_rows(personas, week):
    def held() -> list:
        return sorted(
            DailyDuration.objects.for_shop(personas.shop).values_list(
                "branch_id", "day", "measure", "key", "seconds", "jobs"
            )
        )

    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    first = held()
    assert ("stay", "intake", 7200) in {(m, k, s) for _b, _d, m, k, s, _j in first}
    rollups.rollup_refresh(first=datetime.date(2026, 10, 1), last=datetime.date(2026, 12, 5))
    rollups.rollup_refresh(first=datetime.date(2026, 11, 2), last=datetime.date(2026, 11, 2))
    assert held() == first


def test_a_ready_job_cancelled_leaves_the_rolled_up_turnaround(personas, week, monkeypatch):
    from django.test import TestCase

    from reports import tasks

    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    b = week.jobs["B"]
    WorksOrder.objects.for_shop(personas.shop).filter(pk=b.pk).update(status="cancelled")
    ran = []
    monkeypatch.setattr(tasks.rollup_job_days, "delay", lambda *a: ran.append(a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        b.refresh_from_db()
        works_order_closed_rollup(WorksOrder, works_order=b, target="cancelled")
    tasks.rollup_job_days.run(*ran[0])
    screen = next(r for r in kpis.turnaround(personas.shop, None, WEEK).rows if r.label == "Screen")
    assert (screen.now["ready_jobs"], screen.now["ready_median"]) == (1, 24.0)
    # November whole, from its monthly rows: B's 12 hours are gone from them too.
    screen = next(
        r for r in kpis.turnaround(personas.shop, None, MONTH).rows if r.label == "Screen"
    )
    assert (screen.now["ready_jobs"], screen.now["ready_median"]) == (1, 24.0)
    assert_months_are_their_days()


def assert_months_are_their_days() -> None:
    """Every monthly twin holds exactly its daily rows summed by month, no row more or less."""
    from django.db import connection

    for table, (keys, sums, _match) in rollups.MONTHLY.items():
        summed = (
            f"SELECT shop_id, branch_id, date_trunc('month', day)::date, {keys},"
            f" {', '.join(f'SUM({c})' for c in sums)} FROM reports_daily{table}"
            f" GROUP BY 1, 2, 3, {keys}"
        )
        kept = (
            f"SELECT shop_id, branch_id, day, {keys}, {', '.join(sums)} FROM reports_monthly{table}"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"({summed} EXCEPT ALL {kept}) UNION ALL ({kept} EXCEPT ALL {summed})")
            assert cursor.fetchall() == [], table
    # And the shop-wide histograms their branches' summed, day by day and month by month.
    keys = "shop_id, day, measure, key, seconds"
    for grain in ("daily", "monthly"):
        summed = f"SELECT {keys}, SUM(jobs) FROM reports_{grain}duration GROUP BY {keys}"
        kept = f"SELECT {keys}, jobs FROM reports_{grain}shopduration"
        with connection.cursor() as cursor:
            cursor.execute(f"({summed} EXCEPT ALL {kept}) UNION ALL ({kept} EXCEPT ALL {summed})")
            assert cursor.fetchall() == [], f"{grain}shopduration"


def test_the_months_stay_their_days_summed_through_refreshes(personas, week):
    rollups.rollup_catch_up(today=datetime.date(2026, 11, 5))  # October whole, November begun
    assert MonthlyDuration.objects.for_shop(personas.shop).exists()
    assert_months_are_their_days()
    # A day recounted after a change, then the catch-up on to December.
    WorksOrder.objects.for_shop(personas.shop).filter(pk=week.jobs["A"].pk).update(
        ready_at=week.jobs["A"].ready_at + datetime.timedelta(hours=5)
    )
    rollups.rollup_refresh(first=datetime.date(2026, 11, 3), last=datetime.date(2026, 11, 3),
                           shop_id=personas.shop.pk)  # fmt: skip
    assert_months_are_their_days()
    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    assert_months_are_their_days()


def test_a_comeback_booked_later_counts_on_the_rolled_up_ready_day(personas, week, monkeypatch):
    from django.test import TestCase

    from reports import tasks
    from reports.receivers import comeback_booked_rollup

    shop = personas.shop
    jobs = WorksOrder.objects.for_shop(shop)
    d = week.jobs["D"]
    jobs.filter(pk=d.pk).update(warranty_return_of=None)  # not yet come back
    rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))

    def jack() -> dict:
        return {r.label: r for r in kpis.quality(shop, None, WEEK).rows}["Jack Morgan"].now

    assert jack()["comebacks"] == 0
    ran = []
    monkeypatch.setattr(tasks.rollup_job_days, "delay", lambda *a: ran.append(a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        jobs.filter(pk=d.pk).update(warranty_return_of=week.jobs["A"])  # booked back in
        d.refresh_from_db()
        comeback_booked_rollup(WorksOrder, works_order=d, news="booked_in")
    assert ran == [(shop.pk, ["2026-11-02", "2026-11-03", "2026-11-04"])]  # A's days
    tasks.rollup_job_days.run(*ran[0])
    assert (jack()["comebacks"], jack()["comeback_rate"]) == (1, 50.0)


@pytest.mark.parametrize("rolled", [False, True])
def test_the_first_rows_of_a_long_table_are_the_whole_tables_first(personas, week, rolled):
    # In the week: the iPhone 13 twice (A, B), the Pixel 8 twice, the Galaxy once; the week
    # before, a Nokia only (and E, an iPhone 13): ties go by name, none-this-week last.
    ready_on_model(personas, "Google Pixel 8", 3, 4)
    ready_on_model(personas, "Samsung Galaxy S23", 5)
    ready_on_model(personas, "Nokia 3310", 28, month=10)
    if rolled:
        rollups.rollup_catch_up(today=datetime.date(2026, 12, 6))
    shop = personas.shop
    whole = kpis.turnaround(shop, None, WEEK, by="device_model")
    assert [r.label for r in whole.rows] == [
        "Apple iPhone 13", "Google Pixel 8", "Samsung Galaxy S23", "Nokia 3310"
    ]  # fmt: skip
    assert not whole.more
    for top in range(1, 6):
        first = kpis.turnaround(shop, None, WEEK, by="device_model", top=top)
        assert first.rows == whole.rows[:top]
        assert first.more == (top < len(whole.rows))
    # The dashboard reads it in part unless it is the table asked for in full.
    board = kpis.dashboard(shop, None, WEEK, top=2)
    assert board["turnaround_device_model"].rows == whole.rows[:2]
    assert board["turnaround_device_model"].more
    full = kpis.dashboard(shop, None, WEEK, top=2, full="turnaround_device_model")
    assert full["turnaround_device_model"].rows == whole.rows
