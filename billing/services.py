"""Billing's writes: issuing invoices and credit notes, taking and refunding payments, and a
manager's exemption from payment. Each is one transaction; each writes the works order's
timeline through tickets' writer."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

import tenancy
from billing import payments, vat
from billing.models import (
    COUNTER_METHODS,
    SERIES_PREFIX,
    DocumentKind,
    ExemptionKind,
    Invoice,
    InvoiceLine,
    Method,
    OnlineCheckout,
    Payment,
    PaymentExemption,
    StripeEvent,
)
from billing.selectors import amount_paid, credited, exemption_for, invoice_for
from customers.models import CustomerType
from parts.models import PartStatus, WorksOrderPart
from shops.models import COUNTER, Membership
from shops.money import format_money
from tickets.models import Event, LineKind, NoteKind, Status, WorksOrder
from tickets.services import record
from tickets.warranty import warranty_days

log = logging.getLogger(__name__)

# The largest amount one payment, refund or credit may be: far above any repair, far below
# what the columns hold, so a slip of the finger (or a crafted form) is refused at the field.
MAX_AMOUNT = Decimal("100000.00")

_NEXT = """
INSERT INTO billing_documentcounter (shop_id, series, last) VALUES (%s, %s, 1)
ON CONFLICT (shop_id, series) DO UPDATE SET last = billing_documentcounter.last + 1
RETURNING last
"""


def _next_number(shop_id: int, kind: str) -> str:
    """INV-000042 or CN-000007: the counter row is locked until the caller's transaction ends,
    so concurrent issues queue, and a rolled-back issue takes its number with it (no gaps)."""
    series = SERIES_PREFIX[kind]
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [shop_id, series])
        return f"{series}-{cursor.fetchone()[0]:06d}"


def _fitted_grade(works_order: WorksOrder) -> str:
    """The grade of the parts fitted, when they share one (else each part line says nothing)."""
    grades = set(
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order, status=PartStatus.USED)
        .values_list("part__grade", flat=True)
    )
    return grades.pop() if len(grades) == 1 else ""


def invoice_lines_for(works_order: WorksOrder) -> list[InvoiceLine]:
    """The invoice's lines, unsaved: every quote line (the agreed work, and the extra work still
    on it, which the customer approved or which fell within the shop's threshold), then the
    difference to the final price when one was set that differs from the quote."""
    shop = works_order.shop
    warranty = warranty_days(works_order)
    grade = _fitted_grade(works_order)
    lines = []
    for position, quoted in enumerate(works_order.lines.all()):
        amounts = vat.from_net(
            quantity=quoted.quantity, unit_price=quoted.unit_price, rate=quoted.vat_rate
        )
        repair = quoted.kind in (LineKind.LABOUR, LineKind.PART)
        lines.append(
            InvoiceLine(
                shop_id=works_order.shop_id,
                position=position,
                kind=quoted.kind,
                description=quoted.description,
                quantity=quoted.quantity,
                unit_price=quoted.unit_price,
                vat_rate=quoted.vat_rate,
                net=amounts.net,
                vat=amounts.vat,
                gross=amounts.gross,
                warranty_days=warranty if repair else None,
                part_grade=grade if quoted.kind == LineKind.PART else "",
            )
        )
    quoted_gross = vat.totals(lines).gross
    if works_order.final_price is not None and works_order.final_price != quoted_gross:
        difference = works_order.final_price - quoted_gross
        amounts = vat.from_gross(gross=difference, rate=shop.vat_rate)
        lines.append(
            InvoiceLine(
                shop_id=works_order.shop_id,
                position=len(lines),
                kind=LineKind.DISCOUNT if difference < 0 else LineKind.OTHER,
                description="Adjustment to the agreed final price",
                quantity=Decimal(1),
                unit_price=amounts.net,
                vat_rate=shop.vat_rate,
                net=amounts.net,
                vat=amounts.vat,
                gross=amounts.gross,
            )
        )
    return lines


def works_order_total(works_order: WorksOrder) -> Decimal:
    """What the customer pays for the job: the final price, or the quote while none is set."""
    if works_order.final_price is not None:
        return works_order.final_price
    return vat.money(works_order.quote_gross())


def _lock(works_order: WorksOrder) -> WorksOrder:
    """One billing change to a job at a time (two tills taking the last payment at once)."""
    return (
        WorksOrder.objects.for_shop(works_order.shop_id).select_for_update().get(pk=works_order.pk)
    )


def _money_text(amount: Decimal, works_order: WorksOrder) -> str:
    return format_money(amount, works_order.shop.currency)


@transaction.atomic
def invoice_issue(*, works_order: WorksOrder, by: Membership) -> Invoice:
    """Issue the job's invoice with the next number of the shop's series; a second call returns
    the invoice already issued. Only a job that is ready or collected is invoiced."""
    locked = _lock(works_order)
    existing = invoice_for(works_order)
    if existing is not None:
        return existing
    if locked.status not in (Status.READY, Status.COLLECTED):
        raise ValidationError(
            f"{locked.number} is {locked.get_status_display().lower()}: "
            "it is invoiced once it is ready for collection."
        )
    shop, customer = works_order.shop, works_order.customer
    lines = invoice_lines_for(locked)
    totals = vat.totals(lines)
    if totals.gross < 0:
        raise ValidationError("The lines come to less than nothing: check the discounts.")
    supplied = locked.collected_at or locked.ready_at or timezone.now()
    invoice = Invoice(
        shop_id=works_order.shop_id,
        kind=DocumentKind.INVOICE,
        number=_next_number(works_order.shop_id, DocumentKind.INVOICE),
        works_order=works_order,
        time_of_supply=timezone.localdate(supplied, timezone=works_order.branch.tz),
        issued_by=by,
        currency=shop.currency,
        prices_include_vat=shop.pricebook_prices_include_vat,
        supplier_name=shop.name,
        supplier_address=works_order.branch.address,
        supplier_vat_number=shop.vat_number,
        customer_name=customer.full_name,
        customer_address=customer.address,
        works_order_number=works_order.number,
        net=totals.net,
        vat=totals.vat,
        gross=totals.gross,
    )
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    text = f"Invoice {invoice.number} issued: {_money_text(invoice.gross, works_order)}"
    record(works_order, Event.BILLING, by, text, NoteKind.INTERNAL, invoice=invoice.number)
    _prepare_documents_after_commit(invoice)
    return invoice


def _prepare_documents_after_commit(document: Invoice) -> None:
    """The worker renders the PDFs and emails the customer once the document is committed."""

    def enqueue() -> None:
        from billing.tasks import documents_prepare

        documents_prepare.delay(document.pk)

    transaction.on_commit(enqueue)


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, amount: Decimal, reason: str, by: Membership) -> Invoice:
    """Credit part or all of an issued invoice (VAT included) with the next credit-note number;
    never more than is left uncredited. Managers only."""
    if not by.is_manager:
        raise ValidationError("Only a manager issues a credit note.")
    if invoice.is_credit_note:
        raise ValidationError("A credit note corrects an invoice, not another credit note.")
    works_order = invoice.works_order
    _lock(works_order)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why: the customer and the accounts will ask."})
    amount = vat.money(amount)
    left = invoice.gross - credited(invoice)
    if amount <= 0:
        raise ValidationError({"amount": "Credit more than nothing."})
    if amount > left:
        raise ValidationError(
            {"amount": f"At most {_money_text(left, works_order)} is left to credit."}
        )
    # The credit is spread at the invoice's own rate; an invoice of mixed rates is credited at
    # the rate of its largest line, which is what HMRC expects for a partial credit.
    rate = max(invoice.lines.all(), key=lambda line: line.gross).vat_rate
    amounts = vat.from_gross(gross=amount, rate=rate)
    note = Invoice(
        shop_id=invoice.shop_id,
        kind=DocumentKind.CREDIT_NOTE,
        number=_next_number(invoice.shop_id, DocumentKind.CREDIT_NOTE),
        works_order=works_order,
        credits=invoice,
        time_of_supply=timezone.localdate(),
        issued_by=by,
        reason=reason,
        currency=invoice.currency,
        prices_include_vat=invoice.prices_include_vat,
        supplier_name=invoice.supplier_name,
        supplier_address=invoice.supplier_address,
        supplier_vat_number=invoice.supplier_vat_number,
        customer_name=invoice.customer_name,
        customer_address=invoice.customer_address,
        works_order_number=invoice.works_order_number,
        net=amounts.net,
        vat=amounts.vat,
        gross=amounts.gross,
    )
    note.save()
    InvoiceLine.objects.create(
        shop_id=invoice.shop_id,
        invoice=note,
        position=0,
        kind=LineKind.OTHER,
        description=f"Credit against {invoice.number}: {reason}",
        quantity=Decimal(1),
        unit_price=amounts.net,
        vat_rate=rate,
        net=amounts.net,
        vat=amounts.vat,
        gross=amounts.gross,
    )
    text = f"Credit note {note.number} against {invoice.number}: {_money_text(amount, works_order)}"
    record(works_order, Event.BILLING, by, f"{text} ({reason})", NoteKind.INTERNAL)
    _prepare_documents_after_commit(note)
    _expire_checkouts_after_commit(works_order)  # they ask for more than is now owed
    return note


def amount_owed(works_order: WorksOrder) -> Decimal:
    """What is still to pay: the invoice (or, before one, the job's total) less credit notes,
    less what was paid net of refunds. Negative when more was paid."""
    invoice = invoice_for(works_order)
    billed = invoice.gross - credited(invoice) if invoice else works_order_total(works_order)
    return billed - amount_paid(works_order)


@transaction.atomic
def payment_take(
    *,
    works_order: WorksOrder,
    method: str,
    amount: Decimal,
    by: Membership,
    tendered: Decimal | None = None,
    reference: str = "",
    deposit: bool = False,
) -> Payment:
    """Record money taken at the counter: in part or in full, never more than is owed (cash
    may be tendered above it: the change is worked out and recorded). A deposit is taken
    before the job is ready; at ready or collection the invoice is issued first."""
    status = _lock(works_order).status
    if method not in COUNTER_METHODS:
        raise ValidationError({"method": "Choose how the customer pays."})
    if method == Method.ACCOUNT and works_order.customer.customer_type != CustomerType.BUSINESS:
        raise ValidationError({"method": "Only business customers pay on account."})
    if status == Status.CANCELLED:
        raise ValidationError(f"{works_order.number} is cancelled: nothing is owed.")
    if deposit and status in (Status.READY, Status.COLLECTED):
        deposit = False  # once it is ready, money taken is a payment of the invoice
    if not deposit:
        if status not in (Status.READY, Status.COLLECTED):
            raise ValidationError("Before the job is ready, take a deposit.")
        invoice_issue(works_order=works_order, by=by)
    amount = vat.money(amount)
    owed = amount_owed(works_order)
    if amount <= 0:
        raise ValidationError({"amount": "Take more than nothing."})
    if amount > owed:
        raise ValidationError(
            {"amount": f"Only {_money_text(max(owed, vat.ZERO), works_order)} is owed."}
        )
    change = None
    if method == Method.CASH:
        tendered = vat.money(tendered if tendered is not None else amount)
        if tendered < amount:
            raise ValidationError({"tendered": "Less cash was handed over than is being paid."})
        change = tendered - amount
    else:
        tendered = None
    payment = Payment.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        method=method,
        amount=amount,
        is_deposit=deposit,
        tendered=tendered,
        change_given=change,
        reference=reference.strip(),
        taken_by=by,
    )
    what = "Deposit" if deposit else "Payment"
    text = f"{what} {_money_text(amount, works_order)} ({payment.get_method_display().lower()})"
    if change:
        text += f", change {_money_text(change, works_order)}"
    record(works_order, Event.BILLING, by, text, NoteKind.INTERNAL, payment=payment.pk)
    _expire_checkouts_after_commit(works_order)
    return payment


def _expire_checkouts_after_commit(works_order: WorksOrder) -> None:
    """Money taken at the counter (or a credit note, or an exemption) makes any Checkout
    Session still open for the job ask the wrong amount, or for money paid already: once the
    change is committed, Stripe closes them, and they are not reopened. If one completes all
    the same, stripe_event_apply refunds what it paid beyond what was owed."""
    shop_id = works_order.shop_id
    still_open = list(
        OnlineCheckout.objects.for_shop(shop_id)
        .filter(works_order=works_order, expires_at__gt=timezone.now())
        .values_list("pk", "session_id")
    )
    if not still_open or not payments.configured():
        return

    def expire() -> None:
        for pk, session_id in still_open:
            if payments.checkout_expire(session_id):
                OnlineCheckout.objects.for_shop(shop_id).filter(pk=pk).update(
                    expires_at=timezone.now()
                )

    transaction.on_commit(expire, robust=True)


@transaction.atomic
def payment_refund(*, payment: Payment, amount: Decimal, reason: str, by: Membership) -> Payment:
    """Give money back against a payment: never more than it brought in, less what was already
    refunded from it. Managers and the front desk."""
    works_order = payment.works_order
    _lock(works_order)
    if payment.is_refund:
        raise ValidationError("Refund the payment, not a refund.")
    if payment.method == Method.CARD_ONLINE:
        raise ValidationError(
            "An online card payment is refunded in Stripe: the refund then shows here by itself."
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the money goes back."})
    amount = vat.money(amount)
    refunded = sum((r.amount for r in payment.refunds.all()), vat.ZERO)
    left = payment.amount - refunded
    if amount <= 0:
        raise ValidationError({"amount": "Refund more than nothing."})
    if amount > left:
        raise ValidationError(
            {"amount": f"At most {_money_text(left, works_order)} of this payment is left."}
        )
    refund = Payment.objects.create(
        shop_id=payment.shop_id,
        works_order=works_order,
        method=payment.method,
        amount=amount,
        refund_of=payment,
        held=payment.held,
        reason=reason,
        taken_by=by,
    )
    what = refund.what
    text = f"{what} {_money_text(amount, works_order)} ({payment.get_method_display().lower()})"
    record(works_order, Event.BILLING, by, f"{text}: {reason}", NoteKind.INTERNAL)
    return refund


def refundable(payment: Payment) -> Decimal:
    """What of a payment may still go back: what it brought in less its refunds."""
    return payment.amount - sum((r.amount for r in payment.refunds.all()), vat.ZERO)


@transaction.atomic
def held_deposit_take(
    *,
    works_order: WorksOrder,
    method: str,
    amount: Decimal,
    by: Membership,
    what: str,
    reference: str = "",
) -> Payment:
    """Take a security deposit against something lent with the job (`what`, e.g. a loaner):
    held, not paid towards the bill, given back with payment_refund. The counter only."""
    status = _lock(works_order).status
    if by.role not in COUNTER:
        raise ValidationError("Only the counter takes deposits.")
    if method not in COUNTER_METHODS or method == Method.ACCOUNT:
        raise ValidationError({"method": "Choose how the customer pays the deposit."})
    if status in (Status.CANCELLED, Status.COLLECTED):
        raise ValidationError(f"{works_order.number} is closed.")
    amount = vat.money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Take more than nothing."})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": f"At most {_money_text(MAX_AMOUNT, works_order)}."})
    payment = Payment.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        method=method,
        amount=amount,
        held=True,
        reference=reference.strip(),
        taken_by=by,
    )
    method_text = payment.get_method_display().lower()
    text = f"Deposit {_money_text(amount, works_order)} ({method_text}) held for {what}"
    record(works_order, Event.BILLING, by, text, NoteKind.INTERNAL, payment=payment.pk)
    return payment


@transaction.atomic
def payment_exemption_grant(
    *, works_order: WorksOrder, kind: str, note: str, by: Membership
) -> PaymentExemption:
    """A manager lets the job be collected without full payment (warranty, goodwill)."""
    if not by.is_manager:
        raise ValidationError("Only a manager lets a job go without payment.")
    locked = _lock(works_order)
    if kind not in (ExemptionKind.WARRANTY, ExemptionKind.GOODWILL):
        raise ValidationError({"kind": "Warranty or goodwill?"})
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say why no payment is due."})
    if not locked.is_open:
        raise ValidationError(f"{works_order.number} is closed.")
    exemption, created = PaymentExemption.objects.for_shop(works_order.shop_id).get_or_create(
        works_order=works_order,
        defaults={"shop_id": works_order.shop_id, "kind": kind, "note": note, "granted_by": by},
    )
    if created:
        text = f"No payment due ({exemption.get_kind_display().lower()}): {note}"
        record(works_order, Event.BILLING, by, text, NoteKind.INTERNAL)
        _expire_checkouts_after_commit(works_order)  # nothing is to be paid through them
    return exemption


# Online payment (Stripe) -------------------------------------------------------------------

# A session reopened with less time than this left might expire while the customer types.
CHECKOUT_REUSE_MARGIN = datetime.timedelta(minutes=10)


@transaction.atomic
def online_checkout_start(
    *, works_order: WorksOrder, success_url: str, cancel_url: str
) -> OnlineCheckout | None:
    """A Stripe Checkout Session for what the issued invoice still owes; None when nothing is
    owed, there is no invoice, or a manager exempted the job. Pressing Pay again reopens the
    open session for the same amount; otherwise the next attempt makes a new one (its own
    idempotency key)."""
    _lock(works_order)  # two presses at once: the second waits and reopens the first's session
    invoice = invoice_for(works_order)
    if invoice is None or works_order.status == Status.CANCELLED:
        return None
    if exemption_for(works_order) is not None:
        return None  # a manager let it go without payment
    owed = amount_owed(works_order)
    if owed <= 0:
        return None
    earlier = (
        OnlineCheckout.objects.for_shop(works_order.shop_id)
        .filter(invoice=invoice, amount=owed)
        .order_by("-attempt")
        .first()
    )
    if earlier is not None and earlier.expires_at > timezone.now() + CHECKOUT_REUSE_MARGIN:
        return earlier
    attempt = earlier.attempt + 1 if earlier else 1
    made = payments.checkout_create(
        invoice=invoice,
        amount=owed,
        attempt=attempt,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    return OnlineCheckout.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        invoice=invoice,
        amount=owed,
        attempt=attempt,
        session_id=made.session_id,
        url=made.url,
        expires_at=made.expires_at,
    )


def _online_payment(
    works_order: WorksOrder, *, provider_id: str, amount: Decimal
) -> tuple[Payment, bool]:
    """The payment Stripe took under `provider_id`, recorded once however often it is told
    (the caller holds the works order's lock), and whether it is new. Recorded as taken even
    above what is owed: the money is in (see _refund_overpayment)."""
    payment = (
        Payment.objects.for_shop(works_order.shop_id)
        .filter(provider_id=provider_id, refund_of__isnull=True)
        .first()
    )
    if payment is not None:
        return payment, False
    payment = Payment.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        method=Method.CARD_ONLINE,
        amount=amount,
        provider_id=provider_id,
        reference=provider_id,
    )
    text = f"Payment {_money_text(amount, works_order)} (card online, confirmed by Stripe)"
    record(works_order, Event.BILLING, None, text, NoteKind.INTERNAL, payment=payment.pk)
    return payment, True


def _refund_overpayment(works_order: WorksOrder, payment: Payment) -> None:
    """An online payment that arrived when less (or nothing) was owed, e.g. a Checkout Session
    that completed just as the counter took the money: the excess goes back to the card through
    Stripe once this is committed, and its charge.refunded event records the refund as any
    refund made in Stripe is recorded."""
    excess = min(-amount_owed(works_order), payment.amount)
    if excess <= 0:
        return
    text = (
        f"Paid {_money_text(excess, works_order)} more than was owed online: "
        "refunded to the card through Stripe"
    )
    record(works_order, Event.BILLING, None, text, NoteKind.INTERNAL, payment=payment.pk)
    provider_id = payment.provider_id
    transaction.on_commit(
        lambda: payments.refund_create(
            provider_id=provider_id, amount=excess, reason_key="overpaid"
        ),
        robust=True,
    )


def _online_refund(works_order: WorksOrder, payment: Payment, refunded: Decimal) -> None:
    """Bring the refunds recorded against `payment` up to Stripe's running total."""
    so_far = sum((r.amount for r in payment.refunds.all()), vat.ZERO)
    more = min(refunded, payment.amount) - so_far
    if more <= 0:
        return  # told before, or an older event arriving late
    Payment.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        method=Method.CARD_ONLINE,
        amount=more,
        refund_of=payment,
        reason="Refunded in Stripe",
        provider_id=f"{payment.provider_id}/refunded/{payments.to_minor(refunded)}",
    )
    text = f"Refund {_money_text(more, works_order)} (card online, made in Stripe)"
    record(works_order, Event.BILLING, None, text, NoteKind.INTERNAL)


@transaction.atomic
def stripe_event_apply(*, event: payments.Event) -> bool:
    """Act on one Stripe event exactly once: a payment taken records one payment (whichever of
    the session's and the intent's events comes first), a refund records what was refunded
    since; an id seen before, or an event about nothing of ours, changes nothing. Whether it
    was acted on."""
    facts = event.facts
    if facts is None or facts.amount <= 0:
        return False
    tenancy.set_shop(facts.shop_id)  # the signed event names its shop (the rest of this request)
    invoice = (
        Invoice.objects.for_shop(facts.shop_id)
        .filter(number=facts.invoice_number, kind=DocumentKind.INVOICE)
        .select_related("works_order__shop")
        .first()
    )
    if invoice is None or facts.currency != invoice.currency:
        log.warning("Stripe event %s names no invoice of ours: %s", event.event_id, facts)
        return False
    _, new = StripeEvent.objects.get_or_create(
        event_id=event.event_id, defaults={"type": event.type, "shop_id": facts.shop_id}
    )
    if not new:
        return False  # delivered again, or replayed
    works_order = _lock(invoice.works_order)
    works_order.shop = invoice.works_order.shop
    payment, new = _online_payment(works_order, provider_id=facts.provider_id, amount=facts.amount)
    if isinstance(facts, payments.Refunded):
        _online_refund(works_order, payment, facts.refunded)
    elif new:
        _refund_overpayment(works_order, payment)
    return True
