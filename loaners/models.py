"""Loaner devices: the branch's own phones and tablets lent to customers while theirs is on
the bench.

A loaner is a serialised item of a branch, like a serial-tracked part's unit, but it is lent
and comes back rather than being consumed, so it is not on the parts ledger (it is no stock
value and never "used"). Where it is, is its loans: a `Loan` with no `returned_at` is the
loaner out, and the database holds one such loan per loaner at a time.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from shops.tenancy import ShopOwned


class Loaner(ShopOwned):
    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(
        max_length=120, help_text="What the customer is handed, e.g. iPhone 11 64 GB, black."
    )
    serial = models.CharField("serial number or IMEI", max_length=60)
    condition = models.CharField(
        max_length=300, blank=True, help_text="Marks it already has, so nobody is blamed for them."
    )
    is_active = models.BooleanField("in use", default=True)
    added_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "serial"]
        constraints = [
            models.UniqueConstraint(
                "shop",
                Upper("serial"),
                name="loaner_serial_once_per_shop",
                violation_error_message="Another loaner already has this serial number.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="loaner_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (S/N {self.serial})"


class Loan(ShopOwned):
    """One loaner lent with one works order, from lending to its return. Never deleted."""

    loaner = models.ForeignKey(Loaner, on_delete=models.PROTECT, related_name="loans")
    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="+"
    )
    lent_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    lent_at = models.DateTimeField(default=timezone.now)
    due_back = models.DateField("due back")
    condition_out = models.CharField("condition when lent", max_length=300, blank=True)
    # The customer's security deposit, held by billing (billing.Payment with held=True).
    deposit = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    condition_back = models.CharField("condition when returned", max_length=300, blank=True)
    # A manager let the job be collected with the loaner still out.
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waive_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-lent_at", "-id"]
        constraints = [
            # The guarantee under concurrency: two counters lending one loaner at once, one wins.
            models.UniqueConstraint(
                fields=["shop", "loaner"],
                condition=Q(returned_at__isnull=True),
                name="loaner_lent_once_at_a_time",
                violation_error_message="This loaner is already out.",
            ),
            models.CheckConstraint(
                condition=Q(waived_at__isnull=True) | ~Q(waive_reason=""),
                name="loan_waiver_has_a_reason",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="loan_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["shop", "works_order"], name="loans_of_a_job"),
            models.Index(
                fields=["shop", "due_back"], condition=Q(returned_at__isnull=True), name="loans_out"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loaner_id} with {self.works_order_id}"

    @property
    def is_out(self) -> bool:
        return self.returned_at is None

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_out and self.due_back < today
