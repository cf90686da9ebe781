"""Re-importing a file with a few changes touches those rows only, and adds what is new."""

from decimal import Decimal

from devices.models import DeviceModel
from parts.models import Part, PartCompatibility
from pricebook.models import OptionPart, PricebookEntry, PriceOption, RepairType
from tests.pricebook.conftest import (
    DIAGNOSTIC,
    SCREEN_AFTERMARKET,
    SCREEN_OEM,
    csv_text,
    import_csv,
)

BATTERY = SCREEN_OEM | {
    "repair_type": "Battery replacement",
    "price": "79.00",
    "labour_minutes": "30",
    "warranty_days": "365",
    "part_number": "IP13-BAT-OEM",
    "part_name": "iPhone 13 battery (OEM)",
    "part_cost": "21.00",
}


def test_only_the_changed_rows_change_and_new_ones_are_added(shop, personas):
    import_csv(shop, personas.manager, csv_text(SCREEN_OEM, SCREEN_AFTERMARKET, DIAGNOSTIC))
    options = {o.grade: o for o in PriceOption.objects.for_shop(shop)}
    diagnostic_entry = options[""].entry
    untouched_at = diagnostic_entry.updated_at

    stored = import_csv(
        shop,
        personas.manager,
        csv_text(SCREEN_OEM | {"price": "199.00"}, SCREEN_AFTERMARKET, DIAGNOSTIC, BATTERY),
    )

    assert stored.result["counts"] == {"add": 1, "change": 1, "unchanged": 2, "rejected": 0}
    (changed,) = stored.result["samples"]["change"]
    assert (changed["line"], changed["changes"]) == (2, ["price 189.00 → 199.00"])
    prices = dict(PriceOption.objects.for_shop(shop).values_list("pk", "price"))
    assert prices[options["oem"].pk] == Decimal("199.00")
    assert prices[options["aftermarket"].pk] == Decimal("119.00")
    diagnostic_entry.refresh_from_db()
    assert diagnostic_entry.updated_at == untouched_at
    battery = PricebookEntry.objects.for_shop(shop).get(repair_type__name="Battery replacement")
    assert (battery.labour_minutes, battery.warranty_days) == (30, 365)


def test_an_empty_cell_keeps_what_the_pricebook_has(shop, personas):
    import_csv(shop, personas.manager, csv_text(SCREEN_OEM))
    stored = import_csv(
        shop,
        personas.manager,
        csv_text(
            SCREEN_OEM | {"labour_minutes": "", "part_cost": "", "part_name": "", "active": ""}
        ),
    )
    assert stored.result["counts"]["unchanged"] == 1
    entry = PricebookEntry.objects.for_shop(shop).get()
    assert (entry.labour_minutes, entry.is_active) == (45, True)
    assert Part.objects.for_shop(shop).get().cost == Decimal("98.50")


def test_the_import_adds_models_parts_and_repair_types_it_does_not_know(shop, personas):
    stored = import_csv(
        shop,
        personas.manager,
        csv_text(
            SCREEN_OEM,
            SCREEN_OEM
            | {
                "repair_type": "Face ID repair",
                "grade": "",
                "part_number": "",
                "part_name": "",
                "part_cost": "",
                "part_quantity": "",
            },
        ),
    )
    written = stored.result["written"]
    assert (written["device_models"], written["repair_types"], written["parts_added"]) == (1, 1, 1)
    model = DeviceModel.objects.for_shop(shop).get()
    assert (model.category, model.make, model.name) == ("phone", "Apple", "iPhone 13")
    assert RepairType.objects.for_shop(shop).filter(name="Face ID repair").exists()
    part = Part.objects.for_shop(shop).get()
    assert (part.part_number, part.grade, part.cost) == ("IP13-SCR-OEM", "oem", Decimal("98.50"))
    assert PartCompatibility.objects.for_shop(shop).filter(part=part, device_model=model).exists()


def test_names_match_whatever_their_capitals_and_costs_update_the_part(shop, personas):
    import_csv(shop, personas.manager, csv_text(SCREEN_OEM))
    stored = import_csv(
        shop,
        personas.manager,
        csv_text(
            SCREEN_OEM
            | {
                "make": "APPLE",
                "model": "iphone 13",
                "repair_type": "screen REPLACEMENT",
                "part_number": "ip13-scr-oem",
                "part_cost": "95.00",
                "part_quantity": "2",
            }
        ),
    )
    assert stored.result["counts"] == {"add": 0, "change": 1, "unchanged": 0, "rejected": 0}
    assert stored.result["samples"]["change"][0]["changes"] == [
        "part cost 98.50 → 95.00",
        "quantity 1 → 2",
    ]
    assert DeviceModel.objects.for_shop(shop).count() == 1
    assert Part.objects.for_shop(shop).get().cost == Decimal("95.00")
    assert OptionPart.objects.for_shop(shop).get().quantity == 2


def test_the_import_never_deletes(shop, personas):
    import_csv(shop, personas.manager, csv_text(SCREEN_OEM, DIAGNOSTIC))
    import_csv(shop, personas.manager, csv_text(SCREEN_OEM))
    assert PricebookEntry.objects.for_shop(shop).count() == 2
