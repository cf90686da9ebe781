"""Reads of parts and stock. Stock figures are sums over the ledger, in one query per page.

On hand = Σ on_hand_delta, reserved = Σ reserved_delta, available = on hand − reserved, for one
part at one branch. Every query names the shop.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Lower, Upper
from django.utils import timezone

from devices.selectors import normalise_serial
from parts.models import (
    OPEN_ORDER_STATUSES,
    MovementKind,
    Part,
    PartStatus,
    PartUnit,
    PurchaseOrderLine,
    StockLevel,
    StockMovement,
    SupplierPart,
    WorksOrderPart,
)
from shops.models import Branch, Shop

MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Figures:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def stock_figures(part: Part, branch: Branch) -> Figures:
    """On hand and reserved of one part at one branch, summed from the ledger."""
    sums = (
        StockMovement.objects.for_shop(part.shop_id)
        .filter(part=part, branch=branch)
        .aggregate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
    )
    return Figures(on_hand=sums["on_hand"] or 0, reserved=sums["reserved"] or 0)


def figures_by_branch(part: Part) -> dict[int, Figures]:
    """Branch id → figures, for every branch this part has ever moved at."""
    rows = (
        StockMovement.objects.for_shop(part.shop_id)
        .filter(part=part)
        .values("branch")
        .annotate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
        .order_by()
    )
    return {row["branch"]: Figures(row["on_hand"], row["reserved"]) for row in rows}


def unit_left(unit: PartUnit, branch: Branch) -> int:
    """How many of a serial unit (0 or 1) or a batch are on the shelf at this branch."""
    total = (
        StockMovement.objects.for_shop(unit.shop_id)
        .filter(unit=unit, branch=branch)
        .aggregate(left=Sum("on_hand_delta"))["left"]
    )
    return total or 0


def units_in_stock(unit: PartUnit) -> dict[int, int]:
    """Branch id → how many of this unit or batch are there, where any are."""
    rows = (
        StockMovement.objects.for_shop(unit.shop_id)
        .filter(unit=unit)
        .values("branch")
        .annotate(left=Sum("on_hand_delta"))
        .order_by()
    )
    return {row["branch"]: row["left"] for row in rows if row["left"]}


# Subqueries for annotating a Part queryset at one branch ---------------------------------------


def _ledger_sum(shop: Shop, branch: Branch, delta: str) -> Coalesce:
    per_part = (
        StockMovement.objects.for_shop(shop)
        .filter(part=OuterRef("pk"), branch=branch)
        .order_by()
        .values("part")
        .annotate(total=Sum(delta))
        .values("total")
    )
    return Coalesce(Subquery(per_part, output_field=IntegerField()), Value(0))


def _level(shop: Shop, branch: Branch, field: str) -> Coalesce:
    level = StockLevel.objects.for_shop(shop).filter(part=OuterRef("pk"), branch=branch)
    return Coalesce(Subquery(level.values(field)[:1], output_field=IntegerField()), Value(0))


def received_quantity(shop: Shop) -> Coalesce:
    """For annotating purchase-order lines: how many have arrived against each."""
    received = (
        StockMovement.objects.for_shop(shop)
        .filter(po_line=OuterRef("pk"), kind=MovementKind.RECEIVED)
        .order_by()
        .values("po_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(received, output_field=IntegerField()), Value(0))


def _on_order(shop: Shop, branch: Branch) -> Coalesce:
    # Lines bought for a works order are that job's, not shelf stock: they do not count here.
    outstanding = (
        PurchaseOrderLine.objects.for_shop(shop)
        .filter(
            part=OuterRef("pk"),
            order__branch=branch,
            order__status__in=OPEN_ORDER_STATUSES,
            works_order__isnull=True,
        )
        .annotate(left=Greatest(F("quantity") - received_quantity(shop), Value(0)))
        .order_by()
        .values("part")
        .annotate(total=Sum("left"))
        .values("total")
    )
    return Coalesce(Subquery(outstanding, output_field=IntegerField()), Value(0))


def with_stock(parts: QuerySet[Part], shop: Shop, branch: Branch) -> QuerySet[Part]:
    """Parts annotated with on_hand, reserved, available, on_order and the branch's reorder rule."""
    return parts.annotate(
        on_hand=_ledger_sum(shop, branch, "on_hand_delta"),
        reserved=_ledger_sum(shop, branch, "reserved_delta"),
        available=F("on_hand") - F("reserved"),
        on_order=_on_order(shop, branch),
        reorder_point=_level(shop, branch, "reorder_point"),
        reorder_quantity=_level(shop, branch, "reorder_quantity"),
    )


def _matching(parts: QuerySet[Part], q: str) -> QuerySet[Part]:
    for word in q.split():
        parts = parts.filter(
            Q(name__icontains=word) | Q(part_number__icontains=word) | Q(barcode__iexact=word)
        )
    return parts


def stock_list(shop: Shop, branch: Branch, *, q: str = "", low_only: bool = False):
    """The stock page: the shop's active parts (and any inactive one still on the shelf) with
    their figures at `branch`, a fixed number of queries whatever the number of parts."""
    parts = with_stock(_matching(Part.objects.for_shop(shop), q), shop, branch)
    parts = parts.filter(Q(is_active=True) | ~Q(on_hand=0))
    if low_only:
        parts = parts.filter(reorder_quantity__gt=0, available__lte=F("reorder_point"))
    return parts.order_by(Lower("name"), "part_number")


def part_catalogue(
    shop: Shop, *, q: str = "", grade: str = "", active: bool | None = True
) -> QuerySet[Part]:
    """The catalogue list: search name, part number or barcode; filter by grade and active."""
    parts = _matching(Part.objects.for_shop(shop), q)
    if grade:
        parts = parts.filter(grade=grade)
    if active is not None:
        parts = parts.filter(is_active=active)
    return parts.annotate(
        models_count=Count("partcompatibility", distinct=True),
        suppliers_count=Count("supplier_refs", distinct=True),
    ).order_by(Lower("name"), "part_number")


def part_by_code(shop: Shop, code: str) -> Part | None:
    """The part a scanned barcode or typed part number names (any case), if any."""
    code = code.strip()
    if not code:
        return None
    found = (
        Part.objects.for_shop(shop)
        .filter(Q(barcode=code) | Q(part_number__iexact=code))
        .order_by("-is_active")  # a retired part sharing a number never shadows the live one
        .first()
    )
    return found


def cheapest_supplier_ref(part: Part) -> SupplierPart | None:
    """Where the part is bought: the active supplier asking least (then the quickest)."""
    return (
        SupplierPart.objects.for_shop(part.shop_id)
        .filter(part=part, supplier__is_active=True)
        .select_related("supplier")
        .order_by("cost", Coalesce("lead_time_days", "supplier__lead_time_days"), "supplier__name")
        .first()
    )


# Low stock and reordering ----------------------------------------------------------------------


@dataclass
class Proposal:
    """One draft purchase order the low-stock list suggests: a supplier and what to buy."""

    supplier_ref_by_part: dict[int, SupplierPart]
    parts: list[Part]

    @property
    def supplier(self):
        return next(iter(self.supplier_ref_by_part.values())).supplier

    @property
    def lines(self) -> list[tuple[Part, SupplierPart]]:
        return [(part, self.supplier_ref_by_part[part.pk]) for part in self.parts]

    @property
    def total(self) -> Decimal:
        return sum((ref.cost * part.reorder_quantity for part, ref in self.lines), Decimal("0.00"))


@dataclass
class LowStock:
    parts: list[Part]  # each annotated as in with_stock
    proposals: list[Proposal]
    without_supplier: list[Part]


def low_stock(shop: Shop, branch: Branch) -> LowStock:
    """Parts whose available stock plus what is already on order has fallen to the reorder
    point, and the draft orders that would restock them: one per supplier, each part from the
    supplier asking least, in the branch's reorder quantity."""
    parts = list(
        with_stock(Part.objects.for_shop(shop).filter(is_active=True), shop, branch)
        .filter(reorder_quantity__gt=0)
        .filter(available__lte=F("reorder_point"))
        .order_by(Lower("name"))
    )
    need = [p for p in parts if p.available + p.on_order <= p.reorder_point]
    refs = (
        SupplierPart.objects.for_shop(shop)
        .filter(part__in=need, supplier__is_active=True)
        .select_related("supplier")
    )
    best: dict[int, SupplierPart] = {}
    for ref in sorted(refs, key=lambda r: (r.cost, r.lead_time, r.supplier.name)):
        best.setdefault(ref.part_id, ref)
    by_supplier: dict[int, Proposal] = {}
    for part in need:
        ref = best.get(part.pk)
        if ref is not None:
            proposal = by_supplier.setdefault(ref.supplier_id, Proposal({}, []))
            proposal.supplier_ref_by_part[part.pk] = ref
            proposal.parts.append(part)
    return LowStock(
        parts=parts,
        proposals=sorted(by_supplier.values(), key=lambda p: p.supplier.name),
        without_supplier=[p for p in need if p.pk not in best],
    )


# Works orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartsArrival:
    """Where a works order's ordered parts stand."""

    ordered: int  # lines bought on a purchase order for this job
    outstanding: int  # of them, not delivered yet
    expected_on: datetime.date | None  # the latest expected delivery among those outstanding

    @property
    def arrived(self) -> bool:
        return self.outstanding == 0


def parts_arrival(*, shop: Shop, works_order_ids: Iterable[int]) -> dict[int, PartsArrival]:
    """For the board: works order id → whether its ordered parts are in, in one query.

    Works orders that have nothing on order are left out of the answer."""
    rows = (
        WorksOrderPart.objects.for_shop(shop)
        .filter(works_order_id__in=list(works_order_ids), po_line__isnull=False)
        .exclude(status=PartStatus.RELEASED)
        .values("works_order_id")
        .annotate(
            ordered=Count("id"),
            outstanding=Count("id", filter=Q(status=PartStatus.ORDERED)),
            expected_on=Max("po_line__order__expected_on", filter=Q(status=PartStatus.ORDERED)),
        )
        .order_by()
    )
    return {
        row["works_order_id"]: PartsArrival(row["ordered"], row["outstanding"], row["expected_on"])
        for row in rows
    }


def works_order_parts(works_order) -> list[WorksOrderPart]:
    """A works order's parts with what their page shows (order, expected delivery, serial)."""
    return list(
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order)
        .select_related("part", "unit", "po_line__order__supplier")
    )


# Traceability -----------------------------------------------------------------------------------


@dataclass
class UnitTrace:
    unit: PartUnit
    movements: list[StockMovement]  # oldest first: received … used
    where: dict[str, int]  # branch name → how many are there now

    @property
    def received(self) -> list[StockMovement]:
        return [m for m in self.movements if m.kind == MovementKind.RECEIVED]

    @property
    def used(self) -> list[StockMovement]:
        return [m for m in self.movements if m.kind == MovementKind.USED]


def _movements_of(shop: Shop, units: list[PartUnit]) -> dict[int, list[StockMovement]]:
    movements = (
        StockMovement.objects.for_shop(shop)
        .filter(unit__in=units)
        .select_related("branch", "by__user", "po_line__order__supplier", "works_order__customer")
        .order_by("at", "id")
    )
    grouped: dict[int, list[StockMovement]] = {unit.pk: [] for unit in units}
    for movement in movements:
        grouped[movement.unit_id].append(movement)
    return grouped


def _traces(shop: Shop, units: list[PartUnit]) -> list[UnitTrace]:
    grouped = _movements_of(shop, units)
    traces = []
    for unit in units:
        where: dict[str, int] = {}
        for moved in grouped[unit.pk]:
            where[moved.branch.name] = where.get(moved.branch.name, 0) + moved.on_hand_delta
        traces.append(UnitTrace(unit, grouped[unit.pk], {b: n for b, n in where.items() if n}))
    return traces


def unit_trace(shop: Shop, number: str) -> list[UnitTrace]:
    """Every unit or batch with this serial or batch number: where it came from (supplier,
    purchase order), where it went (works order, customer) and where any are now."""
    number = normalise_serial(number)
    if not number:
        return []
    units = list(
        PartUnit.objects.for_shop(shop)
        .annotate(upper=Upper("number"))
        .filter(upper=number)
        .select_related("part")
    )
    return _traces(shop, units)


def works_order_trace(shop: Shop, number: str) -> list[UnitTrace]:
    """The other way round: the numbered units used on a works order, and where each came from."""
    units = list(
        PartUnit.objects.for_shop(shop)
        .filter(
            movements__works_order__number__iexact=number.strip(),
            movements__kind=MovementKind.USED,
        )
        .select_related("part")
        .distinct()
    )
    return _traces(shop, units)


# Reports ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchValue:
    branch: Branch
    units: int
    value: Decimal


def stock_value_by_branch(shop: Shop) -> list[BranchValue]:
    """What is on the shelves at each active branch, valued at each part's current cost."""
    rows = {
        row["branch"]: row
        for row in StockMovement.objects.for_shop(shop)
        .values("branch")
        .annotate(
            units=Sum("on_hand_delta"),
            value=Sum(F("on_hand_delta") * F("part__cost"), output_field=MONEY),
        )
        .order_by()
    }
    branches = Branch.objects.for_shop(shop).filter(Q(is_active=True) | Q(pk__in=list(rows)))
    return [
        BranchValue(
            branch,
            rows.get(branch.pk, {}).get("units") or 0,
            rows.get(branch.pk, {}).get("value") or Decimal("0.00"),
        )
        for branch in branches.order_by("name")
    ]


def slow_movers(shop: Shop, branch: Branch, *, days: int) -> QuerySet[Part]:
    """Parts on the shelf at `branch` that have not been used there for `days` days (or ever),
    with on hand, last use and value (on hand × current cost), the dearest first."""
    since = timezone.now() - datetime.timedelta(days=days)
    last_used = (
        StockMovement.objects.for_shop(shop)
        .filter(part=OuterRef("pk"), branch=branch, kind=MovementKind.USED)
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Part.objects.for_shop(shop)
        .annotate(
            on_hand=_ledger_sum(shop, branch, "on_hand_delta"),
            last_used=Subquery(last_used),
        )
        .filter(on_hand__gt=0)
        .filter(Q(last_used__isnull=True) | Q(last_used__lt=since))
        .annotate(value=F("on_hand") * F("cost"))
        .order_by("-value", Lower("name"))
    )


def _period(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    midnight = datetime.time.min.replace(tzinfo=timezone.get_current_timezone())
    since = datetime.datetime.combine(start, midnight)
    return since, datetime.datetime.combine(end + datetime.timedelta(days=1), midnight)


def parts_used_by_repair(
    shop: Shop, *, start: datetime.date, end: datetime.date, branch: Branch | None = None
) -> QuerySet:
    """Per pricebook repair ("" for parts added by hand), the parts fitted between two dates
    (inclusive): how many, on how many works orders, and what they cost when fitted."""
    since, until = _period(start, end)
    fitted = WorksOrderPart.objects.for_shop(shop).filter(
        status=PartStatus.USED, used_at__gte=since, used_at__lt=until
    )
    if branch is not None:
        fitted = fitted.filter(works_order__branch=branch)
    cost_then = (
        StockMovement.objects.for_shop(shop)
        .filter(kind=MovementKind.USED, works_order=OuterRef("works_order"), part=OuterRef("part"))
        .order_by("-at")
        .values("unit_cost")[:1]
    )
    return (
        fitted.annotate(unit_cost=Subquery(cost_then, output_field=MONEY))
        .values("for_repair")
        .annotate(
            units=Sum("quantity"),
            jobs=Count("works_order", distinct=True),
            cost=Sum(F("quantity") * F("unit_cost"), output_field=MONEY),
        )
        .order_by("-cost", "for_repair")
    )


def parts_used(
    shop: Shop, *, start: datetime.date, end: datetime.date, branch: Branch | None = None
) -> QuerySet:
    """Per part, how many were used on works orders between two dates (inclusive) and what
    they cost at the time they were fitted."""
    since, until = _period(start, end)
    used = StockMovement.objects.for_shop(shop).filter(
        kind=MovementKind.USED, at__gte=since, at__lt=until
    )
    if branch is not None:
        used = used.filter(branch=branch)
    return (
        used.values("part", "part__name", "part__part_number")
        .annotate(
            units=Sum("quantity"),
            cost=Sum(F("quantity") * F("unit_cost"), output_field=MONEY),
        )
        .order_by("-cost", Lower("part__name"))
    )
