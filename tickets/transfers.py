"""Moving a works order to another branch of the shop, and receiving it there.

The job is one record: its number, customer, device, timeline, photos, consent and quote stay
as they are; only its branch changes. The move is immediate: from the moment it is sent the job
is the new branch's (its board, its list, its reports, its SLA hours), so the receiving branch
sees what is coming. Because a device also travels physically, the move opens a BranchTransfer
that stays "in transit" until someone at the new branch records it received; the card and the
page say so meanwhile, and a job in transit cannot be sent on again before it has arrived.

Exactly once: the move locks the works order's row and checks it is still at the branch the
form was drawn with. A second submit (a double click, a colleague on another screen) waits for
the first, then finds the job already moved and is told so; nothing is released or reserved
twice. The partial unique key "one transfer in transit per job" is the floor under the lock.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from parts.models import PartStatus, WorksOrderPart
from parts.services import NotEnoughStock, stock_release, stock_reserve
from shops.models import COUNTER, Branch, Membership, Role
from tickets import sla
from tickets.models import (
    OPEN_STATUSES,
    BranchTransfer,
    Event,
    NoteKind,
    Status,
    WorksOrder,
)
from tickets.services import record, timers_stop_all
from tickets.signals import customer_news, works_order_transferred

# Open jobs may move, ready ones too (the customer asks to collect elsewhere); a collected or
# cancelled job has left the shop's hands.
MOVABLE = OPEN_STATUSES


def may_move(member: Membership) -> bool:
    """The front desk and managers move jobs; technicians only where the shop allows it."""
    if member.role in COUNTER:
        return True
    return member.role == Role.TECHNICIAN and member.shop.technicians_move_branches


def in_transit(works_order: WorksOrder) -> BranchTransfer | None:
    return (
        BranchTransfer.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order, received_at__isnull=True)
        .select_related("from_branch", "to_branch")
        .first()
    )


def _opening_hours_text(branch: Branch) -> str:
    rows = branch.opening_hours.all().order_by("weekday", "opens")
    return "; ".join(
        f"{row.get_weekday_display()} {row.opens:%H:%M}–{row.closes:%H:%M}" for row in rows
    )


def collection_text(branch: Branch) -> str:
    """What the customer is told: where to collect, and when that branch is open."""
    where = " ".join(branch.address.split()) or branch.name
    hours = _opening_hours_text(branch)
    text = f"Your device has moved to our {branch.name} branch: please collect it from {where}."
    if branch.phone:
        text += f" Phone {branch.phone}."
    if hours:
        text += f" Opening hours: {hours}."
    return text


def _move_parts(works_order: WorksOrder, old: Branch, new: Branch, by: Membership) -> list[str]:
    """Reservations at the old branch go back on its shelf and are made again at the new one;
    a part the new branch lacks stays needed there (to order). Returns the timeline's lines."""
    lines = list(
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .select_for_update(of=("self",))
        .filter(works_order=works_order, status=PartStatus.RESERVED)
        .select_related("part")
        .order_by("part_id", "id")
    )
    said = []
    for line in lines:
        stock_release(
            part=line.part, branch=old, quantity=line.quantity, works_order=works_order, by=by
        )
        what = f"{line.quantity} × {line.part.name}"
        try:
            stock_reserve(
                part=line.part, branch=new, quantity=line.quantity, works_order=works_order, by=by
            )
        except NotEnoughStock:
            line.status = PartStatus.NEEDED
            line.save(update_fields=["status"])
            said.append(f"{what}: released at {old.name}; not in stock at {new.name}, to order")
        else:
            said.append(f"{what}: released at {old.name}, reserved at {new.name}")
    ordered = (
        WorksOrderPart.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order, status=PartStatus.ORDERED)
        .select_related("part")
    )
    for line in ordered:
        said.append(
            f"{line.quantity} × {line.part.name} is on order for {old.name}: "
            f"send it on to {new.name} when it arrives"
        )
    return said


@transaction.atomic
def works_order_transfer(
    *, works_order: WorksOrder, to_branch: Branch, from_branch_id: int, reason: str, by: Membership
) -> BranchTransfer:
    """Send the job to `to_branch`, once: `from_branch_id` is the branch the form showed, so a
    move sent twice is refused the second time. Parts, technician, SLA and the customer's
    collection point follow; the timeline says what changed."""
    if not may_move(by):
        raise PermissionDenied("Only the front desk and managers move jobs between branches.")
    if to_branch.shop_id != works_order.shop_id or by.shop_id != works_order.shop_id:
        raise ValidationError("Choose one of this shop's branches.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why it moves (the other branch will want to know).")
    # No joins in the locking read: a second mover waiting on the lock re-reads the row once
    # the first commits, and PostgreSQL would re-check a join against the old branch's row
    # and lose the job (no row at all) instead of finding it moved.
    job = (
        WorksOrder.objects.for_shop(works_order.shop_id).select_for_update().get(pk=works_order.pk)
    )
    old = job.branch
    if job.branch_id != from_branch_id:
        raise ValidationError(f"{job.number} has already been moved to {old.name}.")
    if job.status not in MOVABLE:
        raise ValidationError(
            f"{job.number} is {Status(job.status).label.lower()}: it no longer moves."
        )
    if to_branch.pk == old.pk:
        raise ValidationError(f"{job.number} is already at {old.name}.")
    if not to_branch.is_active:
        raise ValidationError(f"{to_branch.name} is closed: it takes no jobs.")
    on_the_way = in_transit(job)
    if on_the_way is not None:
        raise ValidationError(
            f"{job.number} is still on its way to {on_the_way.to_branch.name}: "
            "record it received there first."
        )
    said = [f"Moved from {old.name} to {to_branch.name}: {reason}"]
    said += _move_parts(job, old, to_branch, by)
    said += timers_stop_all(job)  # the device leaves this bench: its time stops counting
    job.branch = to_branch
    fields = ["branch"]
    technician = job.assigned_to
    if technician is not None and not technician.branches.filter(pk=to_branch.pk).exists():
        job.assigned_to = None
        fields.append("assigned_to")
        said.append(f"{technician.user} does not work at {to_branch.name}: no longer assigned")
    if change := sla.sla_retarget(job):  # counted again in the new branch's hours
        said.append(f"{change}, in {to_branch.name}'s hours")
    fields += sla.SLA_FIELDS
    job.save(update_fields=fields)
    sla.sla_clock_save(job)
    transfer = BranchTransfer.objects.create(
        shop_id=job.shop_id,
        works_order=job,
        from_branch=old,
        to_branch=to_branch,
        reason=reason,
        moved_by=by,
    )
    record(
        job,
        Event.TRANSFER,
        by,
        ". ".join(said),
        note_kind=NoteKind.INTERNAL,
        from_branch=old.code,
        to_branch=to_branch.code,
        transfer=transfer.pk,
    )
    told = record(job, Event.NOTE, by, collection_text(to_branch), note_kind=NoteKind.CUSTOMER)
    # The customer hears where to collect, through the outbox, in this transaction.
    customer_news.send(WorksOrder, works_order=job, news="update", entry=told)
    works_order_transferred.send(WorksOrder, works_order=job, transfer=transfer)
    works_order.branch, works_order.assigned_to = job.branch, job.assigned_to
    return transfer


@transaction.atomic
def works_order_receive(*, works_order: WorksOrder, by: Membership) -> BranchTransfer:
    """Record the device arrived at the branch it was sent to (once: a second press is told)."""
    transfer = (
        BranchTransfer.objects.for_shop(works_order.shop_id)
        .select_for_update()
        .filter(works_order=works_order, received_at__isnull=True)
        .select_related("to_branch")
        .first()
    )
    if transfer is None:
        raise ValidationError(f"{works_order.number} is not on its way anywhere.")
    if not by.branches.filter(pk=transfer.to_branch_id).exists() and not by.is_manager:
        raise PermissionDenied(f"Only staff at {transfer.to_branch.name} receive it.")
    transfer.received_at, transfer.received_by = timezone.now(), by
    transfer.save(update_fields=["received_at", "received_by"])
    record(works_order, Event.TRANSFER, by, f"Received at {transfer.to_branch.name}")
    return transfer


def transfers_of(works_order: WorksOrder) -> list[BranchTransfer]:
    return list(
        BranchTransfer.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order)
        .select_related("from_branch", "to_branch", "moved_by__user", "received_by__user")
    )
