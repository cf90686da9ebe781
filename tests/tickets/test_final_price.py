"""The final price: set while the job is open, by its technician or a manager; a price other
than the quote says why; a closed job's price never changes; money in the shop's currency."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import WorksOrderFactory
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Event, Status, WorksOrder
from tickets.services import ConsentData, LineData


def book(personas) -> WorksOrder:
    """A job quoted at £120.00 (100.00 net + VAT), consented."""
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )


def on_the_bench(personas) -> WorksOrder:
    works_order = book(personas)
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    return works_order_advance(works_order=works_order, step="start", by=personas.technician)


def post_price(client, works_order, **data):
    fields = {f"price-{name}": value for name, value in data.items()}
    return client.post(reverse("final_price", args=[works_order.number]), fields, follow=True)


def price_of(works_order) -> Decimal | None:
    works_order.refresh_from_db()
    return works_order.final_price


def test_the_technician_on_the_job_sets_the_quoted_price_without_a_reason(client_as, personas):
    works_order = on_the_bench(personas)
    response = post_price(client_as(personas.technician), works_order, amount="120.00")
    assert "Final price set." in response.content.decode()
    assert price_of(works_order) == Decimal("120.00")
    entry = works_order.timeline.get(event=Event.DETAILS)
    assert (entry.text, entry.actor) == ("Final price £120.00, as quoted", personas.technician)


def test_a_price_other_than_the_quote_needs_a_reason_shown_on_the_timeline(client_as, personas):
    works_order = on_the_bench(personas)
    client = client_as(personas.technician)
    refused = post_price(client, works_order, amount="0.00", reason="")
    assert refused.status_code == 400
    assert "Say why the price differs from the quote" in refused.content.decode()
    assert price_of(works_order) is None

    post_price(client, works_order, amount="95.00", reason="Screen protector free")
    assert price_of(works_order) == Decimal("95.00")
    said = works_order.timeline.get(event=Event.DETAILS).text
    assert said == "Final price £95.00 (quote £120.00): Screen protector free"


def test_no_charge_is_explicit_and_says_why(client_as, personas):
    works_order = on_the_bench(personas)
    client = client_as(personas.manager)
    refused = post_price(client, works_order, no_charge="on", amount="")
    assert "Say why the price differs" in refused.content.decode()
    assert price_of(works_order) is None
    post_price(client, works_order, no_charge="on", amount="", reason="Warranty comeback")
    assert price_of(works_order) == Decimal("0.00")


def test_the_quote_includes_extra_work_the_customer_approved(personas):
    works_order = on_the_bench(personas)
    port = LineData(description="Charging port", unit_price=Decimal("50.00"))
    services.extra_work_add(works_order=works_order, line=port, reason="", by=personas.technician)
    services.approval_record(
        works_order=works_order, approved=True, method="phone", by=personas.front_desk
    )
    works_order.refresh_from_db()
    services.final_price_set(
        works_order=works_order, amount=Decimal("180.00"), reason="", by=personas.technician
    )
    assert price_of(works_order) == Decimal("180.00")


@pytest.mark.parametrize("who", ["front_desk", "second_technician"])
def test_only_the_technician_on_the_job_or_a_manager_sets_the_price(client_as, personas, who):
    works_order = on_the_bench(personas)
    response = post_price(client_as(getattr(personas, who)), works_order, amount="0.00", reason="x")
    if who == "front_desk":
        assert response.status_code == 403  # not a bench role at all
    else:
        assert "Only the technician on the job or a manager" in response.content.decode()
    assert price_of(works_order) is None
    assert not works_order.timeline.filter(event=Event.DETAILS).exists()


def test_a_closed_jobs_price_never_changes(client_as, personas):
    works_order = on_the_bench(personas)
    services.final_price_set(
        works_order=works_order, amount=Decimal("120.00"), reason="", by=personas.technician
    )
    WorksOrder.objects.for_shop(personas.shop).filter(pk=works_order.pk).update(
        status=Status.COLLECTED
    )
    for member in (personas.manager, personas.technician):
        response = post_price(client_as(member), works_order, amount="0.00", reason="Goodwill")
        assert "the price of a closed job does not change" in response.content.decode()
    assert price_of(works_order) == Decimal("120.00")
    page = client_as(personas.manager).get(reverse("works_order_detail", args=[works_order.number]))
    assert 'name="price-amount"' not in page.content.decode()  # no form to try it with


def test_money_on_the_timeline_is_in_the_shops_currency(personas):
    personas.shop.currency = "EUR"
    personas.shop.save()
    works_order = on_the_bench(personas)
    port = LineData(description="Charging port", unit_price=Decimal("50.00"))
    services.extra_work_add(works_order=works_order, line=port, reason="", by=personas.technician)
    services.approval_record(
        works_order=works_order, approved=True, method="phone", by=personas.front_desk
    )
    services.final_price_set(
        works_order=works_order, amount=Decimal("170.00"), reason="Rounded", by=personas.manager
    )
    texts = " | ".join(works_order.timeline.values_list("text", flat=True))
    assert "£" not in texts
    assert "Customer approved €180.00" in texts
    assert "Final price €170.00 (quote €180.00): Rounded" in texts


def test_the_timeline_says_from_and_to_for_each_step(client_as, personas):
    works_order = on_the_bench(personas)
    works_order_advance(
        works_order=works_order, step="wait_for_parts", by=personas.technician, reason="Battery"
    )
    page = client_as(personas.manager).get(reverse("works_order_detail", args=[works_order.number]))
    html = page.content.decode()
    assert "Assigned → In progress" in html
    assert "Intake → Assigned: to Jack Morgan" in html
    assert "In progress → Waiting for parts: Battery" in html
    assert "Status changed</strong>: Start work" not in html
