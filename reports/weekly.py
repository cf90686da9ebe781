"""The weekly summary: each owner and manager gets last week's figures by email on Monday at 8:00
in their branch's time zone.

Beat runs `weekly_summaries_send` every few minutes. For each owner and manager who has not
switched it off (Settings → Staff), it works out their Monday 8:00 in the time zone of their
first branch (by name; with no branches set, the shop's first branch): from then until
Wednesday 8:00 their summary is due, so a beat missed, a worker down for the night or a
deployment on Monday morning only delays it. After Wednesday 8:00 that week is skipped: a
summary of last week arriving on Thursday is noise.

Exactly once: the summary is claimed with one row per (shop, manager, week), `WeeklySummary`,
whose unique constraint decides who sends. The claim, the figures and the outbox row are one
transaction: two beats or two workers at once both try to INSERT … ON CONFLICT DO NOTHING; the
second waits for the first to commit and then finds its row and writes nothing; if the first
rolls back (its worker died), the second claims it and sends. The email itself is the outbox's
to send (notifications/outbox.py: retries, and claimed once per send).

The figures come from reports/kpis.py (the dashboard's own queries), for the manager's branches
(all of the shop's when they have none set), over Monday to Sunday of the week before the
summary, each beside the week before that.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Stage
from notifications.services import staff_email_queue
from reports import kpis
from reports.models import WeeklySummary
from shops.models import MANAGERS, Branch, Membership, Shop
from shops.money import format_money
from tickets.models import (
    OPEN_STATUSES,
    Priority,
    SlaCrossing,
    SlaThreshold,
    Status,
    WorksOrder,
)

logger = logging.getLogger(__name__)

SEND_AT = datetime.time(8, 0)  # Monday, in the branch's time
CATCH_UP = datetime.timedelta(days=2)  # until Wednesday 8:00; then the week is skipped
LISTED = 5  # breaches and waiting jobs the email lists
STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)

CLAIM_SQL = f"""
INSERT INTO {WeeklySummary._meta.db_table} (shop_id, member_id, week, claimed_at)
VALUES (%(shop)s, %(member)s, %(week)s, %(now)s)
ON CONFLICT (shop_id, member_id, week) DO NOTHING
RETURNING id
"""


# When ---------------------------------------------------------------------------------------


def week_due(now: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date | None:
    """The Monday starting the week a summary is due for at `now` in `zone` (the week before
    this one), or None outside Monday 8:00 to Wednesday 8:00 there."""
    today = now.astimezone(zone).date()
    monday = today - datetime.timedelta(days=today.weekday())
    # zoneinfo gives the wall-clock 8:00 of that day whatever its UTC offset (summer or winter).
    send_at = datetime.datetime.combine(monday, SEND_AT, tzinfo=zone)
    if send_at <= now < send_at + CATCH_UP:
        return monday - datetime.timedelta(days=7)
    return None


# Monday 8:00 comes first at UTC+14 (Sunday 18:00 UTC) and Wednesday 8:00 last at UTC−12
# (Wednesday 20:00 UTC): outside that, a beat knows without a query that nothing is due.
FIRST_DUE = datetime.timedelta(days=-1, hours=18)  # from Monday 00:00 UTC
LAST_DUE = datetime.timedelta(days=2, hours=20)


def due_somewhere(now: datetime.datetime) -> bool:
    moment = now.astimezone(datetime.UTC)
    monday = datetime.datetime.combine(
        moment.date() - datetime.timedelta(days=moment.weekday()), datetime.time(), datetime.UTC
    )
    since = moment - monday  # 0 to 7 days
    return since < LAST_DUE or since >= datetime.timedelta(days=7) + FIRST_DUE


@dataclass
class Recipient:
    member: Membership
    branches: list[Branch]  # theirs, or every branch of the shop when they have none set
    zone: zoneinfo.ZoneInfo
    scope: str  # "Birmingham and Coventry", "all branches"


def recipients() -> list[Recipient]:
    """Every active owner and manager with the summary switched on and an email address, with
    their branches and time zone (three queries, whatever the number of shops)."""
    members = list(
        Membership.objects.all_shops()
        .filter(is_active=True, role__in=MANAGERS, weekly_summary=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("shop", "user")
        .prefetch_related("branches")
        .order_by("shop_id", "pk")
    )
    shop_branches: dict[int, list[Branch]] = {}
    for branch in Branch.objects.all_shops().filter(
        shop_id__in={m.shop_id for m in members}, is_active=True
    ):
        shop_branches.setdefault(branch.shop_id, []).append(branch)
    found = []
    for member in members:
        own = sorted(member.branches.all(), key=lambda b: b.name)
        every = sorted(shop_branches.get(member.shop_id, []), key=lambda b: b.name)
        zone_of = (own or every or [None])[0]
        zone = zoneinfo.ZoneInfo(zone_of.timezone if zone_of else settings.TIME_ZONE)
        scope = _names([b.name for b in own]) if own else "all branches"
        found.append(Recipient(member, own, zone, scope))
    return found


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def weekly_summaries_send(now: datetime.datetime | None = None) -> int:
    """Queue each summary that is due and not yet claimed; how many were queued. Safe to run
    at any moment, as often as beat likes, on as many workers as there are."""
    now = now or timezone.now()
    if not due_somewhere(now):
        return 0
    due = [(r, week) for r in recipients() if (week := week_due(now, r.zone)) is not None]
    if not due:
        return 0
    claimed = set(
        WeeklySummary.objects.all_shops()
        .filter(week__in={week for _, week in due}, member__in=[r.member for r, _ in due])
        .values_list("member_id", "week")
    )
    todo = [(r, week) for r, week in due if (r.member.pk, week) not in claimed]
    if not todo:
        return 0
    sent = 0
    with kpis.one_mark():  # the rollups' mark read once for the whole beat
        for recipient, week in todo:
            try:
                sent += weekly_summary_send(recipient=recipient, week=week, now=now)
            except Exception:  # one manager's failure must not hold up the others' summaries
                logger.exception("Weekly summary for member %s failed", recipient.member.pk)
    return sent


@transaction.atomic
def weekly_summary_send(
    *, recipient: Recipient, week: datetime.date, now: datetime.datetime
) -> int:
    """Claim `recipient`'s summary of `week` and queue its email, both or neither; 1 if this
    call claimed it, 0 if someone had."""
    member = recipient.member
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL, {"shop": member.shop_id, "member": member.pk, "week": week, "now": now}
        )
        row = cursor.fetchone()
    if row is None:
        return 0
    summary = weekly_figures(recipient=recipient, week=week, now=now)
    context = {"summary": summary, "shop": member.shop, "member": member}
    message = staff_email_queue(
        member=member,
        stage=Stage.WEEKLY_SUMMARY,
        key=f"weekly:{member.pk}:{week.isoformat()}",
        subject=summary.subject,
        body=render_to_string("reports/weekly_email.txt", context),
        html=render_to_string("reports/weekly_email.html", context),
    )
    WeeklySummary.objects.for_shop(member.shop_id).filter(pk=row[0]).update(message=message)
    return 1


# What ---------------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    now: object
    before: object
    unit: str = ""  # "", "hours", "percent", "money"
    better: str = "up"  # which way is good: "up", "down", or "" (neither)
    currency: str = "GBP"

    def text(self, value) -> str:
        if value is None:
            return "–"
        if self.unit == "hours":
            return _duration(value)
        if self.unit == "percent":
            return f"{value:.0f} %"
        if self.unit == "money":
            return format_money(value, self.currency)
        return f"{value:,}"

    @property
    def now_text(self) -> str:
        return self.text(self.now)

    @property
    def before_text(self) -> str:
        return self.text(self.before)

    @property
    def change(self) -> str:
        """ "up", "down" or "same" (or "" when either week has no figure)."""
        if self.now is None or self.before is None:
            return ""
        return "up" if self.now > self.before else "down" if self.now < self.before else "same"

    @property
    def tone(self) -> str:
        """good / bad / same, for the arrow's colour."""
        if self.change in ("", "same") or not self.better:
            return "same"
        return "good" if self.change == self.better else "bad"


def _duration(hours: float) -> str:
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


@dataclass
class Listed:
    number: str
    url: str
    device: str
    status: str
    priority: str
    detail: str  # "4.2 days late", "booked in 12 days ago"


@dataclass
class Summary:
    shop: Shop
    scope: str
    first: datetime.date
    last: datetime.date
    figures: list[Figure]
    breaches: list[Listed] = field(default_factory=list)
    breach_count: int = 0
    waiting: list[Listed] = field(default_factory=list)
    open_count: int = 0
    settings_url: str = ""
    reports_url: str = ""

    @property
    def week_text(self) -> str:
        return f"{_day(self.first)} to {_day(self.last)}"

    @property
    def subject(self) -> str:
        jobs_in, jobs_out = self.figures[0], self.figures[1]
        return (
            f"{self.shop.name}: your week, {_day(self.first)} – {_day(self.last)}: "
            f"{jobs_in.now_text} in, {jobs_out.now_text} out"
        )


def _day(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def weekly_figures(*, recipient: Recipient, week: datetime.date, now: datetime.datetime) -> Summary:
    """The summary of the week starting Monday `week`: key figures beside the week before, the
    worst SLA breaches recorded in it and the jobs waiting longest now."""
    shop, branches = recipient.member.shop, recipient.branches
    with timezone.override(recipient.zone):  # kpis' days are midnight to midnight there
        period = kpis.Period(week, week + datetime.timedelta(days=6))
        volume = kpis.volume(shop, branches, period).rows
        turnaround = kpis.turnaround(shop, branches, period, by="all").rows
        money = kpis.money(shop, branches, period).rows
        sla = kpis.sla_compliance(shop, branches, period).rows
        start, end = period.since, period.until

    def total(rows, column: str, when: str):
        return sum(getattr(row, when).get(column) or 0 for row in rows)

    def compliance(when: str) -> float | None:
        jobs, met = total(sla, "jobs", when), total(sla, "met", when)
        return 100 * met / jobs if jobs else None

    def median(when: str) -> float | None:  # by="all": one row, or none for an empty fortnight
        return getattr(turnaround[0], when).get("ready_median") if turnaround else None

    currency = shop.currency
    figures = [
        Figure("Jobs in", total(volume, "booked_in", "now"), total(volume, "booked_in", "before")),
        Figure(
            "Jobs out (collected)",
            total(volume, "collected", "now"),
            total(volume, "collected", "before"),
        ),
        Figure(
            "Open at the end of the week",
            total(volume, "open_at_end", "now"),
            total(volume, "open_at_end", "before"),
            better="down",
        ),
        Figure(
            "Median turnaround (booked in → ready)",
            median("now"),
            median("before"),
            "hours",
            better="down",
        ),
        Figure(
            "Revenue (excl. VAT, less credit notes)",
            Decimal(total(money, "revenue", "now")),
            Decimal(total(money, "revenue", "before")),
            "money",
            currency=currency,
        ),
        Figure("SLA compliance", compliance("now"), compliance("before"), "percent"),
    ]
    breaches, breach_count = worst_breaches(shop, branches, start, end, now)
    waiting, open_count = waiting_longest(shop, branches, now)
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return Summary(
        shop=shop,
        scope=recipient.scope,
        first=period.start,
        last=period.end,
        figures=figures,
        breaches=breaches,
        breach_count=breach_count,
        waiting=waiting,
        open_count=open_count,
        settings_url=base + reverse("staff_edit", args=[recipient.member.pk]),
        reports_url=base + reverse("reports"),
    )


def _url(number: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("works_order_detail", args=[number])


def _device(make: str, model_name: str) -> str:
    return f"{make} {model_name}".strip()


SHOWN = ("number", "status", "priority", "device__make", "device__model_name")


def _listed(row: dict, detail: str) -> Listed:
    return Listed(
        number=row["number"],
        url=_url(row["number"]),
        device=_device(row["device__make"], row["device__model_name"]),
        status=STATUS_LABELS.get(row["status"], row["status"]),
        priority=PRIORITY_LABELS.get(row["priority"], row["priority"]),
        detail=detail,
    )


def worst_breaches(
    shop: Shop,
    branches: list[Branch],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
) -> tuple[list[Listed], int]:
    """Jobs whose SLA breach was recorded in the week, the latest against their due time first
    (ready late by the most, or still not ready), and how many there were."""
    crossings = SlaCrossing.objects.for_shop(shop).filter(
        threshold=SlaThreshold.BREACHED, crossed_at__gte=start, crossed_at__lt=end
    )
    if branches:
        crossings = crossings.filter(branch__in=branches)
    rows = list(
        WorksOrder.objects.for_shop(shop)
        .filter(pk__in=crossings.values("works_order_id"))
        .values(*SHOWN, "sla_due_at", "ready_at")
    )

    def hours_late(row: dict) -> float:
        due = row["sla_due_at"]
        return ((row["ready_at"] or now) - due).total_seconds() / 3600 if due else 0.0

    rows.sort(key=lambda row: (-hours_late(row), row["number"]))
    listed = [
        _listed(
            row,
            f"{_duration(hours_late(row))} late" + ("" if row["ready_at"] else ", not ready yet"),
        )
        for row in rows[:LISTED]
    ]
    return listed, len(rows)


def waiting_longest(
    shop: Shop, branches: list[Branch], now: datetime.datetime
) -> tuple[list[Listed], int]:
    """Open jobs now, the longest since booked in first, and how many are open."""
    jobs = WorksOrder.objects.for_shop(shop).filter(status__in=OPEN_STATUSES)
    if branches:
        jobs = jobs.filter(branch__in=branches)
    rows = list(
        jobs.order_by("created_at", "id").values(*SHOWN, "created_at", "status_since")[:LISTED]
    )
    listed = []
    for row in rows:
        days = (now - row["created_at"]).total_seconds() / 86400
        in_status = (now - row["status_since"]).total_seconds() / 3600
        listed.append(
            _listed(row, f"booked in {days:.0f} days ago, {_duration(in_status)} in this status")
        )
    return listed, jobs.count() if len(rows) == LISTED else len(rows)
