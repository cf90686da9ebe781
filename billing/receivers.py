"""Billing's answers to tickets' signals (tickets never imports billing)."""

from __future__ import annotations

from django.dispatch import receiver

from billing.selectors import exemption_for, invoice_for
from billing.services import amount_owed, works_order_total
from shops.money import format_money
from tickets.signals import collection_check, price_change_check


@receiver(price_change_check, dispatch_uid="billing.price_change_check")
def not_once_invoiced(sender, *, works_order, **kwargs) -> str | None:
    """An issued invoice fixes the price: a correction is a credit note."""
    invoice = invoice_for(works_order)
    if invoice is not None:
        number = invoice.number
        return f"Invoice {number} is issued: a manager corrects the price with a credit note."
    return None


@receiver(collection_check, dispatch_uid="billing.collection_check")
def paid_or_exempt(sender, *, works_order, **kwargs) -> str | None:
    """A job leaves paid in full against its invoice, or with a manager's exemption."""
    if exemption_for(works_order) is not None:
        return None
    if invoice_for(works_order) is None:
        if works_order_total(works_order) == 0:  # no charge (a warranty return): nothing to pay
            return "Issue the invoice first: nothing is owed, and the job leaves with it."
        return "Issue the invoice and take payment first (or a manager exempts the job)."
    owed = amount_owed(works_order)
    if owed > 0:
        money = format_money(owed, works_order.shop.currency)
        return f"Take payment first: {money} is owed (or a manager exempts the job)."
    return None
