"""The pricebook: what a repair costs the customer, per device model and repair type.

An entry (iPhone 13 × screen replacement) carries the bench time and warranty; its options are
the prices the customer chooses between, one per part grade (OEM, aftermarket, refurbished), or a
single option with no grade for pure labour such as a diagnostic. Each option lists the parts it
consumes. Prices are stored as the shop entered them: `Shop.pricebook_prices_include_vat` says
whether they include VAT (pricebook.pricing does the arithmetic).
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from parts.models import Grade
from shops.tenancy import ShopOwned, shop_kept_by_parent

NO_GRADE = ""  # an option that is not about a part's grade: a diagnostic, data recovery…
GRADE_ORDER = {Grade.OEM: 0, Grade.AFTERMARKET: 1, Grade.REFURBISHED: 2, NO_GRADE: 3}


def grade_label(grade: str) -> str:
    return Grade(grade).label if grade else "Standard"  # one price, not by part grade


class RepairType(ShopOwned):
    """A kind of repair the shop sells (screen replacement, battery, data recovery…)."""

    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                "shop",
                Lower("name"),
                name="repair_type_name_once_per_shop",
                violation_error_message="There is already a repair type with this name.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="repair_type_shop_id_key"),
        ]

    def __str__(self) -> str:
        return self.name


class PricebookEntry(ShopOwned):
    """One repair of one device model: bench time, warranty, and the options it is sold at."""

    # The same-shop keys (shop_id, …) of the migrations hold the references: no second check
    # per row (a pricebook import adds some 70,000 rows).
    shop = shop_kept_by_parent()
    device_model = models.ForeignKey(
        "devices.DeviceModel", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    repair_type = models.ForeignKey(
        RepairType, on_delete=models.PROTECT, related_name="entries", db_constraint=False
    )
    labour_minutes = models.PositiveSmallIntegerField(
        "bench time (minutes)",
        default=0,
        validators=[MaxValueValidator(24 * 60)],
        help_text="Hands-on time; the quote puts it on the works order as bench time.",
    )
    warranty_days = models.PositiveSmallIntegerField(
        "warranty (days)", default=90, validators=[MaxValueValidator(3650)]
    )
    is_active = models.BooleanField(
        "offered", default=True, help_text="Switched off, it is kept but not quoted at intake."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "pricebook entries"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "device_model", "repair_type"],
                name="pricebook_entry_once_per_model_and_repair",
                violation_error_message="This device model already has a price for this repair.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="pricebook_entry_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["shop", "repair_type"], name="pricebook_entry_repair_type"),
        ]

    def __str__(self) -> str:
        return f"{self.repair_type.name} for {self.device_model}"


class PriceOption(ShopOwned):
    """A price the customer can choose for an entry: one per part grade, or one with no grade."""

    # The same-shop keys (shop_id, …) of the migrations hold the references: no second check
    # per row (a pricebook import adds some 70,000 rows).
    shop = shop_kept_by_parent()
    entry = models.ForeignKey(
        PricebookEntry, on_delete=models.CASCADE, related_name="options", db_constraint=False
    )
    grade = models.CharField(max_length=12, choices=Grade.choices, blank=True, default=NO_GRADE)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Including or excluding VAT as the shop's settings say.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "entry", "grade"],
                name="price_option_once_per_grade",
                violation_error_message="This repair already has an option of this grade.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="price_option_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.grade_label} at {self.price}"

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade)


class OptionPart(ShopOwned):
    """A part an option consumes, and how many of it."""

    # The same-shop keys (shop_id, …) of the migrations hold the references: no second check
    # per row (a pricebook import adds some 70,000 rows).
    shop = shop_kept_by_parent()
    option = models.ForeignKey(
        PriceOption, on_delete=models.CASCADE, related_name="parts", db_constraint=False
    )
    # PROTECT: a part the pricebook quotes is taken out of the pricebook first, deliberately.
    part = models.ForeignKey(
        "parts.Part", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "option", "part"],
                name="option_part_once",
                violation_error_message="This option already uses this part.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part_id}"


class ImportStatus(models.TextChoices):
    READING = "reading", "Reading the file"
    PREVIEW = "preview", "Ready to review"
    APPLYING = "applying", "Applying"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


def import_path(upload: PricebookImport, filename: str) -> str:
    # Generated names only: the uploaded file's name is kept in the row, never on the disk.
    return f"private/shop-{upload.shop_id}/pricebook-imports/{secrets.token_hex(16)}.csv"


class PricebookImport(ShopOwned):
    """An uploaded pricebook CSV: kept until applied, with its preview, progress and outcome."""

    file = models.FileField(upload_to=import_path)
    filename = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0, help_text="Data lines counted on upload.")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.READING
    )
    # {"step": "Reading rows", "percent": 40}: written while the import is read or applied.
    progress = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    uploaded_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    applied_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "status"], name="pricebook_import_status")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_working(self) -> bool:
        return self.status in (ImportStatus.READING, ImportStatus.APPLYING)

    @property
    def percent(self) -> int:
        return max(0, min(100, int(self.progress.get("percent", 0))))

    @property
    def step(self) -> str:
        return self.progress.get("step", "")

    @property
    def seems_stuck(self) -> bool:
        """Working, yet nothing has moved for a minute: is the Celery worker running?"""
        quiet = timezone.now() - self.updated_at > datetime.timedelta(minutes=1)
        return self.is_working and self.percent == 0 and quiet
