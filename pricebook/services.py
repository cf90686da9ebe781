"""Writes to the pricebook from its pages. Each is one transaction; views call only these.

The CSV import has its own (pricebook.importer). Parts the pricebook is the first to hear of
are added through pricebook.part_writes, device models through devices.catalogue.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from devices.catalogue import CatalogueRow, catalogue_add
from devices.models import DeviceModel
from pricebook.models import OptionPart, PricebookEntry, PriceOption, RepairType, grade_label
from pricebook.part_writes import compatibility_ensure, part_add, part_by_number
from shops.models import Shop


def device_model_find_or_add(*, shop: Shop, category: str, make: str, name: str) -> DeviceModel:
    """The catalogue's model of this make and name (any case), added if the shop lacks it."""
    make, name = " ".join(make.split()), " ".join(name.split())
    found = (
        DeviceModel.objects.for_shop(shop)
        .annotate(make_lower=Lower("make"), name_lower=Lower("name"))
        .filter(make_lower=make.lower(), name_lower=name.lower())
        .first()
    )
    if found is not None:
        return found
    return catalogue_add(shop=shop, rows=[CatalogueRow(category=category, make=make, name=name)])[0]


def repair_type_find_or_add(*, shop: Shop, name: str) -> RepairType:
    """The repair type of this name (any case); a new name becomes a new repair type."""
    name = " ".join(name.split())
    found = (
        RepairType.objects.for_shop(shop)
        .annotate(name_lower=Lower("name"))
        .filter(name_lower=name.lower())
        .first()
    )
    if found is not None:
        return found
    last = RepairType.objects.for_shop(shop).order_by("-position").first()
    return RepairType.objects.create(
        shop=shop, name=name, position=(last.position if last else 0) + 1
    )


@transaction.atomic
def entry_create(
    *,
    shop: Shop,
    device_model: DeviceModel,
    repair_type: RepairType,
    labour_minutes: int,
    warranty_days: int,
    grade: str,
    price: Decimal,
) -> PricebookEntry:
    """A new repair for a device model, with its first option."""
    existing = (
        PricebookEntry.objects.for_shop(shop)
        .filter(device_model=device_model, repair_type=repair_type)
        .first()
    )
    if existing is not None:
        raise ValidationError(
            f"{device_model} already has a price for {repair_type.name.lower()}: change it there.",
            code="exists",
            params={"entry": existing},
        )
    entry = PricebookEntry.objects.create(
        shop=shop,
        device_model=device_model,
        repair_type=repair_type,
        labour_minutes=labour_minutes,
        warranty_days=warranty_days,
    )
    PriceOption.objects.create(shop=shop, entry=entry, grade=grade, price=price)
    return entry


def entry_update(
    *, entry: PricebookEntry, labour_minutes: int, warranty_days: int, is_active: bool
) -> PricebookEntry:
    entry.labour_minutes, entry.warranty_days, entry.is_active = (
        labour_minutes,
        warranty_days,
        is_active,
    )
    entry.save(update_fields=["labour_minutes", "warranty_days", "is_active", "updated_at"])
    return entry


def entry_delete(*, entry: PricebookEntry) -> None:
    """The entry and its options go; the parts stay in the parts catalogue."""
    entry.delete()


@transaction.atomic
def option_save(
    *, entry: PricebookEntry, grade: str, price: Decimal, option: PriceOption | None = None
) -> PriceOption:
    """Add an option to `entry`, or change `option`'s grade and price."""
    taken = entry.options.filter(grade=grade)
    if option is not None:
        taken = taken.exclude(pk=option.pk)
    if taken.exists():
        raise ValidationError(
            f"This repair already has a {grade_label(grade)} option; change that one instead."
        )
    option = option or PriceOption(shop_id=entry.shop_id, entry=entry)
    option.grade, option.price = grade, price
    option.save()
    entry.save(update_fields=["updated_at"])  # the list shows when prices last changed
    return option


def option_delete(*, option: PriceOption) -> None:
    if option.entry.options.count() == 1:
        raise ValidationError(
            "This is the repair's only option. Switch the repair off, or delete the whole entry."
        )
    option.delete()


@transaction.atomic
def option_part_add(
    *,
    option: PriceOption,
    part_number: str,
    quantity: int,
    name: str = "",
    cost: Decimal | None = None,
) -> OptionPart:
    """The option consumes `quantity` of the part with this number. A number the parts
    catalogue lacks is added to it when a name is given."""
    shop = option.shop
    part = part_by_number(shop, part_number)
    if part is None:
        if not name.strip():
            raise ValidationError(
                f"No part is numbered {part_number.strip()} yet. Check the number, or give the "
                "part's name (and cost) to add it to the parts catalogue."
            )
        part = part_add(
            shop=shop,
            part_number=part_number,
            name=name,
            cost=cost if cost is not None else Decimal("0.00"),
            grade=option.grade,
        )
    use, _ = OptionPart.objects.for_shop(shop).update_or_create(
        option=option, part=part, defaults={"shop": shop, "quantity": quantity}
    )
    compatibility_ensure(shop=shop, part=part, device_model_id=option.entry.device_model_id)
    return use


def option_part_remove(*, option_part: OptionPart) -> None:
    option_part.delete()
