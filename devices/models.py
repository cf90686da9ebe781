from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class Category(models.TextChoices):
    PHONE = "phone", "Phone"
    TABLET = "tablet", "Tablet"
    LAPTOP = "laptop", "Laptop"
    CONSOLE = "console", "Console"
    WATCH = "watch", "Watch"
    OTHER = "other", "Other"


class DeviceModel(ShopOwned):
    """A make and model in the shop's catalogue (iPhone 13, Galaxy S23…), with its TAC codes.

    The TAC is the first 8 digits of an IMEI and names the model, so a scanned IMEI can
    fill in make and model at the counter.
    """

    category = models.CharField(max_length=10, choices=Category.choices)
    make = models.CharField(max_length=60)
    name = models.CharField(max_length=120)
    tacs = ArrayField(models.CharField(max_length=8), default=list, blank=True)

    class Meta:
        ordering = ["make", "name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "make", "name"], name="device_model_once"),
            models.UniqueConstraint(fields=["shop", "id"], name="device_model_shop_id_key"),
        ]
        indexes = [
            GinIndex(
                fields=["shop", "tacs"],
                opclasses=["int8_ops", "array_ops"],
                name="device_model_tacs",
            )
        ]

    def __str__(self) -> str:
        # "Apple Watch Series 9", not "Apple Apple Watch Series 9"
        if self.name.lower().startswith(self.make.lower()):
            return self.name
        return f"{self.make} {self.name}"


class Device(ShopOwned):
    """A customer's device. Same IMEI in the same shop is the same device, visit after visit."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="devices"
    )
    device_model = models.ForeignKey(
        DeviceModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.PHONE)
    make = models.CharField(max_length=60)
    model_name = models.CharField("model", max_length=120)
    colour = models.CharField(max_length=40, blank=True)
    storage = models.CharField(max_length=20, blank=True, help_text="e.g. 128 GB")
    imei = models.CharField("IMEI", max_length=15, blank=True)
    serial = models.CharField("serial number", max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "imei"],
                condition=~models.Q(imei=""),
                name="device_imei_once_per_shop",
                violation_error_message="A device with this IMEI is already on file.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="device_shop_id_key"),
        ]
        indexes = [
            # Not partial, unlike the unique IMEI constraint: a prepared statement's plan cannot
            # use a partial index for `imei = $1` (see customers.models).
            models.Index(fields=["shop", "imei"], name="device_imei"),
            models.Index(fields=["shop", "serial"], name="device_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model_name}"

    @property
    def identifier(self) -> str:
        return f"IMEI {self.imei}" if self.imei else (f"S/N {self.serial}" if self.serial else "")
