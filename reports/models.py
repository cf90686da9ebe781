"""Daily rollups for the KPI dashboard: per shop, branch and day (and the dimensions the figures
need), refreshed set-based by reports/rollups.py. The dashboard reads them for the days up to
RollupMark.through and works out the later days (today) live from the works orders.

Most have a monthly twin, the same rows summed over each month (`day` its first day), so a year
is read as twelve months rather than 365 days; reports.rollups.rolled_days says which days of a
period are read from which. The duration histograms, the largest, are also kept summed over the
shop's branches, day by day and month by month, for a dashboard of all branches.

And the weekly summary's claims: one row per manager and week, written before the email is, so
no beat, worker or rerun can send the same week twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class DailyBranch(ShopOwned):
    """Works orders booked in, collected and cancelled at a branch on a day (the shop's time)."""

    branch = models.ForeignKey("shops.Branch", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    booked_in = models.PositiveIntegerField(default=0)
    collected = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "branch"], name="daily_branch_once"),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} on {self.day}"


class RepairCounts(ShopOwned):
    """Per branch, day (or month), repair type and priority: works orders booked in, and those
    that became ready with an SLA due time and how many of them were ready by it."""

    branch = models.ForeignKey("shops.Branch", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    repair_type = models.ForeignKey(
        "pricebook.RepairType", on_delete=models.CASCADE, null=True, related_name="+"
    )
    priority = models.CharField(max_length=10)
    booked_in = models.PositiveIntegerField(default=0)
    sla_jobs = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.branch_id} on {self.day}: {self.repair_type_id}, {self.priority}"


class DailyRepair(RepairCounts):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "branch", "repair_type", "priority"],
                name="daily_repair_once",
                nulls_distinct=False,
            ),
        ]


class MonthlyRepair(RepairCounts):
    # Held by the same-shop keys of the migration, as the daily rows are.
    branch = models.ForeignKey(
        "shops.Branch", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "branch", "repair_type", "priority"],
                name="monthly_repair_once",
                nulls_distinct=False,
            ),
        ]


class Histogram(ShopOwned):
    """A duration histogram's row: on a day (or in a month), how many jobs (or stays) of a
    measure and key took `seconds`."""

    day = models.DateField()
    measure = models.CharField(max_length=30)
    key = models.TextField(blank=True, default="")
    seconds = models.BigIntegerField()
    jobs = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class Durations(Histogram):
    """A duration histogram: per branch, day, measure and key, how many jobs (or stays) took
    `seconds`, each duration rounded to reports.rollups.bucket (the dashboard's displayed
    precision) so medians and 90th percentiles are read from the counts. Measures: "ready" and
    "collected" (intake → ready / collected, day of the end, key the repair type id or the
    device model), "started" (intake → first picked up) and "stay" (a stay that ended, key the
    status left)."""

    # The same-shop key (shop_id, branch_id) in the migration holds it: no second check per row.
    branch = models.ForeignKey(
        "shops.Branch", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.branch_id} on {self.day}: {self.measure} {self.key} {self.seconds} s"


class DailyDuration(Durations):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "branch", "measure", "key", "seconds"],
                name="daily_duration_once",
            ),
        ]
        indexes = [
            # The dashboard reads one measure of a shop over a range of days, index only.
            models.Index(
                fields=["shop", "measure", "day"],
                include=["branch", "key", "seconds", "jobs"],
                name="daily_duration_read",
            ),
        ]


class MonthlyDuration(Durations):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "branch", "measure", "key", "seconds"],
                name="monthly_duration_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "measure", "day"],
                include=["branch", "key", "seconds", "jobs"],
                name="monthly_duration_read",
            ),
            # The busiest keys' rows only (the dashboard's first rows of device models).
            models.Index(
                fields=["shop", "measure", "key", "day"],
                include=["branch", "seconds", "jobs"],
                name="monthly_duration_by_key",
            ),
        ]


class ShopDurations(Histogram):
    """The histograms summed over the shop's branches: what a dashboard of all branches reads
    (those of one branch read reports_daily/monthlyduration). Per day, a year's stays are half
    the rows they are per branch; per month, a fifth (turnaround by repair type: half)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.shop_id} on {self.day}: {self.measure} {self.key} {self.seconds} s"


class DailyShopDuration(ShopDurations):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "measure", "key", "seconds"],
                name="daily_shop_duration_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "measure", "day"],
                include=["key", "seconds", "jobs"],
                name="daily_shop_duration_read",
            ),
        ]


class MonthlyShopDuration(ShopDurations):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "measure", "key", "seconds"],
                name="monthly_shop_duration_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "measure", "day"],
                include=["key", "seconds", "jobs"],
                name="monthly_shop_duration_read",
            ),
            models.Index(
                fields=["shop", "measure", "key", "day"],
                include=["seconds", "jobs"],
                name="monthly_shop_duration_by_key",
            ),
        ]


class Tallies(ShopOwned):
    """Counts and sums per branch, day, measure and key (reports.rollups.TALLIES says which):
    jobs ready by technician or repair type (with those that failed QC, came back, and their
    pricebook bench minutes), hours logged by technician, revenue and parts fitted by repair
    type, jobs booked in by fault as typed."""

    # The same-shop key (shop_id, branch_id) in the migration holds it: no second check per row.
    branch = models.ForeignKey(
        "shops.Branch", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    measure = models.CharField(max_length=30)
    key = models.TextField(blank=True, default="")
    jobs = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    came_back = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.branch_id} on {self.day}: {self.measure} {self.key}"


class DailyTally(Tallies):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "branch", "measure", "key"], name="daily_tally_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "measure", "day"],
                include=["branch", "key", "jobs", "reworked", "came_back", "amount"],
                name="daily_tally_read",
            ),
        ]


class MonthlyTally(Tallies):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "branch", "measure", "key"], name="monthly_tally_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "measure", "day"],
                include=["branch", "key", "jobs", "reworked", "came_back", "amount"],
                name="monthly_tally_read",
            ),
        ]


class RollupMark(models.Model):
    """One row: the last day the rollups hold for every shop (days after it are read live)."""

    through = models.DateField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rolled up through {self.through}"


class WeeklySummary(ShopOwned):
    """Manager `member`'s summary of the week that began on `week` (a Monday in their branch's
    time): claimed once, in the transaction that queues its email."""

    member = models.ForeignKey("shops.Membership", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey(
        "notifications.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "member", "week"], name="weekly_summary_once_a_week"
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="weekly_summary_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"Weekly summary of {self.week} for {self.member_id}"
