"""Mail-in repairs: a works order whose device travels by post, both ways.

Staff record the parcel's state as the carrier reports it (no carrier is called); the
customer's status page shows it with the tracking number of the parcel on its way.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class Carrier(models.TextChoices):
    ROYAL_MAIL = "royal_mail", "Royal Mail"
    PARCELFORCE = "parcelforce", "Parcelforce"
    DPD = "dpd", "DPD"
    DHL = "dhl", "DHL"
    UPS = "ups", "UPS"
    EVRI = "evri", "Evri"
    FEDEX = "fedex", "FedEx"
    OTHER = "other", "Other courier"


class ParcelState(models.TextChoices):
    ARRANGED = "arranged", "Mail-in arranged"
    LABEL_SENT = "label_sent", "Label sent to the customer"
    IN_TRANSIT_IN = "in_transit_in", "On its way to us"
    RECEIVED = "received", "Received by the shop"
    SENT_BACK = "sent_back", "Sent back"
    DELIVERED = "delivered", "Delivered back"


# What the customer reads on the status page.
CUSTOMER_WORDS = {
    ParcelState.ARRANGED: "We are arranging your postage",
    ParcelState.LABEL_SENT: "Your postage label is on its way to you",
    ParcelState.IN_TRANSIT_IN: "Your parcel is on its way to us",
    ParcelState.RECEIVED: "We have received your parcel",
    ParcelState.SENT_BACK: "Your device is on its way back to you",
    ParcelState.DELIVERED: "Your device has been delivered",
}


class MailIn(ShopOwned):
    """The works order is a mail-in: its carrier, both tracking numbers and the parcel's state."""

    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="+"
    )
    carrier = models.CharField(max_length=12, choices=Carrier.choices)
    inbound_tracking = models.CharField(
        "tracking number to us", max_length=40, blank=True, help_text="The parcel coming in."
    )
    return_tracking = models.CharField(
        "tracking number back", max_length=40, blank=True, help_text="The parcel going back."
    )
    state = models.CharField(
        max_length=14, choices=ParcelState.choices, default=ParcelState.ARRANGED
    )
    state_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "mail-in"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "works_order"],
                name="mail_in_once_per_works_order",
                violation_error_message="This works order is already a mail-in.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="mail_in_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"Mail-in {self.works_order_id}"

    @property
    def tracking_now(self) -> str:
        """The tracking number of the parcel that matters now: the return once it is sent."""
        if self.state in (ParcelState.SENT_BACK, ParcelState.DELIVERED):
            return self.return_tracking
        return self.inbound_tracking
