"""Writes to customers: the one place a customer is created or changed.

Phone numbers are stored in E.164 read with the shop's region, emails lower-case, and one
phone number or email address is one customer of a shop: a second customer with the same
contact is refused with the existing customer named, so the counter can use them instead.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from customers.models import ContactMethod, Customer, CustomerType
from customers.phones import display, to_e164
from customers.selectors import customer_duplicates
from shops.models import Shop

EDITABLE = (
    "full_name",
    "phone",
    "email",
    "preferred_contact",
    "customer_type",
    "company_name",
    "address",
    "marketing_consent",
)


class DuplicateCustomer(ValidationError):
    """The phone or email already belongs to another customer of the shop."""

    def __init__(self, errors: dict[str, str], *, existing: Customer) -> None:
        super().__init__(errors)
        self.existing = existing


def normalise_phone(raw: str, *, shop: Shop) -> str:
    """E.164 in the shop's region; a field error for anything that is not a valid number."""
    try:
        return to_e164(raw, shop.phone_region)
    except ValidationError as problem:
        raise ValidationError({"phone": problem.messages}) from problem


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as problem:
            raise ValidationError({"email": "Enter a valid email address."}) from problem
    return email


def check_reachable(*, phone: str, email: str) -> None:
    if not (phone or email):
        raise ValidationError(
            {"phone": "Give a mobile number or an email address, so we can tell them it is ready."}
        )


def check_duplicates(
    *, shop: Shop, phone: str, email: str, exclude: Customer | None = None
) -> None:
    """Raise DuplicateCustomer naming who already has this phone or email (normalised)."""
    found = customer_duplicates(
        shop, phone=phone, email=email, exclude_pk=exclude.pk if exclude else None
    )
    if not found:
        return
    errors = {}
    if "phone" in found:
        errors["phone"] = (
            f"{display(phone, shop.phone_region)} already belongs to {found['phone'].full_name}."
        )
    if "email" in found:
        errors["email"] = f"{email} already belongs to {found['email'].full_name}."
    raise DuplicateCustomer(errors, existing=found.get("phone") or found["email"])


def _reachable_by_preference(customer: Customer) -> None:
    # A preference the customer cannot be reached by is no preference: follow what we have.
    if (
        customer.preferred_contact in (ContactMethod.SMS, ContactMethod.PHONE)
        and not customer.phone
    ):
        customer.preferred_contact = ContactMethod.EMAIL
    elif customer.preferred_contact == ContactMethod.EMAIL and not customer.email:
        customer.preferred_contact = ContactMethod.SMS


def _save(customer: Customer, *, shop: Shop, exclude: Customer | None) -> Customer:
    customer.full_name = " ".join(customer.full_name.split())
    if not customer.full_name:
        raise ValidationError({"full_name": "Type the customer's name."})
    customer.phone = normalise_phone(customer.phone, shop=shop)
    customer.email = normalise_email(customer.email)
    check_reachable(phone=customer.phone, email=customer.email)
    _reachable_by_preference(customer)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        # The phone or email is someone's already (the unique constraints say so; the forms
        # asked before, so this is rare enough not to ask first on every save): say whose.
        check_duplicates(shop=shop, phone=customer.phone, email=customer.email, exclude=exclude)
        raise
    return customer


def customer_create(
    *,
    shop: Shop,
    full_name: str,
    phone: str = "",
    email: str = "",
    preferred_contact: str = ContactMethod.SMS,
    customer_type: str = CustomerType.WALK_IN,
    company_name: str = "",
    address: str = "",
    marketing_consent: bool = False,
) -> Customer:
    """A new customer, reachable by phone or email, unless one already has that phone or email.

    Raises ValidationError keyed by field; DuplicateCustomer (a ValidationError) carries the
    existing customer as `.existing`.
    """
    customer = Customer(
        shop=shop,
        full_name=full_name,
        phone=phone,
        email=email,
        preferred_contact=preferred_contact,
        customer_type=customer_type,
        company_name=company_name.strip(),
        address=address.strip(),
        marketing_consent=marketing_consent,
    )
    return _save(customer, shop=shop, exclude=None)


def customer_update(*, customer: Customer, **changes: object) -> Customer:
    """Change a customer's details (any of EDITABLE), with the same rules as customer_create."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"customer_update() cannot change {sorted(unknown)}")
    before = {name: getattr(customer, name) for name in EDITABLE}
    for name, value in changes.items():
        setattr(customer, name, value.strip() if isinstance(value, str) else value)
    try:
        return _save(customer, shop=customer.shop, exclude=customer)
    except (ValidationError, IntegrityError):
        for name, value in before.items():  # the caller's object stays as it was saved
            setattr(customer, name, value)
        raise


def customer_sms_opt_out(*, phone: str, word: str, at: datetime.datetime) -> int:
    """Every customer with this number (in any shop: they share the sending number) gets no
    more SMS from now; the time and word are kept to show staff why. How many were opted out."""
    return (
        Customer.objects.all_shops()
        .filter(phone=phone, sms_opted_out_at=None)
        .update(sms_opted_out_at=at, sms_opt_out_word=word[:20])
    )


def customer_sms_opt_in(*, phone: str) -> int:
    """The number asked for SMS again (START): every customer with it may be sent SMS."""
    return (
        Customer.objects.all_shops()
        .filter(phone=phone)
        .exclude(sms_opted_out_at=None)
        .update(sms_opted_out_at=None, sms_opt_out_word="")
    )
