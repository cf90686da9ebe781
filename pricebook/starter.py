"""The repair types every new shop starts with; a shop renames, adds or switches them off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pricebook.models import RepairType

if TYPE_CHECKING:
    from shops.models import Shop

STARTER_REPAIR_TYPES = (
    "Screen replacement",
    "Battery replacement",
    "Charging port",
    "Back glass",
    "Rear camera",
    "Front camera",
    "Camera lens",
    "Loudspeaker",
    "Earpiece speaker",
    "Microphone",
    "Buttons",
    "Keyboard",
    "HDMI port",
    "Water damage diagnostic",
    "Data recovery",
    "Software restore",
)


def repair_types_seed(*, shop: Shop) -> int:
    """Add the starter repair types `shop` lacks (by name, any case); returns how many."""
    names = RepairType.objects.for_shop(shop).values_list("name", flat=True)
    have = {name.casefold() for name in names}
    new = [
        RepairType(shop=shop, name=name, position=position)
        for position, name in enumerate(STARTER_REPAIR_TYPES, start=1)
        if name.casefold() not in have
    ]
    RepairType.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
