"""The SLA engine: a promise from the job's priority, counted in its branch's business time.

Business time is when the branch is open: its weekly opening hours, less its closed dates and
the public holidays of its country and region (the `holidays` package; a branch with no
country counts none) other than those it says it opens on. Targets are per shop and priority
(`SlaTarget`, else `DEFAULT_SLA_TARGETS`):

- business hours: that many open hours after booking in (VIP: 4 hours);
- business days: the same point of the working day that many open days later, e.g. booked
  Monday 14:00, 5 days → next Monday 14:00; booked before opening, the close of the 5th day;
- next business day: by the close of the next open day (urgent);
- per job: the due time typed at intake (a manufacturer's warranty terms).

The job turns "at risk" when `Shop.sla_risk_percent` of its business time is used. Both times
are stored on the works order; the status is read from them in SQL (sla_status.py), and the
sweep (sla_sweep.py) records each threshold once, from the job's row in `SlaClock`, which
`sla_clock_save` writes after the works order is saved. The clock stops while the job waits for the
customer's approval (always) or for parts (when the shop says so), and for good once the job
is ready or cancelled; on resuming, both times move on by the business time paused. A new
priority or branch sets a new target from the booking-in time, keeping the pauses so far.

Targets are fixed when set: a change to opening hours later does not move promises already
made to customers (they were told a time; the timeline keeps it).

Arithmetic is done in UTC between opening windows built from the branch's local dates, so a
clock change inside opening hours, or overnight, never adds or loses an hour.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

import holidays as public_holidays
from django.db import connection
from django.utils import timezone

from shops.models import Branch, ClosedDate, OpeningHours, Shop
from tickets.models import (
    DEFAULT_SLA_TARGETS,
    Priority,
    SlaClock,
    SlaTarget,
    SlaUnit,
    Status,
    WorksOrder,
)

UTC = datetime.UTC
HORIZON_DAYS = 3 * 366  # how far ahead an open hour is looked for before giving up


class NoBusinessHours(Exception):
    """The branch has no open hour in the next three years: no target can be counted."""


# Each country's (and region's) public holidays, a year at a time, for every calendar the
# process counts with: the holidays package works a year out afresh for every new calendar
# (about 0.3 ms, a calendar a booking), and a year's holidays do not change.
_PUBLIC_HOLIDAYS: dict[tuple[str, str, int], frozenset[datetime.date]] = {}


def public_holidays_of(country: str, region: str, year: int) -> frozenset[datetime.date]:
    """The public holidays falling in `year` (a day off in lieu from the year before or after
    included), none for a code the package does not know."""
    key = (country, region, year)
    found = _PUBLIC_HOLIDAYS.get(key)
    if found is None:
        try:
            days = public_holidays.country_holidays(
                country, subdiv=region or None, years=[year - 1, year, year + 1]
            )
        except NotImplementedError:
            days = {}
        found = _PUBLIC_HOLIDAYS[key] = frozenset(day for day in days if day.year == year)
    return found


@dataclass(frozen=True)
class BusinessCalendar:
    tz: zoneinfo.ZoneInfo
    hours: dict[int, tuple[datetime.time, datetime.time]]  # weekday → (opens, closes)
    closed: frozenset[datetime.date] = frozenset()
    country: str = ""
    region: str = ""
    opened: frozenset[datetime.date] = frozenset()  # public holidays the branch opens on

    def is_open_on(self, day: datetime.date) -> bool:
        if day.weekday() not in self.hours or day in self.closed:
            return False
        if day in self.opened or not self.country:
            return True
        return day not in public_holidays_of(self.country, self.region, day.year)

    def _window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        opens, closes = self.hours[day.weekday()]
        return (
            datetime.datetime.combine(day, opens, tzinfo=self.tz).astimezone(UTC),
            datetime.datetime.combine(day, closes, tzinfo=self.tz).astimezone(UTC),
        )

    def windows(self, start: datetime.datetime) -> Iterator[tuple[datetime.datetime, ...]]:
        """The open stretches (UTC) from the local day of `start` on, each ending after it."""
        day = start.astimezone(self.tz).date()
        for offset in range(HORIZON_DAYS):
            current = day + datetime.timedelta(days=offset)
            if self.is_open_on(current):
                opens, closes = self._window(current)
                if closes > start:
                    yield max(opens, start), closes
        raise NoBusinessHours("No opening hours in the next three years.")

    def open_days(self, start: datetime.datetime) -> Iterator[datetime.date]:
        """The local dates the branch is open, from the day of `start` on."""
        day = start.astimezone(self.tz).date()
        for offset in range(HORIZON_DAYS):
            current = day + datetime.timedelta(days=offset)
            if self.is_open_on(current):
                yield current
        raise NoBusinessHours("No opening hours in the next three years.")

    def add(self, start: datetime.datetime, seconds: float) -> datetime.datetime:
        """The moment `seconds` of business time after `start` (the next opening if 0)."""
        left = max(seconds, 0)
        for opens, closes in self.windows(start):
            room = (closes - opens).total_seconds()
            if left <= room:
                return opens + datetime.timedelta(seconds=left)
            left -= room
        raise AssertionError("unreachable")  # windows() ends by raising

    def seconds_between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Business seconds from `start` to `end`; negative when `end` comes first."""
        if end < start:
            return -self.seconds_between(end, start)
        total = 0.0
        for opens, closes in self.windows(start):
            if opens >= end:
                break
            total += (min(closes, end) - opens).total_seconds()
        return round(total)

    def add_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        """The same point of the working day `days` open days on (see the module's notes)."""
        begins = self.add(start, 0)
        local = begins.astimezone(self.tz)
        first_opens, _ = self._window(local.date())
        days_on = self.open_days(begins)
        if begins == first_opens:  # a whole first day: due at the close of the last one
            for _ in range(days):
                day = next(days_on)
            return self._window(day)[1]
        next(days_on)  # the day it was booked in
        for _ in range(days):
            day = next(days_on)
        opens, closes = self._window(day)
        same_time = datetime.datetime.combine(day, local.time(), tzinfo=self.tz).astimezone(UTC)
        return min(max(same_time, opens), closes)

    def end_of_day(self, start: datetime.datetime, days: int = 1) -> datetime.datetime:
        """The close of the `days`-th open day after the local day of `start`."""
        days_on = self.open_days(start + datetime.timedelta(days=1))
        for _ in range(days):
            day = next(days_on)
        return self._window(day)[1]


def calendar_for(branch: Branch) -> BusinessCalendar:
    """The branch's business calendar: two queries (opening hours, the days that differ)."""
    hours = [(row.weekday, row.opens, row.closes) for row in branch.opening_hours.all()]
    days = branch.closed_dates.values_list("date", "open_on_holiday")
    return _calendar(branch, hours, days)


def calendars_for(shop: Shop, branches: list[Branch]) -> dict[int, BusinessCalendar]:
    """Several branches' calendars by branch id, in the same two queries as one."""
    ids = [branch.pk for branch in branches]
    hours: dict[int, list] = {pk: [] for pk in ids}
    for row in OpeningHours.objects.for_shop(shop).filter(branch_id__in=ids):
        hours[row.branch_id].append((row.weekday, row.opens, row.closes))
    days: dict[int, list] = {pk: [] for pk in ids}
    closed_dates = ClosedDate.objects.for_shop(shop).filter(branch_id__in=ids)
    for branch_id, day, is_open in closed_dates.values_list("branch_id", "date", "open_on_holiday"):
        days[branch_id].append((day, is_open))
    return {branch.pk: _calendar(branch, hours[branch.pk], days[branch.pk]) for branch in branches}


def _calendar(branch: Branch, hours: list, days) -> BusinessCalendar:
    """From (weekday, opens, closes) rows and (date, open on a holiday) rows."""
    closed, opened = set(), set()
    for day, is_open in days:
        (opened if is_open else closed).add(day)
    return BusinessCalendar(
        tz=branch.tz,
        hours={weekday: (opens, closes) for weekday, opens, closes in hours},
        closed=frozenset(closed),
        country=branch.holidays_country,
        region=branch.holidays_region,
        opened=frozenset(opened),
    )


def targets_for(shop: Shop) -> dict[str, tuple[str, int]]:
    """Each priority's (unit, amount): the shop's own, else the defaults."""
    return _targets(
        (row.priority, row.unit, row.amount) for row in SlaTarget.objects.for_shop(shop)
    )


def _targets(rows) -> dict[str, tuple[str, int]]:
    targets = {Priority(p).value: target for p, target in DEFAULT_SLA_TARGETS.items()}
    for priority, unit, amount in rows:
        targets[priority] = (unit, amount)
    return targets


# The shop's targets and the branch's hours and closed dates in one statement: booking in and
# retargeting need all three, and each round trip (with Django building its query) costs more
# than PostgreSQL takes to answer all of them.
_TARGETS_AND_CALENDAR_SQL = f"""
SELECT 't', priority, unit, amount, NULL::time, NULL::time, NULL::date, NULL::boolean
  FROM {SlaTarget._meta.db_table} WHERE shop_id = %(shop)s
UNION ALL
SELECT 'h', NULL, NULL, weekday, opens, closes, NULL, NULL
  FROM {OpeningHours._meta.db_table} WHERE shop_id = %(shop)s AND branch_id = %(branch)s
UNION ALL
SELECT 'd', NULL, NULL, NULL, NULL, NULL, date, open_on_holiday
  FROM {ClosedDate._meta.db_table} WHERE shop_id = %(shop)s AND branch_id = %(branch)s
"""


def targets_and_calendar(branch: Branch) -> tuple[dict[str, tuple[str, int]], BusinessCalendar]:
    """targets_for(branch.shop) and calendar_for(branch), read in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_TARGETS_AND_CALENDAR_SQL, {"shop": branch.shop_id, "branch": branch.pk})
        rows = cursor.fetchall()
    targets = _targets(row[1:4] for row in rows if row[0] == "t")
    hours = [(row[3], row[4], row[5]) for row in rows if row[0] == "h"]
    days = [(row[6], row[7]) for row in rows if row[0] == "d"]
    return targets, _calendar(branch, hours, days)


def target_text(unit: str, amount: int) -> str:
    if unit == SlaUnit.BUSINESS_HOURS:
        return f"{amount} business hour{'s' if amount != 1 else ''}"
    if unit == SlaUnit.BUSINESS_DAYS:
        return f"{amount} business day{'s' if amount != 1 else ''}"
    if unit == SlaUnit.NEXT_BUSINESS_DAY:
        return "next business day" if amount == 1 else f"by the end of business day {amount}"
    return "a due time set on each job"


@dataclass(frozen=True)
class Promise:
    due_at: datetime.datetime | None
    risk_at: datetime.datetime | None
    target: str  # "5 business days"


def promise(
    *,
    calendar: BusinessCalendar,
    unit: str,
    amount: int,
    start: datetime.datetime,
    risk_percent: int,
    due: datetime.datetime | None = None,
) -> Promise:
    """The due and at-risk times of a target counted from `start`."""
    target = target_text(unit, amount)
    if unit == SlaUnit.PER_JOB:
        if due is None:
            return Promise(None, None, target)
    elif unit == SlaUnit.BUSINESS_HOURS:
        due = calendar.add(start, amount * 3600)
    elif unit == SlaUnit.BUSINESS_DAYS:
        due = calendar.add_days(start, amount)
    else:
        due = calendar.end_of_day(start, amount)
    total = calendar.seconds_between(start, due)
    risk = calendar.add(start, total * risk_percent / 100) if total > 0 else due
    return Promise(due, min(risk, due), target)


def times_for(
    branch: Branch,
    priority: str,
    start: datetime.datetime,
    *,
    due: datetime.datetime | None = None,
    calendar: BusinessCalendar | None = None,
    targets: dict[str, tuple[str, int]] | None = None,
) -> Promise:
    """The promise for a job of this priority booked in at this branch at `start`. A branch with
    no opening hours has no business time: no promise (the SLA settings page says why)."""
    if calendar is None and targets is None:
        targets, calendar = targets_and_calendar(branch)
    if targets is None:
        targets = targets_for(branch.shop)
    if calendar is None:
        calendar = calendar_for(branch)
    unit, amount = targets[priority]
    try:
        return promise(
            calendar=calendar,
            unit=unit,
            amount=amount,
            start=start,
            risk_percent=branch.shop.sla_risk_percent,
            due=due,
        )
    except NoBusinessHours:
        return Promise(None, None, target_text(unit, amount))


def business_seconds_left(
    works_order: WorksOrder,
    now: datetime.datetime | None = None,
    calendar: BusinessCalendar | None = None,
) -> int | None:
    """Business time until the job's due time (negative when overdue), judged when its clock
    stopped if it is stopped; None without a due time."""
    if works_order.sla_due_at is None:
        return None
    at = works_order.sla_paused_at or now or timezone.now()
    try:
        calendar = calendar or calendar_for(works_order.branch)
        return calendar.seconds_between(at, works_order.sla_due_at)
    except NoBusinessHours:
        return None


def duration_text(seconds: int) -> str:
    """Business time for people: "3 h 20 min", "2 d 4 h" (a day being 24 hours of it)."""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


# Applying it to works orders --------------------------------------------------------------


# What the engine tells `sla_clock_save` about the next threshold for the sweep, kept on the
# works order between the engine's call and the save: a time, None (nothing left to record), or
# KEEP_PASSED (the clock stopped: a threshold already passed and not yet swept stays, so the
# sweep still records it; one still ahead goes).
KEEP_PASSED = "keep passed"
_NEXT = "_sla_next"


def _set_next(works_order: WorksOrder, next_at: datetime.datetime | str | None) -> None:
    setattr(works_order, _NEXT, next_at)


def _set_promise(works_order: WorksOrder, kept: Promise, now: datetime.datetime) -> None:
    works_order.sla_due_at, works_order.sla_risk_at = kept.due_at, kept.risk_at
    if kept.due_at is None:
        _set_next(works_order, None)
    elif works_order.sla_paused_at is None:
        _set_next(works_order, kept.risk_at)  # the sweep records what has already passed
    else:
        _set_next(works_order, KEEP_PASSED)


def sla_start(works_order: WorksOrder, now: datetime.datetime | None = None) -> Promise:
    """At booking in (before the first save): the promise from the priority. A warranty job's
    due time is the promised completion typed at the counter."""
    now = now or works_order.created_at
    due = works_order.estimated_completion if works_order.priority == Priority.WARRANTY else None
    start = works_order.sla_from or now
    kept = times_for(works_order.branch, works_order.priority, start, due=due)
    works_order.sla_paused_at, works_order.sla_paused_seconds = None, 0
    _set_promise(works_order, kept, now)
    if getattr(works_order, _NEXT) is None:
        delattr(works_order, _NEXT)  # no promise: a new job has no row in the queue to remove
    return kept


def sla_retarget(works_order: WorksOrder, now: datetime.datetime | None = None) -> str:
    """After a change of priority or branch (or a warranty due time): the new promise, counted
    from booking in (or `sla_from`), plus the business time paused so far. Returns the change
    for the timeline ("" when the due time stays)."""
    now = now or timezone.now()
    before = works_order.sla_due_at
    targets, calendar = targets_and_calendar(works_order.branch)
    due = works_order.estimated_completion if works_order.priority == Priority.WARRANTY else None
    start = works_order.sla_from or works_order.created_at
    kept = times_for(
        works_order.branch, works_order.priority, start, due=due, calendar=calendar, targets=targets
    )
    if kept.due_at is not None and works_order.sla_paused_seconds and due is None:
        shift = works_order.sla_paused_seconds
        kept = Promise(
            calendar.add(kept.due_at, shift), calendar.add(kept.risk_at, shift), kept.target
        )
    _set_promise(works_order, kept, now)
    if kept.due_at == before:
        return ""
    tz = works_order.branch.tz
    return f"SLA due: {when_text(before, tz)} → {when_text(kept.due_at, tz)} ({kept.target})"


def _clock_stops(works_order: WorksOrder, target: str) -> bool:
    if target in (Status.READY, Status.COLLECTED, Status.CANCELLED, Status.AWAITING_APPROVAL):
        return True
    return target == Status.AWAITING_PARTS and not works_order.shop.sla_parts_clock


def sla_step(works_order: WorksOrder, target: str, now: datetime.datetime | None = None) -> None:
    """A lifecycle step moved the job to `target` (before it is saved): stop or restart the
    clock. Restarting moves both times on by the business time the clock was stopped."""
    if works_order.sla_due_at is None:
        return
    now = now or timezone.now()
    stops = _clock_stops(works_order, target)
    if target in (Status.COLLECTED, Status.CANCELLED):
        _set_next(works_order, None)  # closed: nothing more is recorded
    elif stops and works_order.sla_paused_at is None:
        works_order.sla_paused_at = now
        _set_next(works_order, KEEP_PASSED)
    elif not stops and works_order.sla_paused_at is not None:
        calendar = calendar_for(works_order.branch)
        try:
            paused = max(calendar.seconds_between(works_order.sla_paused_at, now), 0)
            works_order.sla_due_at = calendar.add(works_order.sla_due_at, paused)
            works_order.sla_risk_at = calendar.add(works_order.sla_risk_at, paused)
        except NoBusinessHours:  # the branch's hours were all taken away meanwhile
            paused = 0  # no business time passed: the promise stays where it was
        works_order.sla_paused_seconds += paused
        works_order.sla_paused_at = None
        # Thresholds passed before the pause were recorded against the old due time: only those
        # still ahead are left to record.
        _set_next(
            works_order,
            next(
                (at for at in (works_order.sla_risk_at, works_order.sla_due_at) if at > now), None
            ),
        )


SLA_FIELDS = ["sla_due_at", "sla_risk_at", "sla_paused_at", "sla_paused_seconds"]


def sla_clock_save(works_order: WorksOrder) -> None:
    """After the works order is saved: bring its row in the sweep's queue (SlaClock) in line
    with what the engine just set. Nothing to do when the engine did not change the clock."""
    if not hasattr(works_order, _NEXT):
        return
    next_at = works_order.__dict__.pop(_NEXT)
    rows = SlaClock.objects.for_shop(works_order.shop_id).filter(works_order=works_order)
    if next_at is None:
        rows.delete()
        return
    times = {
        "branch_id": works_order.branch_id,
        "due_at": works_order.sla_due_at,
        "risk_at": works_order.sla_risk_at,
        "paused_at": works_order.sla_paused_at,
    }
    if next_at == KEEP_PASSED:
        rows.filter(next_at__gt=works_order.sla_paused_at).delete()
        rows.update(**times)
        return
    SlaClock.objects.bulk_create(
        [SlaClock(works_order=works_order, shop_id=works_order.shop_id, next_at=next_at, **times)],
        update_conflicts=True,
        unique_fields=["works_order"],
        update_fields=[*times, "next_at"],
    )


def when_text(at: datetime.datetime | None, tz: zoneinfo.ZoneInfo, now=None) -> str:
    """ "Thursday 4 pm", "today 4:30 pm", "Fri 12 Dec 9 am" — as the counter says it."""
    if at is None:
        return "not set"
    local = at.astimezone(tz)
    today = (now or timezone.now()).astimezone(tz).date()
    clock = local.strftime("%-I:%M %p" if local.minute else "%-I %p").lower()
    days = (local.date() - today).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if 1 < days < 7:
        return f"{local:%A} {clock}"
    return f"{local:%a %-d %b} {clock}"
