"""A shop taking bookings online: Birmingham open every day 09:00–18:00 (so a slot is always
free within the days ahead), two places per half-hour slot, and one priced repair."""

import datetime
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.forms import form_stamp
from booking.models import BookingSettings, BranchCapacity
from booking.slots import branch_days
from shops.models import OpeningHours
from tests.factories import DeviceModelFactory, PriceOptionFactory, RepairTypeFactory


@pytest.fixture
def bookable(personas):
    return shop_taking_bookings(personas)


def shop_taking_bookings(personas):
    shop, branch = personas.shop, personas.branch
    for weekday in range(7):
        OpeningHours.objects.create(
            shop=shop,
            branch=branch,
            weekday=weekday,
            opens=datetime.time(9),
            closes=datetime.time(18),
        )
    branch.holidays_country = ""  # open on public holidays too: these tests are about places
    branch.save(update_fields=["holidays_country"])
    BookingSettings.objects.create(shop=shop, enabled=True, notice_hours=0, days_ahead=7)
    BranchCapacity.objects.create(shop=shop, branch=branch, per_slot=2)
    model = DeviceModelFactory(shop=shop, make="Apple", name="iPhone 13")
    screen = RepairTypeFactory(shop=shop, name="Screen replacement")
    option = PriceOptionFactory(
        shop=shop, entry__device_model=model, entry__repair_type=screen, price=Decimal("149.99")
    )
    return option


def free_slots(personas, count: int = 1) -> list[str]:
    """The keys of the next free slots at Birmingham, as the page offers them."""
    settings = BookingSettings.objects.for_shop(personas.shop).get()
    places = BranchCapacity.objects.for_shop(personas.shop).get(branch=personas.branch).per_slot
    days = branch_days(personas.branch, settings, per_slot=places, now=timezone.now())
    return [slot.key for day in days for slot in day.slots if not slot.full][:count]


def booking_post(personas, priced, **overrides) -> dict:
    data = {
        "device_model": priced.entry.device_model_id,
        "option": priced.pk,
        "branch": personas.branch.pk,
        "slot": free_slots(personas)[0],
        "full_name": "Dee Customer",
        "phone": "07911 123456",
        "email": "Dee@Example.org",
        "note": "Cracked after a drop",
        "website": "",
        "stamp": form_stamp(personas.shop, now=time.time() - 30),
        "book": "1",
    }
    return data | overrides
