"""Parts on the bench: held for the job, ordered when the branch has none, fitted by scanning."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parts import services as parts
from parts.models import OrderStatus, PartStatus, PurchaseOrder, WorksOrderPart
from parts.selectors import stock_figures
from tests.factories import PartFactory, SupplierPartFactory, WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import Status, WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.django_db


def on_the_bench(personas) -> WorksOrder:
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    return works_order_advance(works_order=works_order, step="start", by=personas.technician)


def stocked(personas, quantity: int, **part):
    part = PartFactory(shop=personas.shop, **part)
    if quantity:
        serials = [f"SN{i}" for i in range(quantity)] if part.tracks_serials else ()
        parts.stock_receive(
            part=part,
            branch=personas.branch,
            quantity=quantity,
            by=personas.manager,
            serials=serials,
        )
    return part


def post(client, name, works_order, data, **kwargs):
    return client.post(
        reverse(name, args=[works_order.number, *kwargs.values()]), data, follow=True
    )


def card_of(client, works_order) -> str:
    html = client.get(reverse("board")).content.decode()
    return re.search(rf'data-number="{works_order.number}".*?</li>', html, re.S).group(0)


def test_a_part_the_branch_has_is_held_for_the_job(client_as, personas):
    works_order = on_the_bench(personas)
    part = stocked(personas, 3, name="iPhone 13 battery", part_number="IP13-BAT")
    client = client_as(personas.technician)

    response = post(
        client, "part_needed", works_order, {"need-part": "ip13-bat", "need-quantity": 1}
    )

    assert "1 × iPhone 13 battery reserved for the job." in response.content.decode()
    line = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=works_order)
    assert line.status == PartStatus.RESERVED
    figures = stock_figures(part, personas.branch)
    assert (figures.on_hand, figures.reserved) == (3, 1)
    assert "Reserved</span> on the shelf for this job" in response.content.decode()


def test_a_part_is_found_by_name_and_an_unclear_name_lists_the_candidates(client_as, personas):
    works_order = on_the_bench(personas)
    stocked(personas, 1, name="iPhone 13 screen (OEM)", part_number="IP13-SCR-OEM")
    stocked(personas, 1, name="iPhone 13 screen (aftermarket)", part_number="IP13-SCR-AM")
    client = client_as(personas.technician)

    unclear = post(
        client, "part_needed", works_order, {"need-part": "13 screen", "need-quantity": 1}
    )
    assert unclear.status_code == 400
    text = unclear.content.decode()
    assert "Several parts match" in text and "IP13-SCR-OEM" in text and "IP13-SCR-AM" in text

    clear = post(
        client, "part_needed", works_order, {"need-part": "13 screen OEM", "need-quantity": 1}
    )
    assert "iPhone 13 screen (OEM) reserved" in clear.content.decode()


def test_a_part_the_branch_lacks_is_ordered_and_the_job_waits_for_it(client_as, personas):
    works_order = on_the_bench(personas)
    part = stocked(personas, 0, name="Galaxy S23 screen", part_number="GS23-SCR")
    SupplierPartFactory(part=part, supplier__name="Mobile Parts Direct", supplier__lead_time_days=2)
    client = client_as(personas.technician)

    short = post(client, "part_needed", works_order, {"need-part": "GS23-SCR", "need-quantity": 1})
    assert "Not enough stock of Galaxy S23 screen: 1 needed, 0 available." in short.content.decode()
    line = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=works_order)
    assert line.status == PartStatus.NEEDED

    ordered = post(client, "part_order", works_order, {}, line=line.pk)
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_PARTS
    order = PurchaseOrder.objects.for_shop(personas.shop).get()
    assert order.status == OrderStatus.DRAFT and order.supplier.name == "Mobile Parts Direct"
    assert f"Galaxy S23 screen added to {order.number} (Mobile Parts Direct)." in (
        ordered.content.decode()
    )
    assert works_order.timeline.filter(text__contains=f"1 × Galaxy S23 screen on {order.number}")
    assert "Parts on order, not sent yet" in card_of(client, works_order)

    parts.purchase_order_send(order=order, by=personas.manager)
    due = timezone.localdate() + datetime.timedelta(days=2)
    assert f"Parts due {due:%a} {due.day} {due:%b}" in card_of(client, works_order)
    page = client.get(reverse("works_order_detail", args=[works_order.number])).content.decode()
    assert f"due {due:%a} {due.day} {due:%b}" in page

    parts.purchase_order_receive(
        order=order,
        deliveries=[parts.Delivery(line=order.lines.get(), quantity=1)],
        by=personas.front_desk,
    )
    card = card_of(client, works_order)
    assert "Parts arrived" in card and "bc-parts-in" in card
    line.refresh_from_db()
    assert line.status == PartStatus.RESERVED  # kept for this job, not for the next customer


def test_scanning_a_part_records_it_as_fitted_from_the_jobs_reservation(client_as, personas):
    works_order = on_the_bench(personas)
    part = stocked(personas, 2, name="Pixel 8 battery", barcode="5012345678900")
    client = client_as(personas.technician)
    post(client, "part_needed", works_order, {"need-part": part.part_number, "need-quantity": 1})

    response = client.post(
        reverse("part_fitted", args=[works_order.number]), {"fit-code": "5012345678900"}
    )
    assert response.status_code == 302 and response.url.endswith("#id_fit-code")  # ready again
    line = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=works_order)
    assert line.status == PartStatus.USED and line.used_at
    figures = stock_figures(part, personas.branch)
    assert (figures.on_hand, figures.reserved) == (1, 0)


def test_a_part_with_serial_numbers_is_not_fitted_without_one(client_as, personas):
    works_order = on_the_bench(personas)
    part = stocked(personas, 1, name="iPhone 15 screen (OEM)", tracks_serials=True)
    client = client_as(personas.technician)

    refused = post(client, "part_fitted", works_order, {"fit-code": part.barcode})
    text = refused.content.decode()
    assert refused.status_code == 400 and "Scan or type the serial or batch number" in text
    assert re.search(r'name="fit-serial"[^>]*autofocus', text)  # the next scan lands there
    assert re.search(rf'name="fit-code" value="{part.barcode}"', text)  # what was read is kept
    assert stock_figures(part, personas.branch).on_hand == 1

    fitted = post(
        client, "part_fitted", works_order, {"fit-code": part.barcode, "fit-serial": "SN0"}
    )
    assert "Fitted 1 × iPhone 15 screen (OEM), S/N SN0." in fitted.content.decode()
    assert stock_figures(part, personas.branch).on_hand == 0


def test_cancelling_a_job_gives_its_parts_back(client_as, personas):
    works_order = on_the_bench(personas)
    held = stocked(personas, 1, name="iPhone 12 battery")
    wanted = stocked(personas, 0, name="iPhone 12 screen")
    SupplierPartFactory(part=wanted)
    client = client_as(personas.technician)
    post(client, "part_needed", works_order, {"need-part": held.part_number, "need-quantity": 1})
    post(client, "part_needed", works_order, {"need-part": wanted.part_number, "need-quantity": 1})
    post(client, "part_order", works_order, {}, line=works_order.part_lines.get(part=wanted).pk)

    client_as(personas.front_desk).post(
        reverse("works_order_cancel", args=[works_order.number]),
        {"cancel-reason": "Customer bought a new phone"},
    )

    assert stock_figures(held, personas.branch).reserved == 0  # back on the shelf
    order = PurchaseOrder.objects.for_shop(personas.shop).get()
    assert not order.lines.exists()  # off the draft: nobody buys a part for a cancelled job
    assert set(works_order.part_lines.values_list("status", flat=True)) == {PartStatus.RELEASED}


def test_another_jobs_part_line_is_not_found(client_as, personas):
    mine, theirs = on_the_bench(personas), on_the_bench(personas)
    part = stocked(personas, 0)
    line = parts.works_order_part_add(
        works_order=theirs, part=part, quantity=1, by=personas.manager
    )
    response = client_as(personas.technician).post(
        reverse("part_order", args=[mine.number, line.pk])
    )
    assert response.status_code == 404


def test_fitting_is_bench_work(client_as, personas):
    works_order = on_the_bench(personas)
    response = client_as(personas.front_desk).post(
        reverse("part_fitted", args=[works_order.number]), {"fit-code": "X"}
    )
    assert response.status_code == 403
