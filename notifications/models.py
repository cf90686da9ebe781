"""What the shop tells its customers, and what they answer.

Every message is a row before it is anything else (the outbox): the row is written in the same
transaction as the change it tells of, and a task sends it by id after commit. Its `key` is
unique per shop, so one event never produces two messages however often the transition, the
task or a webhook runs.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class Stage(models.TextChoices):
    """What a message is about: a stage of the job, or something said outside the stages."""

    BOOKED_ONLINE = "booked_online", "Booked online"
    BOOKED_IN = "booked_in", "Booked in"
    ASSIGNED = "assigned", "Assigned to a technician"
    IN_PROGRESS = "in_progress", "Work started"
    AWAITING_PARTS = "awaiting_parts", "Waiting for parts"
    PARTS_ARRIVED = "parts_arrived", "Parts arrived"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
    READY = "ready", "Ready for collection"
    COLLECTED = "collected", "Collected"
    CANCELLED = "cancelled", "Cancelled"
    UPDATE = "update", "Update for the customer"
    # Not stages a shop switches on or off: staff writing freely, and answers to replies.
    FREE_TEXT = "free_text", "Written by staff"
    REPLY = "reply", "Answer to a reply"
    # To staff, not customers: a works order passing an SLA threshold (tickets/sla_sweep.py).
    SLA_ALERT = "sla_alert", "SLA alert to a manager"
    # To staff: the Monday email of last week's figures (reports/weekly.py).
    WEEKLY_SUMMARY = "weekly_summary", "Weekly summary to a manager"


class State(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    UNDELIVERED = "undelivered", "Undelivered"
    NOT_SENT = "not_sent", "Not sent"


# How far a message has got: a state is only ever replaced by a later one, so a late or
# replayed "sent" callback never overwrites "delivered". Failed and undelivered are final.
STATE_RANK = {
    State.QUEUED: 0,
    State.SENDING: 1,
    State.SENT: 2,
    State.DELIVERED: 3,
    State.UNDELIVERED: 3,
    State.FAILED: 3,
    State.NOT_SENT: 3,
}
FINAL_STATES = (State.DELIVERED, State.UNDELIVERED, State.FAILED, State.NOT_SENT)


class Message(ShopOwned):
    """One SMS or email to a customer, or to a member of staff (an SLA alert): queued, then sent
    by a task, then (for SMS) delivered. Exactly one of `customer` and `member` is set; the
    customer's threads and status page only ever read the customer's."""

    works_order = models.ForeignKey(
        "tickets.WorksOrder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    member = models.ForeignKey(
        "shops.Membership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_messages",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    # What makes this message once-only, e.g. "ready:entry-4711:sms": a second attempt to queue
    # the same key finds the first row instead of adding one.
    key = models.CharField(max_length=120)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # An email's HTML part as written when it was queued (the weekly summary's tables); empty:
    # the body is drawn in the shop's plain email layout when it is sent.
    html = models.TextField(blank=True, db_default="")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    not_sent_reason = models.CharField(max_length=200, blank=True)
    provider_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # Held until then (quiet hours): the sweep sends it when the time comes.
    send_after = models.DateTimeField(default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "key"], name="message_once_per_key"),
            models.UniqueConstraint(
                fields=["shop", "channel", "provider_id"],
                condition=~models.Q(provider_id=""),
                name="message_provider_id_once",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="message_shop_id_key"),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False, member__isnull=True)
                | models.Q(customer__isnull=True, member__isnull=False),
                name="message_to_customer_or_member",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "works_order", "-created_at"], name="message_of_job"),
            models.Index(fields=["shop", "customer", "-created_at"], name="message_of_customer"),
            # The nightly retention sweep (notifications/retention.py): a shop's oldest first.
            models.Index(fields=["shop", "created_at"], name="message_by_age"),
            models.Index(
                fields=["shop", "member", "-created_at"],
                condition=models.Q(member__isnull=False),
                name="message_of_member",
            ),
            # A status callback names only the provider's id, not the shop.
            models.Index(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="message_by_provider_id",
            ),
            # The sweep: what is still queued (or stuck sending) across every shop.
            models.Index(
                fields=["send_after"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="message_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient}: {self.get_stage_display()}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class DeliveryReport(models.Model):
    """A provider's status callback, kept once per (message id, status): a callback delivered
    ten times is one row, and the message's state moves on once. Not shop-owned: it arrives
    before we know whose message it is, and names only the provider's id."""

    provider_id = models.CharField(max_length=64)
    status = models.CharField(max_length=20)
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider_id", "status"], name="delivery_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.status}"


class InboundOutcome(models.TextChoices):
    APPROVED = "approved", "Approved the extra work"
    DECLINED = "declined", "Declined the extra work"
    OPTED_OUT = "opted_out", "Opted out of SMS"
    OPTED_IN = "opted_in", "Opted back in to SMS"
    THREADED = "threaded", "Added to the job"
    UNMATCHED = "unmatched", "Not matched to a job"


class InboundMessage(ShopOwned):
    """An SMS a customer sent the shop, kept once per provider message id."""

    provider_id = models.CharField(max_length=64)
    sender = models.CharField(max_length=20)
    body = models.TextField()
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    works_order = models.ForeignKey(
        "tickets.WorksOrder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    outcome = models.CharField(max_length=12, choices=InboundOutcome.choices, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "provider_id"], name="inbound_once_per_provider_id"
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="inbound_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["shop", "works_order", "-received_at"], name="inbound_of_job"),
            models.Index(fields=["shop", "customer", "-received_at"], name="inbound_of_customer"),
            models.Index(fields=["shop", "received_at"], name="inbound_by_age"),
        ]

    def __str__(self) -> str:
        return f"SMS from {self.sender}"


class MessageTemplate(ShopOwned):
    """A shop's own wording of one stage on one channel (texts.DEFAULTS where it has none)."""

    stage = models.CharField(max_length=20, choices=Stage.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    enabled = models.BooleanField(default=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "stage", "channel"], name="message_template_once"
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="message_template_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} ({self.get_channel_display()})"


class Alert(ShopOwned):
    """Something a member of staff should look at, shown in the app with an unread count: an
    SMS reply, parts arriving for their job, an SLA threshold crossed. `key` keeps each alert
    once per person however often its cause is reported."""

    # An SLA sweep writes one alert per crossing and manager: tens of thousands at once after
    # an outage. The same-shop key (shop, member) → membership is the one database check they
    # need: it implies both plain keys, so those are not declared again (each was a trigger
    # call per row). `alert_once_per_key` serves lookups by shop and member, so neither has an
    # index of its own (memberships are deactivated, never deleted).
    shop = models.ForeignKey(
        "shops.Shop",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    member = models.ForeignKey(
        "shops.Membership",
        on_delete=models.CASCADE,
        related_name="alerts",
        db_index=False,
        db_constraint=False,
    )
    key = models.CharField(max_length=120)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "member", "key"], name="alert_once_per_key"),
            models.UniqueConstraint(fields=["shop", "id"], name="alert_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["member"], condition=models.Q(read_at=None), name="alert_unread"),
        ]

    def __str__(self) -> str:
        return self.text
