"""Reads of devices and the catalogue: IMEI and serial look-ups, a device's history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from devices.imei import normalise_imei, tac_of
from devices.models import Device, DeviceModel
from shops.models import Shop
from tickets.models import QuoteLine, WorksOrder
from tickets.warranty import warranty_returns


def normalise_serial(raw: str) -> str:
    """Serial numbers are read off a label: no spaces, capitals (as manufacturers print them)."""
    return "".join((raw or "").split()).upper()


def _valid_imei(raw: str) -> str:
    try:
        return normalise_imei(raw)
    except ValidationError:
        return ""


def device_model_for_imei(shop: Shop, imei: str) -> DeviceModel | None:
    """The catalogue model whose TAC (the IMEI's first 8 digits) the shop knows, if any."""
    imei = _valid_imei(imei)
    if not imei:
        return None
    return (
        DeviceModel.objects.for_shop_in_gin(shop)
        .filter(tacs__contains=[tac_of(imei)])
        .order_by("make", "name")
        .first()
    )


def device_by_imei(shop: Shop, imei: str) -> Device | None:
    """The device on file in this shop with this IMEI (typed in any format), if any."""
    imei = _valid_imei(imei)
    if not imei:
        return None
    return (
        Device.objects.for_shop(shop)
        .select_related("customer", "device_model")
        .filter(imei=imei)
        .first()
    )


def device_by_serial(shop: Shop, serial: str) -> Device | None:
    """The most recent device on file in this shop with this serial number, if any."""
    serial = normalise_serial(serial)
    if not serial:
        return None
    return (
        Device.objects.for_shop(shop)
        .select_related("customer", "device_model")
        .filter(serial=serial)
        .order_by("-created_at")
        .first()
    )


def device_history(device: Device) -> list[WorksOrder]:
    """The device's works orders, newest first, whoever brought it in.

    Each carries `summary`: the first quote line's description (what was done or quoted), or
    the fault as reported when there are no lines; `came_back_as`, the numbers of its warranty
    returns; and `customer`, `branch`, `warranty_return_of` loaded.
    """
    first_line = (
        QuoteLine.objects.for_shop(device.shop_id)
        .filter(works_order=OuterRef("pk"))
        .order_by("position", "id")
        .values("description")[:1]
    )
    works_orders = (
        WorksOrder.objects.for_shop(device.shop_id)
        .filter(device=device)
        .select_related("customer", "branch", "warranty_return_of")
        .annotate(first_line=Subquery(first_line), came_back_as=warranty_returns(device.shop_id))
        .order_by("-created_at", "-id")
    )
    history = list(works_orders)
    for works_order in history:
        works_order.summary = works_order.first_line or works_order.fault_reported
    return history
