"""Drop-off slots: cut from the branch's opening hours (the SLA's business calendar: weekly
hours, closed dates, public holidays, holidays it opens on), in the branch's time zone.

A slot starts on the hour's grid from opening time and ends by closing time; none starts
sooner than the shop's notice from now, or later than its days ahead. A slot is full when its
SlotCount has reached the branch's places per slot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from booking.models import BookingSettings, SlotCount
from shops.models import Branch
from tickets.sla import BusinessCalendar, calendar_for

UTC = datetime.UTC


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime  # UTC
    local: datetime.datetime  # in the branch's time zone
    left: int

    @property
    def key(self) -> str:
        """How the form names it: the UTC start, to the minute."""
        return self.starts_at.strftime("%Y-%m-%dT%H:%MZ")

    @property
    def full(self) -> bool:
        return self.left <= 0


@dataclass(frozen=True)
class Day:
    date: datetime.date
    slots: list[Slot]

    @property
    def any_free(self) -> bool:
        return any(not slot.full for slot in self.slots)


def slot_starts(
    calendar: BusinessCalendar,
    *,
    minutes: int,
    now: datetime.datetime,
    notice_hours: int,
    days_ahead: int,
) -> list[tuple[datetime.date, datetime.datetime]]:
    """(local date, UTC start) of every slot from now + notice to `days_ahead` days on."""
    earliest = now + datetime.timedelta(hours=notice_hours)
    today = now.astimezone(calendar.tz).date()
    step = datetime.timedelta(minutes=minutes)
    starts = []
    for offset in range(days_ahead + 1):
        day = today + datetime.timedelta(days=offset)
        if not calendar.is_open_on(day):
            continue
        opens, closes = calendar.hours[day.weekday()]
        # Wall-clock times on the grid, each made aware on its own: a clock change that day
        # moves the grid with the opening hours, as the shop's own clock does.
        at = datetime.datetime.combine(day, opens)
        end = datetime.datetime.combine(day, closes)
        while at + step <= end:
            start = at.replace(tzinfo=calendar.tz).astimezone(UTC)
            if start >= earliest:
                starts.append((day, start))
            at += step
    return starts


def branch_days(
    branch: Branch,
    settings: BookingSettings,
    *,
    per_slot: int,
    now: datetime.datetime,
) -> list[Day]:
    """The branch's open days ahead, each with its slots and the places left in each (two
    queries for the calendar, one for the counts)."""
    calendar = calendar_for(branch)
    starts = slot_starts(
        calendar,
        minutes=settings.slot_minutes,
        now=now,
        notice_hours=settings.notice_hours,
        days_ahead=settings.days_ahead,
    )
    if not starts:
        return []
    taken = dict(
        SlotCount.objects.for_shop(branch.shop_id)
        .filter(branch=branch, starts_at__gte=starts[0][1], starts_at__lte=starts[-1][1])
        .values_list("starts_at", "booked")
    )
    days: dict[datetime.date, list[Slot]] = {}
    for day, start in starts:
        left = per_slot - taken.get(start, 0)
        days.setdefault(day, []).append(Slot(start, start.astimezone(calendar.tz), left))
    return [Day(day, slots) for day, slots in days.items()]


def find_slot(days: list[Day], key: str) -> Slot | None:
    return next((slot for day in days for slot in day.slots if slot.key == key), None)
