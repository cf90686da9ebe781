"""Everyone in the shop reads the pricebook; managers change it; other shops never see it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parts.models import Part
from pricebook.models import OptionPart, PricebookEntry, PriceOption
from tests.factories import OptionPartFactory, PriceOptionFactory
from tests.pricebook.conftest import upload


@pytest.fixture
def option(personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("149.99"))
    OptionPartFactory(shop=personas.shop, option=option, part__part_number="IP13-SCR")
    return option


def writes(option) -> list[tuple[str, dict]]:
    entry, use = option.entry_id, option.parts.get().pk
    return [
        (reverse("pricebook_entry_edit", args=[entry]), {"labour_minutes": 5, "warranty_days": 1}),
        (reverse("pricebook_entry_delete", args=[entry]), {}),
        (reverse("pricebook_option_add", args=[entry]), {"grade": "", "price": "1.00"}),
        (reverse("pricebook_option_edit", args=[option.pk]), {"grade": "oem", "price": "1.00"}),
        (reverse("pricebook_option_delete", args=[option.pk]), {}),
        (
            reverse("pricebook_option_part_add", args=[option.pk]),
            {"part_number": "X", "quantity": 1},
        ),
        (reverse("pricebook_option_part_remove", args=[use]), {}),
        (reverse("pricebook_entry_new"), {}),
        (reverse("pricebook_import"), {}),
    ]


@pytest.mark.parametrize("role", ["front_desk", "technician"])
def test_the_counter_and_the_bench_read_the_pricebook_but_do_not_change_it(
    personas, client_as, option, role
):
    client = client_as(getattr(personas, role))
    for url in (
        reverse("pricebook"),
        reverse("pricebook_entry", args=[option.entry_id]),
        reverse("pricebook_no_price"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Save price" not in response.content.decode()
    entry_page = client.get(reverse("pricebook_entry", args=[option.entry_id])).content.decode()
    assert "£149.99" in entry_page and "IP13-SCR" in entry_page
    assert "Margin" not in entry_page and "Cost now" not in entry_page

    for url, data in writes(option):
        assert client.post(url, data).status_code == 403, url
    for url in (
        reverse("pricebook_export"),
        reverse("pricebook_import"),
        reverse("pricebook_sample"),
    ):
        assert client.get(url).status_code == 403, url
    option.refresh_from_db()
    assert option.price == Decimal("149.99")


def test_a_manager_changes_a_price_adds_an_option_and_a_new_part(personas, client_as, option):
    client = client_as(personas.manager)
    entry = option.entry_id
    response = client.post(
        reverse("pricebook_option_edit", args=[option.pk]), {"grade": "oem", "price": "159.00"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#option-{option.pk}")
    option.refresh_from_db()
    assert option.price == Decimal("159.00")

    client.post(
        reverse("pricebook_option_add", args=[entry]), {"grade": "aftermarket", "price": "99"}
    )
    aftermarket = PriceOption.objects.for_shop(personas.shop).get(grade="aftermarket")
    client.post(
        reverse("pricebook_option_part_add", args=[aftermarket.pk]),
        {"part_number": "IP13-SCR-AM", "quantity": 1, "name": "Screen (aftermarket)", "cost": "31"},
    )
    part = Part.objects.for_shop(personas.shop).get(part_number="IP13-SCR-AM")
    assert (part.name, part.cost, part.grade) == (
        "Screen (aftermarket)",
        Decimal("31.00"),
        "aftermarket",
    )
    assert OptionPart.objects.for_shop(personas.shop).filter(option=aftermarket, part=part).exists()

    client.post(
        reverse("pricebook_entry_edit", args=[entry]), {"labour_minutes": 50, "warranty_days": 180}
    )
    saved = PricebookEntry.objects.for_shop(personas.shop).get()
    assert (saved.labour_minutes, saved.warranty_days, saved.is_active) == (50, 180, False)


def test_a_second_option_of_the_same_grade_is_refused_on_the_form(personas, client_as, option):
    response = client_as(personas.manager).post(
        reverse("pricebook_option_add", args=[option.entry_id]), {"grade": "oem", "price": "10"}
    )
    assert response.status_code == 400
    assert "already has a OEM option" in response.content.decode()


def test_an_unknown_part_number_without_a_name_is_explained(personas, client_as, option):
    response = client_as(personas.manager).post(
        reverse("pricebook_option_part_add", args=[option.pk]),
        {"part_number": "NOPE", "quantity": 1},
    )
    assert response.status_code == 400
    assert "No part is numbered NOPE yet" in response.content.decode()


def test_the_last_option_cannot_be_removed_but_the_entry_can_be_deleted(
    personas, client_as, option
):
    client = client_as(personas.manager)
    client.post(reverse("pricebook_option_delete", args=[option.pk]))
    assert PriceOption.objects.for_shop(personas.shop).count() == 1
    client.post(reverse("pricebook_entry_delete", args=[option.entry_id]))
    assert not PricebookEntry.objects.for_shop(personas.shop).exists()
    assert Part.objects.for_shop(personas.shop).exists()  # parts stay in the catalogue


def test_a_manager_adds_a_price_for_a_model_new_to_the_catalogue(personas, client_as):
    response = client_as(personas.manager).post(
        reverse("pricebook_entry_new"),
        {
            "category": "phone",
            "make": "Fairphone",
            "model": "Fairphone 5",
            "repair_type": "Screen replacement",
            "labour_minutes": 20,
            "warranty_days": 90,
            "grade": "oem",
            "price": "89.00",
        },
    )
    entry = PricebookEntry.objects.for_shop(personas.shop).get()
    assert response["Location"] == reverse("pricebook_entry", args=[entry.pk])
    assert str(entry.device_model) == "Fairphone 5"
    assert entry.options.get().price == Decimal("89.00")


def test_another_shops_pricebook_is_not_found(personas, client_as, option):
    client = client_as(personas.outsider)
    assert client.get(reverse("pricebook_entry", args=[option.entry_id])).status_code == 404
    response = client.post(
        reverse("pricebook_option_edit", args=[option.pk]), {"grade": "oem", "price": "1.00"}
    )
    assert response.status_code == 404
    assert "149.99" not in client.get(reverse("pricebook")).content.decode()
    exported = b"".join(client.get(reverse("pricebook_export")).streaming_content)
    assert b"IP13-SCR" not in exported


def test_a_manager_uploads_through_the_page(personas, client_as):
    response = client_as(personas.manager).post(
        reverse("pricebook_import"), {"file": upload("make,model\n")}
    )
    assert response.status_code == 302  # a file without the needed columns still gets its page
