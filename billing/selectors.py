"""Billing's reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from billing.models import DocumentKind, Invoice, Payment, PaymentExemption
from billing.vat import ZERO
from tickets.models import WorksOrder


def invoice_for(works_order: WorksOrder) -> Invoice | None:
    """The job's issued invoice, if any."""
    return (
        Invoice.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk, kind=DocumentKind.INVOICE)
        .first()
    )


def credited(invoice: Invoice) -> Decimal:
    total = (
        Invoice.objects.for_shop(invoice.shop_id)
        .filter(credits=invoice)
        .aggregate(total=Sum("gross"))["total"]
    )
    return total or ZERO


def amount_paid(works_order: WorksOrder) -> Decimal:
    """Money in less money given back, towards the bill (a held deposit is not)."""
    payments = Payment.objects.for_shop(works_order.shop_id).filter(
        works_order_id=works_order.pk, held=False
    )
    paid = payments.filter(refund_of__isnull=True).aggregate(t=Sum("amount"))["t"] or ZERO
    refunded = payments.filter(refund_of__isnull=False).aggregate(t=Sum("amount"))["t"] or ZERO
    return paid - refunded


def exemption_for(works_order: WorksOrder) -> PaymentExemption | None:
    return (
        PaymentExemption.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk)
        .select_related("granted_by__user")
        .first()
    )


@dataclass
class Billing:
    """What the invoice panel shows of one job."""

    invoice: Invoice | None
    credit_notes: list[Invoice]
    payments: list[Payment]
    exemption: PaymentExemption | None
    total: Decimal  # the invoice less credit notes, or the job's total before an invoice
    paid: Decimal

    @property
    def owed(self) -> Decimal:
        return self.total - self.paid

    @property
    def settled(self) -> bool:
        return self.exemption is not None or (self.invoice is not None and self.owed <= 0)


def billing_for(works_order: WorksOrder, total_before_invoice: Decimal) -> Billing:
    documents = list(
        Invoice.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk)
        .order_by("issued_at", "id")
    )
    invoice = next((d for d in documents if d.kind == DocumentKind.INVOICE), None)
    notes = [d for d in documents if d.kind == DocumentKind.CREDIT_NOTE]
    payments = list(
        Payment.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk)
        .select_related("taken_by__user")
        .prefetch_related("refunds")
    )
    paid = sum((p.signed_amount for p in payments if not p.held), ZERO)
    total = invoice.gross - sum((n.gross for n in notes), ZERO) if invoice else total_before_invoice
    return Billing(invoice, notes, payments, exemption_for(works_order), total, paid)


_TABLES = {
    "invoice": Invoice._meta.db_table,
    "payment": Payment._meta.db_table,
    "exemption": PaymentExemption._meta.db_table,
}


def owed_sql(invoice: str) -> str:
    """SQL for what is still owed on the invoice row aliased `invoice`: its gross, less credit
    notes against it, less what was paid on its works order net of refunds (amount_owed's sum),
    for pages that read it inside a query of their own (the board, the status page)."""
    return """({i}.gross
    - coalesce((SELECT sum(n.gross) FROM {invoice} n
                WHERE n.shop_id = {i}.shop_id AND n.credits_id = {i}.id), 0)
    - coalesce((SELECT sum(CASE WHEN p.refund_of_id IS NULL THEN p.amount ELSE -p.amount END)
                FROM {payment} p
                WHERE p.shop_id = {i}.shop_id AND p.works_order_id = {i}.works_order_id
                  AND NOT p.held), 0))
""".format(i=invoice, **_TABLES)


def invoice_owed_sql(*, shop: str, works_order_id: str) -> str:
    """SQL for [number, owed as text, exempt] of a works order's invoice (null before one is
    issued), `exempt` when a manager let the job go without payment; `shop` and
    `works_order_id` are SQL: columns of the outer query or placeholders."""
    return """(SELECT json_build_array(i.number, {owed}::text,
                         EXISTS (SELECT 1 FROM {exemption} e
                                  WHERE e.shop_id = i.shop_id
                                    AND e.works_order_id = i.works_order_id))
   FROM {invoice} i
  WHERE i.shop_id = {shop} AND i.works_order_id = {job} AND i.kind = 'invoice')""".format(
        owed=owed_sql("i"), shop=shop, job=works_order_id, **_TABLES
    )


def paid_in_full_sql(*, shop: str, works_order_id: str) -> str:
    """SQL, true when a works order's invoice is paid in full (as invoice_owed_sql)."""
    return """EXISTS (SELECT 1 FROM {invoice} i
   WHERE i.shop_id = {shop} AND i.works_order_id = {job} AND i.kind = 'invoice'
     AND {owed} <= 0)""".format(owed=owed_sql("i"), shop=shop, job=works_order_id, **_TABLES)
