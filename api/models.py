"""API keys and outbound webhooks: per shop, managed by its managers and owners."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class ApiKey(ShopOwned):
    """A key another system uses to reach one shop's data. Only a hash of its secret is kept:
    the key is shown once, when it is made. `prefix` finds it (unique across shops: the key
    names its shop, never the other way round)."""

    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)  # SHA-256 of the secret part, hex
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["revoked_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="apikey_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"API key ‘{self.name}’"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_write(self) -> bool:
        return self.scope == Scope.WRITE


class Topic(models.TextChoices):
    """What a webhook endpoint may ask to hear about."""

    CREATED = "works_order.created", "Works order created"
    STATUS_CHANGED = "works_order.status_changed", "Status changed"
    READY = "works_order.ready", "Ready for collection"
    COLLECTED = "works_order.collected", "Collected"
    INVOICE_ISSUED = "invoice.issued", "Invoice issued"
    PAYMENT_RECEIVED = "payment.received", "Payment received"


class WebhookEndpoint(ShopOwned):
    """A URL of the shop's other system that hears about the topics it chose, signed with its
    own secret (kept sealed with the passcode keys: it must be read back to sign)."""

    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=120, blank=True)
    topics = models.JSONField(default=list)
    secret_sealed = models.BinaryField(editable=False)
    # After "new secret", the old one still signs (a second v1= in the header) until
    # `previous_secret_until`, so the receiving system can switch over without losing events.
    previous_secret_sealed = models.BinaryField(null=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="webhookendpoint_shop_id_key"),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(ShopOwned):
    """Something that happened, once: `source` names what caused it (a timeline entry, an
    invoice, a payment), so recording it again changes nothing, and `event_id` is what every
    delivery and every retry of it carries."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(max_length=40, choices=Topic.choices)
    source = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="webhookevent_shop_id_key"),
            models.UniqueConstraint(
                fields=["shop", "topic", "source"], name="webhookevent_once_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.event_id}"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "Waiting"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class WebhookDelivery(ShopOwned):
    """One event to one endpoint: claimed by one worker at a time, retried with backoff while
    it is due (`next_try_at`, swept by beat), never sent again once delivered unless a manager
    asks ("send again")."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_tried_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="webhookdelivery_shop_id_key"),
            models.UniqueConstraint(
                fields=["shop", "event", "endpoint"], name="webhookdelivery_once_per_endpoint"
            ),
        ]
        indexes = [
            # The sweep: what is due, across shops.
            models.Index(
                fields=["next_try_at"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="webhookdelivery_due",
            ),
            models.Index(fields=["shop", "-id"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
