"""Sending what the outbox holds, once.

A worker claims a message by moving it from queued to sending in one UPDATE (so two workers,
or a task run twice, cannot both send it), hands it to its channel, and records the answer.
A message left in "sending" by a worker that died is claimed again once it is STALE.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from notifications import email, sms
from notifications.models import STATE_RANK, Channel, Message, State

# A send that has not answered within this is taken to have died with its worker.
STALE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 6
BACKOFF, BACKOFF_MAX = 10, 600  # seconds

CLAIM_SQL = """
UPDATE notifications_message
   SET state = 'sending', sending_since = %(now)s, attempts = attempts + 1,
       state_changed_at = %(now)s
 WHERE id = %(id)s
   AND ((state = 'queued' AND send_after <= %(now)s)
        OR (state = 'sending' AND sending_since < %(stale)s))
RETURNING id
"""


class Transient(Exception):
    """The provider could not take it now; try again later."""


def message_claim(message_id: int) -> Message | None:
    """The message, now ours to send; None if it is not due, already sent or being sent."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, {"id": message_id, "now": now, "stale": now - STALE})
        if cursor.fetchone() is None:
            return None
    return (
        Message.objects.all_shops().select_related("shop", "works_order__branch").get(pk=message_id)
    )


def message_deliver(message_id: int) -> None:
    """Send one queued message, or raise Transient to be retried (it goes back to queued)."""
    message = message_claim(message_id)
    if message is None:
        return
    try:
        channel = sms if message.channel == Channel.SMS else email
        provider_id = _taken_before(message) or channel.send(message)
    except sms.NotSetUp as why:
        _finish(message, State.NOT_SENT, reason=str(why))
    except (sms.Permanent, email.Permanent) as error:
        _finish(message, State.FAILED, error=str(error))
    except (sms.Transient, email.Transient) as error:
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, State.FAILED, error=f"gave up after {message.attempts} tries: {error}")
            return
        _finish(message, State.QUEUED, error=str(error), retry_in=backoff(message.attempts))
        raise Transient(str(error)) from error
    else:
        _finish(message, State.SENT, provider_id=provider_id or "")


def _taken_before(message: Message) -> str:
    """On a second or later attempt at an SMS: the SID Twilio gave an earlier attempt whose
    answer we never recorded (the worker died, or the answer was lost), so it is not sent twice.
    Email has no such question to ask: its Message-ID is the same on every attempt, which lets a
    mail client fold a duplicate away but does not stop the second copy being sent."""
    if message.channel != Channel.SMS or message.attempts <= 1:
        return ""
    known = (
        Message.objects.all_shops()
        .filter(shop_id=message.shop_id, channel=Channel.SMS, recipient=message.recipient)
        .exclude(provider_id="")
        .values_list("provider_id", flat=True)
    )
    return sms.already_taken(message, known=set(known))


# What Twilio's MessageStatus values mean for our message; the others (receiving, received,
# canceled…) do not move an outbound message.
TWILIO_STATES = {
    "accepted": State.SENT,
    "scheduled": State.SENT,
    "queued": State.SENT,
    "sending": State.SENT,
    "sent": State.SENT,
    "delivered": State.DELIVERED,
    "read": State.DELIVERED,
    "undelivered": State.UNDELIVERED,
    "failed": State.FAILED,
}


def message_advance(provider_id: str, status: str, *, error: str = "") -> int:
    """Move the message Twilio knows as `provider_id` on to what `status` means, never back: a
    late or replayed "sent" leaves "delivered" alone. The number of messages moved (0 or 1)."""
    state = TWILIO_STATES.get(status)
    if state is None or not provider_id:
        return 0
    earlier = [s for s, rank in STATE_RANK.items() if rank < STATE_RANK[state]]
    changes: dict = {"state": state, "state_changed_at": timezone.now(), "sending_since": None}
    if error:
        changes["last_error"] = error[:500]
    return (
        Message.objects.all_shops()
        .filter(provider_id=provider_id, state__in=earlier)
        .update(**changes)
    )


def reports_apply(provider_id: str) -> None:
    """Apply the delivery reports that came in before we had recorded the message's SID."""
    from notifications.models import DeliveryReport

    statuses = DeliveryReport.objects.filter(provider_id=provider_id).values_list(
        "status", "payload"
    )
    ranked = [
        (STATE_RANK[TWILIO_STATES[status]], status, payload)
        for status, payload in statuses
        if status in TWILIO_STATES
    ]
    if ranked:
        _, status, payload = max(ranked, key=lambda r: r[0])
        message_advance(provider_id, status, error=report_error(payload))


def report_error(payload: dict) -> str:
    code = payload.get("ErrorCode") or ""
    return f"Twilio error {code}" if code else ""


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after `attempts` tries: 10 s, 20 s, 40 s … at most 10 minutes. The
    task's own retry countdown is the same (tasks.message_send), and the sweep does not take
    the message before then either (its send_after)."""
    return datetime.timedelta(seconds=min(BACKOFF * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


def _finish(
    message: Message,
    state: str,
    *,
    reason: str = "",
    error: str = "",
    provider_id: str = "",
    retry_in: datetime.timedelta | None = None,
) -> None:
    now = timezone.now()
    changes = {"state": state, "state_changed_at": now, "sending_since": None}
    if retry_in is not None:
        changes["send_after"] = now + retry_in
    if reason:
        changes["not_sent_reason"] = reason[:200]
    if error:
        changes["last_error"] = error[:500]
    if state == State.SENT:
        changes |= {"sent_at": now, "provider_id": provider_id}
    # Only from "sending": a delivery report that came first has already moved it further.
    Message.objects.all_shops().filter(pk=message.pk, state=State.SENDING).update(**changes)
    if state == State.SENT and provider_id and message.channel == Channel.SMS:
        # After our write: a report stored before it is seen here, one stored after it finds
        # the message by its SID itself.
        reports_apply(provider_id)


def waiting_ids(limit: int = 500) -> list[int]:
    """Messages due and not yet sent (held for quiet hours, or lost with a worker), oldest
    first, across every shop: for the beat sweep."""
    now = timezone.now()
    waiting = Message.objects.all_shops().filter(
        state=State.QUEUED, send_after__lte=now
    ) | Message.objects.all_shops().filter(state=State.SENDING, sending_since__lt=now - STALE)
    return list(waiting.order_by("send_after").values_list("pk", flat=True)[:limit])
