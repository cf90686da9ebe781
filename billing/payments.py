"""Stripe, and only here: opening a Checkout Session for what an invoice still owes, expiring
one the counter made pointless, refunding what was paid twice, and reading the events Stripe
sends back. The rest of billing sees plain facts (`Paid`, `Refunded`), never a
Stripe object.

Online payment is offered only when both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set.
STRIPE_API_BASE_URL points the real client elsewhere (the tests' local stand-in).

Every create carries an idempotency key made from the invoice, the amount and the attempt, so a
retry after a timeout (ours or the SDK's) gets the session Stripe already made instead of a
second one. Amounts go to Stripe in minor units (pence): every currency a shop can choose has two
decimals.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings

from billing.models import Invoice

log = logging.getLogger(__name__)

# The event types acted on; any other is acknowledged and ignored.
PAID_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "payment_intent.succeeded",
}
REFUND_EVENTS = {"charge.refunded"}
TIMEOUT_S = 15


class OnlinePaymentUnavailable(Exception):
    """Stripe could not be reached or refused the request: the customer is told to try again."""


class NotFromStripe(Exception):
    """A webhook call without a valid Stripe-Signature for our secret (or not JSON at all)."""


def configured() -> bool:
    """Whether online payment is set up: both keys, or it is hidden everywhere."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def _client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE_URL
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base.rstrip("/")} if base else None,
        max_network_retries=1,  # safe: the same idempotency key goes with the retry
        # The works order is locked while a session is made: never hold it for the SDK's 80 s.
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_S),
    )


def to_minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_minor(amount: int) -> Decimal:
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def idempotency_key(*, invoice: Invoice, amount: Decimal, attempt: int) -> str:
    """The same invoice, amount and attempt always make the same key (and so the same session)."""
    return f"benchdesk-checkout-{invoice.shop_id}-{invoice.pk}-{to_minor(amount)}-{attempt}"


@dataclass(frozen=True)
class Checkout:
    session_id: str
    url: str
    expires_at: datetime.datetime


def checkout_create(
    *, invoice: Invoice, amount: Decimal, attempt: int, success_url: str, cancel_url: str
) -> Checkout:
    """A Checkout Session for `amount` of `invoice`, with the shop and invoice in its metadata
    (and in the payment's, so charges and refunds name them too)."""
    metadata = {
        "shop": str(invoice.shop_id),
        "invoice": invoice.number,
        "works_order": invoice.works_order_number,
    }
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": invoice.currency.lower(),
                    "unit_amount": to_minor(amount),
                    "product_data": {
                        "name": f"{invoice.supplier_name}: invoice {invoice.number}",
                        "description": f"Repair {invoice.works_order_number}",
                    },
                },
            }
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": f"{invoice.shop_id}-{invoice.number}",
        "metadata": metadata,
        "payment_intent_data": {
            "metadata": metadata,
            "description": f"{invoice.supplier_name} invoice {invoice.number}",
        },
    }
    key = idempotency_key(invoice=invoice, amount=amount, attempt=attempt)
    try:
        session = _client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": key}
        )
    except stripe.StripeError as failure:
        log.warning("Stripe refused a checkout for %s: %s", invoice.number, failure)
        raise OnlinePaymentUnavailable(str(failure)) from failure
    return Checkout(
        session_id=session.id,
        url=session.url,
        expires_at=datetime.datetime.fromtimestamp(session.expires_at, tz=datetime.UTC),
    )


def checkout_expire(session_id: str) -> bool:
    """Close an open Checkout Session so the customer cannot pay through it any more. False when
    Stripe would not (it completed meanwhile: its payment arrives as an event, and is refunded
    if it was too much) or could not be reached; the caller carries on either way."""
    try:
        _client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as failure:
        log.warning("Stripe did not expire checkout %s: %s", session_id, failure)
        return False
    return True


def refund_create(*, provider_id: str, amount: Decimal, reason_key: str) -> bool:
    """Give `amount` of the payment `provider_id` (a PaymentIntent) back to the card. The
    idempotency key is the payment and `reason_key`, so telling it twice refunds once. Stripe
    then sends charge.refunded, which records the refund. False when Stripe refused or could
    not be reached."""
    try:
        _client().v1.refunds.create(
            params={"payment_intent": provider_id, "amount": to_minor(amount)},
            options={"idempotency_key": f"benchdesk-refund-{provider_id}-{reason_key}"},
        )
    except stripe.StripeError as failure:
        log.warning("Stripe refused a refund of %s on %s: %s", amount, provider_id, failure)
        return False
    return True


# Events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paid:
    """Money taken online for one of our invoices. `provider_id` is the PaymentIntent's id,
    which both the session's and the intent's events name, so either records the same payment."""

    shop_id: int
    invoice_number: str
    provider_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Refunded:
    """A refund made in Stripe: `refunded` is the charge's total refunded so far (Stripe sends
    the running total, so a late or repeated event can only say less, never add twice)."""

    shop_id: int
    invoice_number: str
    provider_id: str
    amount: Decimal  # what the charge took, should the payment not be recorded yet
    refunded: Decimal
    currency: str


@dataclass(frozen=True)
class Event:
    event_id: str
    type: str
    facts: Paid | Refunded | None  # None: not one of ours, or nothing to act on


def event_from(payload: bytes, signature: str) -> Event:
    """The event in a webhook body, checked against its Stripe-Signature header (HMAC-SHA256 of
    timestamp and body with our secret, within Stripe's five-minute tolerance)."""
    if not configured():
        raise NotFromStripe("Online payment is not set up.")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, api_key=settings.STRIPE_SECRET_KEY
        )
        data = event.to_dict()
        return Event(str(data["id"]), str(data["type"]), _facts(data))
    except stripe.SignatureVerificationError as failure:
        raise NotFromStripe(str(failure)) from failure
    except (ValueError, TypeError, KeyError, AttributeError) as failure:
        raise NotFromStripe("The body is not a Stripe event.") from failure


def _ours(obj: dict) -> tuple[int, str] | None:
    metadata = obj.get("metadata") or {}
    shop, invoice = metadata.get("shop", ""), metadata.get("invoice", "")
    if not (isinstance(shop, str) and shop.isdigit() and isinstance(invoice, str) and invoice):
        return None
    return int(shop), invoice


def _facts(event: dict) -> Paid | Refunded | None:
    facts = _read(event)
    if facts is not None and not (0 < len(facts.provider_id) <= 80):
        return None  # not an id Stripe makes: a payment's provider id holds up to 100
    return facts


def _read(event: dict) -> Paid | Refunded | None:
    kind = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    ours = _ours(obj)
    if ours is None or kind not in PAID_EVENTS | REFUND_EVENTS:
        return None
    shop_id, invoice_number = ours
    currency = str(obj.get("currency") or "").upper()
    if kind.startswith("checkout.session."):
        if obj.get("payment_status") != "paid" or not obj.get("payment_intent"):
            return None  # e.g. a bank debit still on its way: its own event follows
        return Paid(
            shop_id,
            invoice_number,
            str(obj["payment_intent"]),
            _amount(obj, "amount_total"),
            currency,
        )
    if kind == "payment_intent.succeeded":
        amount = _amount(obj, "amount_received")
        return Paid(shop_id, invoice_number, str(obj["id"]), amount, currency)
    if not obj.get("payment_intent"):
        return None
    return Refunded(
        shop_id,
        invoice_number,
        str(obj["payment_intent"]),
        _amount(obj, "amount_captured" if obj.get("amount_captured") else "amount"),
        _amount(obj, "amount_refunded"),
        currency,
    )


def _amount(obj: dict, name: str) -> Decimal:
    value = obj.get(name)
    if not isinstance(value, int) or value < 0 or value > 10**11:
        raise ValueError(f"{name} is not an amount")
    return from_minor(value)
