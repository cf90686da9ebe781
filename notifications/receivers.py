"""Listening to tickets: each step and piece of news becomes the customer's message, written in
the same transaction (see tickets/signals.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from notifications.models import MessageTemplate, Stage, State
from notifications.services import STAGE_OF_STATUS, stage_message, wording_changed
from tickets.lifecycle import works_order_moved
from tickets.models import Event, TimelineEntry, WorksOrder
from tickets.services import record
from tickets.signals import customer_news, sla_crossed

NEWS_STAGES = {
    "booked_online": Stage.BOOKED_ONLINE,
    "booked_in": Stage.BOOKED_IN,
    "update": Stage.UPDATE,
    "parts_arrived": Stage.PARTS_ARRIVED,
}


@receiver(works_order_moved)
def works_order_moved_tell(
    sender, *, works_order: WorksOrder, step: str, source: str, target: str, entry, **kwargs
) -> None:
    stage = STAGE_OF_STATUS.get(target)
    # Back on the bench after a wait or a failed QC is not news: "work started" is said once.
    if stage is None or (stage == Stage.IN_PROGRESS and source != "assigned"):
        return
    approval = None
    if stage == Stage.AWAITING_APPROVAL:
        approval = works_order.approvals.filter(approved=None).order_by("-requested_at").first()
    message = stage_message(works_order, stage, f"entry-{entry.pk}", approval=approval)
    if stage == Stage.READY:
        _record_ready_told(works_order, message)


def _record_ready_told(works_order: WorksOrder, message) -> None:
    """Ready means the customer was told: the timeline says how, or why they could not be."""
    if message is None:
        text = "Customer not told automatically: the shop sends no ready message; ring them."
    elif message.state == State.NOT_SENT:
        text = f"Customer not told automatically: {message.not_sent_reason}."
    else:
        text = f"Customer told it is ready: {message.get_channel_display()} to {message.recipient}"
    record(works_order, Event.MESSAGE, None, text, message_id=getattr(message, "pk", None))


@receiver(post_save, sender=MessageTemplate)
@receiver(post_delete, sender=MessageTemplate)
def message_template_changed(sender, *, instance: MessageTemplate, **kwargs) -> None:
    wording_changed(instance.shop_id)


@receiver(customer_news)
def customer_news_tell(
    sender, *, works_order: WorksOrder, news: str, entry: TimelineEntry, **kwargs
) -> None:
    note = entry.text if news == "update" else ""
    stage_message(works_order, NEWS_STAGES[news], f"entry-{entry.pk}", note=note, by=entry.actor)
    if news == "parts_arrived" and works_order.assigned_to_id is not None:
        _alert_parts_arrived(works_order, entry)


@receiver(sla_crossed)
def sla_crossed_alert(sender, *, crossing_ids: list[int], now, **kwargs) -> dict[str, int]:
    """Each crossing the sweep recorded: an alert, email and (if asked) SMS to the managers."""
    from notifications.sla_alerts import sla_alerts_queue

    return sla_alerts_queue(crossing_ids=crossing_ids, now=now)


def _alert_parts_arrived(works_order: WorksOrder, entry: TimelineEntry) -> None:
    """The job's technician hears the parts are in, once per job and delivery."""
    from django.urls import reverse

    from notifications.services import alert_add
    from shops.models import Membership

    technician = Membership.objects.for_shop(works_order.shop_id).get(pk=works_order.assigned_to_id)
    alert_add(
        member=technician,
        key=f"parts-arrived:{entry.data.get('delivery') or entry.pk}",
        text=f"Parts arrived for {works_order.number} ({works_order.device}): "
        "it can go back on the bench.",
        url=reverse("works_order_detail", args=[works_order.number]),
    )
