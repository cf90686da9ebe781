"""Business-time arithmetic behind SLA promises: opening hours, nights, weekends, public
holidays, closed dates, time zones and clock changes."""

import datetime
import zoneinfo

import holidays
import pytest

from tickets import sla
from tickets.models import SlaUnit
from tickets.sla import BusinessCalendar, NoBusinessHours, duration_text, promise

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NINE, HALF_FIVE = datetime.time(9), datetime.time(17, 30)
WEEKDAYS = {day: (NINE, HALF_FIVE) for day in range(5)}
WITH_SATURDAY = {**WEEKDAYS, 5: (datetime.time(10), datetime.time(16))}
HOUR = 3600


def at(text: str, tz=LONDON) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=tz)


def shop_calendar(hours=WEEKDAYS, **kwargs) -> BusinessCalendar:
    return BusinessCalendar(
        tz=kwargs.pop("tz", LONDON), hours=hours, country="GB", region="ENG", **kwargs
    )


def test_overnight_four_business_hours_carry_into_the_next_morning():
    # Monday 16:30: one hour left today, three more from 9:00 on Tuesday.
    assert shop_calendar().add(at("2026-11-30 16:30"), 4 * HOUR) == at("2026-12-01 12:00")


def test_booked_after_closing_the_clock_starts_at_the_next_opening():
    assert shop_calendar().add(at("2026-11-30 19:00"), 4 * HOUR) == at("2026-12-01 13:00")


def test_a_weekend_counts_only_the_hours_the_branch_is_open():
    friday = at("2026-12-04 16:30")
    assert shop_calendar(WITH_SATURDAY).add(friday, 4 * HOUR) == at("2026-12-05 13:00")
    assert shop_calendar(WEEKDAYS).add(friday, 4 * HOUR) == at("2026-12-07 12:00")


def test_bank_holidays_of_the_branch_country_are_closed():
    # Good Friday 3 April and Easter Monday 6 April 2026 are bank holidays in England.
    thursday = at("2026-04-02 16:30")
    assert shop_calendar().add(thursday, 4 * HOUR) == at("2026-04-07 12:00")
    assert shop_calendar(WITH_SATURDAY).add(thursday, 4 * HOUR) == at("2026-04-04 13:00")


def test_the_region_decides_which_holidays_count():
    # 4 January 2027 is a holiday in Scotland only (2 January, observed).
    friday = at("2027-01-01 12:00")  # New Year's Day everywhere: closed
    england = shop_calendar()
    scotland = BusinessCalendar(tz=LONDON, hours=WEEKDAYS, country="GB", region="SCT")
    assert england.add(friday, 2 * HOUR) == at("2027-01-04 11:00")
    assert scotland.add(friday, 2 * HOUR) == at("2027-01-05 11:00")


@pytest.mark.parametrize(
    ("country", "region"), [("GB", "ENG"), ("GB", "SCT"), ("US", "CA"), ("DE", "BY"), ("JP", "")]
)
def test_the_holidays_kept_a_year_at_a_time_are_the_packages(country, region):
    # Kept for the process, a year each (days off in lieu across New Year included): every day
    # of six years is a holiday exactly when the package says so.
    package = holidays.country_holidays(country, subdiv=region or None)
    day = datetime.date(2025, 1, 1)
    while day.year < 2031:
        assert (day in sla.public_holidays_of(country, region, day.year)) == (day in package)
        day += datetime.timedelta(days=1)


def test_a_country_the_holidays_package_does_not_know_has_none():
    assert sla.public_holidays_of("XX", "", 2026) == frozenset()
    unknown = BusinessCalendar(tz=LONDON, hours=WEEKDAYS, country="XX")
    assert unknown.add(at("2026-12-24 16:30"), 4 * HOUR) == at("2026-12-25 12:00")


def test_holidays_switched_off_leave_the_branch_open_on_them():
    no_holidays = BusinessCalendar(tz=LONDON, hours=WEEKDAYS)
    assert no_holidays.add(at("2026-04-02 16:30"), 4 * HOUR) == at("2026-04-03 12:00")


def test_a_public_holiday_the_branch_opens_on_is_a_business_day():
    # Good Friday opened; Easter Monday still closed.
    opened = shop_calendar(opened=frozenset({datetime.date(2026, 4, 3)}))
    assert opened.add(at("2026-04-02 16:30"), 4 * HOUR) == at("2026-04-03 12:00")
    assert opened.add(at("2026-04-03 16:30"), 4 * HOUR) == at("2026-04-07 12:00")


def test_a_closed_date_the_shop_added_is_skipped():
    closed = shop_calendar(closed=frozenset({datetime.date(2026, 12, 1)}))
    assert closed.add(at("2026-11-30 16:30"), 4 * HOUR) == at("2026-12-02 12:00")


def test_the_branch_time_zone_sets_its_hours():
    # 9:00–17:30 in New York is 14:00–22:30 in London.
    calendar = shop_calendar(tz=NEW_YORK)
    start = at("2026-06-01 16:30", NEW_YORK)  # Monday
    assert calendar.add(start, 4 * HOUR) == at("2026-06-02 12:00", NEW_YORK)
    assert calendar.add(start, 4 * HOUR).astimezone(LONDON) == at("2026-06-02 17:00")


def test_an_hour_repeated_when_the_clocks_go_back_is_an_hour_of_business_time():
    # Open 00:00–12:00 on Sunday 25 October 2026, when 01:00–02:00 happens twice: 13 real hours.
    night_owls = BusinessCalendar(tz=LONDON, hours={6: (datetime.time(0), datetime.time(12))})
    sunday = at("2026-10-25 00:00")
    assert night_owls.seconds_between(sunday, at("2026-10-25 12:00")) == 13 * HOUR
    assert night_owls.add(sunday, 4 * HOUR) == at("2026-10-25 03:00")


def test_the_spring_clock_change_loses_an_hour_of_business_time():
    night_owls = BusinessCalendar(tz=LONDON, hours={6: (datetime.time(0), datetime.time(12))})
    assert night_owls.seconds_between(at("2026-03-29 00:00"), at("2026-03-29 12:00")) == 11 * HOUR


def test_business_time_between_skips_the_night_and_goes_negative_backwards():
    calendar = shop_calendar()
    friday, monday = at("2026-12-04 17:00"), at("2026-12-07 10:00")
    assert calendar.seconds_between(friday, monday) == 90 * 60
    assert calendar.seconds_between(monday, friday) == -90 * 60


def test_business_days_land_at_the_same_point_of_the_working_day():
    calendar = shop_calendar()
    assert calendar.add_days(at("2026-11-30 14:00"), 5) == at("2026-12-07 14:00")
    # Booked before opening: five whole days, due at Friday's close.
    assert calendar.add_days(at("2026-11-30 08:00"), 5) == at("2026-12-04 17:30")
    # Later in the day than a short Saturday closes: due at its close.
    assert shop_calendar(WITH_SATURDAY).add_days(at("2026-11-30 17:00"), 5) == at(
        "2026-12-05 16:00"
    )


def test_next_business_day_is_the_close_of_the_next_open_day():
    calendar = shop_calendar()
    assert calendar.end_of_day(at("2026-11-30 12:00")) == at("2026-12-01 17:30")
    assert calendar.end_of_day(at("2026-12-04 12:00")) == at("2026-12-07 17:30")  # Fri → Mon
    assert calendar.end_of_day(at("2026-04-02 12:00")) == at("2026-04-07 17:30")  # Easter


def test_the_risk_time_is_the_shops_share_of_the_business_time():
    vip = promise(
        calendar=shop_calendar(),
        unit=SlaUnit.BUSINESS_HOURS,
        amount=4,
        start=at("2026-11-30 16:30"),
        risk_percent=75,
    )
    assert (vip.due_at, vip.risk_at) == (at("2026-12-01 12:00"), at("2026-12-01 11:00"))
    assert vip.target == "4 business hours"


def test_a_per_job_target_without_a_due_time_makes_no_promise():
    warranty = promise(
        calendar=shop_calendar(),
        unit=SlaUnit.PER_JOB,
        amount=1,
        start=at("2026-11-30 10:00"),
        risk_percent=75,
    )
    assert (warranty.due_at, warranty.risk_at) == (None, None)


def test_a_branch_never_open_cannot_count_business_time():
    with pytest.raises(NoBusinessHours):
        BusinessCalendar(tz=LONDON, hours={}).add(at("2026-11-30 10:00"), HOUR)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (59, "0 min"),
        (20 * 60, "20 min"),
        (3 * HOUR, "3 h"),
        (3 * HOUR + 1200, "3 h 20 min"),
        (52 * HOUR, "2 d 4 h"),
        (-48 * HOUR, "2 d"),
    ],
)
def test_durations_read_as_people_say_them(seconds, text):
    assert duration_text(seconds) == text


def test_calendars_read_together_equal_each_read_alone(personas):
    from shops.models import ClosedDate

    day = datetime.date(2026, 12, 28)
    ClosedDate.objects.create(shop=personas.shop, branch=personas.branch, date=day)
    branches = [personas.branch, personas.other_branch]
    together = sla.calendars_for(personas.shop, branches)
    for branch in branches:
        alone = sla.calendar_for(branch)
        assert (together[branch.pk].hours, together[branch.pk].closed) == (
            alone.hours,
            alone.closed,
        )
    assert day in together[personas.branch.pk].closed
    assert day not in together[personas.other_branch.pk].closed
