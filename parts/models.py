"""The part catalogue, stock and purchasing: what a shop buys, stocks and fits.

Stock is a ledger. Every change is a `StockMovement` carrying an on-hand delta and a reserved
delta; a branch's on hand, reserved and available figures are plain sums of those, never typed.
`StockLevel` is the one row per part × branch that writers lock (and where the reorder point
lives). The pricebook says which parts a repair consumes. Money is net of VAT.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from shops.tenancy import ShopOwned, shop_kept_by_parent

MONEY = {"max_digits": 10, "decimal_places": 2}


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

    # The same-shop keys (shop_id, …) of the migrations hold the references: no second check
    # per row (a pricebook import adds some 70,000 rows).
    shop = shop_kept_by_parent()
    part = models.ForeignKey(Part, on_delete=models.CASCADE, db_constraint=False)
    device_model = models.ForeignKey(
        "devices.DeviceModel", on_delete=models.CASCADE, db_constraint=False
    )

    class Meta:
        verbose_name_plural = "part compatibilities"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "part", "device_model"], name="part_fits_model_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_id} fits {self.device_model_id}"


# Suppliers ---------------------------------------------------------------------------------


class Supplier(ShopOwned):
    name = models.CharField(max_length=120)
    email = models.EmailField("contact email", blank=True)
    phone = models.CharField("contact phone", max_length=40, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        "lead time (days)", default=3, help_text="From sending an order to its delivery."
    )
    notes = models.TextField(blank=True, help_text="Account number, cut-off times, returns policy…")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "shop",
                Lower("name"),
                name="supplier_name_once_per_shop",
                violation_error_message="Another supplier already has this name.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="supplier_shop_id_key"),
        ]

    def __str__(self) -> str:
        return self.name


class SupplierPart(ShopOwned):
    """A supplier's reference for one of our parts: their SKU, what they charge, how long."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="supplier_refs")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="part_refs")
    supplier_sku = models.CharField("their SKU", max_length=60, blank=True)
    cost = models.DecimalField(
        "their cost (net)", **MONEY, validators=[MinValueValidator(0)], help_text="Per unit."
    )
    lead_time_days = models.PositiveSmallIntegerField(
        "lead time (days)",
        null=True,
        blank=True,
        help_text="Only if it differs from the supplier's usual lead time.",
    )

    class Meta:
        ordering = ["cost", "supplier__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "part", "supplier"],
                name="supplier_part_once",
                violation_error_message="This supplier is already listed for this part.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="supplier_part_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.supplier_sku}".strip()

    @property
    def lead_time(self) -> int:
        if self.lead_time_days is None:
            return self.supplier.lead_time_days
        return self.lead_time_days


# Stock -------------------------------------------------------------------------------------


class StockLevel(ShopOwned):
    """One part at one branch: the row every stock writer locks, and its reorder rule.

    The figures themselves are sums over the ledger (see parts.selectors); this row holds
    only what a manager sets.
    """

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="levels")
    branch = models.ForeignKey("shops.Branch", on_delete=models.CASCADE, related_name="+")
    reorder_point = models.PositiveIntegerField(
        default=0, help_text="Reorder when available stock falls to this or below."
    )
    reorder_quantity = models.PositiveIntegerField(
        default=0, help_text="How many to order then; 0 means this branch does not restock it."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "part", "branch"], name="stock_level_once"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} at {self.branch_id}"


class PartUnit(ShopOwned):
    """A serial-numbered unit, or a batch, of a part that tracks serials.

    Where it is and how many are left are sums over its movements, like any stock figure.
    """

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="units")
    number = models.CharField("serial or batch number", max_length=60)
    is_batch = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            # A batch number received again is the same batch; a serial, the same unit.
            models.UniqueConstraint(
                "shop",
                "part",
                Upper("number"),
                name="part_unit_number_once",
                violation_error_message="This part already has a unit with this number.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="part_unit_shop_id_key"),
        ]
        indexes = [models.Index("shop", Upper("number"), name="part_unit_by_number")]

    def __str__(self) -> str:
        return f"{'Batch' if self.is_batch else 'S/N'} {self.number}"


class MovementKind(models.TextChoices):
    RECEIVED = "received", "Received"
    RESERVED = "reserved", "Reserved"
    RELEASED = "released", "Released"
    USED = "used", "Used"
    RETURNED = "returned", "Returned to supplier"
    ADJUSTED = "adjusted", "Adjusted"
    TRANSFER_OUT = "transfer_out", "Transferred out"
    TRANSFER_IN = "transfer_in", "Transferred in"


def _deltas(kind: str, on_hand: Q, reserved: Q) -> Q:
    return Q(kind=kind) & on_hand & reserved


_NONE = Q(reserved_delta=0)
_IN, _OUT = Q(on_hand_delta=F("quantity")), Q(on_hand_delta=-F("quantity"))
# What each kind of movement may do to the figures; the database refuses anything else.
LEDGER_RULES = (
    _deltas(MovementKind.RECEIVED, _IN, _NONE)
    | _deltas(MovementKind.RESERVED, Q(on_hand_delta=0), Q(reserved_delta=F("quantity")))
    | _deltas(MovementKind.RELEASED, Q(on_hand_delta=0), Q(reserved_delta=-F("quantity")))
    | _deltas(MovementKind.USED, _OUT, _NONE | Q(reserved_delta=-F("quantity")))
    | _deltas(MovementKind.RETURNED, _OUT, _NONE)
    | (_deltas(MovementKind.ADJUSTED, _IN | _OUT, _NONE) & ~Q(reason=""))
    | _deltas(MovementKind.TRANSFER_OUT, _OUT, _NONE)
    | _deltas(MovementKind.TRANSFER_IN, _IN, _NONE)
)


class StockMovement(ShopOwned):
    """One line of the stock ledger. Append-only: the database refuses edits and deletions."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    quantity = models.PositiveIntegerField()
    on_hand_delta = models.IntegerField()
    reserved_delta = models.IntegerField()
    unit_cost = models.DecimalField(**MONEY, help_text="Net, per unit, when it moved.")
    unit = models.ForeignKey(
        PartUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    po_line = models.ForeignKey(
        "PurchaseOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    stock_take = models.ForeignKey(
        "StockTake", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    transfer_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="On a transfer in: the transfer out it completes.",
    )
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_moves_something"),
            models.CheckConstraint(condition=LEDGER_RULES, name="movement_deltas_fit_its_kind"),
            models.UniqueConstraint(fields=["shop", "id"], name="stock_movement_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["shop", "branch", "part"], name="stock_ledger"),
            models.Index(fields=["shop", "kind", "at"], name="stock_movements_by_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} × {self.part_id}"


# Purchase orders ---------------------------------------------------------------------------


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    PARTLY_RECEIVED = "partly_received", "Partly received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


OPEN_ORDER_STATUSES = [OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED]


class OrderRefused(Exception):
    """A step the purchase order's lifecycle does not allow; the message says why."""


class PurchaseOrder(FSMModelMixin, ShopOwned):
    """The shop's commitment to buy parts from one supplier, delivered to one branch."""

    number = models.CharField(max_length=20, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    branch = models.ForeignKey(
        "shops.Branch", on_delete=models.PROTECT, related_name="+", verbose_name="deliver to"
    )
    status = FSMField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT, protected=True
    )
    notes = models.TextField("notes for the supplier", blank=True)
    created_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_on = models.DateField(null=True, blank=True)
    expected_on = models.DateField("expected delivery", null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="purchase_order_number_once"),
            models.UniqueConstraint(fields=["shop", "id"], name="purchase_order_shop_id_key"),
        ]
        indexes = [models.Index(fields=["shop", "status"], name="purchase_orders_by_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES

    @property
    def awaiting_delivery(self) -> bool:
        return self.status in (OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED)

    @property
    def is_late(self) -> bool:
        return (
            self.awaiting_delivery
            and bool(self.expected_on)
            and (self.expected_on < timezone.localdate())
        )

    # Transitions change this instance only; parts.services saves them and moves the stock.

    @transition(field=status, source=OrderStatus.DRAFT, target=OrderStatus.SENT)
    def send(self, *, on: datetime.date, lead_time_days: int) -> None:
        self.sent_on = on
        self.expected_on = on + datetime.timedelta(days=lead_time_days)

    @transition(
        field=status,
        source=[OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED],
        target=RETURN_VALUE(OrderStatus.PARTLY_RECEIVED, OrderStatus.RECEIVED),
    )
    def take_delivery(self, *, complete: bool, on: datetime.date) -> str:
        if complete:
            self.received_on = on
            return OrderStatus.RECEIVED
        return OrderStatus.PARTLY_RECEIVED

    @transition(field=status, source=OPEN_ORDER_STATUSES, target=OrderStatus.CANCELLED)
    def cancel(self, *, reason: str) -> None:
        self.cancelled_at, self.cancel_reason = timezone.now(), reason.strip()


class PurchaseOrderLine(ShopOwned):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    supplier_sku = models.CharField(max_length=60, blank=True)  # as printed on the order
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField("unit cost (net)", **MONEY, validators=[MinValueValidator(0)])
    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_orders_something"),
            models.UniqueConstraint(fields=["shop", "id"], name="po_line_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part_id}"

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_cost


# Works orders' parts -----------------------------------------------------------------------


class PartStatus(models.TextChoices):
    NEEDED = "needed", "Needed"
    RESERVED = "reserved", "Reserved"
    ORDERED = "ordered", "On order"
    USED = "used", "Used"
    RELEASED = "released", "Released"


class WorksOrderPart(ShopOwned):
    """A part a works order needs or used, and where it stands: the job's picking list."""

    works_order = models.ForeignKey(
        "tickets.WorksOrder", on_delete=models.PROTECT, related_name="part_lines"
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(max_length=10, choices=PartStatus.choices, default=PartStatus.NEEDED)
    unit = models.ForeignKey(
        PartUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="serial or batch used",
    )
    po_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    # The pricebook repair it was quoted for ("Screen replacement"), for the parts-used report;
    # a name, not a key: the pricebook builds on parts, not the other way round.
    for_repair = models.CharField(max_length=80, blank=True, db_default="")

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="works_order_part_counts_something"
            ),
            models.CheckConstraint(
                condition=~Q(status="ordered") | Q(po_line__isnull=False),
                name="works_order_part_ordered_on_a_po",
            ),
        ]
        indexes = [models.Index(fields=["shop", "works_order"], name="works_order_parts")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part_id} for {self.works_order_id}"

    @property
    def expected_on(self) -> datetime.date | None:
        """When an ordered part should arrive: the order's date once it is sent."""
        if self.status != PartStatus.ORDERED or self.po_line is None:
            return None
        return self.po_line.order.expected_on


# Stock takes -------------------------------------------------------------------------------


class TakeStatus(models.TextChoices):
    COUNTING = "counting", "Counting"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


class StockTake(ShopOwned):
    """Counting a branch's shelves: the expected figures at the start, then what was found."""

    number = models.PositiveIntegerField(editable=False)
    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=TakeStatus.choices, default=TakeStatus.COUNTING
    )
    started_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="stock_take_number_once"),
            models.UniqueConstraint(
                fields=["shop", "branch"],
                condition=Q(status="counting"),
                name="one_stock_take_at_a_time",
                violation_error_message="A stock take is already under way at this branch.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="stock_take_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"Stock take #{self.number}"

    @property
    def reason(self) -> str:
        return f"stock take #{self.number}"


class StockTakeLine(ShopOwned):
    """One part's count. `expected` is the snapshot at the start; `expected_at_count` is the
    ledger's on hand at the moment the count was last entered, which the adjustment uses."""

    stock_take = models.ForeignKey(StockTake, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField()
    counted = models.PositiveIntegerField(null=True, blank=True)
    expected_at_count = models.IntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "stock_take", "part"], name="counted_once"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}: {self.counted}"

    @property
    def difference(self) -> int | None:
        if self.counted is None:
            return None
        return self.counted - self.expected_at_count


class DocumentCounter(ShopOwned):
    """The last number given in one series of the shop's documents (purchase orders, takes)."""

    series = models.CharField(max_length=10)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "series"], name="document_series_once")
        ]

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"
