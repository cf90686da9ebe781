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
    """Money in less money given back."""
    payments = Payment.objects.for_shop(works_order.shop_id).filter(works_order_id=works_order.pk)
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
    paid = sum((p.signed_amount for p in payments), ZERO)
    total = invoice.gross - sum((n.gross for n in notes), ZERO) if invoice else total_before_invoice
    return Billing(invoice, notes, payments, exemption_for(works_order), total, paid)
