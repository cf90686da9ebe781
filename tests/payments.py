"""Settling a ready job at the counter, for tests whose subject is what comes after."""

from decimal import Decimal

from billing.models import Method
from billing.services import amount_owed, payment_take


def pay_in_full(works_order, by) -> None:
    """Cash, the exact amount; the invoice is issued on the way."""
    from billing.services import invoice_issue

    invoice_issue(works_order=works_order, by=by)
    owed = amount_owed(works_order)
    if owed > Decimal(0):
        payment_take(works_order=works_order, method=Method.CASH, amount=owed, by=by)
