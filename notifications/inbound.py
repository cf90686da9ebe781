"""SMS customers send the shop: STOP and START, YES/NO answers to an approval, and anything
else, threaded onto their job with staff alerted.

Kept once per Twilio MessageSid (a webhook delivered twice does everything once). An answer
approves only the one pending approval of that phone's customer with that code; anything
unmatched, ambiguous or late gets a helpful answer and a staff alert, never a guess.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_sms_opt_in, customer_sms_opt_out
from notifications.models import Alert, Channel, InboundMessage, InboundOutcome, Stage
from notifications.services import channel_choice, message_queue
from shops.models import MANAGERS, Membership, Role
from tickets.models import OPEN_STATUSES, Approval, ApprovalMethod, WorksOrder
from tickets.services import approval_record

log = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "YES", "UNSTOP"}
# "YES 1234", "no1234", "Yes, 1234." — the word, then the code, and nothing else.
ANSWER = re.compile(r"^\s*(yes|no)[\s,.:;#-]*(\d{4,6})[\s.!]*$", re.IGNORECASE)

UNMATCHED = (
    "Sorry, we could not match your reply to a repair waiting for your approval. Please reply "
    "YES or NO followed by the code in our message (for example YES 1234), or call us."
)
AMBIGUOUS = (
    "Sorry, that code matches more than one repair, so we have not changed anything. "
    "We will call you to confirm."
)
LATE = "Thank you. This approval was already answered, so nothing has changed."
NO_CODE = (
    "To answer the approval we asked for, please reply YES or NO followed by the code in our "
    "message (for example YES 1234)."
)


@dataclass
class Outcome:
    customer: Customer
    works_order: WorksOrder | None
    outcome: str
    answer: str = ""  # an SMS back to the customer
    alert: str = ""  # for staff


def inbound_receive(*, provider_id: str, sender: str, to: str, body: str) -> InboundMessage | None:
    """Act on one inbound SMS once; the stored row (None when no customer has this number, or
    when this SID was handled before)."""
    if not provider_id or not sender:
        return None
    customers = list(
        Customer.objects.all_shops().filter(phone=sender).select_related("shop").order_by("-id")
    )
    if not customers:
        log.info("SMS %s from a number no customer has", provider_id)
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            outcome = _decide(customers, provider_id=provider_id, body=body, now=now)
            # First, so a replay stops here (and waits for the first to commit, then conflicts).
            with transaction.atomic():
                stored = InboundMessage.objects.create(
                    shop=outcome.customer.shop,
                    provider_id=provider_id,
                    sender=sender,
                    body=body,
                    customer=outcome.customer,
                    works_order=outcome.works_order,
                    outcome=outcome.outcome,
                    received_at=now,
                )
            _act(outcome, provider_id=provider_id, sender=sender, body=body, now=now)
    except IntegrityError:
        return None  # handled before
    return stored


def _decide(customers: list[Customer], *, provider_id: str, body: str, now) -> Outcome:
    words = body.strip().upper().split()
    word = words[0].strip(".!") if len(words) == 1 else ""
    main = _main_customer(customers)
    if word in STOP_WORDS:
        return Outcome(main, None, InboundOutcome.OPTED_OUT)
    answer = ANSWER.match(body)
    if answer:
        return _answer(customers, main, answer[1].upper() == "YES", answer[2])
    waiting = _pending(customers).select_related("works_order__customer").first()
    if word in START_WORDS:
        outcome = Outcome(main, None, InboundOutcome.OPTED_IN)
        if word == "YES" and waiting is not None:
            # "YES" alone while an approval waits: opt in (the usual keyword), and say how to
            # answer the approval rather than guess which one they meant.
            outcome.customer, outcome.works_order = (
                waiting.works_order.customer,
                waiting.works_order,
            )
            outcome.answer, outcome.alert = (
                NO_CODE,
                f"{outcome.customer} replied YES without a code",
            )
        return outcome
    if word == "NO" and waiting is not None:
        job = waiting.works_order
        return Outcome(
            job.customer,
            job,
            InboundOutcome.UNMATCHED,
            answer=NO_CODE,
            alert=f"{job.customer} replied NO without a code",
        )
    works_order = _newest_open(main)
    return Outcome(
        main,
        works_order,
        InboundOutcome.THREADED,
        alert=f"SMS from {_name(main)}: {body[:120]}",
    )


def _answer(customers: list[Customer], main: Customer, approved: bool, code: str) -> Outcome:
    matches = list(
        Approval.objects.all_shops()
        .filter(works_order__customer__in=customers, reply_code=code)
        .select_related("works_order__customer")
        .order_by("-requested_at")
    )
    pending = [a for a in matches if a.approved is None]
    said = "YES" if approved else "NO"
    if len(pending) == 1:
        job = pending[0].works_order
        outcome = InboundOutcome.APPROVED if approved else InboundOutcome.DECLINED
        return Outcome(job.customer, job, outcome)
    if len(pending) > 1:
        job = pending[0].works_order
        return Outcome(
            job.customer,
            job,
            InboundOutcome.UNMATCHED,
            answer=AMBIGUOUS,
            alert=f"{_name(job.customer)} replied {said} {code}, which matches several jobs",
        )
    if matches:
        job = matches[0].works_order
        return Outcome(
            job.customer,
            job,
            InboundOutcome.UNMATCHED,
            answer=LATE,
            alert=f"{_name(job.customer)} replied {said} {code} after it was answered",
        )
    return Outcome(
        main,
        _newest_open(main),
        InboundOutcome.UNMATCHED,
        answer=UNMATCHED,
        alert=f"{_name(main)} replied {said} {code}, which matches no waiting approval",
    )


def _act(outcome: Outcome, *, provider_id: str, sender: str, body: str, now) -> None:
    if outcome.outcome == InboundOutcome.OPTED_OUT:
        customer_sms_opt_out(phone=sender, word=body.strip().upper()[:20], at=now)
        return
    if outcome.outcome == InboundOutcome.OPTED_IN:
        customer_sms_opt_in(phone=sender)
    if outcome.outcome in (InboundOutcome.APPROVED, InboundOutcome.DECLINED):
        approval = (
            Approval.objects.for_shop(outcome.customer.shop_id)
            .filter(works_order=outcome.works_order, approved__isnull=True)
            .first()
        )
        try:
            approval_record(
                works_order=outcome.works_order,
                approved=outcome.outcome == InboundOutcome.APPROVED,
                method=ApprovalMethod.SMS,
                by=None,
                evidence={
                    "text": body,
                    "provider_id": provider_id,
                    "from": sender,
                    "received_at": now.isoformat(),
                    "previous_gross": str(approval.previous_gross) if approval else "",
                    "new_gross": str(approval.new_gross) if approval else "",
                },
            )
        except ValidationError:  # answered in the meantime: say so, change nothing
            outcome.outcome, outcome.answer = InboundOutcome.UNMATCHED, LATE
            outcome.alert = f"{_name(outcome.customer)} replied “{body[:60]}” after it was answered"
            InboundMessage.objects.for_shop(outcome.customer.shop_id).filter(
                provider_id=provider_id
            ).update(outcome=outcome.outcome)
    if outcome.answer:
        _answer_back(outcome, provider_id=provider_id, sender=sender)
    if outcome.alert:
        _alert_staff(outcome, provider_id=provider_id)


def _answer_back(outcome: Outcome, *, provider_id: str, sender: str) -> None:
    choice = channel_choice(outcome.customer)
    message_queue(
        customer=outcome.customer,
        works_order=outcome.works_order,
        stage=Stage.REPLY,
        channel=Channel.SMS,
        key=f"reply:{provider_id}",
        body=outcome.answer,
        recipient=sender,
        why_not=choice.why_not if choice.channel == Channel.SMS else "",
    )


def _alert_staff(outcome: Outcome, *, provider_id: str) -> None:
    """The assigned technician, or else the branch's front desk and the managers."""
    shop = outcome.customer.shop
    job = outcome.works_order
    members = Membership.objects.filter(shop=shop, is_active=True)
    if job is not None and job.assigned_to_id:
        members = members.filter(pk=job.assigned_to_id)
    elif job is not None:
        members = members.filter(role__in=MANAGERS) | members.filter(
            role=Role.FRONT_DESK, branches=job.branch_id
        )
    else:
        members = members.filter(role__in=(*MANAGERS, Role.FRONT_DESK))
    url = (
        reverse("works_order_detail", args=[job.number])
        if job is not None
        else reverse("customer_detail", args=[outcome.customer.pk])
    )
    Alert.objects.bulk_create(
        [
            Alert(
                shop=shop,
                member=member,
                key=f"sms:{provider_id}",
                text=outcome.alert[:300],
                url=url,
            )
            for member in members.distinct()
        ],
        ignore_conflicts=True,
    )


def _pending(customers: list[Customer]):
    return Approval.objects.all_shops().filter(
        works_order__customer__in=customers, approved__isnull=True
    )


def _newest_open(customer: Customer) -> WorksOrder | None:
    return (
        WorksOrder.objects.for_shop(customer.shop_id)
        .filter(customer=customer, status__in=OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )


def _main_customer(customers: list[Customer]) -> Customer:
    """Of the customers with this number (one per shop), the one with the newest open job."""
    jobs = (
        WorksOrder.objects.all_shops()
        .filter(customer__in=customers, status__in=OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .values_list("customer_id", flat=True)
    )
    newest = jobs.first()
    return next((c for c in customers if c.pk == newest), customers[0])


def _name(customer: Customer) -> str:
    return str(customer)
