"""Listening to tickets and billing: each event a shop's webhooks may ask for is recorded in the
transaction of the change (see api.webhooks), keyed by what caused it."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from api.models import Topic
from api.webhooks import event_record
from billing.models import DocumentKind, Invoice, Payment
from tickets.lifecycle import works_order_moved
from tickets.models import Status, WorksOrder
from tickets.signals import customer_news


def works_order_data(works_order: WorksOrder) -> dict:
    return {
        "number": works_order.number,
        "status": works_order.status,
        "branch": works_order.branch.code,
        "customer_id": works_order.customer_id,
        "device_id": works_order.device_id,
        "priority": works_order.priority,
        "sla_due_at": works_order.sla_due_at,
    }


@receiver(customer_news, dispatch_uid="api_works_order_created")
def works_order_created(sender, *, works_order: WorksOrder, news: str, entry, **kwargs) -> None:
    if news == "booked_in":
        event_record(
            shop_id=works_order.shop_id,
            topic=Topic.CREATED,
            source=f"entry-{entry.pk}",
            payload={"works_order": works_order_data(works_order)},
        )


@receiver(works_order_moved, dispatch_uid="api_works_order_moved")
def works_order_moved_hook(
    sender, *, works_order: WorksOrder, step: str, source: str, target: str, entry, **kwargs
) -> None:
    payload = {
        "works_order": works_order_data(works_order),
        "step": step,
        "from_status": source,
        "to_status": target,
    }
    topics = [Topic.STATUS_CHANGED]
    if target == Status.READY:
        topics.append(Topic.READY)
    if target == Status.COLLECTED:
        topics.append(Topic.COLLECTED)
    for topic in topics:
        event_record(
            shop_id=works_order.shop_id, topic=topic, source=f"entry-{entry.pk}", payload=payload
        )


@receiver(post_save, sender=Invoice, dispatch_uid="api_invoice_issued")
def invoice_issued(sender, *, instance: Invoice, created: bool, **kwargs) -> None:
    if created and instance.kind == DocumentKind.INVOICE:
        event_record(
            shop_id=instance.shop_id,
            topic=Topic.INVOICE_ISSUED,
            source=f"invoice-{instance.pk}",
            payload={
                "invoice": {
                    "number": instance.number,
                    "works_order": instance.works_order_number,
                    "net": instance.net,
                    "vat": instance.vat,
                    "gross": instance.gross,
                    "currency": instance.currency,
                    "issued_at": instance.issued_at,
                }
            },
        )


@receiver(post_save, sender=Payment, dispatch_uid="api_payment_received")
def payment_received(sender, *, instance: Payment, created: bool, **kwargs) -> None:
    if created and instance.refund_of_id is None and instance.amount > 0:
        event_record(
            shop_id=instance.shop_id,
            topic=Topic.PAYMENT_RECEIVED,
            source=f"payment-{instance.pk}",
            payload={
                "payment": {
                    "id": instance.pk,
                    "works_order": instance.works_order.number,
                    "amount": instance.amount,
                    "method": instance.method,
                    "is_deposit": instance.is_deposit,
                    # A loaner's security deposit: held, not paid towards the bill.
                    "held": instance.held,
                    "taken_at": instance.taken_at,
                }
            },
        )
