"""Writes to devices. Same IMEI in the same shop is the same device, visit after visit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import Customer
from devices.imei import normalise_imei, tac_of
from devices.models import Category, Device, DeviceModel
from devices.selectors import (
    device_by_imei,
    device_by_serial,
    device_model_for_imei,
    normalise_serial,
)
from shops.models import Shop


# savepoint=False: inside the intake's transaction these steps need no savepoints of their own
# (a failure fails the whole booking); alone, each is still one transaction.
@transaction.atomic(savepoint=False)
def device_for_intake(
    *,
    shop: Shop,
    customer: Customer,
    imei: str = "",
    serial: str = "",
    category: str = "",
    make: str = "",
    model_name: str = "",
    colour: str = "",
    storage: str = "",
    device_model: DeviceModel | None = None,
    tac_checked: bool = False,
) -> Device:
    """The device being booked in: the one on file when its IMEI (or serial) is known here,
    now belonging to `customer` with its history kept; otherwise a new device.

    The IMEI may be typed or scanned with spaces and dashes; a wrong one raises a
    ValidationError keyed "imei". Make and model come from `device_model` or, failing that,
    the catalogue entry for the IMEI's TAC, where not typed. `tac_checked`: the caller has
    looked that entry up already (DeviceForm does) and passes what it found as device_model.
    """
    try:
        imei = normalise_imei(imei)
    except ValidationError as problem:
        raise ValidationError({"imei": problem.messages}) from problem
    serial = normalise_serial(serial)
    if customer.shop_id != shop.pk:
        raise ValueError("device_for_intake: the customer belongs to another shop")
    if device_model is not None and device_model.shop_id != shop.pk:
        raise ValidationError({"device_model": "That model is not in this shop's catalogue."})
    if device_model is None and imei and not tac_checked:
        device_model = device_model_for_imei(shop, imei)
    if device_model is not None:
        category = category or device_model.category
        make = make or device_model.make
        model_name = model_name or device_model.name
    typed = {
        "category": category or "",
        "make": (make or "").strip(),
        "model_name": (model_name or "").strip(),
        "colour": (colour or "").strip(),
        "storage": (storage or "").strip(),
        "device_model": device_model,
        "imei": imei,
        "serial": serial,
    }

    device = _on_file(shop, imei=imei, serial=serial)
    if device is None:
        missing = {
            name: "Required unless a catalogue model is chosen."
            for name in ("make", "model_name")
            if not typed[name]
        }
        if missing:
            raise ValidationError(missing)
        device = Device(
            shop=shop, customer=customer, **{**typed, "category": category or Category.OTHER}
        )
        try:
            with transaction.atomic():
                device.save()
        except IntegrityError:
            # The same IMEI booked in at the other counter a moment ago: it is that device.
            device = _on_file(shop, imei=imei, serial="")
            if device is None:
                raise
        else:
            return _remember_tac(device, imei)  # new, with everything typed: nothing to fill
    device.customer = customer  # a device brought in by someone new is theirs now
    _fill_blanks(device, typed)
    device.save()
    return _remember_tac(device, imei)


def _remember_tac(device: Device, imei: str) -> Device:
    if device.device_model is not None and imei:
        catalogue_learn_tac(device_model=device.device_model, imei=imei)
    return device


def _on_file(shop: Shop, *, imei: str, serial: str) -> Device | None:
    if imei:
        device = device_by_imei(shop, imei)
        if device is not None:
            return device
    if serial:
        device = device_by_serial(shop, serial)
        # A serial match with a different IMEI is a different device (serials can repeat
        # across makes); one without an IMEI on file is this one.
        if device is not None and (not imei or not device.imei):
            return device
    return None


def _fill_blanks(device: Device, typed: dict) -> None:
    """What the counter typed fills gaps on file; it never overwrites what is recorded."""
    for name, value in typed.items():
        if value and not getattr(device, name):
            setattr(device, name, value)
    if device.category not in Category.values:
        device.category = Category.OTHER


@transaction.atomic(savepoint=False)
def catalogue_learn_tac(*, device_model: DeviceModel, imei: str) -> bool:
    """Remember the TAC of a device booked in as `device_model`, so its next scan fills in
    make and model. Never when another model of the shop already claims that TAC."""
    tac = tac_of(imei)
    if tac in device_model.tacs:
        return False
    models = DeviceModel.objects.for_shop(device_model.shop_id)
    device_model = models.select_for_update().get(pk=device_model.pk)
    if tac in device_model.tacs:
        return False
    claimed = DeviceModel.objects.for_shop_in_gin(device_model.shop_id).filter(tacs__contains=[tac])
    if claimed.exclude(pk=device_model.pk).exists():
        return False
    device_model.tacs = [*device_model.tacs, tac]
    device_model.save(update_fields=["tacs"])
    return True
