"""The "no price yet" report: device models the counter had to quote by hand."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.factories import DeviceFactory, DeviceModelFactory, PriceOptionFactory, WorksOrderFactory
from tickets.models import WorksOrder
from tickets.services import LineData

SCREEN = [
    LineData(description="Screen (OEM)", unit_price=Decimal("120.00"), kind="part"),
    LineData(description="Fitting", unit_price=Decimal("25.00")),
]


def book(personas, device_model=None, lines=SCREEN, **device):
    device = DeviceFactory(shop=personas.shop, device_model=device_model, **device)
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=device.customer,
        device=device,
        lines=lines,
    )


def test_models_without_a_price_are_listed_with_their_count_and_latest_quote(personas, client_as):
    shop = personas.shop
    unpriced = DeviceModelFactory(shop=shop, make="Google", name="Pixel 7")
    priced = PriceOptionFactory(shop=shop).entry.device_model
    switched_off = PriceOptionFactory(shop=shop, entry__is_active=False).entry.device_model
    book(personas, unpriced)
    latest = book(
        personas, unpriced, lines=[LineData(description="Battery", unit_price=Decimal("55"))]
    )
    book(personas, priced)
    book(personas, switched_off)
    book(personas, None, make="Fairphone", model_name="Fairphone 4", category="phone")

    page = client_as(personas.front_desk).get(reverse("pricebook_no_price")).content.decode()

    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "Pixel 7" in rows and str(switched_off) in rows and "Fairphone 4" in rows
    assert str(priced) not in rows
    pixel = rows[rows.index("Pixel 7") : rows.index("</tr>", rows.index("Pixel 7"))]
    assert ">2</span> works orders" in pixel
    assert latest.number in pixel and "Battery" in pixel
    assert "not in the catalogue" in rows[rows.index("Fairphone 4") :]
    assert "Add a price" not in page  # the front desk reads; a manager adds prices


def test_the_link_opens_a_new_price_for_that_model(personas, client_as):
    model = DeviceModelFactory(shop=personas.shop, make="Google", name="Pixel 7")
    book(personas, model)
    client = client_as(personas.manager)
    page = client.get(reverse("pricebook_no_price")).content.decode()
    link = f"{reverse('pricebook_entry_new')}?device_model={model.pk}"
    assert link in page
    form = client.get(link).content.decode()
    assert 'value="Pixel 7"' in form and 'value="Google"' in form


def test_the_period_leaves_out_older_works_orders(personas, client_as):
    model = DeviceModelFactory(shop=personas.shop, make="Google", name="Pixel 4")
    old = book(personas, model)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=200)
    )
    client = client_as(personas.manager)
    assert (
        "Pixel 4"
        not in client.get(reverse("pricebook_no_price"), {"period": "90"}).content.decode()
    )
    assert (
        "Pixel 4" in client.get(reverse("pricebook_no_price"), {"period": "365"}).content.decode()
    )


def test_another_shops_quotes_stay_out_of_the_report(personas, client_as):
    other_branch = personas.outsider.branches.first()
    WorksOrderFactory(branch=other_branch, by=personas.outsider)
    page = client_as(personas.manager).get(reverse("pricebook_no_price")).content.decode()
    assert "Every device model quoted in this period has a price" in page
