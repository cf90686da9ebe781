"""Shop settings: new terms wording becomes a new version; old versions are kept."""

from django.urls import reverse

from shops.models import TermsVersion


def settings_post(shop, **changes) -> dict:
    fields = [
        "name",
        "currency",
        "vat_rate",
        "vat_number",
        "phone_region",
        "wording",
        "numbering",
        "terms_text",
        "margin_green_above",
        "margin_red_below",
    ]
    ticked = {"pricebook_prices_include_vat": "on"} if shop.pricebook_prices_include_vat else {}
    return {f: getattr(shop, f) for f in fields} | ticked | changes


def test_changing_the_terms_publishes_a_new_version_and_keeps_the_old(client_as, personas):
    client = client_as(personas.owner)
    client.post(
        reverse("shop_settings"),
        settings_post(personas.shop, terms_text="New terms: 6-month warranty."),
    )
    personas.shop.refresh_from_db()
    assert personas.shop.terms_version == 2
    versions = TermsVersion.objects.for_shop(personas.shop).order_by("version")
    assert [v.text for v in versions] == [
        "Repairs carry a 90-day warranty.",
        "New terms: 6-month warranty.",
    ]


def test_other_changes_keep_the_terms_version(client_as, personas):
    client = client_as(personas.manager)
    client.post(
        reverse("shop_settings"),
        settings_post(personas.shop, name="Fix Corner Ltd", wording="ticket"),
    )
    personas.shop.refresh_from_db()
    assert (personas.shop.name, personas.shop.terms_version) == ("Fix Corner Ltd", 1)
    assert b"Tickets" in client.get(reverse("dashboard")).content  # the wording reaches the menu


def test_a_bad_vat_rate_is_a_field_error(client_as, personas):
    response = client_as(personas.owner).post(
        reverse("shop_settings"), settings_post(personas.shop, vat_rate="120")
    )
    assert "less than or equal to 100" in response.content.decode()


WORKSHOP = "/settings/workshop/"


def test_a_manager_sets_the_qc_checklist_one_check_per_line(client_as, personas):
    client = client_as(personas.manager)
    page = client.get(WORKSHOP).content.decode()
    assert "Reported fault resolved\nNo new faults" in page  # today's list, one per line

    response = client.post(
        WORKSHOP,
        {
            "qc_checklist": "Fault fixed\n\n  Face ID   works \nfault fixed\nCharges",
            "approval_threshold": "15",
            "auto_assign": "on",
        },
        follow=True,
    )
    assert "Workshop settings saved." in response.content.decode()
    personas.shop.refresh_from_db()
    assert personas.shop.qc_checklist == ["Fault fixed", "Face ID works", "Charges"]
    assert personas.shop.approval_threshold == 15 and personas.shop.auto_assign


def test_an_empty_qc_checklist_is_refused(client_as, personas):
    before = list(personas.shop.qc_checklist)
    response = client_as(personas.manager).post(
        WORKSHOP, {"qc_checklist": " \n ", "approval_threshold": "10"}
    )
    assert response.status_code == 200
    assert "QC needs at least one check." in response.content.decode()
    personas.shop.refresh_from_db()
    assert personas.shop.qc_checklist == before


def test_only_managers_change_workshop_settings(client_as, personas):
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(WORKSHOP).status_code == 403


def test_the_pricebook_settings_are_saved_and_thresholds_must_be_in_order(client_as, personas):
    client = client_as(personas.owner)
    shop = personas.shop
    response = client.post(
        reverse("shop_settings"),
        settings_post(shop, margin_green_above="55", margin_red_below="65")
        | {"pricebook_prices_include_vat": ""},
    )
    assert "a margin cannot be red above the green threshold" in response.content.decode()

    client.post(
        reverse("shop_settings"),
        {
            k: v
            for k, v in settings_post(shop, margin_green_above="70", margin_red_below="45").items()
            if k != "pricebook_prices_include_vat"
        },
    )
    shop.refresh_from_db()
    assert (shop.pricebook_prices_include_vat, shop.margin_green_above, shop.margin_red_below) == (
        False,
        70,
        45,
    )


def test_vat_charged_without_a_vat_number_is_warned_of_in_settings_and_the_pricebook(
    client_as, personas
):
    shop = personas.shop
    client = client_as(personas.manager)
    client.post(reverse("shop_settings"), settings_post(shop, vat_number="", vat_rate="20"))

    warned = [client.get(reverse(name)).content.decode() for name in ("shop_settings", "pricebook")]

    for html in warned:
        assert "VAT is charged, but there is no VAT number" in html
        assert "plain invoices, not VAT invoices" in html
    client.post(reverse("shop_settings"), settings_post(shop, vat_number="GB123456789"))
    for name in ("shop_settings", "pricebook"):
        assert "there is no VAT number" not in client.get(reverse(name)).content.decode()
    client.post(reverse("shop_settings"), settings_post(shop, vat_number="", vat_rate="0"))
    for name in ("shop_settings", "pricebook"):
        assert "there is no VAT number" not in client.get(reverse(name)).content.decode()
