"""Invoices and credit notes as PDFs (A4, and 80 mm roll for the till printer), and sending them.

Rendered by the worker (billing.tasks.documents_prepare, queued when a document is issued) with
WeasyPrint through config.pdf, which loads nothing but the app's own static files. Each PDF is
stored once per document, version and format (DocumentPdf): an invoice's version is 1 + the
credit notes against it, because each credit note is printed on it, so a credit note makes a
new version and what was sent before stays as it was. A download that arrives before the worker
has rendered the current version renders it there and then (and stores it), so a link never
leads to nothing.

The customer gets an email with links to the PDFs (on their status page's address), once per
invoice version: the outbox key names the invoice and the version.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.models import (
    SIMPLIFIED_INVOICE_LIMIT,
    DocumentFormat,
    DocumentPdf,
    Invoice,
)
from billing.vat import ZERO
from config.pdf import render_pdf
from notifications.models import Channel, Message, Stage
from notifications.services import message_queue, why_not_to
from shops.money import format_money

TEMPLATES = {
    DocumentFormat.A4: "billing/pdf/invoice_a4.html",
    DocumentFormat.ROLL: "billing/pdf/invoice_roll.html",
}


def layout_of(value: str | None) -> str:
    """The format a download asks for (?layout=roll); anything else is A4."""
    return DocumentFormat.ROLL if value == DocumentFormat.ROLL else DocumentFormat.A4


def credit_notes_of(invoice: Invoice) -> list[Invoice]:
    if invoice.is_credit_note:
        return []
    return list(
        Invoice.objects.for_shop(invoice.shop_id)
        .filter(credits=invoice)
        .order_by("issued_at", "id")
    )


def document_version(invoice: Invoice) -> int:
    """1 for a credit note; 1 + the credit notes against it for an invoice."""
    if invoice.is_credit_note:
        return 1
    return 1 + Invoice.objects.for_shop(invoice.shop_id).filter(credits=invoice).count()


def document_context(invoice: Invoice, version: int) -> dict:
    """What the PDF shows: the document as issued and, on an invoice, the credit notes of this
    version with what is left to pay after them."""
    notes = credit_notes_of(invoice)[: version - 1]
    credited = sum((note.gross for note in notes), ZERO)
    branch = invoice.works_order.branch
    money = lambda amount: format_money(amount, invoice.currency)  # noqa: E731
    return {
        "invoice": invoice,
        "title": invoice.title,
        "credits_number": invoice.credits.number if invoice.credits_id else "",
        "lines": list(invoice.lines.all()),
        "credit_notes": [
            {
                "number": note.number,
                "issued_at": note.issued_at,
                "reason": note.reason,
                "gross": money(note.gross),
            }
            for note in notes
        ],
        "after_credits": money(invoice.gross - credited) if notes else "",
        "version": version,
        "branch_tz": branch.timezone,
        "simplified_limit": money(SIMPLIFIED_INVOICE_LIMIT),
        "totals": {
            "net": money(invoice.net),
            "vat": money(invoice.vat),
            "gross": money(invoice.gross),
        },
    }


def document_render(invoice: Invoice, layout: str, version: int) -> bytes:
    """The PDF's bytes, rendered now (nothing stored)."""
    return render_pdf(TEMPLATES[layout], document_context(invoice, version))


def _stored(invoice: Invoice, layout: str, version: int) -> DocumentPdf | None:
    return (
        DocumentPdf.objects.for_shop(invoice.shop_id)
        .filter(invoice=invoice, version=version, format=layout)
        .first()
    )


def document_pdf(invoice: Invoice, layout: str, *, version: int | None = None) -> DocumentPdf:
    """The stored PDF of the document's current version (or `version`), rendered and stored
    first if nobody has yet. Two renders at once store one file: the second finds the first's."""
    version = version or document_version(invoice)
    found = _stored(invoice, layout, version)
    if found is not None:
        return found
    started = time.perf_counter()
    pdf = document_render(invoice, layout, version)
    stored = DocumentPdf(
        shop_id=invoice.shop_id,
        invoice=invoice,
        version=version,
        format=layout,
        size=len(pdf),
        render_ms=round((time.perf_counter() - started) * 1000),
    )
    stored.file.save("document.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        stored.file.delete(save=False)
        return _stored(invoice, layout, version)
    return stored


def customer_link(invoice: Invoice, layout: str = DocumentFormat.A4) -> str:
    """The document's address under the customer's status link (no sign-in; the token is the
    secret), on PUBLIC_BASE_URL as every message link is."""
    path = reverse("status_document", args=[invoice.works_order.status_token, invoice.number])
    query = "" if layout == DocumentFormat.A4 else f"?layout={layout}"
    return settings.PUBLIC_BASE_URL.rstrip("/") + path + query


def documents_send(invoice: Invoice, *, version: int) -> Message:
    """Email the customer the invoice (this version) and its credit notes, as links; once per
    version however often it is asked (the outbox key)."""
    works_order = invoice.works_order
    customer = works_order.customer
    shop = works_order.shop
    money = lambda amount: format_money(amount, invoice.currency)  # noqa: E731
    notes = credit_notes_of(invoice)[: version - 1]
    first_name = (customer.full_name.split() or [""])[0]
    paragraphs = [
        f"Hello {first_name},".replace(" ,", ","),
        f"Your invoice {invoice.number} for repair {works_order.number} "
        f"({money(invoice.gross)}, VAT included) is ready to download:\n"
        f"{customer_link(invoice)}",
    ]
    for note in notes:
        paragraphs.append(
            f"Credit note {note.number} ({money(note.gross)}): {note.reason}\n{customer_link(note)}"
        )
    paragraphs.append(
        "The links work for as long as your repair's status page does. "
        "Please keep a copy for your records."
    )
    paragraphs.append(shop.name)
    subject = f"Invoice {invoice.number} from {shop.name}"
    if notes:
        subject = f"Credit note {notes[-1].number} against invoice {invoice.number}"
    return message_queue(
        customer=customer,
        works_order=works_order,
        stage=Stage.UPDATE,
        channel=Channel.EMAIL,
        key=f"documents:{invoice.number}:v{version}",
        body="\n\n".join(paragraphs),
        subject=subject,
        why_not=why_not_to(customer, Channel.EMAIL),
    )


def documents_prepare(document_id: int) -> int:
    """For a document just issued: render and store its PDFs (and, for a credit note, the
    invoice's new version), then email the customer. Returns how many PDFs were rendered; 0 and
    nothing else when the document no longer exists."""
    document = (
        Invoice.objects.all_shops()  # the task has only the id; the row names its shop
        .select_related("works_order__branch", "works_order__customer", "works_order__shop")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        return 0
    rendered = 0
    invoice = document
    if document.is_credit_note:
        for layout in DocumentFormat:
            rendered += _render_missing(document, layout, 1)
        invoice = (
            Invoice.objects.for_shop(document.shop_id)
            .select_related("works_order__branch", "works_order__customer", "works_order__shop")
            .get(pk=document.credits_id)
        )
    version = document_version(invoice)
    for layout in DocumentFormat:
        rendered += _render_missing(invoice, layout, version)
    documents_send(invoice, version=version)
    return rendered


def _render_missing(invoice: Invoice, layout: str, version: int) -> int:
    if _stored(invoice, layout, version) is not None:
        return 0
    document_pdf(invoice, layout, version=version)
    return 1
