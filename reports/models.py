"""The weekly summary's claims: one row per manager and week, written before the email is, so
no beat, worker or rerun can send the same week twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class WeeklySummary(ShopOwned):
    """Manager `member`'s summary of the week that began on `week` (a Monday in their branch's
    time): claimed once, in the transaction that queues its email."""

    member = models.ForeignKey("shops.Membership", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey(
        "notifications.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "member", "week"], name="weekly_summary_once_a_week"
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="weekly_summary_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"Weekly summary of {self.week} for {self.member_id}"
