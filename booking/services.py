"""Writes of online booking: the shop's settings, a branch's places, and a customer's booking.

A booking is one transaction: a place in the slot is taken by one statement (INSERT … ON
CONFLICT DO UPDATE … WHERE booked < places), whose row lock makes a second customer racing
for the same last place wait, then find it taken; then the customer (found by phone or email,
else new), a device of the chosen model, and the works order in intake, marked booked online
with the drop-off time, its quote from the pricebook option, and the customer's confirmation
through the outbox (tickets' customer_news → notifications). Anything refused leaves nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from booking.models import BookingSettings, BranchCapacity, SlotCount
from customers.models import ContactMethod, Customer
from customers.services import customer_create
from devices.models import DeviceModel
from devices.services import device_for_intake
from pricebook.models import PriceOption
from pricebook.selectors import quote_option
from shops.models import Branch, Membership, Shop
from tickets.models import Priority, WorksOrder
from tickets.services import works_order_book_in


class SlotFull(ValidationError):
    """Every place in the chosen slot is taken."""


def settings_for(shop: Shop | int) -> BookingSettings:
    """The shop's booking settings as stored, or the defaults (off) when never saved."""
    shop_id = getattr(shop, "pk", shop)
    found = BookingSettings.objects.for_shop(shop_id).first()
    return found or BookingSettings(shop_id=shop_id)


def capacities(shop: Shop | int) -> dict[int, int]:
    """Places per slot by branch id (branches never set: 0)."""
    rows = BranchCapacity.objects.for_shop(getattr(shop, "pk", shop))
    return dict(rows.values_list("branch_id", "per_slot"))


@transaction.atomic
def booking_settings_save(
    *,
    shop: Shop,
    enabled: bool,
    slot_minutes: int,
    days_ahead: int,
    notice_hours: int,
    embed_origins: list[str],
    per_slot: dict[int, int],
    by: Membership,
) -> BookingSettings:
    """The shop's booking page settings and each branch's places per slot, saved together."""
    settings = settings_for(shop)
    settings.enabled = enabled
    settings.slot_minutes = slot_minutes
    settings.days_ahead = days_ahead
    settings.notice_hours = notice_hours
    settings.embed_origins = embed_origins
    settings.updated_at = timezone.now()
    settings.save()
    branches = set(Branch.objects.for_shop(shop).values_list("pk", flat=True))
    if not set(per_slot) <= branches:
        raise ValidationError("Set places for this shop's branches only.")
    for branch_id, places in per_slot.items():
        BranchCapacity.objects.update_or_create(
            shop=shop, branch_id=branch_id, defaults={"per_slot": places}
        )
    return settings


CLAIM = f"""
INSERT INTO {SlotCount._meta.db_table} AS slot (shop_id, branch_id, starts_at, booked)
VALUES (%(shop)s, %(branch)s, %(starts_at)s, 1)
ON CONFLICT (shop_id, branch_id, starts_at)
DO UPDATE SET booked = slot.booked + 1 WHERE slot.booked < %(places)s
RETURNING booked
"""

RELEASE = f"""
UPDATE {SlotCount._meta.db_table} SET booked = booked - 1
 WHERE shop_id = %(shop)s AND branch_id = %(branch)s AND starts_at = %(starts_at)s
   AND booked > 0
"""


def slot_claim(*, branch: Branch, starts_at: datetime.datetime, places: int) -> int:
    """Take one place in the slot; SlotFull when none is left. Returns places now taken."""
    if places < 1:
        raise SlotFull("This branch takes no online bookings.")
    params = {"shop": branch.shop_id, "branch": branch.pk, "starts_at": starts_at}
    with connection.cursor() as cursor:
        cursor.execute(CLAIM, {**params, "places": places})
        row = cursor.fetchone()
    if row is None or row[0] > places:
        raise SlotFull(
            "Sorry, that time has just been taken by someone else. Please choose another."
        )
    return row[0]


def slot_release(*, works_order: WorksOrder) -> None:
    """Give back the place a booked job held (it was cancelled before it came in)."""
    with connection.cursor() as cursor:
        cursor.execute(
            RELEASE,
            {
                "shop": works_order.shop_id,
                "branch": works_order.branch_id,
                "starts_at": works_order.drop_off_at,
            },
        )


@dataclass(frozen=True)
class BookingData:
    option_id: int
    branch: Branch
    starts_at: datetime.datetime
    full_name: str
    phone: str  # E.164
    email: str = ""
    note: str = ""


def _customer(shop: Shop, data: BookingData) -> Customer:
    """The shop's customer with this phone (else this email), or a new one. Their details on
    file are not changed by what a visitor typed; the timeline keeps what was typed."""
    customers = Customer.objects.for_shop(shop)
    found = customers.filter(phone=data.phone).first()
    if found is None and data.email:
        found = customers.filter(email=data.email).first()
    if found is not None:
        return found
    return customer_create(
        shop=shop,
        full_name=data.full_name,
        phone=data.phone,
        email=data.email,
        preferred_contact=ContactMethod.SMS,
    )


@transaction.atomic
def booking_create(*, shop: Shop, data: BookingData, places: int) -> WorksOrder:
    """Book the customer's device in for drop-off (see the module's notes)."""
    if data.branch.shop_id != shop.pk:
        raise ValidationError("Choose this shop's branch.")
    try:
        quoted = quote_option(shop, data.option_id)
    except PriceOption.DoesNotExist:
        raise ValidationError("Choose one of this shop's repairs.") from None
    slot_claim(branch=data.branch, starts_at=data.starts_at, places=places)
    customer = _customer(shop, data)
    model = DeviceModel.objects.for_shop(shop).get(pk=quoted.device_model_id)
    device = device_for_intake(shop=shop, customer=customer, device_model=model)
    fault = f"{quoted.repair_type} (booked online)"
    if data.note:
        fault += f": {data.note}"
    local = timezone.localtime(data.starts_at, data.branch.tz)
    typed = f"{data.full_name}, {data.phone}" + (f", {data.email}" if data.email else "")
    branch = data.branch
    branch.shop = shop
    works_order = works_order_book_in(
        branch=branch,
        customer=customer,
        device=device,
        by=None,
        details={
            "fault_reported": fault,
            "priority": Priority.STANDARD,
            "drop_off_at": data.starts_at,
            "sla_from": data.starts_at,  # the SLA counts from when the device comes in
            "repair_type_id": quoted.repair_type_id,
            "estimated_minutes": quoted.labour_minutes or None,
        },
        lines=list(quoted.lines),
        news="booked_online",
        booked_text=(
            f"Booked online by {typed} for drop-off {local:%a %-d %b %Y %H:%M}: "
            f"{quoted.repair_type}, {quoted.grade_label}"
        ),
        booked_data={"option": quoted.option_id},  # the counter's intake quotes it again
    )
    return works_order
