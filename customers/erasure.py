"""A customer's own row, anonymised when they ask to be erased (privacy.services)."""

from __future__ import annotations

from customers.models import Customer
from customers.phones import display

ERASED_NAME = "Erased customer"


def customer_identifiers(customer: Customer, region: str) -> list[str]:
    """What identifies the customer in free text: name, email, phone as stored and as typed,
    the address and its lines."""
    terms = [customer.full_name, customer.email, customer.company_name, customer.address]
    terms += customer.address.splitlines()
    if customer.phone:
        terms.append(customer.phone)
        try:
            national = display(customer.phone, region)
        except Exception:  # a malformed stored number: the stored form is what matters
            national = ""
        terms += [national, national.replace(" ", ""), customer.phone.lstrip("+")]
    return [term for term in terms if term]


def customer_anonymise(*, customer: Customer) -> None:
    """Name, contact details, address and marketing choices gone; the row stays, because works
    orders and invoices point at it."""
    Customer.objects.for_shop(customer.shop_id).filter(pk=customer.pk).update(
        full_name=ERASED_NAME,
        phone="",
        email="",
        company_name="",
        address="",
        marketing_consent=False,
        sms_opted_out_at=None,
        sms_opt_out_word="",
    )
