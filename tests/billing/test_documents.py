"""Invoice and credit-note PDFs: the right facts on the right paper, stored once per version and
format, downloadable by staff and by the customer from the status page, emailed once per version."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from billing import documents, services
from billing.models import DocumentFormat, DocumentPdf, Method
from notifications.models import Channel, Message, State
from shops.models import Shop
from tickets.qr import STATUS_PATH

MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def invoice(personas, ready):
    ready.customer.email = "dee@example.com"
    ready.customer.save()
    return services.invoice_issue(works_order=ready, by=personas.front_desk)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def stored_bytes(stored: DocumentPdf) -> bytes:
    with stored.file.open("rb") as file:
        return file.read()


def credit(invoice, personas, amount="24.00", reason="Screen protector not fitted"):
    return services.credit_note_issue(
        invoice=invoice, amount=Decimal(amount), reason=reason, by=personas.manager
    )


def test_it_renders_the_invoice_on_a4_with_every_vat_invoice_field(personas, ready):
    Shop.objects.filter(pk=personas.shop.pk).update(vat_number="GB123456789")
    ready.shop.refresh_from_db()
    invoice = services.invoice_issue(works_order=ready, by=personas.front_desk)
    stored = documents.document_pdf(invoice, DocumentFormat.A4)
    raw = stored_bytes(stored)
    page = PdfReader(io.BytesIO(raw)).pages[0]
    assert (round(page.mediabox.width / MM), round(page.mediabox.height / MM)) == (210, 297)
    text = text_of(raw)
    for fact in [
        "VAT invoice",
        "GB123456789",
        invoice.number,
        invoice.works_order_number,
        "Fix Corner Repairs",
        invoice.customer_name,
        "iPhone 13 screen",
        "Fitting",
        "20%",
        "£120.00",  # net
        "£24.00",  # VAT
        "£144.00",  # gross
        "Time of supply",
    ]:
        assert fact in text, fact
    assert stored.version == 1 and stored.size == len(raw) > 1000


def test_the_roll_receipt_is_80_mm_wide_and_cut_after_the_total(invoice):
    raw = stored_bytes(documents.document_pdf(invoice, DocumentFormat.ROLL))
    reader = PdfReader(io.BytesIO(raw))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert round(page.mediabox.width / MM) == 80
    assert 60 < page.mediabox.height / MM < 400  # fed for the receipt, not for 2 m
    text = text_of(raw)
    assert invoice.number in text and "£144.00" in text and "Total incl. VAT" in text


def test_it_stores_one_file_per_version_and_format_and_serves_it_again(invoice, personas):
    first = documents.document_pdf(invoice, DocumentFormat.A4)
    again = documents.document_pdf(invoice, DocumentFormat.A4)
    assert again.pk == first.pk
    assert DocumentPdf.objects.for_shop(personas.shop).count() == 1
    assert first.file.name.startswith(f"private/shop-{personas.shop.pk}/invoices/")


def test_a_credit_note_makes_a_new_version_and_gets_a_pdf_of_its_own(invoice, personas):
    before = documents.document_pdf(invoice, DocumentFormat.A4)
    note = credit(invoice, personas)
    assert documents.document_version(invoice) == 2
    after = documents.document_pdf(invoice, DocumentFormat.A4)
    assert after.pk != before.pk and after.version == 2
    text = text_of(stored_bytes(after))
    assert note.number in text and "After credit notes" in text and "£120.00" in text
    assert note.number not in text_of(stored_bytes(before))  # what was sent stays as it was
    note_text = text_of(stored_bytes(documents.document_pdf(note, DocumentFormat.A4)))
    assert "credit note" in note_text.lower() and invoice.number in note_text
    assert "Screen protector not fitted" in note_text and "£24.00" in note_text


def test_the_pdfs_rasterise_to_one_page_each(invoice, tmp_path):
    for layout in DocumentFormat:
        path = tmp_path / f"{layout}.pdf"
        path.write_bytes(stored_bytes(documents.document_pdf(invoice, layout)))
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / layout)], check=True
        )
        assert len(list(tmp_path.glob(f"{layout}-*.png"))) == 1


def test_staff_download_the_pdfs_from_the_billing_panel(client_as, personas, invoice):
    client = client_as(personas.technician)
    panel = client.get(reverse("billing_panel", args=[invoice.works_order_number])).content
    pdf_url = reverse("invoice_pdf", args=[invoice.number])
    assert pdf_url.encode() in panel and f"{pdf_url}?layout=roll".encode() in panel
    for query, width in (("", 210), ("?layout=roll", 80), ("?layout=%00bogus", 210)):
        response = client.get(pdf_url + query)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        page = PdfReader(io.BytesIO(response.content)).pages[0]
        assert round(page.mediabox.width / MM) == width


def test_another_shops_invoice_pdf_is_404(client_as, personas, invoice):
    response = client_as(personas.outsider).get(reverse("invoice_pdf", args=[invoice.number]))
    assert response.status_code == 404


def status_url(invoice) -> str:
    return STATUS_PATH.format(token=invoice.works_order.status_token)


def test_the_customer_downloads_the_invoice_from_the_status_page(
    client, invoice, personas, django_assert_num_queries
):
    note = credit(invoice, personas)
    with django_assert_num_queries(2):
        page = client.get(status_url(invoice))
    assert page.status_code == 200
    token = invoice.works_order.status_token
    for document in (invoice, note):
        link = reverse("status_document", args=[token, document.number])
        assert link.encode() in page.content
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["Cache-Control"] == "private, no-store"
        assert document.number in text_of(response.content)


def test_no_invoice_no_documents_on_the_status_page(client, ready):
    page = client.get(STATUS_PATH.format(token=ready.status_token)).content.decode()
    assert "Your invoice" not in page and "/documents/" not in page


def test_a_customer_gets_only_their_own_jobs_documents(client, personas, invoice):
    from tests.billing.conftest import ready_job

    other_job = ready_job(personas)
    other = services.invoice_issue(works_order=other_job, by=personas.front_desk)
    token = invoice.works_order.status_token
    for url in [
        reverse("status_document", args=[token, other.number]),  # another customer's invoice
        reverse("status_document", args=["x" * 22, invoice.number]),  # a guessed token
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert b"doesn't work" in response.content


def test_the_customer_is_emailed_links_once_per_version(personas, invoice):
    assert documents.documents_prepare(invoice.pk) == 2  # A4 and roll
    assert documents.documents_prepare(invoice.pk) == 0  # already there: nothing again
    messages = Message.objects.for_shop(personas.shop).filter(key__startswith="documents:")
    assert messages.count() == 1
    message = messages.get()
    assert message.channel == Channel.EMAIL and message.recipient == "dee@example.com"
    assert message.state == State.QUEUED
    token = invoice.works_order.status_token
    assert reverse("status_document", args=[token, invoice.number]) in message.body
    assert message.subject == f"Invoice {invoice.number} from Fix Corner Repairs"

    note = credit(invoice, personas)
    assert documents.documents_prepare(note.pk) == 4  # the note's two and the invoice's v2
    assert messages.count() == 2
    second = messages.get(key=f"documents:{invoice.number}:v2")
    assert note.number in second.body
    assert reverse("status_document", args=[token, note.number]) in second.body
    assert DocumentPdf.objects.for_shop(personas.shop).count() == 6


def test_a_customer_without_email_is_kept_as_not_sent(personas, ready):
    ready.customer.email = ""
    ready.customer.save()
    invoice = services.invoice_issue(works_order=ready, by=personas.front_desk)
    documents.documents_prepare(invoice.pk)
    message = Message.objects.for_shop(personas.shop).get(key__startswith="documents:")
    assert message.state == State.NOT_SENT and "no email" in message.not_sent_reason


def test_a_document_gone_before_the_worker_came_is_skipped(db):
    assert documents.documents_prepare(987654321) == 0


def test_paying_issues_the_invoice_whose_pdf_shows_the_same_total(personas, ready):
    services.payment_take(
        works_order=ready, method=Method.CASH, amount=Decimal("144.00"), by=personas.front_desk
    )
    from billing.selectors import invoice_for

    invoice = invoice_for(ready)
    text = text_of(stored_bytes(documents.document_pdf(invoice, DocumentFormat.ROLL)))
    assert "£144.00" in text


def test_a_shop_without_a_vat_number_issues_a_plain_invoice(invoice):
    assert invoice.supplier_vat_number == ""
    text = text_of(stored_bytes(documents.document_pdf(invoice, DocumentFormat.A4)))
    assert "INVOICE" in text and invoice.number in text
    assert "VAT invoice" not in text and "VAT INVOICE" not in text and "VAT reg. no." not in text
