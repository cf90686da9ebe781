"""Drop-off slots follow the branch's opening hours, closed dates, public holidays and time
zone, and the shop's notice and days ahead."""

import datetime
import zoneinfo

from django.utils import timezone

from booking.models import BookingSettings, BranchCapacity, SlotCount
from booking.slots import branch_days, slot_starts
from shops.models import ClosedDate, OpeningHours
from tickets.sla import BusinessCalendar

UTC = datetime.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def starts(calendar, now, **kwargs):
    options = {"minutes": 60, "notice_hours": 0, "days_ahead": 7} | kwargs
    return [start for _, start in slot_starts(calendar, now=now, **options)]


def test_slots_fill_the_opening_hours_and_skip_closed_days():
    # Mon 7 Dec 2026 and Wed 9 Dec open 09:00–12:00; a slot ends by closing time.
    calendar = BusinessCalendar(
        tz=LONDON,
        hours={
            0: (datetime.time(9), datetime.time(12)),
            2: (datetime.time(9), datetime.time(11, 30)),
        },
        closed=frozenset({datetime.date(2026, 12, 9)}),
    )
    now = datetime.datetime(2026, 12, 7, 6, tzinfo=UTC)
    found = starts(calendar, now, days_ahead=9)
    assert found == [
        datetime.datetime(2026, 12, 7, 9, tzinfo=UTC),
        datetime.datetime(2026, 12, 7, 10, tzinfo=UTC),
        datetime.datetime(2026, 12, 7, 11, tzinfo=UTC),
        # Wed 9th closed; Mon 14th open again; Wed 16th 09:00–11:30: 09:00 and 10:00 only
        datetime.datetime(2026, 12, 14, 9, tzinfo=UTC),
        datetime.datetime(2026, 12, 14, 10, tzinfo=UTC),
        datetime.datetime(2026, 12, 14, 11, tzinfo=UTC),
        datetime.datetime(2026, 12, 16, 9, tzinfo=UTC),
        datetime.datetime(2026, 12, 16, 10, tzinfo=UTC),
    ]


def test_public_holidays_are_closed_unless_the_branch_opens_on_them():
    # Fri 25 Dec 2026 is Christmas Day in England and Mon 28th the Boxing Day holiday; every
    # weekday is open 10:00–11:00.
    hours = {day: (datetime.time(10), datetime.time(11)) for day in range(5)}
    now = datetime.datetime(2026, 12, 24, 12, tzinfo=UTC)
    closed = BusinessCalendar(tz=LONDON, hours=hours, country="GB", region="ENG")
    assert starts(closed, now, days_ahead=5) == [datetime.datetime(2026, 12, 29, 10, tzinfo=UTC)]
    opened = BusinessCalendar(
        tz=LONDON,
        hours=hours,
        country="GB",
        region="ENG",
        opened=frozenset({datetime.date(2026, 12, 25)}),
    )
    assert starts(opened, now, days_ahead=5)[0] == datetime.datetime(2026, 12, 25, 10, tzinfo=UTC)


def test_slots_are_in_the_branchs_time_zone_across_a_clock_change():
    # New York opens 09:00 local: 14:00 UTC in winter, 13:00 UTC after the change on 8 Mar 2026.
    calendar = BusinessCalendar(
        tz=NEW_YORK, hours={day: (datetime.time(9), datetime.time(10)) for day in range(7)}
    )
    now = datetime.datetime(2026, 3, 7, 0, tzinfo=UTC)  # Fri 6 Mar 19:00 in New York
    assert starts(calendar, now, days_ahead=3) == [
        datetime.datetime(2026, 3, 7, 14, tzinfo=UTC),
        datetime.datetime(2026, 3, 8, 13, tzinfo=UTC),
        datetime.datetime(2026, 3, 9, 13, tzinfo=UTC),
    ]


def test_no_slot_sooner_than_the_notice_or_later_than_the_days_ahead():
    calendar = BusinessCalendar(
        tz=LONDON, hours={day: (datetime.time(9), datetime.time(12)) for day in range(7)}
    )
    now = datetime.datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    found = starts(calendar, now, notice_hours=2, days_ahead=1)
    assert found == [
        datetime.datetime(2026, 12, 7, 11, tzinfo=UTC),  # 09:00 and 10:00 are too soon
        datetime.datetime(2026, 12, 8, 9, tzinfo=UTC),
        datetime.datetime(2026, 12, 8, 10, tzinfo=UTC),
        datetime.datetime(2026, 12, 8, 11, tzinfo=UTC),
    ]


def test_a_branchs_days_show_places_left_from_its_closed_dates_and_counts(personas):
    shop, branch = personas.shop, personas.branch
    branch.timezone, branch.holidays_country = "America/New_York", ""
    branch.save()
    OpeningHours.objects.create(
        shop=shop, branch=branch, weekday=0, opens=datetime.time(9), closes=datetime.time(10)
    )
    OpeningHours.objects.create(
        shop=shop, branch=branch, weekday=1, opens=datetime.time(9), closes=datetime.time(10)
    )
    ClosedDate.objects.create(shop=shop, branch=branch, date=datetime.date(2026, 12, 8))
    settings = BookingSettings(
        shop=shop, enabled=True, slot_minutes=30, days_ahead=9, notice_hours=0
    )
    BranchCapacity.objects.create(shop=shop, branch=branch, per_slot=2)
    first = datetime.datetime(2026, 12, 7, 14, tzinfo=UTC)  # Mon 09:00 in New York
    SlotCount.objects.create(shop=shop, branch=branch, starts_at=first, booked=2)
    now = datetime.datetime(2026, 12, 7, 12, tzinfo=UTC)
    days = branch_days(branch, settings, per_slot=2, now=now)
    assert [day.date for day in days] == [
        datetime.date(2026, 12, 7),
        datetime.date(2026, 12, 14),
        datetime.date(2026, 12, 15),
    ]  # Tue 8th closed
    monday = days[0].slots
    assert [(s.local.strftime("%H:%M"), s.left) for s in monday] == [("09:00", 0), ("09:30", 2)]
    assert monday[0].full and monday[1].key == "2026-12-07T14:30Z"
    assert timezone.is_aware(monday[0].starts_at)
