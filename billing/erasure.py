"""A customer's invoices after they are erased (privacy.services.customer_erase).

The invoice stays: HMRC wants VAT records kept six years (number, date, supply, amounts, VAT).
A consumer's name and address are not among what it needs (a retailer need not even issue a VAT
invoice to someone not registered for VAT), so they are replaced, through the one exception the
invoice seal allows (privacy migration 0002). Lines, amounts and numbers are untouched. Stored
PDFs carry the old name: they are deleted and render again, anonymised, when next asked for."""

from __future__ import annotations

from django.db import transaction

from billing.models import DocumentPdf, Invoice, Payment, PaymentExemption
from customers.erasure import ERASED_NAME
from shops.redaction import redacted


def invoices_erase(*, shop_id: int, customer_id: int, pattern: str | None) -> dict[str, int]:
    invoices = Invoice.objects.for_shop(shop_id).filter(works_order__customer_id=customer_id)
    counts = {"invoices": invoices.update(customer_name=ERASED_NAME, customer_address="")}
    pdfs = DocumentPdf.objects.for_shop(shop_id).filter(invoice__in=invoices)
    files = [pdf.file for pdf in pdfs]
    counts["invoice_pdfs"] = pdfs.delete()[0]
    for file in files:
        transaction.on_commit(lambda file=file: file.delete(save=False), robust=True)
    if pattern:
        Payment.objects.for_shop(shop_id).filter(works_order__customer_id=customer_id).update(
            reference=redacted("reference", pattern), reason=redacted("reason", pattern)
        )
        PaymentExemption.objects.for_shop(shop_id).filter(
            works_order__customer_id=customer_id
        ).update(note=redacted("note", pattern))
    return counts
