"""The writes to the parts catalogue that the pricebook needs, in one place.

parts/ belongs to the stock and purchasing work; until it has services of its own for these,
the pricebook adds parts it is the first to hear of (an import, a part typed on an entry) and
records which device models a part fits. Nothing here touches stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models.functions import Upper

from parts.models import Grade, Part, PartCompatibility
from pricebook.bulk import insert_rows, update_rows

if TYPE_CHECKING:
    from shops.models import Shop


@dataclass(frozen=True)
class NewPart:
    part_number: str
    name: str
    cost: Decimal
    grade: str = Grade.AFTERMARKET


def parts_add(*, shop: Shop, parts: list[NewPart]) -> list[int]:
    """Create these parts (the caller has checked their numbers are new); returns their ids."""
    return insert_rows(
        Part,
        ["shop_id", "part_number", "name", "cost", "grade", "vat_rate"],
        [
            (shop.pk, p.part_number, p.name, p.cost, p.grade or Grade.AFTERMARKET, shop.vat_rate)
            for p in parts
        ],
    )


def parts_update(*, shop: Shop, changes: list[tuple[int, str, Decimal]]) -> None:
    """Set name and cost of parts: (part_id, name, cost) each."""
    update_rows(Part, shop_id=shop.pk, fields=["name", "cost"], rows=changes)


def compatibilities_add(*, shop: Shop, pairs: set[tuple[int, int]]) -> None:
    """Record that each (part_id, device_model_id) fits; the caller leaves out known pairs."""
    insert_rows(
        PartCompatibility,
        ["shop_id", "part_id", "device_model_id"],
        [(shop.pk, part, model) for part, model in pairs],
    )


def part_by_number(shop: Shop, part_number: str) -> Part | None:
    return (
        Part.objects.for_shop(shop)
        .annotate(number=Upper("part_number"))
        .filter(number=part_number.strip().upper())
        .first()
    )


def part_add(*, shop: Shop, part_number: str, name: str, cost: Decimal, grade: str) -> Part:
    """One new part, typed on a pricebook entry (the caller has looked its number up)."""
    part = Part(
        shop=shop,
        part_number=part_number.strip(),
        name=name.strip(),
        cost=cost,
        grade=grade or Grade.AFTERMARKET,
        vat_rate=shop.vat_rate,
    )
    part.save()
    return part


def compatibility_ensure(*, shop: Shop, part: Part, device_model_id: int) -> None:
    """Record that `part` fits the model, unless it is recorded already."""
    PartCompatibility.objects.for_shop(shop).get_or_create(
        part=part, device_model_id=device_model_id, defaults={"shop": shop}
    )
