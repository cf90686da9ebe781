"""Invoices, credit notes and payments: what a works order was billed and what was paid.

An invoice is made from the works order (its quote lines, the extra work the customer approved,
and the difference to the final price), never typed; it is issued once with the next number in
the shop's gap-free series and never changes after: save() refuses, and the database refuses an
UPDATE or DELETE of an issued invoice or its lines (migration 0001). A correction is a credit
note, in its own gap-free series. VAT is rounded per line (billing/vat.py).

Payments belong to the works order, not to the invoice, so a deposit can be taken at intake,
before there is anything to invoice. A refund is a payment row of its own pointing at the one it
refunds. What is owed is the invoice's gross, less credit notes, less what was paid net of
refunds.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from shops.tenancy import ShopOwned

# HMRC: a simplified VAT invoice may be given when the total, VAT included, is £250 or less.
SIMPLIFIED_INVOICE_LIMIT = Decimal("250.00")


class InvoiceIsIssued(Exception):
    """An issued invoice or credit note is never edited: issue a credit note instead."""


class DayIsClosed(Exception):
    """A day closed at the till is read-only."""


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


SERIES_PREFIX = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}


class Invoice(ShopOwned):
    """An issued invoice or credit note, with the facts of a full UK VAT invoice as they were
    when it was issued (the shop's and customer's names and addresses are copied, not linked)."""

    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    number = models.CharField(max_length=20)
    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="+"
    )
    credits = models.ForeignKey(  # a credit note: the invoice it corrects
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    time_of_supply = models.DateField()
    issued_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, blank=True)  # a credit note's
    currency = models.CharField(max_length=3)
    prices_include_vat = models.BooleanField()
    supplier_name = models.CharField(max_length=120)
    supplier_address = models.TextField(blank=True)
    supplier_vat_number = models.CharField(max_length=30, blank=True)
    customer_name = models.CharField(max_length=150)
    customer_address = models.TextField(blank=True)
    works_order_number = models.CharField(max_length=20)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.DecimalField(max_digits=12, decimal_places=2)
    gross = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="invoice_number_once"),
            models.UniqueConstraint(fields=["shop", "id"], name="invoice_shop_id_key"),
            models.UniqueConstraint(
                fields=["shop", "works_order"],
                condition=Q(kind="invoice"),
                name="one_invoice_per_works_order",
            ),
            models.CheckConstraint(condition=Q(gross__gte=0), name="invoice_gross_not_negative"),
        ]
        indexes = [models.Index(fields=["shop", "works_order"], name="invoice_works_order")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def title(self) -> str:
        """What the document is called on it: only a VAT-registered supplier issues a VAT
        invoice (without a VAT number the same facts make a plain invoice)."""
        if self.is_credit_note:
            return "Credit note"
        return "VAT invoice" if self.supplier_vat_number else "Invoice"

    @property
    def simplified(self) -> bool:
        """Small enough for a simplified VAT invoice (the full one is shown all the same)."""
        return self.gross <= SIMPLIFIED_INVOICE_LIMIT

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise InvoiceIsIssued(f"{self.number} is issued: correct it with a credit note.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceIsIssued(f"{self.number} is issued: it is never deleted.")


class InvoiceLine(ShopOwned):
    """One line as billed: the amounts are stored as worked out when issued (billing/vat.py)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10)  # the quote line's: part, labour, other, discount
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=7, decimal_places=2)
    unit_price = models.DecimalField("unit price (net)", max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.DecimalField(max_digits=12, decimal_places=2)
    gross = models.DecimalField(max_digits=12, decimal_places=2)
    warranty_days = models.PositiveSmallIntegerField(null=True, blank=True)
    part_grade = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=models.F("net") + models.F("vat")), name="invoice_line_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def unit_price_gross(self) -> Decimal:
        return (
            (self.gross / self.quantity).quantize(Decimal("0.01")) if self.quantity else self.gross
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise InvoiceIsIssued("The lines of an issued invoice never change.")
        super().save(*args, **kwargs)


class DocumentCounter(ShopOwned):
    """The last number handed out in one series of a shop (INV, CN)."""

    series = models.CharField(max_length=10)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "series"], name="billing_series_once")
        ]

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"


class Method(models.TextChoices):
    CASH = "cash", "Cash"
    CARD_TERMINAL = "card_terminal", "Card (terminal)"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    ACCOUNT = "account", "On account"
    CARD_ONLINE = "card_online", "Card (online)"
    RECORDED = "recorded", "Paid at the counter (before invoices)"


# What the counter can record by hand (online payments arrive from the provider).
COUNTER_METHODS = [Method.CASH, Method.CARD_TERMINAL, Method.BANK_TRANSFER, Method.ACCOUNT]


class Payment(ShopOwned):
    """Money in (a payment or a deposit) or, with `refund_of`, money given back."""

    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=15, choices=Method.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    is_deposit = models.BooleanField(default=False)
    # A security deposit held against something lent (a loaner device): not paid towards the
    # bill, so what is owed leaves it out; it goes back as a refund of it. Its refunds are held
    # too, so what is paid stays paid less refunded.
    held = models.BooleanField(default=False, db_default=False)
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    tendered = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    change_given = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)  # terminal slip, transfer ref…
    reason = models.CharField(max_length=200, blank=True)  # a refund's
    # An online payment's id at the provider: one payment per provider id, however often told.
    provider_id = models.CharField(max_length=100, blank=True)
    taken_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)
    # When the row was written, which may be after the money changed hands (a provider's
    # confirmation): a day closed at the till sees what was written after its close.
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["taken_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="payment_shop_id_key"),
            models.UniqueConstraint(
                fields=["shop", "provider_id"],
                condition=~Q(provider_id=""),
                name="payment_provider_id_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(held=True, is_deposit=True), name="payment_held_is_no_prepayment"
            ),
        ]
        indexes = [models.Index(fields=["shop", "works_order"], name="payment_works_order")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"

    @property
    def is_refund(self) -> bool:
        return self.refund_of_id is not None

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.is_refund else self.amount

    @property
    def what(self) -> str:
        """How the counter, the till and the export name it."""
        if self.held:
            return "Loaner deposit returned" if self.is_refund else "Loaner deposit"
        if self.is_refund:
            return "Refund"
        return "Deposit" if self.is_deposit else "Payment"


class ExemptionKind(models.TextChoices):
    WARRANTY = "warranty", "Warranty"
    GOODWILL = "goodwill", "Goodwill"
    RECORDED = "recorded", "Recorded at collection (before invoices)"


class PaymentExemption(ShopOwned):
    """A manager's decision that the job leaves without (full) payment."""

    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ExemptionKind.choices)
    note = models.CharField(max_length=200)
    granted_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "works_order"], name="one_exemption_per_job")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.note}"


class DocumentFormat(models.TextChoices):
    A4 = "a4", "A4"
    ROLL = "roll", "80 mm roll"


def document_path(pdf: DocumentPdf, filename: str) -> str:
    # Private, like photos: served only through the views that check who is asking.
    return (
        f"private/shop-{pdf.shop_id}/invoices/"
        f"{pdf.invoice.number}-v{pdf.version}-{pdf.format}-{secrets.token_hex(8)}.pdf"
    )


class DocumentPdf(ShopOwned):
    """An invoice or credit note as a PDF, rendered once per version and format by the worker.

    An invoice's version is 1 + the credit notes against it (each is printed on it); a credit
    note has one version. A new version is a new file: what was sent before stays as it was."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="pdfs")
    version = models.PositiveSmallIntegerField()
    format = models.CharField(max_length=4, choices=DocumentFormat.choices)
    file = models.FileField(upload_to=document_path, max_length=200)
    size = models.PositiveIntegerField("bytes", default=0)
    render_ms = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice", "version", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "invoice", "version", "format"], name="document_pdf_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} v{self.version} {self.format}"


class TillDay(ShopOwned):
    """A branch's day at the till, closed by a manager: what the payments said was in the cash
    drawer, what was counted, and the difference, as they stood at the close. A closed day is
    never reopened or changed; payments recorded for it afterwards are shown apart."""

    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    expected_cash = models.DecimalField(max_digits=12, decimal_places=2)
    counted_cash = models.DecimalField(max_digits=12, decimal_places=2)
    difference = models.DecimalField(max_digits=12, decimal_places=2)  # counted − expected
    taken = models.DecimalField(max_digits=12, decimal_places=2)  # all methods, less refunds
    payments = models.PositiveIntegerField()  # how many were counted in (refunds included)
    note = models.CharField(max_length=200, blank=True)
    closed_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "branch"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "branch", "day"], name="till_day_once"),
            models.CheckConstraint(
                condition=Q(difference=models.F("counted_cash") - models.F("expected_cash")),
                name="till_day_difference_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.day}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise DayIsClosed("A closed day at the till is never changed.")
        super().save(*args, **kwargs)


class OnlineCheckout(ShopOwned):
    """A Stripe Checkout Session opened from the customer's status page for what was owed on the
    invoice then. Kept so a second press of Pay reopens the same session while it is open, and
    so each new session for the same invoice and amount gets the next attempt number (the
    idempotency key is made from invoice, amount and attempt)."""

    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    attempt = models.PositiveSmallIntegerField()
    session_id = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "session_id"], name="checkout_session_once"),
            models.UniqueConstraint(
                fields=["shop", "invoice", "amount", "attempt"], name="checkout_attempt_once"
            ),
        ]

    def __str__(self) -> str:
        return self.session_id


class StripeEvent(models.Model):
    """A Stripe event acted on, kept once per event id: Stripe delivers an event again until it
    gets a 2xx (and anyone holding a signed body can replay it), so an id seen before is
    acknowledged and nothing more. Not shop-owned: the id is Stripe's, unique across our account;
    `shop` says whose payment it was about, for looking things up."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.event_id} ({self.type})"
