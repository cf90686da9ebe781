"""A customer's messages, both ways, emptied of addresses and bodies when they are erased
(privacy.services.customer_erase): what was sent when, and its state, stays for the job."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from notifications.models import Alert, DeliveryReport, InboundMessage, Message, State
from shops.redaction import redacted


def messages_erase(
    *, shop_id: int, customer_id: int, phone: str, pattern: str | None
) -> dict[str, int]:
    sent = Message.objects.for_shop(shop_id).filter(customer_id=customer_id)
    provider_ids = [pid for pid in sent.values_list("provider_id", flat=True) if pid]
    # One still waiting (quiet hours) would go to nobody: it is not sent, and says why.
    sent.filter(state__in=[State.QUEUED, State.SENDING]).update(
        state=State.NOT_SENT,
        not_sent_reason="Not sent: the customer was erased.",
        state_changed_at=timezone.now(),
    )
    counts = {
        "messages": sent.update(recipient="", subject="", body="", last_error=""),
    }
    theirs = Q(customer_id=customer_id)
    if phone:  # an SMS from their number that was never matched to them is theirs too
        theirs |= Q(sender=phone)
    received = InboundMessage.objects.for_shop(shop_id).filter(theirs)
    counts["messages_received"] = received.update(sender="", body="")
    # Delivery reports repeat the number they were sent to.
    DeliveryReport.objects.filter(provider_id__in=provider_ids).delete()
    if pattern:
        alerts = Alert.objects.for_shop(shop_id).filter(text__iregex=pattern)
        alerts.update(text=redacted("text", pattern))
    return counts
