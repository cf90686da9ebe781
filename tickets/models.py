"""The works order: the single record of one repair, and what hangs off it."""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned

PENNY = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


class Status(models.TextChoices):
    INTAKE = "intake", "Intake"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_PARTS = "awaiting_parts", "Waiting for parts"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
    QUALITY_CONTROL = "quality_control", "QC"
    READY = "ready", "Ready for collection"
    COLLECTED = "collected", "Collected"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = [s for s in Status if s not in (Status.COLLECTED, Status.CANCELLED)]


class Priority(models.TextChoices):
    STANDARD = "standard", "Standard"
    URGENT = "urgent", "Urgent"
    VIP = "vip", "VIP"
    WARRANTY = "warranty", "Warranty"


class Condition(models.TextChoices):
    """The intake tick-list of pre-existing damage: ticked here, it is not our fault later."""

    SCREEN_CRACKED = "screen_cracked", "Screen cracked"
    SCREEN_SCRATCHED = "screen_scratched", "Screen scratched"
    BACK_CRACKED = "back_cracked", "Back glass cracked"
    DENTS = "dents", "Dents or scuffs on frame"
    BENT = "bent", "Bent chassis"
    LIQUID = "liquid", "Liquid damage indicator tripped"
    NO_POWER = "no_power", "Does not power on"
    BUTTONS = "buttons", "Buttons missing or stuck"
    CAMERA_LENS = "camera_lens", "Camera lens cracked"
    PREVIOUSLY_OPENED = "previously_opened", "Opened or repaired before"


class Accessory(models.TextChoices):
    CHARGER = "charger", "Charger"
    CABLE = "cable", "Cable"
    CASE = "case", "Case or cover"
    SIM = "sim", "SIM card"
    SD_CARD = "sd_card", "SD card"
    STYLUS = "stylus", "Stylus"
    BOX = "box", "Box"
    BAG = "bag", "Bag"


class PasscodeKind(models.TextChoices):
    NONE = "none", "No passcode"
    PIN = "pin", "PIN"
    PASSWORD = "password", "Password"
    PATTERN = "pattern", "Pattern"
    REFUSED = "refused", "Customer declined to give it"


def new_status_token() -> str:
    return secrets.token_urlsafe(16)


class WorksOrder(ShopOwned):
    number = models.CharField(max_length=20, editable=False)
    status_token = models.CharField(
        max_length=32, unique=True, default=new_status_token, editable=False
    )
    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="works_orders"
    )
    device = models.ForeignKey(
        "devices.Device", on_delete=models.PROTECT, related_name="works_orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INTAKE)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.STANDARD)
    assigned_to = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Condition and what came with it
    condition = ArrayField(
        models.CharField(max_length=20, choices=Condition.choices), default=list, blank=True
    )
    condition_notes = models.TextField("other damage noted", blank=True)
    accessories = ArrayField(
        models.CharField(max_length=20, choices=Accessory.choices), default=list, blank=True
    )
    accessories_other = models.CharField("other items", max_length=200, blank=True)
    passcode_kind = models.CharField(
        max_length=10, choices=PasscodeKind.choices, default=PasscodeKind.NONE
    )
    passcode_secret = models.BinaryField(
        null=True, editable=False
    )  # Fernet token; see passcodes.py

    # Fault and findings
    fault_reported = models.TextField("fault as reported by the customer")
    diagnosis = models.TextField(blank=True)
    diagnostic_codes = models.TextField("diagnostic results or error codes", blank=True)

    # Authorisation
    scope_agreed = models.TextField("work agreed", blank=True)
    scope_excluded = models.TextField("not included", blank=True)
    estimated_completion = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="works_order_number_once"),
            models.UniqueConstraint(fields=["shop", "id"], name="works_order_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["shop", "-created_at"], name="works_order_recent"),
            models.Index(fields=["shop", "branch", "status"], name="works_order_branch_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_passcode(self) -> bool:
        return self.passcode_secret is not None

    def get_condition_display(self) -> list[str]:
        return [Condition(c).label for c in self.condition if c in Condition.values]

    def get_accessories_display(self) -> list[str]:
        items = [Accessory(a).label for a in self.accessories if a in Accessory.values]
        return [*items, self.accessories_other] if self.accessories_other else items


class LineKind(models.TextChoices):
    PART = "part", "Part"
    LABOUR = "labour", "Labour"
    OTHER = "other", "Other"


class QuoteLine(ShopOwned):
    """One priced line of the quote, net of VAT; VAT is worked out per line."""

    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.LABOUR)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField("unit price (net)", max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def net(self) -> Decimal:
        return money(self.quantity * self.unit_price)

    @property
    def vat(self) -> Decimal:
        return money(self.net * self.vat_rate / 100)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", "Signed on screen"
    ON_BEHALF = "on_behalf", "Recorded by staff for the customer"


class Consent(ShopOwned):
    """The customer's agreement to the quote and terms. Written once; the database refuses edits."""

    works_order = models.OneToOneField(WorksOrder, on_delete=models.PROTECT, related_name="consent")
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    signed_name = models.CharField("customer's name as given", max_length=150)
    signature_png = models.BinaryField(null=True, editable=False)
    recorded_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    quote_net = models.DecimalField(max_digits=10, decimal_places=2)
    quote_gross = models.DecimalField(max_digits=10, decimal_places=2)
    terms = models.ForeignKey("shops.TermsVersion", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Consent for {self.works_order_id} by {self.signed_name}"


def photo_path(photo: Photo, filename: str) -> str:
    # Generated names only: the customer's file name never reaches the disk.
    return f"private/shop-{photo.shop_id}/photos/{secrets.token_hex(16)}.jpg"


class Photo(ShopOwned):
    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=120, blank=True)
    uploaded_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or f"Photo {self.pk}"


class NoteKind(models.TextChoices):
    INTERNAL = "internal", "Internal note"
    CUSTOMER = "customer", "Update for the customer"


class Event(models.TextChoices):
    BOOKED_IN = "booked_in", "Booked in"
    CONSENT = "consent", "Consent recorded"
    PHOTO = "photo", "Photo added"
    PASSCODE_VIEWED = "passcode_viewed", "Passcode viewed"
    NOTE = "note", "Note"
    CANCELLED = "cancelled", "Cancelled"
    STATUS = "status", "Status changed"


class TimelineEntry(ShopOwned):
    """Every change to a works order, stamped with who and when. Append-only."""

    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="timeline")
    event = models.CharField(max_length=30, choices=Event.choices)
    actor = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    note_kind = models.CharField(max_length=10, choices=NoteKind.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["works_order", "-at"], name="timeline_recent")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def visible_to_customer(self) -> bool:
        return self.note_kind == NoteKind.CUSTOMER


class NumberCounter(ShopOwned):
    """The last number handed out in one series (per shop, per branch-month, per day…)."""

    series = models.CharField(max_length=30)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "series"], name="number_series_once")
        ]

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"
