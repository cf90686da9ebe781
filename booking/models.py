"""Online booking: a shop's public booking page, each branch's places per drop-off slot, and
how many of each slot are taken.

The booking itself is a works order in intake (tickets.WorksOrder.drop_off_at), completed at
the counter; these tables hold what the page offers and the count that keeps a slot from
being booked past its places (booking/services.py).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class SlotLength(models.IntegerChoices):
    QUARTER = 15, "15 minutes"
    HALF = 30, "30 minutes"
    HOUR = 60, "1 hour"


class BookingSettings(ShopOwned):
    """A shop's booking page: on or off, how its slots are cut, and which websites may show it
    in a frame (the snippet a manager pastes into the shop's own site)."""

    enabled = models.BooleanField("take bookings online", default=False)
    slot_minutes = models.PositiveSmallIntegerField(
        "drop-off slots of", choices=SlotLength.choices, default=SlotLength.HALF
    )
    days_ahead = models.PositiveSmallIntegerField(
        "bookable up to (days ahead)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    notice_hours = models.PositiveSmallIntegerField(
        "at least (hours' notice)",
        default=2,
        validators=[MaxValueValidator(72)],
        help_text="No slot sooner than this from now is offered.",
    )
    embed_origins = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        verbose_name="websites that may show the booking page",
        help_text="Your own site's address, e.g. https://www.fixcorner.example, one per line.",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "booking settings"
        constraints = [
            models.UniqueConstraint(fields=["shop"], name="booking_settings_once_per_shop"),
        ]

    def __str__(self) -> str:
        return f"Booking {'on' if self.enabled else 'off'}"


class BranchCapacity(ShopOwned):
    """How many devices a branch takes in per drop-off slot (0: no online bookings there)."""

    branch = models.ForeignKey("shops.Branch", on_delete=models.CASCADE, related_name="+")
    per_slot = models.PositiveSmallIntegerField(
        "bookings per slot", default=0, validators=[MaxValueValidator(50)]
    )

    class Meta:
        verbose_name_plural = "branch capacities"
        constraints = [
            models.UniqueConstraint(fields=["shop", "branch"], name="branch_capacity_once"),
        ]

    def __str__(self) -> str:
        return f"{self.per_slot} per slot"


class SlotCount(ShopOwned):
    """The places taken in one drop-off slot of one branch. Changed only by one statement that
    adds a booking while places are left (or gives one back): the row lock of that statement
    is what keeps two customers from both getting a slot's last place."""

    branch = models.ForeignKey("shops.Branch", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "branch", "starts_at"], name="slot_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.booked} at {self.starts_at:%Y-%m-%d %H:%M}"
