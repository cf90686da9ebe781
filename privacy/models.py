"""What was done with a customer's personal data, and by whom: exports and erasures.

A record names the customer row (which stays, anonymised, after an erasure: works orders and
invoices point at it), who acted and when, and for an erasure how many of each kind of thing
were erased. It never holds the data itself.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class Action(models.TextChoices):
    EXPORT = "export", "Exported"
    ERASURE = "erasure", "Erased"


class PrivacyRecord(ShopOwned):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="privacy_records"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # Counts only ({"photos": 3, "messages": 12, …}): what kinds of thing and how many.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="privacy_record_shop_id_key"),
            # A customer is erased once.
            models.UniqueConstraint(
                fields=["shop", "customer"],
                condition=models.Q(action="erasure"),
                name="privacy_erasure_once",
            ),
        ]
        indexes = [models.Index(fields=["shop", "customer", "-at"], name="privacy_of_customer")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} customer {self.customer_id} at {self.at:%Y-%m-%d}"
