"""IMEIs are checked as they are typed or scanned, and a known TAC fills make and model."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from devices.catalogue import catalogue_seed, starter_catalogue
from devices.forms import DeviceForm
from devices.models import Category, DeviceModel
from devices.selectors import device_model_for_imei
from shops.models import User
from shops.services import shop_create
from tests.factories import DeviceModelFactory, valid_imei

GOOD = "352099001761481"  # the worked example of a valid IMEI


def device_form(shop, **fields):
    data = {"category": "phone", "make": "Apple", "model_name": "iPhone 13"} | fields
    return DeviceForm(data, shop=shop)


def test_a_valid_imei_is_accepted(personas):
    form = device_form(personas.shop, imei=GOOD)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["imei"] == GOOD


@pytest.mark.parametrize(
    "typed", ["35 209900 176148 1", "35-209900-176148-1", " 352099-00 1761481 "]
)
def test_spaces_and_dashes_from_a_scanner_are_normalised(personas, typed):
    form = device_form(personas.shop, imei=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["imei"] == GOOD


def test_a_wrong_check_digit_is_a_field_error_that_says_so(personas):
    form = device_form(personas.shop, imei="352099001761482")
    assert not form.is_valid()
    assert "check digit" in form.errors["imei"][0]
    assert "wrong" in form.errors["imei"][0]


def test_too_short_says_how_many_digits_there_are(personas):
    form = device_form(personas.shop, imei="35209900176148")
    assert not form.is_valid()
    assert form.errors["imei"] == ["An IMEI has 15 digits; this has 14."]


def test_a_16_digit_imeisv_is_explained(personas):
    form = device_form(personas.shop, imei="3520990017614812")
    assert not form.is_valid()
    assert "IMEISV" in form.errors["imei"][0]


def test_letters_are_not_an_imei(personas):
    form = device_form(personas.shop, imei="35209900176148X")
    assert not form.is_valid()
    assert "digits only" in form.errors["imei"][0]


def test_serial_only_and_neither_are_allowed(personas):
    form = device_form(personas.shop, category="console", make="Sony", model_name="PlayStation 5")
    assert form.is_valid(), form.errors
    form = device_form(personas.shop, serial="c02 xk1")
    assert form.is_valid()
    assert form.cleaned_data["serial"] == "C02XK1"


def test_make_and_model_are_needed_unless_the_catalogue_has_them(personas):
    form = device_form(personas.shop, category="", make="", model_name="")
    assert not form.is_valid()
    assert set(form.errors) == {"category", "make", "model_name"}
    catalogue = DeviceModelFactory(shop=personas.shop, make="Google", name="Pixel 8")
    form = device_form(
        personas.shop, category="", make="", model_name="", device_model=catalogue.pk
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["make"], form.cleaned_data["model_name"]) == ("Google", "Pixel 8")


def test_an_imei_whose_tac_is_in_the_catalogue_fills_make_and_model(personas):
    imei = valid_imei(4242)
    catalogue = DeviceModelFactory(
        shop=personas.shop, make="Samsung", name="Galaxy S23", tacs=[imei[:8]]
    )
    assert device_model_for_imei(personas.shop, imei) == catalogue
    assert device_model_for_imei(personas.shop, imei[:8] + " " + imei[8:]) == catalogue
    form = device_form(personas.shop, imei=imei, category="", make="", model_name="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["device_model"] == catalogue
    assert form.cleaned_data["make"] == "Samsung"
    assert form.cleaned_data["model_name"] == "Galaxy S23"


def test_another_shops_catalogue_does_not_fill_in_anything(personas):
    imei = valid_imei(4243)
    DeviceModelFactory(shop=personas.outsider.shop, tacs=[imei[:8]])
    assert device_model_for_imei(personas.shop, imei) is None
    theirs = DeviceModelFactory(shop=personas.outsider.shop)
    form = device_form(personas.shop, device_model=theirs.pk)
    assert "device_model" in form.errors


def test_the_starter_catalogue_is_broad_and_well_formed():
    rows = starter_catalogue()
    assert len(rows) >= 150
    categories = {row.category for row in rows}
    assert categories == {c.value for c in Category if c != Category.OTHER}
    names = {f"{row.make} {row.name}" for row in rows}
    for expected in (
        "Apple iPhone 8",
        "Apple iPhone 16 Pro Max",
        "Samsung Galaxy S24 Ultra",
        "Google Pixel 9",
        "Sony PlayStation 5",
        "Microsoft Xbox Series X",
        "Nintendo Switch",
        "Lenovo ThinkPad X1 Carbon Gen 11",
        "Dell XPS 13 9310",
        "Samsung Galaxy Tab S9",
    ):
        assert expected in names


def test_seeding_is_idempotent_and_keeps_the_shops_own_changes(personas):
    shop = personas.shop
    DeviceModelFactory(shop=shop, make="Apple", name="iPhone 13", tacs=["35000000"])
    added = catalogue_seed(shop=shop)
    assert added == len(starter_catalogue()) - 1
    assert catalogue_seed(shop=shop) == 0
    models = DeviceModel.objects.for_shop(shop)
    assert models.count() == len(starter_catalogue())
    assert models.get(make="Apple", name="iPhone 13").tacs == ["35000000"]
    assert not DeviceModel.objects.for_shop(personas.outsider.shop).exists()


def test_a_new_shop_starts_with_the_catalogue(db):
    owner = User.objects.create_user("new@example.com", "a long password 1", full_name="New")
    shop = shop_create(name="New Repairs", slug="new-repairs", owner=owner)
    assert DeviceModel.objects.for_shop(shop).filter(make="Apple", name="iPhone 15").exists()


def test_the_device_lookup_fills_the_intake_fields_from_the_catalogue(client_as, personas):
    imei = valid_imei(777)
    catalogue = DeviceModelFactory(
        shop=personas.shop, category="phone", make="Apple", name="iPhone 15", tacs=[imei[:8]]
    )
    response = client_as(personas.front_desk).get(
        reverse("device_lookup"),
        {"imei": f"{imei[:2]}-{imei[2:8]}-{imei[8:]}"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="device-lookup"' in html
    assert 'data-make="Apple"' in html and 'data-model="iPhone 15"' in html
    assert 'data-category="phone"' in html
    assert f'data-device-model-id="{catalogue.pk}"' in html
    assert f'data-imei="{imei}"' in html
    assert "was here before" not in html


def test_a_bad_imei_in_the_lookup_is_an_error_block_not_a_4xx(client_as, personas):
    response = client_as(personas.front_desk).get(
        reverse("device_lookup"), {"imei": "352099001761482"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert "The check digit (the last digit) is wrong" in html


def test_an_empty_imei_gives_an_empty_lookup(client_as, personas):
    response = client_as(personas.technician).get(reverse("device_lookup"), {"imei": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="device-lookup"' in html
    assert 'data-customer-id=""' in html
    assert "<p" not in html and "alert" not in html


def test_the_command_seeds_shops_made_before_the_catalogue(personas):
    out = io.StringIO()
    call_command("catalogue_seed", "--shop", personas.shop.slug, stdout=out)
    assert f"{personas.shop.name}: {len(starter_catalogue())} models added" in out.getvalue()
    call_command("catalogue_seed", stdout=out)
    assert f"{personas.shop.name}: 0 models added" in out.getvalue()
    assert DeviceModel.objects.for_shop(personas.outsider.shop).count() == len(starter_catalogue())


def test_a_model_chosen_from_the_catalogue_names_the_device(personas):
    laptop = DeviceModelFactory(shop=personas.shop, category="laptop", make="Dell", name="XPS 13")
    form = device_form(personas.shop, device_model=laptop.pk)  # category left at "phone"
    assert form.is_valid(), form.errors
    assert form.cleaned_data["category"] == "laptop"
    assert (form.cleaned_data["make"], form.cleaned_data["model_name"]) == ("Dell", "XPS 13")


def test_what_was_typed_wins_over_a_tac_match(personas):
    imei = valid_imei(4244)
    DeviceModelFactory(shop=personas.shop, make="Samsung", name="Galaxy S23", tacs=[imei[:8]])
    form = device_form(personas.shop, imei=imei, make="Samsung", model_name="Galaxy S23 FE")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["model_name"] == "Galaxy S23 FE"
    assert form.cleaned_data["device_model"] is None


def test_a_model_named_after_its_make_is_not_named_twice():
    from devices.models import DeviceModel

    assert str(DeviceModel(make="Apple", name="Apple Watch Series 9")) == "Apple Watch Series 9"
    assert str(DeviceModel(make="Apple", name="iPhone 13")) == "Apple iPhone 13"
