"""Same IMEI in the same shop is the same device, with its history of works orders."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from devices.models import Device, DeviceModel
from devices.selectors import device_by_imei, device_by_serial, device_history
from devices.services import device_for_intake
from tests.factories import (
    CustomerFactory,
    DeviceFactory,
    DeviceModelFactory,
    WorksOrderFactory,
    valid_imei,
)
from tickets.models import WorksOrder
from tickets.services import LineData

IMEI = valid_imei(9001)


def spaced(imei: str) -> str:
    return f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}"


def test_the_same_imei_gives_the_same_device_with_its_history(personas):
    shop = personas.shop
    jane = CustomerFactory(shop=shop)
    first = device_for_intake(
        shop=shop,
        customer=jane,
        imei=IMEI,
        category="phone",
        make="Apple",
        model_name="iPhone 13",
        colour="Blue",
    )
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=jane, device=first)
    again = device_for_intake(
        shop=shop,
        customer=jane,
        imei=spaced(IMEI),
        category="phone",
        make="Apple",
        model_name="iPhone 13",
    )
    assert again.pk == first.pk
    assert Device.objects.for_shop(shop).count() == 1
    assert len(device_history(again)) == 1


def test_a_device_brought_in_by_someone_else_moves_to_them_and_keeps_its_history(personas):
    shop = personas.shop
    jane, sam = CustomerFactory(shop=shop), CustomerFactory(shop=shop, full_name="Sam Lee")
    device = DeviceFactory(shop=shop, customer=jane, imei=IMEI, colour="")
    earlier = WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, customer=jane, device=device
    )
    moved = device_for_intake(
        shop=shop, customer=sam, imei=IMEI, make="Samsung", model_name="Other", colour="Red"
    )
    assert moved.pk == device.pk
    assert moved.customer == sam
    assert (moved.make, moved.model_name) == ("Apple", "iPhone 13")  # what is on file stays
    assert moved.colour == "Red"  # a blank is filled in
    earlier.refresh_from_db()
    assert earlier.customer == jane  # past works orders keep who brought it then
    assert [wo.number for wo in device_history(moved)] == [earlier.number]


def test_the_same_imei_in_another_shop_is_another_device(personas):
    theirs = DeviceFactory(shop=personas.outsider.shop, imei=IMEI)
    ours = device_for_intake(
        shop=personas.shop,
        customer=CustomerFactory(shop=personas.shop),
        imei=IMEI,
        category="phone",
        make="Apple",
        model_name="iPhone 13",
    )
    assert ours.pk != theirs.pk
    assert device_by_imei(personas.shop, IMEI) == ours


def test_a_serial_number_finds_a_device_without_an_imei(personas):
    shop = personas.shop
    console = DeviceFactory(
        shop=shop,
        imei="",
        serial="E12345678",
        category="console",
        make="Sony",
        model_name="PlayStation 5",
    )
    assert device_by_serial(shop, " e1234 5678") == console
    again = device_for_intake(
        shop=shop,
        customer=console.customer,
        serial="e12345678",
        category="console",
        make="Sony",
        model_name="PlayStation 5",
    )
    assert again.pk == console.pk


def test_neither_imei_nor_serial_makes_a_new_device_each_time(personas):
    shop = personas.shop
    customer = CustomerFactory(shop=shop)
    kwargs = {
        "shop": shop,
        "customer": customer,
        "category": "console",
        "make": "Nintendo",
        "model_name": "Switch",
    }
    assert device_for_intake(**kwargs).pk != device_for_intake(**kwargs).pk


def test_a_bad_imei_is_refused_with_the_reason_on_the_imei(personas):
    with pytest.raises(ValidationError) as refused:
        device_for_intake(
            shop=personas.shop,
            customer=CustomerFactory(shop=personas.shop),
            imei="352099001761482",
            make="Apple",
            model_name="iPhone 13",
        )
    assert "check digit" in refused.value.message_dict["imei"][0]


def test_a_catalogue_model_fills_the_device_and_learns_its_tac(personas):
    shop = personas.shop
    catalogue = DeviceModelFactory(shop=shop, category="phone", make="Google", name="Pixel 8")
    device = device_for_intake(
        shop=shop, customer=CustomerFactory(shop=shop), imei=IMEI, device_model=catalogue
    )
    assert (device.category, device.make, device.model_name) == ("phone", "Google", "Pixel 8")
    catalogue.refresh_from_db()
    assert catalogue.tacs == [IMEI[:8]]
    # The next phone with that TAC fills itself in.
    other = valid_imei(9002)
    assert other[:8] == IMEI[:8]
    next_one = device_for_intake(shop=shop, customer=CustomerFactory(shop=shop), imei=other)
    assert next_one.device_model == catalogue
    assert next_one.model_name == "Pixel 8"


def test_a_tac_another_model_claims_is_not_learnt_again(personas):
    shop = personas.shop
    DeviceModelFactory(shop=shop, make="Google", name="Pixel 8", tacs=[IMEI[:8]])
    wrong = DeviceModelFactory(shop=shop, make="Google", name="Pixel 7")
    device_for_intake(shop=shop, customer=CustomerFactory(shop=shop), imei=IMEI, device_model=wrong)
    wrong.refresh_from_db()
    assert wrong.tacs == []
    assert DeviceModel.objects.for_shop(shop).filter(tacs__contains=[IMEI[:8]]).count() == 1


def test_history_is_newest_first_with_what_was_done(personas):
    device = DeviceFactory(shop=personas.shop, imei=IMEI)
    old = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=device.customer,
        device=device,
        lines=[LineData(description="Battery replacement", unit_price=Decimal("49.00"))],
    )
    WorksOrder.objects.for_shop(personas.shop).filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=95)
    )
    new = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=device.customer,
        device=device,
        lines=[],
        fault_reported="No sound from the earpiece",
    )
    history = device_history(device)
    assert [wo.number for wo in history] == [new.number, old.number]
    assert [wo.summary for wo in history] == ["No sound from the earpiece", "Battery replacement"]


def test_the_device_lookup_shows_the_device_was_here_before(client_as, personas):
    owner = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    device = DeviceFactory(shop=personas.shop, customer=owner, imei=IMEI)
    old = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=owner,
        device=device,
        lines=[LineData(description="Screen replacement", unit_price=Decimal("89.00"))],
    )
    WorksOrder.objects.for_shop(personas.shop).filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=95)
    )
    response = client_as(personas.front_desk).get(reverse("device_lookup"), {"imei": spaced(IMEI)})
    html = response.content.decode().replace("\xa0", " ")
    assert "This device was here before" in html
    assert f"{old.number}</a> Screen replacement, 3 months ago, intake" in html
    assert "Jane Smith" in html
    assert f'data-device-id="{device.pk}"' in html
    assert f'data-customer-id="{owner.pk}"' in html
    assert 'data-make="Apple"' in html  # from the device on file when the TAC is unknown


def test_the_lookup_never_shows_another_shops_device(client_as, personas):
    DeviceFactory(shop=personas.outsider.shop, imei=IMEI)
    html = client_as(personas.owner).get(reverse("device_lookup"), {"imei": IMEI}).content.decode()
    assert "was here before" not in html
    assert 'data-device-id=""' in html
