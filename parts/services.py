"""Writes to parts, stock and purchasing. Each service is one transaction.

Every stock change is a ledger movement posted while holding the part × branch StockLevel row
(SELECT … FOR UPDATE), so two writers of the same part at the same branch queue there and the
second one sees the first one's movement: the last unit cannot be reserved twice. A service
that locks several rows takes them in part-id order, so two of them never wait on each other.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Upper
from django.template.loader import render_to_string
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from devices.models import DeviceModel
from devices.selectors import normalise_serial
from parts import numbering
from parts.models import (
    MovementKind,
    OrderStatus,
    Part,
    PartCompatibility,
    PartStatus,
    PartUnit,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockMovement,
    StockTake,
    StockTakeLine,
    Supplier,
    SupplierPart,
    TakeStatus,
    WorksOrderPart,
)
from parts.selectors import (
    Figures,
    cheapest_supplier_ref,
    low_stock,
    part_by_code,
    received_quantity,
    stock_figures,
    unit_left,
    units_in_stock,
)
from shops.models import Branch, Membership
from tickets.models import Event, NoteKind, WorksOrder
from tickets.services import record


class NotEnoughStock(ValidationError):
    """A reservation, use or transfer the shelf cannot cover."""

    def __init__(self, *, part: Part, branch: Branch, wanted: int, available: int) -> None:
        self.part, self.branch, self.wanted, self.available = part, branch, wanted, available
        super().__init__(
            f"Not enough stock of {part.name} at {branch.name}: "
            f"{wanted} needed, {max(available, 0)} available."
        )


def _same_shop(*objects) -> None:
    shops = {getattr(o, "shop_id", None) for o in objects if o is not None}
    if len(shops) != 1:
        raise ValueError("parts.services: these objects belong to different shops")


# Catalogue ------------------------------------------------------------------------------------


@transaction.atomic
def part_save(*, part: Part, compatible_models: Iterable[DeviceModel]) -> Part:
    """Save a part and exactly these compatible device models."""
    models = list(compatible_models)
    _same_shop(part, *models)
    part.part_number = part.part_number.strip()
    part.barcode = part.barcode.strip()
    part.save()
    keep = {m.pk for m in models}
    PartCompatibility.objects.for_shop(part.shop_id).filter(part=part).exclude(
        device_model__in=keep
    ).delete()
    PartCompatibility.objects.bulk_create(
        [PartCompatibility(shop_id=part.shop_id, part=part, device_model=m) for m in models],
        ignore_conflicts=True,
    )
    return part


def supplier_part_set(
    *,
    part: Part,
    supplier: Supplier,
    supplier_sku: str,
    cost: Decimal,
    lead_time_days: int | None = None,
) -> SupplierPart:
    """Add the supplier's reference for a part, or update it if they are already listed."""
    _same_shop(part, supplier)
    if cost < 0:
        raise ValidationError("A cost cannot be negative.")
    ref, _ = SupplierPart.objects.for_shop(part.shop_id).update_or_create(
        part=part,
        supplier=supplier,
        defaults={
            "shop_id": part.shop_id,
            "supplier_sku": supplier_sku.strip(),
            "cost": cost,
            "lead_time_days": lead_time_days,
        },
    )
    return ref


def stock_level_set(
    *, part: Part, branch: Branch, reorder_point: int, reorder_quantity: int
) -> StockLevel:
    """Set when this branch reorders the part (available ≤ point) and how many it orders."""
    _same_shop(part, branch)
    if reorder_point < 0 or reorder_quantity < 0:
        raise ValidationError("Reorder figures cannot be negative.")
    level, _ = StockLevel.objects.for_shop(part.shop_id).update_or_create(
        part=part,
        branch=branch,
        defaults={
            "shop_id": part.shop_id,
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
        },
    )
    return level


# The ledger -----------------------------------------------------------------------------------


def _lock(part: Part, branch: Branch) -> Figures:
    """Take the part × branch row (creating it the first time) until commit; then the figures
    read are the latest: anyone else changing this stock is waiting for us."""
    _same_shop(part, branch)
    StockLevel.objects.bulk_create(
        [StockLevel(shop_id=part.shop_id, part=part, branch=branch)], ignore_conflicts=True
    )
    StockLevel.objects.for_shop(part.shop_id).select_for_update().get(part=part, branch=branch)
    return stock_figures(part, branch)


def _check(
    figures: Figures,
    on_hand_delta: int,
    reserved_delta: int,
    *,
    part: Part,
    branch: Branch,
    correcting: bool,
) -> None:
    after = Figures(figures.on_hand + on_hand_delta, figures.reserved + reserved_delta)
    if after.reserved < 0:
        raise ValidationError(
            f"Only {figures.reserved} of {part.name} are reserved at {branch.name}."
        )
    if correcting:
        return  # a count being put right: the figures become what the shelf says
    lowers_available = after.available < figures.available
    if (lowers_available and after.available < 0) or after.on_hand < 0:
        raise NotEnoughStock(
            part=part,
            branch=branch,
            wanted=max(-on_hand_delta, reserved_delta),
            available=figures.available,
        )


def _post(
    *,
    figures: Figures,
    part: Part,
    branch: Branch,
    kind: str,
    quantity: int,
    on_hand_delta: int,
    reserved_delta: int = 0,
    by: Membership | None,
    correcting: bool = False,
    unit_cost: Decimal | None = None,
    **links,
) -> tuple[StockMovement, Figures]:
    """Append one movement after checking what it does to the figures. Call under _lock."""
    if quantity <= 0:
        raise ValidationError("Give a quantity of at least 1.")
    _check(
        figures,
        on_hand_delta,
        reserved_delta,
        part=part,
        branch=branch,
        correcting=correcting,
    )
    movement = StockMovement.objects.create(
        shop_id=part.shop_id,
        part=part,
        branch=branch,
        kind=kind,
        quantity=quantity,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        unit_cost=part.cost if unit_cost is None else unit_cost,
        by=by,
        **links,
    )
    return movement, Figures(figures.on_hand + on_hand_delta, figures.reserved + reserved_delta)


@dataclass(frozen=True)
class Units:
    """Which numbered units a movement of a tracked part concerns: serials, or one batch."""

    serials: tuple[str, ...] = ()
    batch: str = ""

    @classmethod
    def of(cls, serials: Iterable[str] = (), batch: str = "") -> Units:
        return cls(tuple(s for s in map(normalise_serial, serials) if s), normalise_serial(batch))

    def __bool__(self) -> bool:
        return bool(self.serials or self.batch)


def _check_units(part: Part, quantity: int, units: Units) -> None:
    if not part.tracks_serials:
        if units:
            raise ValidationError(f"{part.name} does not take serial or batch numbers.")
        return
    if units.serials and units.batch:
        raise ValidationError("Give serial numbers or a batch number, not both.")
    if not units:
        raise ValidationError(
            f"{part.name} is tracked: give a serial number for each unit, or the batch number."
        )
    if units.serials and len(units.serials) != quantity:
        raise ValidationError(
            f"{quantity} × {part.name}: give {quantity} serial numbers "
            f"({len(units.serials)} given), one for each unit."
        )
    repeated = sorted({s for s in units.serials if units.serials.count(s) > 1})
    if repeated:
        raise ValidationError(f"Serial numbers given twice: {', '.join(repeated)}.")


def _find_unit(part: Part, number: str) -> PartUnit | None:
    return (
        PartUnit.objects.for_shop(part.shop_id)
        .annotate(upper=Upper("number"))
        .filter(part=part, upper=number.upper())
        .first()
    )


def _unit(part: Part, number: str, *, is_batch: bool) -> PartUnit:
    unit = _find_unit(part, number)
    if unit is None:
        unit = PartUnit.objects.create(
            shop_id=part.shop_id, part=part, number=number, is_batch=is_batch
        )
    elif unit.is_batch != is_batch:
        raise ValidationError(
            f"{number} is already on file for {part.name} as a "
            f"{'batch' if unit.is_batch else 'serial'} number."
        )
    return unit


def _arriving_units(part: Part, quantity: int, units: Units) -> list[tuple[PartUnit | None, int]]:
    """(unit, how many) for units coming onto a shelf. A serial already on a shelf is refused."""
    _check_units(part, quantity, units)
    if not part.tracks_serials:
        return [(None, quantity)]
    if units.batch:
        return [(_unit(part, units.batch, is_batch=True), quantity)]
    arriving = []
    for serial in units.serials:
        unit = _unit(part, serial, is_batch=False)
        if units_in_stock(unit):
            raise ValidationError(f"S/N {serial} of {part.name} is already in stock.")
        arriving.append((unit, 1))
    return arriving


def _leaving_units(
    part: Part, branch: Branch, quantity: int, units: Units
) -> list[tuple[PartUnit | None, int]]:
    """(unit, how many) for units leaving a shelf; each must be on that shelf."""
    _check_units(part, quantity, units)
    if not part.tracks_serials:
        return [(None, quantity)]
    numbers = [units.batch] if units.batch else list(units.serials)
    leaving = []
    for number in numbers:
        unit = _find_unit(part, number)
        wanted = quantity if units.batch else 1
        left = unit_left(unit, branch) if unit else 0
        if left < wanted:
            what = f"batch {number}" if units.batch else f"S/N {number}"
            where = f"{left} left" if unit and units.batch else "not on the shelf"
            raise ValidationError(f"{what} of {part.name} at {branch.name}: {where}.")
        leaving.append((unit, wanted))
    return leaving


@transaction.atomic
def stock_receive(
    *,
    part: Part,
    branch: Branch,
    quantity: int,
    by: Membership,
    unit_cost: Decimal | None = None,
    serials: Sequence[str] = (),
    batch: str = "",
    po_line: PurchaseOrderLine | None = None,
    reason: str = "",
) -> list[StockMovement]:
    """Put parts on a branch's shelf (one movement per serial number for a tracked part)."""
    figures = _lock(part, branch)
    movements = []
    for unit, count in _arriving_units(part, quantity, Units.of(serials, batch)):
        movement, figures = _post(
            figures=figures,
            part=part,
            branch=branch,
            kind=MovementKind.RECEIVED,
            quantity=count,
            on_hand_delta=count,
            by=by,
            unit_cost=unit_cost,
            unit=unit,
            po_line=po_line,
            reason=reason.strip(),
        )
        movements.append(movement)
    return movements


@transaction.atomic
def stock_reserve(
    *, part: Part, branch: Branch, quantity: int, works_order: WorksOrder, by: Membership | None
) -> StockMovement:
    """Hold parts on the shelf for a works order, or raise NotEnoughStock."""
    _same_shop(part, works_order)
    movement, _ = _post(
        figures=_lock(part, branch),
        part=part,
        branch=branch,
        kind=MovementKind.RESERVED,
        quantity=quantity,
        on_hand_delta=0,
        reserved_delta=quantity,
        by=by,
        works_order=works_order,
    )
    return movement


@transaction.atomic
def stock_release(
    *, part: Part, branch: Branch, quantity: int, works_order: WorksOrder, by: Membership | None
) -> StockMovement:
    """Give a works order's reserved parts back to the shelf."""
    figures = _lock(part, branch)
    held = (
        StockMovement.objects.for_shop(part.shop_id)
        .filter(part=part, branch=branch, works_order=works_order)
        .aggregate(held=Sum("reserved_delta"))["held"]
        or 0
    )
    if quantity > held:
        raise ValidationError(f"{works_order.number} holds {held} × {part.name}, not {quantity}.")
    movement, _ = _post(
        figures=figures,
        part=part,
        branch=branch,
        kind=MovementKind.RELEASED,
        quantity=quantity,
        on_hand_delta=0,
        reserved_delta=-quantity,
        by=by,
        works_order=works_order,
    )
    return movement


@transaction.atomic
def stock_use(
    *,
    part: Part,
    branch: Branch,
    quantity: int,
    works_order: WorksOrder,
    by: Membership,
    from_reservation: bool = False,
    unit_number: str = "",
    correcting: bool = False,
) -> StockMovement:
    """Take parts off the shelf into a works order, consuming its reservation if it had one.
    A tracked part names the unit (serial) or batch it came from."""
    _same_shop(part, branch, works_order)
    figures = _lock(part, branch)
    number = normalise_serial(unit_number)
    if part.tracks_serials and not number:
        raise ValidationError(f"Scan or type the serial or batch number of the {part.name} used.")
    known = _find_unit(part, number) if number else None
    units = Units(batch=number) if known and known.is_batch else Units.of([number])
    ((unit, _),) = _leaving_units(part, branch, quantity, units)
    movement, _ = _post(
        figures=figures,
        part=part,
        branch=branch,
        kind=MovementKind.USED,
        quantity=quantity,
        on_hand_delta=-quantity,
        reserved_delta=-quantity if from_reservation else 0,
        by=by,
        correcting=correcting,
        unit=unit,
        works_order=works_order,
    )
    return movement


@transaction.atomic
def stock_return_to_supplier(
    *,
    part: Part,
    branch: Branch,
    quantity: int,
    reason: str,
    by: Membership,
    po_line: PurchaseOrderLine | None = None,
    serials: Sequence[str] = (),
    batch: str = "",
) -> list[StockMovement]:
    """Send parts back to the supplier (faulty, wrong, over-delivered)."""
    if not reason.strip():
        raise ValidationError("Say why the parts go back (faulty, wrong part, over-delivered…).")
    figures = _lock(part, branch)
    movements = []
    for unit, count in _leaving_units(part, branch, quantity, Units.of(serials, batch)):
        movement, figures = _post(
            figures=figures,
            part=part,
            branch=branch,
            kind=MovementKind.RETURNED,
            quantity=count,
            on_hand_delta=-count,
            by=by,
            unit_cost=po_line.unit_cost if po_line else None,
            unit=unit,
            po_line=po_line,
            reason=reason.strip(),
        )
        movements.append(movement)
    return movements


@transaction.atomic
def stock_adjust(
    *,
    part: Part,
    branch: Branch,
    change: int,
    reason: str,
    by: Membership,
    correcting: bool = False,
    stock_take: StockTake | None = None,
) -> StockMovement:
    """Correct the on-hand figure by `change` (+ found, − lost or broken), with the reason why.

    Unless `correcting` (a count being put right), it may not take away parts that are not
    there or that works orders have reserved. It changes the figure, not which numbered units
    are on the shelf: a lost serial unit stays traceable to where it was last seen."""
    if not reason.strip():
        raise ValidationError("Give the reason for the adjustment (e.g. damaged, found, miscount).")
    if change == 0:
        raise ValidationError("An adjustment changes the figure by at least one.")
    movement, _ = _post(
        figures=_lock(part, branch),
        part=part,
        branch=branch,
        kind=MovementKind.ADJUSTED,
        quantity=abs(change),
        on_hand_delta=change,
        by=by,
        correcting=correcting,
        stock_take=stock_take,
        reason=reason.strip(),
    )
    return movement


@transaction.atomic
def stock_transfer(
    *,
    part: Part,
    from_branch: Branch,
    to_branch: Branch,
    quantity: int,
    by: Membership,
    serials: Sequence[str] = (),
    batch: str = "",
) -> list[tuple[StockMovement, StockMovement]]:
    """Move parts from one branch's shelf to another's: a transfer out and its transfer in."""
    if from_branch == to_branch:
        raise ValidationError("Choose a different branch to send the parts to.")
    # Both rows, lowest branch first, so two opposite transfers never wait on each other.
    first, second = sorted([from_branch, to_branch], key=lambda b: b.pk)
    figures = {first.pk: _lock(part, first), second.pk: _lock(part, second)}
    pairs = []
    for unit, count in _leaving_units(part, from_branch, quantity, Units.of(serials, batch)):
        out, figures[from_branch.pk] = _post(
            figures=figures[from_branch.pk],
            part=part,
            branch=from_branch,
            kind=MovementKind.TRANSFER_OUT,
            quantity=count,
            on_hand_delta=-count,
            by=by,
            unit=unit,
            reason=f"to {to_branch.name}",
        )
        arrived, figures[to_branch.pk] = _post(
            figures=figures[to_branch.pk],
            part=part,
            branch=to_branch,
            kind=MovementKind.TRANSFER_IN,
            quantity=count,
            on_hand_delta=count,
            by=by,
            unit=unit,
            transfer_of=out,
            reason=f"from {from_branch.name}",
        )
        pairs.append((out, arrived))
    return pairs


# Purchase orders ---------------------------------------------------------------------------


@transaction.atomic
def purchase_order_create(
    *, supplier: Supplier, branch: Branch, by: Membership, notes: str = ""
) -> PurchaseOrder:
    """A numbered draft order to `supplier` for delivery to `branch`."""
    _same_shop(supplier, branch, by)
    if not supplier.is_active:
        raise ValidationError(f"{supplier.name} is marked as no longer used.")
    return PurchaseOrder.objects.create(
        shop_id=supplier.shop_id,
        number=numbering.next_purchase_order_number(supplier.shop),
        supplier=supplier,
        branch=branch,
        created_by=by,
        notes=notes.strip(),
    )


def _locked_order(order: PurchaseOrder) -> PurchaseOrder:
    return (
        PurchaseOrder.objects.for_shop(order.shop_id)
        .select_for_update(of=("self",))
        .select_related("supplier", "branch")
        .get(pk=order.pk)
    )


def _draft(order: PurchaseOrder) -> PurchaseOrder:
    locked = _locked_order(order)
    if locked.status != OrderStatus.DRAFT:
        raise ValidationError(
            f"{locked.number} is {locked.get_status_display().lower()}: "
            "only a draft's lines can change."
        )
    return locked


@transaction.atomic
def purchase_order_add_line(
    *,
    order: PurchaseOrder,
    part: Part,
    quantity: int,
    unit_cost: Decimal | None = None,
    works_order: WorksOrder | None = None,
) -> PurchaseOrderLine:
    """Add a line to a draft; the cost and SKU default to the supplier's reference."""
    _same_shop(order, part, works_order)
    order = _draft(order)
    if quantity < 1:
        raise ValidationError("Order at least one.")
    ref = (
        SupplierPart.objects.for_shop(order.shop_id)
        .filter(part=part, supplier=order.supplier_id)
        .first()
    )
    if unit_cost is None:
        unit_cost = ref.cost if ref else part.cost
    if unit_cost < 0:
        raise ValidationError("A cost cannot be negative.")
    return PurchaseOrderLine.objects.create(
        shop_id=order.shop_id,
        order=order,
        part=part,
        supplier_sku=ref.supplier_sku if ref else "",
        quantity=quantity,
        unit_cost=unit_cost,
        works_order=works_order,
    )


@transaction.atomic
def purchase_order_remove_line(*, line: PurchaseOrderLine) -> None:
    """Take a line off a draft; a works order it was bought for needs the part again."""
    _draft(line.order)
    WorksOrderPart.objects.for_shop(line.shop_id).filter(po_line=line).update(
        status=PartStatus.NEEDED, po_line=None
    )
    line.delete()


def _lead_time(order: PurchaseOrder) -> int:
    """The longest lead time of what is on the order (a part may have its own)."""
    refs = {
        ref.part_id: ref
        for ref in SupplierPart.objects.for_shop(order.shop_id).filter(
            supplier=order.supplier_id, part__in=order.lines.values("part")
        )
    }
    days = [
        order.supplier.lead_time_days if ref.lead_time_days is None else ref.lead_time_days
        for ref in refs.values()
    ]
    return max(days, default=order.supplier.lead_time_days)


@transaction.atomic
def purchase_order_send(
    *, order: PurchaseOrder, by: Membership, on: datetime.date | None = None
) -> PurchaseOrder:
    """Mark a draft as sent today (or `on`); it is expected after the supplier's lead time."""
    order = _locked_order(order)
    if order.status == OrderStatus.DRAFT and not order.lines.exists():
        raise ValidationError(f"{order.number} has no lines yet: add what to order first.")
    try:
        order.send(on=on or timezone.localdate(), lead_time_days=_lead_time(order))
    except TransitionNotAllowed:
        raise ValidationError(
            f"{order.number} is {order.get_status_display().lower()}: it was sent already."
        ) from None
    order.save()
    return order


@transaction.atomic
def purchase_order_email(*, order: PurchaseOrder, by: Membership) -> PurchaseOrder:
    """Send a draft to the supplier as a PDF by email (after commit) and mark it sent."""
    from parts.printouts import purchase_order_filename, purchase_order_pdf

    if not order.supplier.email:
        raise ValidationError(
            f"{order.supplier.name} has no email address: add one, or mark the order as sent."
        )
    order = purchase_order_send(order=order, by=by)
    message = EmailMessage(
        subject=f"Purchase order {order.number} from {order.shop.name}",
        body=render_to_string("parts/email/purchase_order.txt", {"order": order, "by": by}),
        to=[order.supplier.email],
        reply_to=[by.user.email],
        attachments=[
            (purchase_order_filename(order), purchase_order_pdf(order), "application/pdf")
        ],
    )
    transaction.on_commit(message.send)
    return order


@transaction.atomic
def purchase_order_set_expected(
    *, order: PurchaseOrder, expected_on: datetime.date
) -> PurchaseOrder:
    """The supplier gave a new delivery date."""
    order = _locked_order(order)
    if not order.awaiting_delivery:
        raise ValidationError(f"{order.number} is not waiting for a delivery.")
    if order.sent_on and expected_on < order.sent_on:
        raise ValidationError("The delivery cannot be expected before the order was sent.")
    order.expected_on = expected_on
    order.save(update_fields=["expected_on"])
    return order


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, reason: str, by: Membership) -> PurchaseOrder:
    """Cancel what has not arrived; works orders waiting on it need their parts again."""
    order = _locked_order(order)
    if order.awaiting_delivery and not reason.strip():
        raise ValidationError("Say why the order is cancelled (the supplier may ask).")
    try:
        order.cancel(reason=reason)
    except TransitionNotAllowed:
        raise ValidationError(
            f"{order.number} is {order.get_status_display().lower()}: nothing left to cancel."
        ) from None
    order.save()
    WorksOrderPart.objects.for_shop(order.shop_id).filter(
        po_line__order=order, status=PartStatus.ORDERED
    ).update(status=PartStatus.NEEDED, po_line=None)
    return order


@dataclass(frozen=True)
class Delivery:
    """What arrived for one purchase-order line. More than is outstanding must be accepted."""

    line: PurchaseOrderLine
    quantity: int
    serials: Sequence[str] = ()
    batch: str = ""
    accept_extra: bool = False


@dataclass
class Receipt:
    order: PurchaseOrder
    movements: list[StockMovement] = field(default_factory=list)
    ready: list[WorksOrder] = field(default_factory=list)  # all their parts are in now
    waiting: list[WorksOrder] = field(default_factory=list)  # still need a part that came in

    @property
    def units(self) -> int:
        return sum(m.quantity for m in self.movements)


def _outstanding(order: PurchaseOrder) -> dict[int, int]:
    lines = (
        PurchaseOrderLine.objects.for_shop(order.shop_id)
        .filter(order=order)
        .annotate(received=received_quantity(order.shop))
    )
    return {line.pk: line.quantity - line.received for line in lines}


def _check_delivery(delivery: Delivery, outstanding: int) -> None:
    line = delivery.line
    if delivery.quantity < 0:
        raise ValidationError(f"{line.part.name}: a delivery cannot be negative.")
    if delivery.quantity > max(outstanding, 0) and not delivery.accept_extra:
        raise ValidationError(
            f"{line.part.name}: {delivery.quantity} arrived but {max(outstanding, 0)} "
            "are outstanding. Tick “accept the extra” to take them in, or correct the figure."
        )


def _reserve_arrivals(order: PurchaseOrder, line: PurchaseOrderLine, by: Membership) -> None:
    """Parts bought for a works order are held for it as soon as enough of them are in."""
    received = (
        PurchaseOrderLine.objects.for_shop(order.shop_id)
        .filter(pk=line.pk)
        .annotate(received=received_quantity(order.shop))[0]
        .received
    )
    waiting = (
        WorksOrderPart.objects.for_shop(order.shop_id)
        .filter(po_line=line, status=PartStatus.ORDERED, quantity__lte=received)
        .select_related("works_order", "part")
    )
    for wanted in waiting:
        wanted.status = _hold_arrival(order, wanted, by)
        wanted.save(update_fields=["status"])


def _hold_arrival(order: PurchaseOrder, wanted: WorksOrderPart, by: Membership) -> str:
    what = _describe(wanted.quantity, wanted.part)
    if not wanted.works_order.is_open:
        return PartStatus.RELEASED  # the job was closed meanwhile: it is ordinary stock now
    try:
        stock_reserve(
            part=wanted.part,
            branch=order.branch,
            quantity=wanted.quantity,
            works_order=wanted.works_order,
            by=by,
        )
    except NotEnoughStock:  # a miscount left the shelf short: the job needs it reserved again
        _note(wanted.works_order, by, f"Arrived on {order.number} but could not be held: {what}")
        return PartStatus.NEEDED
    _note(wanted.works_order, by, f"Arrived on {order.number} and reserved: {what}")
    return PartStatus.RESERVED


@transaction.atomic
def purchase_order_receive(
    *, order: PurchaseOrder, deliveries: Sequence[Delivery], by: Membership
) -> Receipt:
    """Take a delivery in line by line: the parts go on the branch's shelf (with their serials),
    parts bought for a job are reserved for it, and the order becomes partly or fully received."""
    order = _locked_order(order)
    if not order.awaiting_delivery:
        raise ValidationError(
            f"{order.number} is {order.get_status_display().lower()}: "
            "only a sent order takes deliveries."
        )
    outstanding = _outstanding(order)
    arriving = [d for d in deliveries if d.quantity]
    if not arriving:
        raise ValidationError("Enter how many of each line arrived.")
    receipt = Receipt(order=order)
    for delivery in sorted(arriving, key=lambda d: d.line.part_id):
        if delivery.line.order_id != order.pk:
            raise ValueError("purchase_order_receive: that line is on another order")
        _check_delivery(delivery, outstanding[delivery.line.pk])
        receipt.movements += stock_receive(
            part=delivery.line.part,
            branch=order.branch,
            quantity=delivery.quantity,
            by=by,
            unit_cost=delivery.line.unit_cost,
            serials=delivery.serials,
            batch=delivery.batch,
            po_line=delivery.line,
        )
        outstanding[delivery.line.pk] -= delivery.quantity
        _reserve_arrivals(order, delivery.line, by)
    order.take_delivery(complete=max(outstanding.values()) <= 0, on=timezone.localdate())
    order.save()
    _who_can_go_ahead(receipt, {d.line.part_id for d in arriving})
    _tell_parts_arrived(receipt, {d.line.pk for d in arriving}, by)
    return receipt


def _tell_parts_arrived(receipt: Receipt, line_ids: set[int], by: Membership) -> None:
    """A job waiting for parts whose last one came in with this delivery hears of it: the
    timeline says "Parts arrived" (the customer is told, the technician alerted), once per job
    and delivery."""
    from tickets.models import Status
    from tickets.services import works_order_parts_arrived

    order = receipt.order
    fed = set(
        WorksOrderPart.objects.for_shop(order.shop_id)
        .filter(po_line_id__in=line_ids, status=PartStatus.RESERVED)
        .values_list("works_order_id", flat=True)
    )
    delivery = f"{order.number}:{min(m.pk for m in receipt.movements)}"
    for works_order in receipt.ready:
        if works_order.pk in fed and works_order.status == Status.AWAITING_PARTS:
            works_order_parts_arrived(
                works_order=works_order, delivery=f"{delivery}:{works_order.pk}", by=by
            )


def _who_can_go_ahead(receipt: Receipt, part_ids: set[int]) -> None:
    order = receipt.order
    lines = WorksOrderPart.objects.for_shop(order.shop_id).select_related("works_order")
    for_this_order = {
        wop.works_order for wop in lines.filter(po_line__order=order) if wop.works_order.is_open
    }
    unfinished = set(
        lines.filter(
            works_order__in=for_this_order, status__in=[PartStatus.NEEDED, PartStatus.ORDERED]
        ).values_list("works_order_id", flat=True)
    )
    receipt.ready = sorted(
        (wo for wo in for_this_order if wo.pk not in unfinished), key=lambda w: w.number
    )
    needing = lines.filter(
        part_id__in=part_ids,
        status=PartStatus.NEEDED,
        works_order__branch=order.branch,
    ).exclude(works_order__in=for_this_order)
    receipt.waiting = sorted(
        {wop.works_order for wop in needing if wop.works_order.is_open}, key=lambda w: w.number
    )


def _draft_for(supplier: Supplier, branch: Branch, by: Membership) -> PurchaseOrder:
    """The supplier's open draft for this branch, or a new one. Holds the supplier's row, so
    two jobs ordering from one supplier at once share one draft instead of making two."""
    Supplier.objects.for_shop(supplier.shop_id).select_for_update().get(pk=supplier.pk)
    draft = (
        PurchaseOrder.objects.for_shop(supplier.shop_id)
        .filter(supplier=supplier, branch=branch, status=OrderStatus.DRAFT)
        .order_by("created_at")
        .first()
    )
    return draft or purchase_order_create(supplier=supplier, branch=branch, by=by)


@transaction.atomic
def purchase_orders_for_low_stock(*, branch: Branch, by: Membership) -> list[PurchaseOrder]:
    """Create (or add to) one draft order per supplier for everything low at the branch, as
    the low-stock list proposes it."""
    orders = []
    for proposal in low_stock(branch.shop, branch).proposals:
        order = _draft_for(proposal.supplier, branch, by)
        for part in proposal.parts:
            purchase_order_add_line(
                order=order,
                part=part,
                quantity=part.reorder_quantity,
                unit_cost=proposal.supplier_ref_by_part[part.pk].cost,
            )
        orders.append(order)
    return orders


# Works orders' parts ------------------------------------------------------------------------


def _note(works_order: WorksOrder, by: Membership | None, text: str) -> None:
    record(works_order, Event.NOTE, by, text, note_kind=NoteKind.INTERNAL)


def _describe(quantity: int, part: Part) -> str:
    return f"{quantity} × {part.name} ({part.part_number})"


def _open(works_order: WorksOrder) -> None:
    if not works_order.is_open:
        raise ValidationError(f"{works_order.number} is closed: its parts no longer change.")


@transaction.atomic
def works_order_part_add(
    *, works_order: WorksOrder, part: Part, quantity: int, by: Membership, for_repair: str = ""
) -> WorksOrderPart:
    """Put a part on the works order's picking list, as needed (not yet reserved); `for_repair`
    names the pricebook repair it was quoted for."""
    _same_shop(works_order, part, by)
    _open(works_order)
    if quantity < 1:
        raise ValidationError("A works order needs at least one of a part.")
    line = WorksOrderPart.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        part=part,
        quantity=quantity,
        added_by=by,
        for_repair=for_repair,
    )
    _note(works_order, by, f"Part needed: {_describe(quantity, part)}")
    return line


@dataclass(frozen=True)
class Shortage:
    line: WorksOrderPart
    available: int

    @property
    def message(self) -> str:
        return (
            f"Not enough stock of {self.line.part.name}: {self.line.quantity} needed, "
            f"{max(self.available, 0)} available."
        )


@dataclass
class Reservation:
    reserved: list[WorksOrderPart] = field(default_factory=list)
    short: list[Shortage] = field(default_factory=list)


@transaction.atomic
def works_order_reserve_parts(*, works_order: WorksOrder, by: Membership) -> Reservation:
    """Reserve each needed line at the job's branch, whole lines only, as far as stock allows;
    the answer says what was reserved and what is short."""
    _open(works_order)
    needed = (
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .select_for_update(of=("self",))
        .filter(works_order=works_order, status=PartStatus.NEEDED)
        .select_related("part")
        .order_by("part_id", "id")
    )
    result = Reservation()
    for line in needed:
        try:
            stock_reserve(
                part=line.part,
                branch=works_order.branch,
                quantity=line.quantity,
                works_order=works_order,
                by=by,
            )
        except NotEnoughStock as short:
            result.short.append(Shortage(line, short.available))
            continue
        line.status = PartStatus.RESERVED
        line.save(update_fields=["status"])
        result.reserved.append(line)
    if result.reserved:
        reserved = ", ".join(_describe(line.quantity, line.part) for line in result.reserved)
        _note(works_order, by, f"Reserved {reserved}")
    return result


@transaction.atomic
def works_order_release_parts(*, works_order: WorksOrder, by: Membership) -> list[WorksOrderPart]:
    """Give back everything the job holds or waits for but has not used (e.g. on cancel):
    reservations go back to the shelf, lines come off draft orders; parts already sent for
    will arrive as ordinary stock."""
    lines = (
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .select_for_update(of=("self",))
        .filter(
            works_order=works_order,
            status__in=[PartStatus.NEEDED, PartStatus.RESERVED, PartStatus.ORDERED],
        )
        .select_related("part", "po_line__order")
        .order_by("part_id", "id")
    )
    released = list(lines)
    for line in released:
        if line.status == PartStatus.RESERVED:
            stock_release(
                part=line.part,
                branch=works_order.branch,
                quantity=line.quantity,
                works_order=works_order,
                by=by,
            )
        on_a_draft = (
            line.status == PartStatus.ORDERED and line.po_line.order.status == OrderStatus.DRAFT
        )
        draft_line = line.po_line if on_a_draft else None
        line.status = PartStatus.RELEASED
        if draft_line is not None:
            _locked_order(draft_line.order)
            line.po_line = None
        line.save(update_fields=["status", "po_line"])
        if draft_line is not None:
            draft_line.delete()
    if released:
        text = ", ".join(_describe(line.quantity, line.part) for line in released)
        _note(works_order, by, f"Parts released: {text}")
    return released


def _split(line: WorksOrderPart, quantity: int) -> WorksOrderPart:
    """Use part of a line: the rest stays as it was, on a line of its own."""
    if line.pk and line.quantity > quantity:
        rest = WorksOrderPart.objects.for_shop(line.shop_id).get(pk=line.pk)  # every link kept
        rest.pk, rest.quantity = None, line.quantity - quantity
        rest.save()
        line.quantity = quantity
    return line


@transaction.atomic
def works_order_use_part(
    *,
    works_order: WorksOrder,
    code: str,
    by: Membership,
    quantity: int = 1,
    unit_number: str = "",
    correcting: bool = False,
) -> WorksOrderPart:
    """Record a part as fitted, found by its barcode or part number: from the job's reservation
    if it has one, else from the shelf. A tracked part needs its serial or batch number."""
    _open(works_order)
    part = part_by_code(works_order.shop, code)
    if part is None:
        raise ValidationError(f"No part has the barcode or part number “{code.strip()}”.")
    if part.tracks_serials and quantity != 1 and not unit_number:
        raise ValidationError(f"Record each {part.name} on its own, with its serial number.")
    lines = WorksOrderPart.objects.for_shop(works_order.shop_id).select_for_update(of=("self",))
    mine = lines.filter(works_order=works_order, part=part, quantity__gte=quantity)
    line = (
        mine.filter(status=PartStatus.RESERVED).order_by("id").first()
        or mine.filter(status=PartStatus.NEEDED).order_by("id").first()
    )
    from_reservation = line is not None and line.status == PartStatus.RESERVED
    movement = stock_use(
        part=part,
        branch=works_order.branch,
        quantity=quantity,
        works_order=works_order,
        by=by,
        from_reservation=from_reservation,
        unit_number=unit_number,
        correcting=correcting,
    )
    if line is None:
        line = WorksOrderPart(
            shop_id=works_order.shop_id, works_order=works_order, part=part, added_by=by
        )
    line = _split(line, quantity)
    line.quantity, line.status, line.unit = quantity, PartStatus.USED, movement.unit
    line.used_at = movement.at
    line.save()
    serial = f", {movement.unit}" if movement.unit else ""
    _note(works_order, by, f"Part used: {_describe(quantity, part)}{serial}")
    return line


@transaction.atomic
def works_order_order_part(
    *, works_order: WorksOrder, part: Part, quantity: int, by: Membership
) -> WorksOrderPart:
    """Buy a part for this job from its cheapest supplier: on that supplier's draft order for
    the job's branch if there is one, else on a new draft. The job's line is linked to the
    order line, and is reserved for the job when the part arrives."""
    _same_shop(works_order, part, by)
    _open(works_order)
    ref = cheapest_supplier_ref(part)
    if ref is None:
        raise ValidationError(
            f"No supplier is set up for {part.name}: add one on the part's page first."
        )
    order = _draft_for(ref.supplier, works_order.branch, by)
    po_line = purchase_order_add_line(
        order=order, part=part, quantity=quantity, unit_cost=ref.cost, works_order=works_order
    )
    line = (
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .select_for_update(of=("self",))
        .filter(works_order=works_order, part=part, status=PartStatus.NEEDED, quantity=quantity)
        .order_by("id")
        .first()
    ) or WorksOrderPart(
        shop_id=works_order.shop_id, works_order=works_order, part=part, added_by=by
    )
    line.quantity, line.status, line.po_line = quantity, PartStatus.ORDERED, po_line
    line.save()
    _note(works_order, by, f"Ordered {_describe(quantity, part)} on {order} from {ref.supplier}")
    return line


# Stock takes -----------------------------------------------------------------------------------


@transaction.atomic
def stock_take_start(*, branch: Branch, by: Membership) -> StockTake:
    """Start counting a branch: every part it stocks, with the on-hand figure of this moment."""
    _same_shop(branch, by)
    try:
        with transaction.atomic():
            take = StockTake.objects.create(
                shop_id=branch.shop_id,
                number=numbering.next_stock_take_number(branch.shop),
                branch=branch,
                started_by=by,
            )
    except IntegrityError:
        raise ValidationError(f"A stock take is already under way at {branch.name}.") from None
    # No lock needed: `expected` is what the counters see; each count records the on hand of
    # its own moment under the row lock, and that is what the adjustment is worked out from.
    stocked = StockLevel.objects.for_shop(branch.shop_id).filter(branch=branch)
    on_hand = dict(
        StockMovement.objects.for_shop(branch.shop_id)
        .filter(branch=branch)
        .values("part")
        .annotate(total=Sum("on_hand_delta"))
        .values_list("part", "total")
        .order_by()
    )
    StockTakeLine.objects.bulk_create(
        StockTakeLine(
            shop_id=branch.shop_id,
            stock_take=take,
            part_id=part_id,
            expected=on_hand.get(part_id, 0),
        )
        for part_id, active in stocked.values_list("part_id", "part__is_active")
        if active or on_hand.get(part_id)  # a retired part is counted while any are left
    )
    return take


def _counting(stock_take: StockTake) -> StockTake:
    take = StockTake.objects.for_shop(stock_take.shop_id).select_for_update().get(pk=stock_take.pk)
    if take.status != TakeStatus.COUNTING:
        raise ValidationError(f"{take} is {take.get_status_display().lower()}: counting is over.")
    return take


@transaction.atomic
def stock_take_count(
    *, stock_take: StockTake, part: Part, counted: int | None = None, add: int = 0, by: Membership
) -> StockTakeLine:
    """Record what is on the shelf for one part: set the figure, or add to it (a scan).

    The ledger's on hand at this moment is kept with the count: what the shelf should have
    held when it was counted, movements during the count included."""
    _same_shop(stock_take, part, by)
    take = _counting(stock_take)
    figures = _lock(part, take.branch)
    line, _ = StockTakeLine.objects.for_shop(take.shop_id).get_or_create(
        stock_take=take,
        part=part,
        defaults={"shop_id": take.shop_id, "expected": figures.on_hand},
    )
    new = (line.counted or 0) + add if counted is None else counted
    if new < 0:
        raise ValidationError("A count cannot be below zero.")
    line.counted, line.expected_at_count = new, figures.on_hand
    line.counted_at, line.counted_by = timezone.now(), by
    line.save()
    return line


def stock_take_scan(*, stock_take: StockTake, code: str, by: Membership) -> StockTakeLine:
    """One scan of a barcode (or a typed part number): one more of that part counted."""
    part = part_by_code(stock_take.shop, code)
    if part is None:
        raise ValidationError(f"No part has the barcode or part number “{code.strip()}”.")
    return stock_take_count(stock_take=stock_take, part=part, add=1, by=by)


@transaction.atomic
def stock_take_post(*, stock_take: StockTake, by: Membership) -> list[StockMovement]:
    """Post the counted differences as adjustments with reason "stock take #N".

    Each part is adjusted by counted − the on hand when it was counted. Movements during the
    count are not lost: one before the part was counted is in both figures and cancels out;
    one after it is in the ledger and stays there. Parts not counted are left as they are."""
    take = _counting(stock_take)
    lines = (
        StockTakeLine.objects.for_shop(take.shop_id)
        .filter(stock_take=take, counted__isnull=False)
        .select_related("part")
        .order_by("part_id")
    )
    movements = [
        stock_adjust(
            part=line.part,
            branch=take.branch,
            change=line.difference,
            reason=take.reason,
            by=by,
            correcting=True,
            stock_take=take,
        )
        for line in lines
        if line.difference
    ]
    take.status, take.finished_by, take.finished_at = TakeStatus.POSTED, by, timezone.now()
    take.save(update_fields=["status", "finished_by", "finished_at"])
    return movements


@transaction.atomic
def stock_take_cancel(*, stock_take: StockTake, by: Membership) -> StockTake:
    """Abandon a count: nothing is adjusted; its number is not reused."""
    take = _counting(stock_take)
    take.status, take.finished_by, take.finished_at = TakeStatus.CANCELLED, by, timezone.now()
    take.save(update_fields=["status", "finished_by", "finished_at"])
    return take


# Suppliers -------------------------------------------------------------------------------------


def supplier_save(*, supplier: Supplier) -> Supplier:
    """Create or update a supplier."""
    supplier.name = " ".join(supplier.name.split())
    supplier.save()
    return supplier
