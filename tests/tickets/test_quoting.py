"""Quoting from the pricebook at the counter and on the bench; discounts; a changed price."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from parts import services as parts
from parts.models import PartStatus, WorksOrderPart
from parts.selectors import stock_figures
from tests.factories import (
    DeviceFactory,
    DeviceModelFactory,
    OptionPartFactory,
    PartFactory,
    PriceOptionFactory,
    RepairTypeFactory,
    WorksOrderFactory,
)
from tests.tickets.test_intake import intake_post
from tickets.lifecycle import works_order_advance
from tickets.models import LineKind, QuoteLine, Status, WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def screen_price(personas):
    """The iPhone 13's OEM screen replacement: £149.99 incl. VAT, one screen from the shelf."""
    shop = personas.shop
    model = DeviceModelFactory(shop=shop, make="Apple", name="iPhone 13")
    screens = RepairTypeFactory(shop=shop, name="Screen replacement")
    option = PriceOptionFactory(
        shop=shop, entry__device_model=model, entry__repair_type=screens, price=D("149.99")
    )
    screen = PartFactory(shop=shop, name="iPhone 13 screen (OEM)", cost=D("60"))
    OptionPartFactory(shop=shop, option=option, part=screen)
    return option, screen, model


def prices(client, **params):
    return client.get(reverse("intake_prices"), params, headers={"HX-Request": "true"})


def priced_lines(client, personas, option) -> list[dict]:
    """The lines the counter's click puts on the quote (the fragment carries them)."""
    import html
    import json
    import re

    fragment = prices(
        client,
        **{
            "repair_type": option.entry.repair_type_id,
            "device-device_model": option.entry.device_model_id,
            "job-branch": personas.branch.pk,
        },
    ).content.decode()
    found = re.search(rf'data-pricebook-option="{option.pk}" data-lines="([^"]+)"', fragment)
    return json.loads(html.unescape(found.group(1)))


def as_posted(lines: list[dict], **changes) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0"}
    for i, line in enumerate(lines):
        for key, value in (line | {"listed_price": line["unit_price"]}).items():
            data[f"lines-{i}-{key}"] = value
    for key, value in changes.items():
        data[key] = value
    return data


def test_the_counter_sees_each_grade_with_its_price_and_the_branchs_stock(
    client_as, personas, screen_price
):
    option, screen, _ = screen_price
    parts.stock_receive(part=screen, branch=personas.branch, quantity=2, by=personas.manager)
    response = prices(
        client_as(personas.front_desk),
        **{
            "repair_type": option.entry.repair_type_id,
            "device-make": "apple",  # typed rather than chosen: found all the same
            "device-model_name": "iPhone 13",
            "job-branch": personas.branch.pk,
        },
    )
    text = response.content.decode()
    assert "Screen replacement on the Apple iPhone 13" in text
    assert "OEM" in text and "£149.99" in text
    assert "2 in stock at Birmingham" in text


def test_a_model_without_a_price_says_so(client_as, personas):
    model = DeviceModelFactory(shop=personas.shop, make="Nokia", name="3310")
    battery = RepairTypeFactory(shop=personas.shop, name="Battery replacement")
    response = prices(
        client_as(personas.front_desk),
        **{"repair_type": battery.pk, "device-device_model": model.pk},
    )
    assert "No price for battery replacement on the Nokia 3310 yet" in response.content.decode()


def test_booking_a_priced_repair_puts_its_parts_on_the_job_and_holds_them(
    client_as, personas, screen_price
):
    option, screen, _ = screen_price
    parts.stock_receive(part=screen, branch=personas.branch, quantity=1, by=personas.manager)
    client = client_as(personas.front_desk)
    lines = priced_lines(client, personas, option)
    assert sum(D(line["unit_price"]) * (1 + D(line["vat_rate"]) / 100) for line in lines) == (
        pytest.approx(D("149.99"), abs=D("0.02"))
    )
    client.post(
        reverse("intake"), intake_post(personas) | as_posted(lines, pricebook_option=option.pk)
    )

    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    assert works_order.agreed_gross == D("149.99")  # the pricebook's price, to the penny
    part = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=works_order)
    assert part.part == screen and part.status == PartStatus.RESERVED
    assert stock_figures(screen, personas.branch).reserved == 1


def test_without_consent_the_parts_wait_and_are_held_when_the_customer_agrees(
    client_as, personas, screen_price
):
    option, screen, _ = screen_price
    parts.stock_receive(part=screen, branch=personas.branch, quantity=1, by=personas.manager)
    client = client_as(personas.front_desk)
    later = {"consent-method": "later", "consent-signature": ""}
    lines = priced_lines(client, personas, option)
    client.post(
        reverse("intake"),
        intake_post(personas, **later) | as_posted(lines, pricebook_option=option.pk),
    )
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    part = works_order.part_lines.get()
    assert part.status == PartStatus.NEEDED

    client.post(
        reverse("consent_record", args=[works_order.number]),
        {"consent-method": "on_behalf", "consent-signed_name": "Dee", "consent-agreed": "on"},
    )
    part.refresh_from_db()
    assert part.status == PartStatus.RESERVED


def test_a_part_the_branch_lacks_is_said_at_booking(client_as, personas, screen_price):
    option, _, _ = screen_price
    client = client_as(personas.front_desk)
    lines = priced_lines(client, personas, option)
    response = client.post(
        reverse("intake"),
        intake_post(personas) | as_posted(lines, pricebook_option=option.pk),
        follow=True,
    )
    assert "Not in stock at Birmingham: 1 × iPhone 13 screen (OEM)." in response.content.decode()


def test_a_pricebook_price_changed_at_the_counter_needs_a_reason(client_as, personas, screen_price):
    option, _, _ = screen_price
    client = client_as(personas.front_desk)
    lines = priced_lines(client, personas, option)
    cheaper = as_posted(lines, **{"lines-0-unit_price": "50.00"})
    refused = client.post(reverse("intake"), intake_post(personas) | cheaper)
    assert refused.status_code == 200 and not WorksOrder.objects.for_shop(personas.shop).exists()
    assert "Say why this is not the pricebook" in refused.content.decode()

    cheaper["lines-0-note"] = "Loyal customer"
    client.post(reverse("intake"), intake_post(personas) | cheaper)
    line = QuoteLine.objects.for_shop(personas.shop).get(position=0)
    assert (line.unit_price, line.note) == (D("50.00"), "Loyal customer")
    assert line.listed_price == D(lines[0]["unit_price"])


def discount(personas) -> dict:
    return intake_post(personas) | {
        "lines-TOTAL_FORMS": "3",
        "lines-2-kind": "discount",
        "lines-2-description": "Returning customer",
        "lines-2-quantity": "1",
        "lines-2-unit_price": "10.00",
        "lines-2-vat_rate": "20",
    }


def test_a_manager_gives_a_discount_that_takes_money_off(client_as, personas):
    client_as(personas.manager).post(reverse("intake"), discount(personas))
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    line = works_order.lines.get(kind=LineKind.DISCOUNT)
    assert line.unit_price == D("-10.00") and line.gross == D("-12.00")
    assert works_order.agreed_gross == D("203.99") - D("12.00")


def test_the_front_desk_cannot_give_a_discount(client_as, personas):
    response = client_as(personas.front_desk).post(reverse("intake"), discount(personas))
    assert "Select a valid choice" in response.content.decode()
    assert not WorksOrder.objects.for_shop(personas.shop).exists()
    assert 'value="discount"' not in response.content.decode()  # not even offered


def on_the_bench(personas, model) -> WorksOrder:
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        device=DeviceFactory(shop=personas.shop, device_model=model),
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    return works_order_advance(works_order=works_order, step="start", by=personas.technician)


def test_a_repair_found_on_the_bench_is_added_from_the_pricebook(client_as, personas, screen_price):
    option, screen, model = screen_price
    works_order = on_the_bench(personas, model)
    client = client_as(personas.technician)
    offered = client.get(reverse("bench_prices", args=[works_order.number])).content.decode()
    assert f'<option value="{option.pk}">Screen replacement · OEM · £149.99</option>' in offered

    response = client.post(
        reverse("bench_priced", args=[works_order.number]),
        {"option": option.pk, "reason": "Screen cracked further when opened"},
        follow=True,
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_APPROVAL  # far above what was agreed
    assert "It waits for the customer&#x27;s approval." in response.content.decode()
    approval = works_order.approvals.get()
    assert approval.reason == "Screen cracked further when opened"
    part = works_order.part_lines.get(part=screen)
    assert part.status == PartStatus.NEEDED  # held once the customer says yes


def test_another_shops_option_cannot_be_added(client_as, personas, screen_price):
    _, _, model = screen_price
    works_order = on_the_bench(personas, model)
    elsewhere = PriceOptionFactory(shop=personas.outsider.shop)
    response = client_as(personas.technician).post(
        reverse("bench_priced", args=[works_order.number]), {"option": elsewhere.pk}, follow=True
    )
    assert "Choose a repair from the list." in response.content.decode()
    assert works_order.lines.count() == 1


def test_parts_fitted_are_reported_per_repair_type(client_as, personas, screen_price):
    option, screen, _ = screen_price
    parts.stock_receive(part=screen, branch=personas.branch, quantity=2, by=personas.manager)
    by_hand = PartFactory(shop=personas.shop, name="Adhesive strip", cost=D("1.20"))
    parts.stock_receive(part=by_hand, branch=personas.branch, quantity=1, by=personas.manager)
    desk = client_as(personas.front_desk)
    lines = priced_lines(desk, personas, option)
    desk.post(
        reverse("intake"), intake_post(personas) | as_posted(lines, pricebook_option=option.pk)
    )
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    works_order_advance(works_order=works_order, step="start", by=personas.technician)
    bench = client_as(personas.technician)
    for code in (screen.barcode, by_hand.barcode):
        bench.post(reverse("part_fitted", args=[works_order.number]), {"fit-code": code})

    report = client_as(personas.manager).get(reverse("stock_reports"), {"branch": "BHM"})
    text = report.content.decode()
    section = text[text.index("Parts used per repair type") :]
    # at the catalogue's cost when fitted: the screen's is £60
    assert re.search(r"Screen replacement</td>.*?>1<.*?>1<.*?£60.00", section, re.S)
    assert re.search(r"Added by hand \(not from the pricebook\)</td>.*?£1.20", section, re.S)
