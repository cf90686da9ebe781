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
from notifications.models import Channel, Message, State

# A send that has not answered within this is taken to have died with its worker.
STALE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 6

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
        provider_id = channel.send(message)
    except sms.NotSetUp as why:
        _finish(message, State.NOT_SENT, reason=str(why))
    except (sms.Permanent, email.Permanent) as error:
        _finish(message, State.FAILED, error=str(error))
    except (sms.Transient, email.Transient) as error:
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, State.FAILED, error=f"gave up after {message.attempts} tries: {error}")
            return
        _finish(message, State.QUEUED, error=str(error))
        raise Transient(str(error)) from error
    else:
        _finish(message, State.SENT, provider_id=provider_id or "")


def _finish(
    message: Message, state: str, *, reason: str = "", error: str = "", provider_id: str = ""
) -> None:
    now = timezone.now()
    changes = {"state": state, "state_changed_at": now, "sending_since": None}
    if reason:
        changes["not_sent_reason"] = reason[:200]
    if error:
        changes["last_error"] = error[:500]
    if state == State.SENT:
        changes |= {"sent_at": now, "provider_id": provider_id}
    # Only from "sending": a delivery report that came first has already moved it further.
    Message.objects.all_shops().filter(pk=message.pk, state=State.SENDING).update(**changes)


def waiting_ids(limit: int = 500) -> list[int]:
    """Messages due and not yet sent (held for quiet hours, or lost with a worker), oldest
    first, across every shop: for the beat sweep."""
    now = timezone.now()
    waiting = Message.objects.all_shops().filter(
        state=State.QUEUED, send_after__lte=now
    ) | Message.objects.all_shops().filter(state=State.SENDING, sending_since__lt=now - STALE)
    return list(waiting.order_by("send_after").values_list("pk", flat=True)[:limit])
