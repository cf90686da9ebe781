"""Day end at the till: a branch's day of payments, refunds and invoices, and its close.

A payment belongs to the branch of its works order and to the day it was taken, in the branch's
time. Expected cash in the drawer is the cash taken less the cash refunded (the change given is
already out of it: a cash payment's amount is what stayed in the drawer); the float is not
counted, so the counted figure is the drawer less its float.

A manager closes the day by entering the cash counted: the difference (counted − expected) and
the day's figures are recorded as they stood, and the day is read-only from then on. Payments
are never refused for a closed day (a card payment online may be confirmed at any hour, and
money that has been taken must be recorded): one written after the close is shown apart on the
day's report as "recorded after the close", with what it changes, and is not in the closed
figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import DocumentKind, Invoice, Method, Payment, TillDay
from billing.vat import ZERO
from shops.models import Branch, Membership


@dataclass
class MethodRow:
    method: str
    label: str
    payments: int = 0
    taken: Decimal = ZERO
    refunds: int = 0
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded


@dataclass
class TillReport:
    branch: Branch
    day: datetime.date
    closed: TillDay | None
    counted_in: list[Payment]  # in the figures: all of the day's, or those before the close
    late: list[Payment]  # recorded after the close
    invoices: list[Invoice]
    by_method: list[MethodRow] = field(default_factory=list)

    @property
    def taken(self) -> Decimal:
        return sum((row.net for row in self.by_method), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((row.refunded for row in self.by_method), ZERO)

    @property
    def expected_cash(self) -> Decimal:
        return cash_in(self.counted_in)

    @property
    def late_cash(self) -> Decimal:
        return cash_in(self.late)

    @property
    def invoiced(self) -> Decimal:
        return sum((i.gross for i in self.invoices if i.kind == DocumentKind.INVOICE), ZERO)

    @property
    def credited(self) -> Decimal:
        return sum((i.gross for i in self.invoices if i.kind == DocumentKind.CREDIT_NOTE), ZERO)


def cash_in(payments: list[Payment]) -> Decimal:
    return sum((p.signed_amount for p in payments if p.method == Method.CASH), ZERO)


def day_bounds(branch: Branch, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The day from midnight to midnight in the branch's time zone."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=branch.tz)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=branch.tz
    )
    return start, end


def branch_today(branch: Branch) -> datetime.date:
    return timezone.localdate(timezone=branch.tz)


def till_report(*, branch: Branch, day: datetime.date) -> TillReport:
    """The day's figures; for a closed day, as at its close, with later payments apart."""
    start, end = day_bounds(branch, day)
    closed = (
        TillDay.objects.for_shop(branch.shop_id)
        .select_related("closed_by__user")
        .filter(branch=branch, day=day)
        .first()
    )
    payments = list(
        Payment.objects.for_shop(branch.shop_id)
        .filter(works_order__branch=branch, taken_at__gte=start, taken_at__lt=end)
        .select_related("works_order", "taken_by__user")
        .order_by("taken_at", "id")
    )
    if closed is None:
        counted_in, late = payments, []
    else:
        counted_in = [p for p in payments if p.recorded_at <= closed.closed_at]
        late = [p for p in payments if p.recorded_at > closed.closed_at]
    invoices = list(
        Invoice.objects.for_shop(branch.shop_id)
        .filter(works_order__branch=branch, issued_at__gte=start, issued_at__lt=end)
        .order_by("issued_at", "id")
    )
    rows = {m.value: MethodRow(m.value, m.label) for m in Method}
    for payment in counted_in:
        row = rows[payment.method]
        if payment.is_refund:
            row.refunds += 1
            row.refunded += payment.amount
        else:
            row.payments += 1
            row.taken += payment.amount
    by_method = [row for row in rows.values() if row.payments or row.refunds]
    return TillReport(branch, day, closed, counted_in, late, invoices, by_method)


@transaction.atomic
def till_day_close(
    *, branch: Branch, day: datetime.date, counted_cash: Decimal, note: str, by: Membership
) -> TillDay:
    """Close a branch's day at the till with the cash counted; once per branch and day, and
    only a day that has begun. Managers only."""
    if not by.is_manager:
        raise ValidationError("Only a manager closes the day at the till.")
    if day > branch_today(branch):
        raise ValidationError(f"{day:%-d %B %Y} has not begun at {branch.name}: close it then.")
    if TillDay.objects.for_shop(branch.shop_id).filter(branch=branch, day=day).exists():
        raise ValidationError(f"{day:%-d %B %Y} at {branch.name} is already closed.")
    closed_at = timezone.now()
    report = till_report(branch=branch, day=day)
    expected = report.expected_cash
    try:
        with transaction.atomic():
            return TillDay.objects.create(
                shop_id=branch.shop_id,
                branch=branch,
                day=day,
                expected_cash=expected,
                counted_cash=counted_cash,
                difference=counted_cash - expected,
                taken=report.taken,
                payments=len(report.counted_in),
                note=note.strip(),
                closed_by=by,
                closed_at=closed_at,
            )
    except IntegrityError as clash:  # closed by someone else a moment ago
        raise ValidationError(f"{day:%-d %B %Y} at {branch.name} is already closed.") from clash
