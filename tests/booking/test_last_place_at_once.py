"""Two customers booking the last place of a slot at the same moment: one gets it, the other
is told it has just been taken. Committed transactions, one connection per thread, as two
phones posting the form would have."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

import tenancy
from booking.models import BranchCapacity, SlotCount
from booking.services import BookingData, SlotFull, booking_create
from tests.booking.conftest import free_slots
from tickets.models import WorksOrder

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_customers_racing_for_the_last_place_one_gets_it(personas, bookable):
    BranchCapacity.objects.for_shop(personas.shop).update(per_slot=1)
    key = free_slots(personas)[0]
    starts_at = datetime.datetime.strptime(key, "%Y-%m-%dT%H:%MZ").replace(tzinfo=datetime.UTC)
    start = threading.Barrier(2)

    def customer(phone: str):
        try:
            start.wait(timeout=30)
            with tenancy.for_shop(personas.shop):  # as the public page sets it from the slug
                return booking_create(
                    shop=personas.shop,
                    data=BookingData(
                        option_id=bookable.pk,
                        branch=personas.branch,
                        starts_at=starts_at,
                        full_name=f"Customer {phone}",
                        phone=phone,
                    ),
                    places=1,
                )
        except SlotFull as full:
            return full
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(customer, ["+447911123456", "+447911123457"]))

    booked = [r for r in results if isinstance(r, WorksOrder)]
    refused = [r for r in results if isinstance(r, SlotFull)]
    assert len(booked) == 1 and len(refused) == 1
    assert "just been taken" in refused[0].messages[0]
    assert WorksOrder.objects.for_shop(personas.shop).count() == 1
    assert SlotCount.objects.for_shop(personas.shop).get().booked == 1
