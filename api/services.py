"""Writes to API keys and webhook endpoints; managers' and owners' only (the views check)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from api import keys, outbound, webhooks
from api.models import ApiKey, DeliveryState, WebhookDelivery, WebhookEndpoint
from shops.models import Membership
from tickets import passcodes


@transaction.atomic
def api_key_create(*, by: Membership, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key for the member's shop, and the key itself: shown once, never kept."""
    new = keys.generate()
    key = ApiKey.objects.create(
        shop_id=by.shop_id,
        name=name.strip(),
        scope=scope,
        prefix=new.prefix,
        secret_hash=keys.secret_hash(new.secret),
        created_by=by,
    )
    return key, new.full


def api_key_revoke(*, key: ApiKey, by: Membership) -> ApiKey:
    """The key stops working with its next request; revoking twice changes nothing."""
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = timezone.now(), by
        key.save(update_fields=["revoked_at", "revoked_by"])
    return key


def webhook_endpoint_create(
    *, by: Membership, url: str, topics: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (shown to managers on the webhooks page)."""
    outbound.check_url(url)
    secret = webhooks.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        shop_id=by.shop_id,
        url=url,
        topics=sorted(set(topics)),
        description=description.strip(),
        secret_sealed=passcodes.seal(secret),
        created_by=by,
    )
    return endpoint, secret


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, topics: list[str], description: str, is_active: bool
) -> WebhookEndpoint:
    outbound.check_url(url)
    endpoint.url, endpoint.topics = url, sorted(set(topics))
    endpoint.description, endpoint.is_active = description.strip(), is_active
    endpoint.save(update_fields=["url", "topics", "description", "is_active"])
    return endpoint


SECRET_OVERLAP = datetime.timedelta(hours=24)


@transaction.atomic
def webhook_secret_replace(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret (shown once). The old one keeps signing beside it for
    SECRET_OVERLAP, so the receiving system can take the new one without losing an event; a
    secret from before that is dropped at once."""
    endpoint = (
        WebhookEndpoint.objects.for_shop(endpoint.shop_id).select_for_update().get(pk=endpoint.pk)
    )
    secret = webhooks.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_until = timezone.now() + SECRET_OVERLAP
    endpoint.secret_sealed = passcodes.seal(secret)
    endpoint.save(
        update_fields=["secret_sealed", "previous_secret_sealed", "previous_secret_until"]
    )
    return secret


def webhook_delivery_send_again(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Deliver the same event (same id, same body) to the endpoint once more, now."""
    WebhookDelivery.objects.for_shop(delivery.shop_id).filter(pk=delivery.pk).exclude(
        state=DeliveryState.SENDING
    ).update(state=DeliveryState.QUEUED, next_try_at=timezone.now())
    transaction.on_commit(lambda: webhooks.deliveries_queue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
