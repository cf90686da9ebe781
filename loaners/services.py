"""Loaners' writes: adding a loaner, lending it with a works order (a deposit held by billing),
taking it back (the deposit given back once), and a manager's waiver that lets the job be
collected while the loaner is still out. Each is one transaction with a timeline entry."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import services as billing
from billing.models import Payment
from loaners.models import Loan, Loaner
from shops.models import COUNTER, MANAGERS, Branch, Membership
from shops.money import format_money
from tickets.models import Event, NoteKind, Status, WorksOrder
from tickets.services import record

# Lent with a job still in the shop's hands; a collected or cancelled job takes nothing more.
LENDING_STATUSES = [s for s in Status if s not in (Status.COLLECTED, Status.CANCELLED)]


def _counter(by: Membership) -> None:
    if by.role not in COUNTER:
        raise ValidationError("Only the counter lends and takes back loaners.")


@transaction.atomic
def loaner_add(*, branch: Branch, name: str, serial: str, condition: str, by: Membership) -> Loaner:
    """A new loaner at a branch; its serial is the shop's once. Managers."""
    if by.role not in MANAGERS:
        raise ValidationError("Only a manager adds loaners.")
    loaner = Loaner(
        shop_id=branch.shop_id,
        branch=branch,
        name=name.strip(),
        serial=serial.strip(),
        condition=condition.strip(),
        added_by=by,
    )
    if not loaner.name or not loaner.serial:
        raise ValidationError("Give the loaner a name and its serial number.")
    same = Loaner.objects.for_shop(branch.shop_id).filter(serial__iexact=loaner.serial)
    if same.exists():
        raise ValidationError({"serial": "Another loaner already has this serial number."})
    try:
        with transaction.atomic():
            loaner.save()
    except IntegrityError as clash:  # added at the same moment elsewhere
        raise ValidationError(
            {"serial": "Another loaner already has this serial number."}
        ) from clash
    return loaner


@transaction.atomic
def loaner_retire(*, loaner: Loaner, by: Membership) -> Loaner:
    """Take a loaner out of use (sold, broken beyond repair); its loans stay on record."""
    if by.role not in MANAGERS:
        raise ValidationError("Only a manager retires loaners.")
    locked = Loaner.objects.for_shop(loaner.shop_id).select_for_update().get(pk=loaner.pk)
    if locked.loans.filter(returned_at__isnull=True).exists():
        raise ValidationError(f"{locked} is out: take it back first.")
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    return locked


def _text(loaner: Loaner) -> str:
    return f"{loaner.name} (S/N {loaner.serial})"


@transaction.atomic
def loaner_lend(
    *,
    works_order: WorksOrder,
    loaner: Loaner,
    due_back: datetime.date,
    condition: str,
    by: Membership,
    deposit: Decimal | None = None,
    deposit_method: str = "",
    deposit_reference: str = "",
) -> Loan:
    """Lend a loaner with a job, with a deposit taken through billing if there is one. A loaner
    is out with one job at a time: the row lock queues two counters lending it at once, and the
    partial unique index refuses the second whatever happens."""
    _counter(by)
    jobs = WorksOrder.objects.for_shop(works_order.shop_id).select_for_update()
    job = jobs.get(pk=works_order.pk)
    locked = Loaner.objects.for_shop(works_order.shop_id).select_for_update().get(pk=loaner.pk)
    if job.status not in LENDING_STATUSES:
        raise ValidationError(f"{job.number} is closed: nothing more is lent with it.")
    if not locked.is_active:
        raise ValidationError({"loaner": f"{_text(locked)} is no longer in use."})
    if locked.branch_id != job.branch_id:
        raise ValidationError({"loaner": f"{_text(locked)} belongs to another branch."})
    out = locked.loans.filter(returned_at__isnull=True).select_related("works_order").first()
    if out is not None:
        raise ValidationError(
            {"loaner": f"{_text(locked)} is already out with {out.works_order.number}."}
        )
    if due_back < timezone.localdate(timezone.now(), job.branch.tz):
        raise ValidationError({"due_back": "The day it is due back cannot be in the past."})
    payment = None
    if deposit:
        payment = billing.held_deposit_take(
            works_order=job,
            method=deposit_method,
            amount=deposit,
            reference=deposit_reference,
            by=by,
            what=f"loaner {_text(locked)}",
        )
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                shop_id=job.shop_id,
                loaner=locked,
                works_order=job,
                lent_by=by,
                due_back=due_back,
                condition_out=condition.strip(),
                deposit=payment,
            )
    except IntegrityError as clash:  # lent meanwhile on a path that skipped the lock
        raise ValidationError({"loaner": f"{_text(locked)} is already out."}) from clash
    text = f"Lent {_text(locked)}, due back {due_back:%-d %b %Y}"
    if condition.strip():
        text += f"; condition: {condition.strip()}"
    record(job, Event.LOANER, by, text, NoteKind.INTERNAL, loan=loan.pk)
    return loan


def _lock_loan(loan: Loan) -> Loan:
    return (
        Loan.objects.for_shop(loan.shop_id)
        .select_for_update(of=("self",))
        .select_related("loaner", "works_order", "deposit")
        .get(pk=loan.pk)
    )


@transaction.atomic
def loaner_return(
    *,
    loan: Loan,
    condition: str,
    by: Membership,
    refund: Decimal | None = None,
    keep_reason: str = "",
) -> Loan:
    """Take a loaner back with its condition noted; the deposit goes back through billing
    (all of it unless the counter keeps part, with a reason). A loan is returned once: a second
    press finds it returned and gives nothing back again."""
    _counter(by)
    locked = _lock_loan(loan)
    if locked.returned_at is not None:
        raise ValidationError(f"{_text(locked.loaner)} was already returned.")
    condition = condition.strip()
    if not condition:
        raise ValidationError({"condition": "Note the condition it came back in."})
    job = locked.works_order
    given_back = Decimal("0.00")
    if locked.deposit is not None:
        left = billing.refundable(locked.deposit)
        given_back = left if refund is None else refund
        if given_back < 0 or given_back > left:
            money = format_money(left, job.shop.currency)
            raise ValidationError({"refund": f"Give back between nothing and {money}."})
        if given_back < left and not keep_reason.strip():
            raise ValidationError({"keep_reason": "Say why part of the deposit is kept."})
        if given_back > 0:
            billing.payment_refund(
                payment=locked.deposit,
                amount=given_back,
                reason=f"loaner {locked.loaner.serial} returned",
                by=by,
            )
    locked.returned_at, locked.returned_by, locked.condition_back = timezone.now(), by, condition
    locked.save(update_fields=["returned_at", "returned_by", "condition_back"])
    locked.loaner.condition = condition
    locked.loaner.save(update_fields=["condition"])
    text = f"Loaner {_text(locked.loaner)} returned; condition: {condition}"
    if locked.deposit is not None:
        text += f"; deposit given back {format_money(given_back, job.shop.currency)}"
        if keep_reason.strip():
            text += f", kept because: {keep_reason.strip()}"
    record(job, Event.LOANER, by, text, NoteKind.INTERNAL, loan=locked.pk)
    return locked


@transaction.atomic
def loaner_waive(*, loan: Loan, reason: str, by: Membership) -> Loan:
    """A manager lets the job be collected while its loaner is still out, with a reason."""
    if by.role not in MANAGERS:
        raise ValidationError("Only a manager lets a job go with its loaner still out.")
    locked = _lock_loan(loan)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the job may go with the loaner still out."})
    if locked.returned_at is not None:
        raise ValidationError(f"{_text(locked.loaner)} is back already: nothing to waive.")
    if locked.waived_at is not None:
        return locked
    locked.waived_at, locked.waived_by, locked.waive_reason = timezone.now(), by, reason
    locked.save(update_fields=["waived_at", "waived_by", "waive_reason"])
    text = f"May be collected with loaner {_text(locked.loaner)} still out: {reason}"
    record(locked.works_order, Event.LOANER, by, text, NoteKind.INTERNAL, loan=locked.pk)
    return locked


def deposit_left(loan: Loan) -> Decimal | None:
    """What of the loan's deposit is still held (None: no deposit was taken)."""
    if loan.deposit_id is None:
        return None
    payment = Payment.objects.for_shop(loan.shop_id).get(pk=loan.deposit_id)
    return billing.refundable(payment)
