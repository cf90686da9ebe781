"""Exporting and erasing one customer's personal data; each is recorded (who, when, counts)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from audit.erasure import audit_erase
from billing.erasure import invoices_erase
from customers.erasure import customer_anonymise, customer_identifiers
from customers.models import Customer
from notifications.erasure import messages_erase
from privacy.export import customer_export_zip
from privacy.models import Action, PrivacyRecord
from shops.models import Membership
from shops.redaction import identifiers_pattern
from tickets.erasure import works_orders_erase
from tickets.models import OPEN_STATUSES, WorksOrder


def customer_export(*, customer: Customer, by: Membership) -> bytes:
    """The customer's data as a zip; the export is recorded with what it held."""
    data, counts = customer_export_zip(customer)
    PrivacyRecord.objects.create(
        shop_id=customer.shop_id, customer=customer, action=Action.EXPORT, by=by, summary=counts
    )
    return data


def erasure_of(customer: Customer) -> PrivacyRecord | None:
    return (
        PrivacyRecord.objects.for_shop(customer.shop_id)
        .filter(customer=customer, action=Action.ERASURE)
        .select_related("by__user")
        .first()
    )


def erasure_refusal(customer: Customer) -> str | None:
    """Why the customer cannot be erased now, or None."""
    if erasure_of(customer) is not None:
        return "This customer has already been erased."
    open_jobs = list(
        WorksOrder.objects.for_shop(customer.shop_id)
        .filter(customer=customer, status__in=OPEN_STATUSES)
        .order_by("created_at")
        .values_list("number", flat=True)
    )
    if open_jobs:
        shown = ", ".join(open_jobs[:5]) + (" and more" if len(open_jobs) > 5 else "")
        return (
            f"{customer.full_name} has {len(open_jobs)} open "
            f"{'job' if len(open_jobs) == 1 else 'jobs'} ({shown}). We still need their details "
            "to finish and hand back the device: collect or cancel "
            f"{'it' if len(open_jobs) == 1 else 'them'} first."
        )
    return None


@transaction.atomic
def customer_erase(*, customer: Customer, by: Membership, typed_name: str) -> PrivacyRecord:
    """The customer's personal data anonymised or deleted everywhere in their shop, in one
    transaction; works orders, invoices (amounts and numbers), payments and the stock ledger
    stay. Refused while a job of theirs is open. The record says what, never the data."""
    customer = Customer.objects.for_shop(customer.shop_id).select_for_update().get(pk=customer.pk)
    if " ".join(typed_name.split()).casefold() != " ".join(customer.full_name.split()).casefold():
        raise ValidationError(
            "Type the customer's name exactly as shown to confirm.", code="name_mismatch"
        )
    refusal = erasure_refusal(customer)
    if refusal:
        raise ValidationError(refusal, code="refused")
    shop_id = customer.shop_id
    pattern = identifiers_pattern(customer_identifiers(customer, customer.shop.phone_region))
    with connection.cursor() as cursor:  # the seals' one exception, for this transaction only
        cursor.execute(
            "SELECT set_config('benchdesk.erasing_customer', %s, true)", [str(customer.pk)]
        )
    counts = {"customer": 1}
    counts |= works_orders_erase(shop_id=shop_id, customer_id=customer.pk, pattern=pattern)
    counts |= messages_erase(
        shop_id=shop_id, customer_id=customer.pk, phone=customer.phone, pattern=pattern
    )
    counts |= invoices_erase(shop_id=shop_id, customer_id=customer.pk, pattern=pattern)
    counts |= audit_erase(shop_id=shop_id, pattern=pattern)
    customer_anonymise(customer=customer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('benchdesk.erasing_customer', '', true)")
    return PrivacyRecord.objects.create(
        shop_id=shop_id, customer=customer, action=Action.ERASURE, by=by, summary=counts
    )
