"""The accounting export: a period's invoices, credit notes and payments as CSV files in the
column layouts Xero and QuickBooks Online import.

What goes in each column (the README has the same table for the bookkeeper):

* Xero sales invoices (Business › Invoices › Import) and Xero credit notes (the Credit notes
  tab's Import, the same template with CreditNoteNumber and CreditNoteDate): one row per invoice
  line. ContactName is the name on the invoice, EmailAddress the customer's, POAddressLine1–4
  the invoice's customer address line by line (the rest of the address columns stay empty: the
  shop keeps an address as one text). InvoiceNumber/CreditNoteNumber is ours (INV-000001,
  CN-000001), Reference the works order number, InvoiceDate the issue date, DueDate the same
  day (the shop is paid at the counter; there are no credit terms to state). Quantity and
  UnitAmount are the line's, net of VAT — choose "Tax exclusive" when importing — and TaxAmount
  the line's VAT as the invoice shows it, so Xero's totals are ours to the penny. AccountCode is
  200, Xero's default Sales account; TaxType is the name of Xero's UK rate ("20% (VAT on
  Income)", "5% (VAT on Income)", "Zero Rated Income"; "No VAT" when the shop is not VAT
  registered). TrackingName1/TrackingOption1 carry the branch. Credit notes are positive: Xero
  credits them itself.
* QuickBooks Online invoices (Settings › Import data › Invoices): one row per line. InvoiceNo,
  Customer, InvoiceDate, DueDate as above; Item(Product/Service) is the line's kind (Labour,
  Parts, Other, Discount), ItemDescription the line's words, ItemQuantity, ItemRate (net unit
  price), ItemAmount (net), ItemTaxCode the UK code ("20.0% S", "5.0% R", "0.0% Z", "No VAT")
  and ItemTaxAmount the line's VAT; Location is the branch, Memo the works order. QuickBooks'
  own import takes invoices only; credit notes come in the same columns in a file of their own
  (InvoiceNo holding the CN number, amounts positive) for entering as credit notes there.
* Payments and refunds: the bank-statement layout both import (Xero's Date, Amount, Payee,
  Description, Reference, mapped on import; QuickBooks' Date, Description, Amount), with the
  method, invoice, works order and branch after them. A refund is a negative amount. Deposits
  are payments; the "paid at the counter" records carried over from before invoices are left
  out (no money moved when they were written).

Dates are DD/MM/YYYY (the UK editions of both); amounts have two decimals and no symbol. A
document or payment belongs to the period by the day it was issued or taken in the shop's time.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from billing.models import DocumentKind, Invoice, InvoiceLine, Method, Payment
from shops.models import Shop
from tickets.models import LineKind

XERO_SALES_ACCOUNT = "200"
LAYOUTS = {
    "xero_invoices": "Xero: sales invoices",
    "xero_credit_notes": "Xero: credit notes",
    "quickbooks_invoices": "QuickBooks Online: invoices",
    "quickbooks_credit_notes": "QuickBooks Online: credit notes",
    "payments": "Payments and refunds (bank-statement layout)",
}
XERO_COLUMNS = [
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3",
    "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber",
    "Reference", "*InvoiceDate", "*DueDate", "InventoryItemCode", "*Description", "*Quantity",
    "*UnitAmount", "Discount", "*AccountCode", "*TaxType", "TaxAmount", "TrackingName1",
    "TrackingOption1", "TrackingName2", "TrackingOption2", "Currency", "BrandingTheme",
]  # fmt: skip
XERO_CREDIT_COLUMNS = [
    {"*InvoiceNumber": "*CreditNoteNumber", "*InvoiceDate": "*CreditNoteDate"}.get(c, c)
    for c in XERO_COLUMNS
    if c != "*DueDate"
]
QUICKBOOKS_COLUMNS = [
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Terms", "Location", "Memo",
    "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount",
    "ItemTaxCode", "ItemTaxAmount", "Currency",
]  # fmt: skip
PAYMENT_COLUMNS = [
    "Date", "Amount", "Payee", "Description", "Reference", "Method", "InvoiceNumber",
    "WorksOrder", "Branch",
]  # fmt: skip
ITEM_OF_KIND = {
    LineKind.LABOUR: "Labour",
    LineKind.PART: "Parts",
    LineKind.DISCOUNT: "Discount",
}


def day_text(moment: datetime.datetime | datetime.date) -> str:
    if isinstance(moment, datetime.datetime):
        moment = timezone.localdate(moment)
    return f"{moment:%d/%m/%Y}"


def amount_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


def quantity_text(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def xero_tax_type(rate: Decimal, registered: bool) -> str:
    if not registered:
        return "No VAT"
    if rate == 0:
        return "Zero Rated Income"
    return f"{rate.normalize():f}% (VAT on Income)"


def quickbooks_tax_code(rate: Decimal, registered: bool) -> str:
    if not registered:
        return "No VAT"
    letter = {Decimal(20): "S", Decimal(5): "R", Decimal(0): "Z"}.get(rate.normalize(), "")
    return f"{rate:.1f}% {letter}".strip()


def documents_in(shop: Shop, start: datetime.datetime, end: datetime.datetime, kind: str):
    return (
        Invoice.objects.for_shop(shop)
        .filter(kind=kind, issued_at__gte=start, issued_at__lt=end)
        .select_related("works_order__customer", "works_order__branch")
        .prefetch_related("lines")
        .order_by("issued_at", "id")
    )


def payments_in(shop: Shop, start: datetime.datetime, end: datetime.datetime):
    return (
        Payment.objects.for_shop(shop)
        .filter(taken_at__gte=start, taken_at__lt=end)
        .exclude(method=Method.RECORDED)
        .select_related("works_order__customer", "works_order__branch")
        .order_by("taken_at", "id")
    )


def _address_lines(address: str) -> list[str]:
    lines = [line.strip() for line in address.splitlines() if line.strip()][:4]
    return lines + [""] * (4 - len(lines))


def xero_rows(documents, *, credit_notes: bool) -> Iterator[dict]:
    for doc in documents:
        registered = bool(doc.supplier_vat_number)
        works_order = doc.works_order
        first = dict(
            zip(["POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4"],
                _address_lines(doc.customer_address), strict=True)
        )  # fmt: skip
        line: InvoiceLine
        for line in doc.lines.all():
            row = {
                "*ContactName": doc.customer_name,
                "EmailAddress": works_order.customer.email,
                **first,
                "Reference": doc.works_order_number,
                "*Description": line.description,
                "*Quantity": quantity_text(line.quantity),
                "*UnitAmount": amount_text(line.unit_price),
                "*AccountCode": XERO_SALES_ACCOUNT,
                "*TaxType": xero_tax_type(line.vat_rate, registered),
                "TaxAmount": amount_text(line.vat),
                "TrackingName1": "Branch",
                "TrackingOption1": works_order.branch.name,
                "Currency": doc.currency,
            }
            if credit_notes:
                row["*CreditNoteNumber"] = doc.number
                row["*CreditNoteDate"] = day_text(doc.issued_at)
            else:
                row["*InvoiceNumber"] = doc.number
                row["*InvoiceDate"] = row["*DueDate"] = day_text(doc.issued_at)
            yield row


def quickbooks_rows(documents) -> Iterator[dict]:
    for doc in documents:
        registered = bool(doc.supplier_vat_number)
        for line in doc.lines.all():
            yield {
                "InvoiceNo": doc.number,
                "Customer": doc.customer_name,
                "InvoiceDate": day_text(doc.issued_at),
                "DueDate": day_text(doc.issued_at),
                "Terms": "Due on receipt",
                "Location": doc.works_order.branch.name,
                "Memo": doc.works_order_number
                + (f" (credits {doc.credits.number}: {doc.reason})" if doc.credits_id else ""),
                "Item(Product/Service)": ITEM_OF_KIND.get(line.kind, "Other"),
                "ItemDescription": line.description,
                "ItemQuantity": quantity_text(line.quantity),
                "ItemRate": amount_text(line.unit_price),
                "ItemAmount": amount_text(line.net),
                "ItemTaxCode": quickbooks_tax_code(line.vat_rate, registered),
                "ItemTaxAmount": amount_text(line.vat),
                "Currency": doc.currency,
            }


def payment_rows(payments, invoice_numbers: dict[int, str]) -> Iterator[dict]:
    for payment in payments:
        works_order = payment.works_order
        what = payment.what
        yield {
            "Date": day_text(payment.taken_at),
            "Amount": amount_text(payment.signed_amount),
            "Payee": works_order.customer.full_name,
            "Description": f"{what} {works_order.number}"
            + (f": {payment.reason}" if payment.reason else ""),
            "Reference": payment.reference or f"P{payment.pk}",
            "Method": payment.get_method_display(),
            "InvoiceNumber": invoice_numbers.get(works_order.pk, ""),
            "WorksOrder": works_order.number,
            "Branch": works_order.branch.name,
        }


def export_csv(*, shop: Shop, layout: str, start: datetime.datetime, end: datetime.datetime) -> str:
    """The CSV text of one layout for [start, end)."""
    buffer = io.StringIO()
    if layout == "payments":
        payments = list(payments_in(shop, start, end))
        jobs = {p.works_order_id for p in payments}
        numbers = dict(
            Invoice.objects.for_shop(shop)
            .filter(works_order_id__in=jobs, kind=DocumentKind.INVOICE)
            .values_list("works_order_id", "number")
        )
        columns, rows = PAYMENT_COLUMNS, payment_rows(payments, numbers)
    else:
        credit_notes = layout.endswith("credit_notes")
        kind = DocumentKind.CREDIT_NOTE if credit_notes else DocumentKind.INVOICE
        documents = documents_in(shop, start, end, kind)
        if credit_notes:
            documents = documents.select_related("credits")
        if layout.startswith("xero"):
            columns = XERO_CREDIT_COLUMNS if credit_notes else XERO_COLUMNS
            rows = xero_rows(documents, credit_notes=credit_notes)
        else:
            columns, rows = QUICKBOOKS_COLUMNS, quickbooks_rows(documents)
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _safe(value) for name, value in row.items()})
    return buffer.getvalue()


def _safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, @, a tab…) is quoted as text."""
    if value and value[0] in "=+@\t\r" and not _is_number(value):
        return "'" + value
    if value and value[0] == "-" and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True
