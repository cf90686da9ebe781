"""The part catalogue: what a shop buys, stocks and fits.

Stock, suppliers and purchase orders build on `Part`; the pricebook says which parts a repair
consumes. Money is net of VAT, with the VAT rate per part.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper

from shops.tenancy import ShopOwned


class Grade(models.TextChoices):
    """Where a part comes from: the customer chooses between grades at a different price."""

    OEM = "oem", "OEM"
    AFTERMARKET = "aftermarket", "Aftermarket"
    REFURBISHED = "refurbished", "Refurbished"


class Part(ShopOwned):
    name = models.CharField(max_length=200)
    part_number = models.CharField(
        max_length=60, help_text="The shop's own number for it; scanning finds it by barcode."
    )
    barcode = models.CharField(max_length=64, blank=True, help_text="EAN/UPC or the supplier's.")
    grade = models.CharField(max_length=12, choices=Grade.choices, default=Grade.AFTERMARKET)
    compatible_models = models.ManyToManyField(
        "devices.DeviceModel", through="PartCompatibility", related_name="+", blank=True
    )
    cost = models.DecimalField(
        "cost (net)",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
        help_text="What one costs the shop now, without VAT.",
    )
    sell_price = models.DecimalField(
        "sell price (net)",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
        help_text="When sold on its own (an accessory, a part over the counter).",
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)", max_digits=5, decimal_places=2, default=Decimal("20.00")
    )
    tracks_serials = models.BooleanField(
        "has serial or batch numbers",
        default=False,
        help_text="Each unit's number is taken on receipt and on use, so it can be traced.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "part_number"]
        constraints = [
            models.UniqueConstraint(
                "shop",
                Upper("part_number"),
                name="part_number_once_per_shop",
                violation_error_message="Another part already has this part number.",
            ),
            models.UniqueConstraint(
                fields=["shop", "barcode"],
                condition=~models.Q(barcode=""),
                name="part_barcode_once_per_shop",
                violation_error_message="Another part already has this barcode.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="part_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.part_number})"


class PartCompatibility(ShopOwned):
    """A device model a part fits."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE)
    device_model = models.ForeignKey("devices.DeviceModel", on_delete=models.CASCADE)

    class Meta:
        verbose_name_plural = "part compatibilities"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "part", "device_model"], name="part_fits_model_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_id} fits {self.device_model_id}"
