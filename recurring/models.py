"""Recurring works orders: a maintenance contract's schedule, and each visit it raised."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shops.tenancy import ShopOwned
from tickets.models import Priority


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Every N weeks"
    MONTHLY = "monthly", "Every N months"


class ScheduleState(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Schedule(ShopOwned):
    """Visits for one customer (or business account) every N weeks or months, from `starts_on`:
    visit k is due on starts_on + k × the step, and is raised as its own works order
    `lead_days` before (recurring/services.py, swept by Celery beat)."""

    name = models.CharField(max_length=120)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    devices = models.ManyToManyField("devices.Device", through="ScheduleDevice", related_name="+")
    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey("tickets.JobTemplate", on_delete=models.PROTECT, related_name="+")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.STANDARD)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(
        "every", default=1, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    starts_on = models.DateField("first visit")
    ends_on = models.DateField("last visit no later than", null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(
        "raise N days ahead",
        default=7,
        validators=[MaxValueValidator(90)],
        help_text="The works order for a visit is raised this many days before it is due.",
    )
    state = models.CharField(
        max_length=10, choices=ScheduleState.choices, default=ScheduleState.ACTIVE
    )
    # The next visit to raise (its index k) and when: next_due - lead_days, kept for the sweep's
    # index. Moved on only by the sweep, in the transaction that raised the visit.
    next_index = models.PositiveIntegerField(default=0)
    next_due = models.DateField()
    raise_on = models.DateField()
    created_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="schedule_shop_id_key"),
        ]
        indexes = [
            models.Index(
                fields=["raise_on"], condition=Q(state="active"), name="schedule_due_to_raise"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def due_on(self, index: int) -> datetime.date:
        """Visit `index`'s due date, counted from the first visit (the 31st stays the month's
        last day in short months, and comes back in long ones)."""
        if self.frequency == Frequency.WEEKLY:
            return self.starts_on + datetime.timedelta(weeks=self.interval * index)
        return self.starts_on + relativedelta(months=self.interval * index)

    def set_next(self, index: int) -> None:
        self.next_index, self.next_due = index, self.due_on(index)
        self.raise_on = self.next_due - datetime.timedelta(days=self.lead_days)

    def upcoming(self, count: int) -> list[datetime.date]:
        dates = [self.due_on(self.next_index + k) for k in range(count)]
        return [d for d in dates if self.ends_on is None or d <= self.ends_on]

    @property
    def step_text(self) -> str:
        unit = "week" if self.frequency == Frequency.WEEKLY else "month"
        return f"every {unit}" if self.interval == 1 else f"every {self.interval} {unit}s"


class ScheduleDevice(ShopOwned):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE)
    device = models.ForeignKey("devices.Device", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "schedule", "device"], name="schedule_device_once"
            ),
        ]


class Visit(ShopOwned):
    """One visit of a schedule for one device, raised once: the unique key on (schedule, due
    date, device) is what makes a rerun, two beats at once or a catch-up raise nothing twice."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="visits")
    device = models.ForeignKey("devices.Device", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    # Empty between the claim and the booking (recurring/services.py): a run that died there
    # leaves the visit claimed, and the next run books it.
    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    raised_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=300, blank=True, db_default="")

    class Meta:
        ordering = ["-due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "schedule", "due_on", "device"], name="visit_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on", "id"],
                condition=Q(works_order__isnull=True, problem=""),
                name="visit_to_book",
            ),
            models.Index(fields=["shop", "schedule", "-due_on"], name="visit_of_schedule"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} on {self.due_on}"
