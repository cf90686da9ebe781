"""The part catalogue: everyone finds parts; managers add and edit them and their suppliers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parts import services
from parts.models import Part, SupplierPart
from tests.factories import DeviceModelFactory, PartFactory

pytestmark = pytest.mark.django_db


def part_data(**overrides) -> dict:
    return {
        "name": "Galaxy S23 screen (OEM)",
        "part_number": "gs23-scr",
        "barcode": "8806094 000001",
        "grade": "oem",
        "cost": "110.00",
        "sell_price": "180.00",
        "vat_rate": "20",
        "is_active": "on",
        **overrides,
    }


def test_a_search_finds_parts_by_name_part_number_or_barcode(client_as, personas, screen):
    PartFactory(shop=personas.shop, name="Pixel 8 battery", part_number="PX8-BAT", grade="oem")
    client = client_as(personas.technician)
    for q in ["screen iphone", "ip13-scr", "5012345678900"]:
        page = client.get(reverse("parts"), {"q": q}).content.decode()
        assert "iPhone 13 screen (OEM)" in page and "Pixel 8 battery" not in page, q
    oem = client.get(reverse("parts"), {"grade": "oem"}).content.decode()
    assert "Pixel 8 battery" in oem and "iPhone 13 screen" not in oem


def test_retired_parts_are_listed_only_when_asked_for(client_as, personas, screen):
    screen.is_active = False
    screen.save()
    client = client_as(personas.front_desk)
    assert "iPhone 13 screen" not in client.get(reverse("parts")).content.decode()
    retired = client.get(reverse("parts"), {"status": "retired"}).content.decode()
    assert "iPhone 13 screen" in retired


def test_a_manager_adds_a_part_with_the_models_it_fits(client_as, personas):
    s23 = DeviceModelFactory(shop=personas.shop, make="Samsung", name="Galaxy S23")
    answer = client_as(personas.manager).post(
        reverse("part_create"), part_data(compatible_models=[s23.pk]), follow=True
    )
    part = Part.objects.for_shop(personas.shop).get()
    assert (part.part_number, part.barcode) == ("GS23-SCR", "8806094000001")
    assert list(part.compatible_models.all()) == [s23]
    assert "Galaxy S23 screen (OEM) added to the catalogue." in answer.content.decode()


def test_a_part_number_already_taken_is_refused_on_the_form(client_as, personas, screen):
    answer = client_as(personas.manager).post(
        reverse("part_create"), part_data(part_number="ip13-scr-oem")
    )
    assert answer.status_code == 200
    assert "Another part already has this part number." in answer.content.decode()


def test_editing_a_part_replaces_its_compatible_models(client_as, personas, screen):
    old, new = (DeviceModelFactory(shop=personas.shop) for _ in range(2))
    services.part_save(part=screen, compatible_models=[old])
    client_as(personas.manager).post(
        reverse("part_edit", args=[screen.pk]),
        part_data(name="iPhone 13 screen", part_number="IP13-SCR-OEM", compatible_models=[new.pk]),
    )
    screen.refresh_from_db()
    assert screen.name == "iPhone 13 screen"
    assert list(screen.compatible_models.all()) == [new]


def test_another_shops_device_model_cannot_be_chosen(client_as, personas):
    theirs = DeviceModelFactory(shop=personas.outsider.shop)
    answer = client_as(personas.manager).post(
        reverse("part_create"), part_data(compatible_models=[theirs.pk])
    )
    assert "Select a valid choice" in answer.content.decode()
    assert not Part.objects.for_shop(personas.shop).exists()


def test_a_suppliers_reference_is_added_then_updated_then_removed(
    client_as, personas, screen, supplier
):
    client = client_as(personas.manager)
    url = reverse("supplier_part_add", args=[screen.pk])
    form = {
        "supplier-supplier": supplier.pk,
        "supplier-supplier_sku": "MPD-1",
        "supplier-cost": "79",
    }
    client.post(url, form)
    client.post(url, {**form, "supplier-cost": "77.50", "supplier-lead_time_days": "5"})
    ref = SupplierPart.objects.for_shop(personas.shop).get()
    assert (ref.cost, ref.lead_time_days, ref.lead_time) == (Decimal("77.50"), 5, 5)
    page = client.get(reverse("part_detail", args=[screen.pk])).content.decode()
    assert "Mobile Parts Direct" in page and "Cheapest" in page
    client.post(reverse("supplier_part_remove", args=[screen.pk, ref.pk]))
    assert not SupplierPart.objects.for_shop(personas.shop).exists()


def test_a_reference_without_a_cost_says_so(client_as, personas, screen, supplier):
    answer = client_as(personas.manager).post(
        reverse("supplier_part_add", args=[screen.pk]),
        {"supplier-supplier": supplier.pk, "supplier-cost": ""},
    )
    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()


@pytest.mark.parametrize("role", ["technician", "front_desk"])
def test_staff_read_the_catalogue_but_only_managers_change_it(client_as, personas, screen, role):
    client = client_as(getattr(personas, role))
    assert client.get(reverse("parts")).status_code == 200
    page = client.get(reverse("part_detail", args=[screen.pk]))
    assert page.status_code == 200 and "Edit part" not in page.content.decode()
    assert client.get(reverse("part_create")).status_code == 403
    assert client.post(reverse("part_edit", args=[screen.pk]), part_data()).status_code == 403
    assert client.post(reverse("supplier_part_add", args=[screen.pk]), {}).status_code == 403
    assert client.get(reverse("stock_move", args=[screen.pk, "adjust"])).status_code == 403


def test_an_adjustment_without_a_reason_is_refused_with_a_message(client_as, personas, screen):
    url = reverse("stock_move", args=[screen.pk, "adjust"])
    answer = client_as(personas.manager).post(url, {"branch": personas.branch.pk, "change": "2"})
    assert answer.status_code == 400 and "This field is required." in answer.content.decode()
    taken = client_as(personas.manager).post(
        url, {"branch": personas.branch.pk, "change": "-1", "reason": "Cracked"}
    )
    assert "Not enough stock of iPhone 13 screen (OEM) at Birmingham" in taken.content.decode()


def test_a_manager_receives_tracked_parts_with_serials_from_the_parts_page(
    client_as, personas, battery
):
    url = reverse("stock_move", args=[battery.pk, "receive"])
    answer = client_as(personas.manager).post(
        url,
        {"branch": personas.branch.pk, "quantity": "2", "serials": "BAT-1\nBAT-2"},
        follow=True,
    )
    assert "2 × iPhone 13 battery received at Birmingham." in answer.content.decode()
    assert "S/N BAT-1" in answer.content.decode()  # shown under the shelves' serials


def test_transfers_need_two_different_branches(client_as, personas, screen):
    url = reverse("stock_move", args=[screen.pk, "transfer"])
    branch = personas.branch.pk
    answer = client_as(personas.manager).post(
        url, {"from_branch": branch, "to_branch": branch, "quantity": "1"}
    )
    assert "Choose a different branch to send them to." in answer.content.decode()
