"""Parts on the bench: what a works order needs, holds, waits for and used.

The stock itself is parts.services' (the ledger, reservations, purchase orders); this module is
the works order's side of it, where a parts step also moves the job: ordering a part the
branch does not have pauses the job until it arrives, and cancelling gives its parts back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from parts import services as parts
from parts.models import Part, PartStatus, StockMovement, WorksOrderPart
from parts.selectors import part_by_code
from pricebook.selectors import QuoteOption
from shops.models import Membership
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Status, TransitionRefused, WorksOrder


@dataclass(frozen=True)
class Added:
    line: WorksOrderPart
    short: str  # why it could not be reserved, or ""


def part_for(works_order: WorksOrder, typed: str) -> Part:
    """The part a scanned barcode or typed part number names, else the one active part whose
    name has every word typed; a message saying what to type when that is not one part."""
    part = part_by_code(works_order.shop, typed)
    if part is not None:
        return part
    words = typed.split()
    named = Part.objects.for_shop(works_order.shop_id).filter(is_active=True)
    for word in words:
        named = named.filter(name__icontains=word)
    found = list(named.order_by("name")[:6]) if words else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValidationError(f"No part has the barcode, part number or name “{typed.strip()}”.")
    listed = "; ".join(f"{p.part_number} {p.name}" for p in found[:5])
    more = " and more" if len(found) > 5 else ""
    raise ValidationError(
        f"Several parts match “{typed.strip()}”: {listed}{more}. Type its part number."
    )


def has_parts(shop_id: int) -> Exists:
    """Whether each works order of a queryset has any parts, for annotating it: a job without
    any (most of a shop's history) then needs no parts_of query, whose aggregate subquery took
    more to put together in Python (1.8 ms) than the rest of the works-order page's reads."""
    return Exists(
        WorksOrderPart.objects.for_shop(shop_id).filter(works_order=OuterRef("pk")).order_by()
    )


def parts_of(works_order: WorksOrder) -> list[WorksOrderPart]:
    """The job's parts, each with `available`: what its branch has free on the shelf now."""
    free = (
        StockMovement.objects.for_shop(works_order.shop_id)
        .filter(part=OuterRef("part"), branch=works_order.branch_id)
        .order_by()
        .values("part")
        .annotate(free=Sum("on_hand_delta") - Sum("reserved_delta"))
        .values("free")
    )
    return list(
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order)
        .select_related("part", "unit", "po_line__order")
        .annotate(available=Coalesce(Subquery(free, output_field=IntegerField()), Value(0)))
    )


@transaction.atomic
def works_order_need_part(
    *, works_order: WorksOrder, part: Part, quantity: int, by: Membership
) -> Added:
    """Put a part on the job and hold it on the shelf if the branch has it."""
    line = parts.works_order_part_add(works_order=works_order, part=part, quantity=quantity, by=by)
    reservation = parts.works_order_reserve_parts(works_order=works_order, by=by)
    short = next((s.message for s in reservation.short if s.line.pk == line.pk), "")
    line.refresh_from_db(fields=["status"])
    return Added(line, short)


@transaction.atomic
def works_order_wait_for_part(
    *, works_order: WorksOrder, line: WorksOrderPart, by: Membership
) -> WorksOrderPart:
    """Buy a part the branch does not have (joining the supplier's draft order if there is
    one), and pause the job for it if work is under way."""
    if line.status != PartStatus.NEEDED:
        raise ValidationError(f"{line.part.name} is {line.get_status_display().lower()} already.")
    ordered = parts.works_order_order_part(
        works_order=works_order, part=line.part, quantity=line.quantity, by=by
    )
    if works_order.status == Status.IN_PROGRESS:
        order = ordered.po_line.order
        try:
            works_order_advance(
                works_order=works_order,
                step="wait_for_parts",
                by=by,
                reason=f"{line.quantity} × {line.part.name} on {order.number}",
            )
        except TransitionRefused as refused:
            raise ValidationError(str(refused)) from None
    return ordered


def works_order_fit_part(
    *, works_order: WorksOrder, code: str, unit_number: str, by: Membership
) -> WorksOrderPart:
    """A part scanned (or typed) as fitted: from the job's reservation, else from the shelf."""
    return parts.works_order_use_part(
        works_order=works_order, code=code, unit_number=unit_number.strip(), by=by
    )


@transaction.atomic
def works_order_add_priced_work(
    *, works_order: WorksOrder, option: QuoteOption, reason: str, by: Membership
) -> int:
    """A pricebook option added on the bench: its lines as extra work (so a total above the
    agreed price waits for the customer's approval), its parts on the job's list, held on the
    shelf unless the job now waits for that approval. Returns how many lines were added."""
    why = reason or f"{option.repair_type} ({option.grade_label})"
    for line in option.lines:
        services.extra_work_add(works_order=works_order, line=line, reason=why, by=by)
    found = Part.objects.for_shop(works_order.shop_id).in_bulk(
        [use.part_id for use in option.parts]
    )
    for use in option.parts:
        parts.works_order_part_add(
            works_order=works_order,
            part=found[use.part_id],
            quantity=use.quantity,
            by=by,
            for_repair=option.repair_type,
        )
    if option.parts and works_order.status != Status.AWAITING_APPROVAL:
        parts.works_order_reserve_parts(works_order=works_order, by=by)
    return len(option.lines)
