"""Outbound webhooks: recording each event once, and delivering it to each endpoint once.

An event is written in the transaction of the change it reports (a signal listener), keyed by
what caused it (`source`: a timeline entry, an invoice, a payment), so a listener run twice
records nothing new; with it, one delivery row per subscribed endpoint, in one INSERT. After
commit a task is queued per delivery; the beat sweep (`due_ids`) queues whatever is due and
was missed, or is waiting out its backoff, or was left "sending" by a worker that died.

A worker claims a delivery with one UPDATE (queued and due, or sending and stale → sending),
so two workers never send it at once; once it is recorded delivered nothing sends it again
except a manager's "send again". Between a receiver's 2xx and our record of it a worker can
die: then it is sent once more after STALE, with the same event id, which is why receivers
dedupe on `Benchdesk-Event-Id`.

Signature (documented in the README): header `Benchdesk-Signature: t=<unix time>,v1=<hex>`
where hex = HMAC-SHA256(endpoint secret, f"{t}.{raw body}"); for a day after a manager replaces
the secret, a second `v1=` signed with the old one follows.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from api import outbound
from api.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from tickets import passcodes

log = logging.getLogger(__name__)

STALE = datetime.timedelta(minutes=2)  # well past WEBHOOK_TIMEOUT_SECONDS
MAX_ATTEMPTS = 8
BACKOFF, BACKOFF_MAX = 30, 6 * 3600  # seconds: 30 s, 1 min, 2 min … at most 6 hours
SIGNATURE_HEADER = "Benchdesk-Signature"
EVENT_ID_HEADER = "Benchdesk-Event-Id"
TOPIC_HEADER = "Benchdesk-Event"
USER_AGENT = "Benchdesk-Webhooks/1"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def endpoint_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets a delivery is signed with now: the endpoint's, and for a day after it was
    replaced, the one before it (so the receiving system can switch over without losing any)."""
    sealed = [endpoint.secret_sealed]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_sealed is not None and until and until > timezone.now():
        sealed.append(endpoint.previous_secret_sealed)
    return [passcodes.unseal(bytes(secret)) for secret in sealed]


def sign(secrets_: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex>[,v1=<hex>]`: one v1 per secret, the current one first."""
    signed = f"{timestamp}.".encode() + body
    macs = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets_]
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(BACKOFF * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


# Recording ------------------------------------------------------------------------------

DELIVERIES_SQL = """
INSERT INTO api_webhookdelivery
       (shop_id, event_id, endpoint_id, state, attempts, next_try_at, last_error)
SELECT e.shop_id, %(event)s, e.id, 'queued', 0, %(now)s, ''
  FROM api_webhookendpoint e
 WHERE e.shop_id = %(shop)s AND e.is_active AND e.topics ? %(topic)s
ON CONFLICT (shop_id, event_id, endpoint_id) DO NOTHING
RETURNING id
"""


def event_record(*, shop_id: int, topic: str, source: str, payload: dict) -> WebhookEvent | None:
    """Record that `topic` happened (once per `source`) and a delivery to each endpoint that
    asked for it, queued after commit. Nothing is recorded when no endpoint listens."""
    listening = (
        WebhookEndpoint.objects.for_shop(shop_id)
        .filter(is_active=True, topics__contains=[topic])
        .exists()
    )
    if not listening:
        return None
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    with transaction.atomic():
        event, created = WebhookEvent.objects.for_shop(shop_id).get_or_create(
            shop_id=shop_id, topic=topic, source=source, defaults={"payload": payload}
        )
    if not created:
        return event
    with connection.cursor() as cursor:
        cursor.execute(
            DELIVERIES_SQL,
            {"event": event.pk, "now": timezone.now(), "shop": shop_id, "topic": topic},
        )
        ids = [row[0] for row in cursor.fetchall()]
    transaction.on_commit(lambda: deliveries_queue(ids))
    return event


def deliveries_queue(ids: list[int]) -> None:
    from api.tasks import webhook_deliver

    for delivery_id in ids:
        try:
            webhook_deliver.delay(delivery_id)
        except Exception:  # the broker is down: the sweep sends it within the minute
            log.warning("webhook delivery %s not queued; the sweep will send it", delivery_id)


# Delivering -----------------------------------------------------------------------------

CLAIM_SQL = """
UPDATE api_webhookdelivery
   SET state = 'sending', sending_since = %(now)s, attempts = attempts + 1,
       last_tried_at = %(now)s
 WHERE id = %(id)s
   AND ((state = 'queued' AND next_try_at <= %(now)s)
        OR (state = 'sending' AND sending_since < %(stale)s))
RETURNING attempts
"""


def body_of(event: WebhookEvent) -> bytes:
    """What every delivery and retry of the event sends: the same bytes each time."""
    document = {
        "id": str(event.event_id),
        "type": event.topic,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def delivery_attempt(delivery_id: int) -> str | None:
    """Send one due delivery; the state it was left in, or None if it was not ours to send."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, {"id": delivery_id, "now": now, "stale": now - STALE})
        row = cursor.fetchone()
    if row is None:
        return None
    attempts = row[0]
    delivery = (
        WebhookDelivery.objects.all_shops().select_related("event", "endpoint").get(pk=delivery_id)
    )
    body = body_of(delivery.event)
    timestamp = int(time.time())
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: str(delivery.event.event_id),
            TOPIC_HEADER: delivery.event.topic,
            SIGNATURE_HEADER: sign(endpoint_secrets(delivery.endpoint), timestamp, body),
        },
    )
    started = time.monotonic()
    status, error = None, ""
    try:
        with outbound.opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as refused:
        status, error = refused.code, f"HTTP {refused.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        error = str(getattr(failure, "reason", failure))[:300] or type(failure).__name__
    duration = int((time.monotonic() - started) * 1000)
    return _finish(delivery, attempts, status, duration, error)


def _finish(delivery, attempts: int, status: int | None, duration: int, error: str) -> str:
    now = timezone.now()
    changes: dict = {
        "sending_since": None,
        "last_status_code": status,
        "last_duration_ms": duration,
        "last_error": error,
    }
    if status is not None and 200 <= status < 300:
        changes |= {"state": DeliveryState.DELIVERED, "delivered_at": now}
    elif attempts >= MAX_ATTEMPTS:
        changes |= {"state": DeliveryState.FAILED}
    else:
        changes |= {"state": DeliveryState.QUEUED, "next_try_at": now + backoff(attempts)}
    # Only our own claim: a stale claim taken over by another worker is that worker's now.
    WebhookDelivery.objects.all_shops().filter(
        pk=delivery.pk, state=DeliveryState.SENDING, attempts=attempts
    ).update(**changes)
    return changes["state"]


def due_ids(limit: int = 500) -> list[int]:
    """Deliveries due now across every shop (new, backoff over, or lost with a worker), in one
    query over the partial index: for the beat sweep."""
    now = timezone.now()
    due = WebhookDelivery.objects.all_shops().filter(
        state=DeliveryState.QUEUED, next_try_at__lte=now
    ) | WebhookDelivery.objects.all_shops().filter(
        state=DeliveryState.SENDING, sending_since__lt=now - STALE
    )
    return list(due.order_by("next_try_at").values_list("pk", flat=True)[:limit])


PRUNE_SQL = """
WITH doomed AS (
    SELECT e.id FROM api_webhookevent e
    WHERE e.created_at < %(before)s
      AND NOT EXISTS (SELECT 1 FROM api_webhookdelivery d
                      WHERE d.event_id = e.id AND d.state IN ('queued', 'sending'))
    LIMIT %(batch)s
), deliveries AS (
    DELETE FROM api_webhookdelivery d USING doomed WHERE d.event_id = doomed.id
)
DELETE FROM api_webhookevent e USING doomed WHERE e.id = doomed.id
"""


def log_prune(*, now: datetime.datetime | None = None, batch: int = 5000) -> int:
    """Remove events older than WEBHOOK_LOG_DAYS, with their deliveries, once none of those is
    still to be sent: payloads name customers, and the log is for recent troubles. In batches,
    each its own transaction, so a big first run holds no lock for long; a rerun finds nothing."""
    before = (now or timezone.now()) - datetime.timedelta(days=settings.WEBHOOK_LOG_DAYS)
    removed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(PRUNE_SQL, {"before": before, "batch": batch})
            removed += cursor.rowcount
        if cursor.rowcount < batch:
            return removed
