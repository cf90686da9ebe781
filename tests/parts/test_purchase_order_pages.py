"""Purchase orders on screen: a manager drafts and sends one (by email with the PDF), the
counter takes the delivery in line by line and sees which jobs can go ahead."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from parts import services
from parts.models import OrderStatus, PurchaseOrder
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas, supplier, supplies, screen):
    order = services.purchase_order_create(
        supplier=supplier, branch=personas.branch, by=personas.manager, notes="Account FC-1182"
    )
    services.purchase_order_add_line(order=order, part=screen, quantity=3)
    return order


@pytest.fixture
def sent(personas, draft):
    return services.purchase_order_send(order=draft, by=personas.manager)


def text_of_pdf(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def test_a_manager_starts_a_draft_and_adds_a_line_by_part_number(
    client_as, personas, supplier, supplies, screen
):
    client = client_as(personas.manager)
    answer = client.post(
        reverse("purchase_order_create"),
        {"supplier": supplier.pk, "branch": personas.branch.pk},
        follow=True,
    )
    assert "Draft PO-000001 started" in answer.content.decode()
    url = reverse("po_line_add", args=["PO-000001"])
    client.post(url, {"line-code": "ip13-scr-oem", "line-quantity": "2"})
    unknown = client.post(url, {"line-code": "NOPE", "line-quantity": "1"})
    assert "No part has this part number or barcode." in unknown.content.decode()
    order = PurchaseOrder.objects.for_shop(personas.shop).get()
    assert [(line.part, line.quantity) for line in order.lines.all()] == [(screen, 2)]


def test_the_pdf_carries_the_number_lines_supplier_and_delivery_address(client_as, personas, draft):
    answer = client_as(personas.technician).get(reverse("purchase_order_pdf", args=[draft.number]))
    assert answer["Content-Type"] == "application/pdf"
    text = text_of_pdf(answer.content)
    for fact in [
        "PO-000001",
        "Mobile Parts Direct",
        "IP13-SCR-OEM",
        "£240.00",
        "Birmingham",
        "Account FC-1182",
        "DRAFT",
    ]:
        assert fact in text, fact


def test_emailing_the_order_sends_the_pdf_to_the_supplier_and_marks_it_sent(
    client_as, personas, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_as(personas.manager).post(
            reverse("purchase_order_send", args=[draft.number]), {"how": "email"}, follow=True
        )
    assert f"PO-000001 emailed to {draft.supplier.email}" in answer.content.decode()
    (email,) = mail.outbox
    assert email.to == [draft.supplier.email] and email.reply_to == ["manager@example.com"]
    assert "PO-000001" in email.subject
    _, content, kind = email.attachments[0]
    assert kind == "application/pdf" and "PO-000001" in text_of_pdf(content)
    draft.refresh_from_db()
    assert draft.status == OrderStatus.SENT and draft.expected_on


def test_the_counter_receives_part_of_a_delivery_and_the_order_stays_open(
    client_as, personas, sent, screen
):
    line = sent.lines.get()
    client = client_as(personas.front_desk)
    form = client.get(reverse("purchase_order_receive", args=[sent.number]))
    assert form.status_code == 200
    answer = client.post(
        reverse("purchase_order_receive", args=[sent.number]),
        {f"line-{line.pk}-quantity": "2"},
        follow=True,
    )
    assert "Received 2 parts into Birmingham." in answer.content.decode()
    sent.refresh_from_db()
    assert sent.status == OrderStatus.PARTLY_RECEIVED
    assert figures(screen, personas.branch) == (2, 0, 2)


def test_an_over_delivery_is_refused_on_the_form_until_it_is_accepted(
    client_as, personas, sent, screen
):
    line = sent.lines.get()
    url = reverse("purchase_order_receive", args=[sent.number])
    client = client_as(personas.front_desk)
    refused = client.post(url, {f"line-{line.pk}-quantity": "4"})
    assert refused.status_code == 400
    assert "4 arrived but 3 are outstanding" in refused.content.decode()
    client.post(url, {f"line-{line.pk}-quantity": "4", f"line-{line.pk}-accept_extra": "on"})
    sent.refresh_from_db()
    assert sent.status == OrderStatus.RECEIVED and figures(screen, personas.branch)[0] == 4


def test_receiving_names_the_jobs_that_can_now_go_ahead(client_as, personas, supplies, screen, job):
    wanted = services.works_order_order_part(
        works_order=job, part=screen, quantity=1, by=personas.technician
    )
    order = services.purchase_order_send(order=wanted.po_line.order, by=personas.manager)
    answer = client_as(personas.front_desk).post(
        reverse("purchase_order_receive", args=[order.number]),
        {f"line-{wanted.po_line.pk}-quantity": "1"},
        follow=True,
    )
    page = answer.content.decode()
    assert f"Can go ahead now: {job.number}." in page
    assert "Parts in: can go ahead" in page


def test_a_technician_reads_orders_but_cannot_raise_send_or_receive_them(
    client_as, personas, sent, draft
):
    client = client_as(personas.technician)
    assert client.get(reverse("purchase_orders")).status_code == 200
    assert client.get(reverse("purchase_order_detail", args=[sent.number])).status_code == 200
    assert client.get(reverse("purchase_order_create")).status_code == 403
    assert client.post(reverse("purchase_order_send", args=[sent.number])).status_code == 403
    assert client.get(reverse("purchase_order_receive", args=[sent.number])).status_code == 403
    assert client.post(reverse("purchase_order_cancel", args=[sent.number])).status_code == 403


def test_a_manager_moves_the_expected_date_and_cancels_with_a_reason(client_as, personas, sent):
    client = client_as(personas.manager)
    client.post(
        reverse("purchase_order_expected", args=[sent.number]),
        {"expected-expected_on": "2031-01-20"},
    )
    sent.refresh_from_db()
    assert str(sent.expected_on) == "2031-01-20"
    refused = client.post(reverse("purchase_order_cancel", args=[sent.number]), {})
    assert "Say why the order is cancelled" in refused.content.decode()
    client.post(
        reverse("purchase_order_cancel", args=[sent.number]), {"cancel-reason": "Discontinued"}
    )
    sent.refresh_from_db()
    assert sent.status == OrderStatus.CANCELLED


def test_suppliers_are_managed_by_managers_and_names_are_unique(client_as, personas, supplier):
    client = client_as(personas.manager)
    data = {"name": "mobile parts  direct", "lead_time_days": "2", "is_active": "on"}
    taken = client.post(reverse("supplier_create"), data)
    assert "Another supplier already has this name." in taken.content.decode()
    client.post(reverse("supplier_create"), {**data, "name": "Fone Wholesale"})
    assert "Fone Wholesale" in client.get(reverse("suppliers")).content.decode()
    tech = client_as(personas.technician)
    assert tech.get(reverse("supplier_edit", args=[supplier.pk])).status_code == 200
    assert tech.post(reverse("supplier_edit", args=[supplier.pk]), data).status_code == 403
