"""Moving works orders through the shop: one service applies every step of the lifecycle.

The transitions on WorksOrder change the instance; `works_order_advance` checks who may take
the step, saves (refusing if someone else moved the job meanwhile), writes the timeline and,
after commit, tells whoever listens (`works_order_moved`, for notifications).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.dispatch import Signal
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from parts.services import works_order_release_parts
from shops.models import COUNTER, MANAGERS, Membership, Role, Skill
from tickets.models import (
    QC_BY_SOMEONE_ELSE,
    Event,
    Priority,
    Status,
    TimelineEntry,
    TransitionRefused,
    WorksOrder,
    has_final_price,
)
from tickets.services import final_price_set, record, record_step
from tickets.sla import sla_clock_save, sla_step

# Sent inside the step's transaction; see tickets/signals.py.
works_order_moved = Signal()

TECHNICIANS = (*MANAGERS, Role.TECHNICIAN)
# Who may take each step, by role. The counter records what the customer says (consent, an
# approval, collection) and assigns, but bench work is the technicians': the counter does not
# resume a paused job. Recording the customer's answer to an approval request puts the job back
# on the bench as a consequence (`works_order_resume_on_answer`), which is not the same as
# starting work; a part's arrival only tells the technician, who resumes when they pick it up.
WHO_MAY = {
    "assign": (*COUNTER, Role.TECHNICIAN),  # a technician may only take it themselves
    "start": TECHNICIANS,
    "wait_for_parts": TECHNICIANS,
    "ask_for_approval": TECHNICIANS,
    "resume": TECHNICIANS,
    "submit_for_qc": TECHNICIANS,
    "pass_qc": TECHNICIANS,
    "fail_qc": TECHNICIANS,
    "collect": COUNTER,
    "cancel": COUNTER,
}
# Steps on the bench: a technician takes them only on their own job.
BENCH_STEPS = {"start", "wait_for_parts", "ask_for_approval", "resume", "submit_for_qc"}
STEP_EVENTS = {"assign": Event.ASSIGNED, "pass_qc": Event.QC, "fail_qc": Event.QC}
STEP_EVENTS |= {"collect": Event.COLLECTED, "cancel": Event.CANCELLED}

BOARD_COLUMNS = [
    (Status.INTAKE, "Intake"),
    (Status.ASSIGNED, "Assigned"),
    (Status.IN_PROGRESS, "In progress"),
    (Status.QUALITY_CONTROL, "QC"),
    (Status.READY, "Ready"),
    (Status.COLLECTED, "Collected"),
]
# Which column a status is shown in (paused jobs stay in In progress with a badge).
COLUMN_OF = {status: status for status, _ in BOARD_COLUMNS} | {
    Status.AWAITING_PARTS: Status.IN_PROGRESS,
    Status.AWAITING_APPROVAL: Status.IN_PROGRESS,
}
# (from status, to column) → step
BOARD_MOVES = {
    (Status.INTAKE, Status.ASSIGNED): "assign",
    (Status.ASSIGNED, Status.IN_PROGRESS): "start",
    (Status.AWAITING_PARTS, Status.IN_PROGRESS): "resume",
    (Status.AWAITING_APPROVAL, Status.IN_PROGRESS): "resume",
    (Status.IN_PROGRESS, Status.QUALITY_CONTROL): "submit_for_qc",
    (Status.QUALITY_CONTROL, Status.READY): "pass_qc",
    (Status.QUALITY_CONTROL, Status.IN_PROGRESS): "fail_qc",
    (Status.READY, Status.COLLECTED): "collect",
}
STEPS_NEEDING_INPUT = {
    "assign",
    "wait_for_parts",
    "ask_for_approval",
    "pass_qc",
    "fail_qc",
    "collect",
    "cancel",
}
STEP_LABELS = {
    "assign": "Assign",
    "start": "Start work",
    "wait_for_parts": "Wait for parts",
    "ask_for_approval": "Ask the customer to approve",
    "resume": "Resume work",
    "submit_for_qc": "Send to QC",
    "pass_qc": "Pass QC",
    "fail_qc": "Fail QC",
    "collect": "Collected",
    "cancel": "Cancel",
}
# The steps that may follow each status, in the order a "Move to…" menu lists them.
NEXT_STEPS = {
    Status.INTAKE: ["assign", "cancel"],
    Status.ASSIGNED: ["start", "cancel"],
    Status.IN_PROGRESS: ["submit_for_qc", "wait_for_parts", "cancel"],
    Status.AWAITING_PARTS: ["resume", "cancel"],
    Status.AWAITING_APPROVAL: ["resume", "cancel"],
    Status.QUALITY_CONTROL: ["pass_qc", "fail_qc", "cancel"],
    Status.READY: ["collect", "cancel"],
}


@dataclass(frozen=True)
class MenuStep:
    """One entry of a "Move to…" menu: a step this person may take, and, while the job is not
    ready for it, what has to happen first (the entry is shown but cannot be chosen)."""

    step: str
    label: str
    blocked: str = ""


def step_label(step: str, member: Membership) -> str:
    if step == "assign" and member.role == Role.TECHNICIAN:
        return "Pick up (assign to me)"
    return STEP_LABELS.get(step, step)


def needs_input(works_order: WorksOrder, step: str) -> bool:
    """Does the step need a small form first? Sending to QC does while no final price is set:
    the form asks for it."""
    return step in STEPS_NEEDING_INPUT or (
        step == "submit_for_qc" and works_order.final_price is None
    )


def allowed_steps(works_order: WorksOrder, member: Membership) -> list[MenuStep]:
    """The steps this member may take on this job now, for its "Move to…" menu. Steps their role
    or their part in the job rules out are left out; steps the job is not ready for are listed
    with what has to happen first. The same checks as `works_order_advance`."""
    steps = []
    for step in NEXT_STEPS.get(works_order.status, []):
        if who_refusal(works_order, step, member) is None:
            blocked = condition_refusal(works_order, step, in_menu=True) or ""
            steps.append(MenuStep(step, step_label(step, member), blocked))
    return steps


def board_step(works_order: WorksOrder, to_column: str) -> str | None:
    """The step a drag of this card into `to_column` means; None if the board has no such move."""
    return BOARD_MOVES.get((works_order.status, to_column))


def condition_refusal(works_order: WorksOrder, step: str, *, in_menu: bool = False) -> str | None:
    """Why the job is not ready for `step`, in words a person can act on; None if it is. In a
    menu, a condition that the step's own form will supply (the final price, asked for on the
    way to QC) does not hold the step back."""
    method = getattr(works_order, step)
    if not can_proceed(method, check_conditions=False):
        return (
            f"{works_order.number} is {works_order.get_status_display().lower()}: "
            f"“{STEP_LABELS.get(step, step)}” is not the next step from there."
        )
    supplied = {has_final_price} if in_menu and step == "submit_for_qc" else set()
    for condition in method._django_fsm.get_transition(works_order.status).conditions:
        if condition not in supplied and not condition(works_order):
            return condition.refusal
    return None


def role_refusal(member: Membership, step: str) -> str | None:
    """Why the member's role may not take the step at all, or None if it may."""
    if member.role not in WHO_MAY.get(step, ()):
        return f"A {member.get_role_display().lower()} cannot “{STEP_LABELS.get(step, step)}”."
    return None


def who_refusal(
    works_order: WorksOrder, step: str, by: Membership, inputs: dict | None = None
) -> str | None:
    """Why this person may not take this step on this job, whatever state the job is in; None
    if they may. Checked before the job's own conditions, so that a repairer signing their own
    QC hears that, not what the job still lacks."""
    if refusal := role_refusal(by, step):
        return refusal
    technician = by.role == Role.TECHNICIAN
    if step == "assign" and technician and (inputs or {}).get("technician", by) != by:
        return "Technicians pick jobs up for themselves; a manager assigns others."
    someone_elses = works_order.assigned_to_id not in (None, by.pk)
    if step in BENCH_STEPS and technician and someone_elses:
        return (
            f"{works_order.number} is {works_order.assigned_to.user.first_name}'s job; "
            "ask a manager to reassign it."
        )
    if step in ("pass_qc", "fail_qc") and works_order.worked_on_by(by):
        return QC_BY_SOMEONE_ELSE
    return None


def last_mover(works_order: WorksOrder) -> str:
    """Who last changed the works order, for "was just moved by …"."""
    last = (
        TimelineEntry.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk)
        .select_related("actor__user")
        .order_by("-at", "-id")
        .first()
    )
    return str(last.actor.user) if last and last.actor else "someone else"


def moved_meanwhile(works_order: WorksOrder) -> str:
    return (
        f"{works_order.number} was just moved by {last_mover(works_order)}; "
        f"it is now {works_order.get_status_display().lower()}."
    )


def step_text(source: str, target: str, detail: str = "") -> str:
    """How the timeline words a step: "Assigned → In progress", then why or with whom.
    The scale-data generator words its history with this too."""
    moved = f"{Status(source).label} → {Status(target).label}"
    return f"{moved}: {detail}" if detail else moved


def _step_detail(works_order: WorksOrder, step: str, inputs: dict) -> str:
    if step == "assign":
        return f"to {works_order.assigned_to.user}"
    if step == "fail_qc":
        failed = [
            f"{item} ({result['note']})" if result.get("note") else item
            for item, result in inputs["results"].items()
            if not result["ok"]
        ]
        return f"failed {'; '.join(failed)}"
    return (inputs.get("reason") or "").strip()


def works_order_advance(
    *, works_order: WorksOrder, step: str, by: Membership, **inputs
) -> WorksOrder:
    """Take one lifecycle step, or raise TransitionRefused saying why not. One transaction."""
    if step not in WHO_MAY:
        raise TransitionRefused(f"Unknown step “{step}”.")
    if refusal := who_refusal(works_order, step, by, inputs):
        raise TransitionRefused(refusal)
    if step == "submit_for_qc" and "amount" in inputs:  # the final price, set on the way to QC
        price = {"amount": inputs.pop("amount"), "reason": inputs.pop("reason", "")}
        with transaction.atomic():
            final_price_set(works_order=works_order, by=by, **price)
            return _take_step(works_order, step, by, inputs)
    return _take_step(works_order, step, by, inputs)


def works_order_resume_on_answer(
    *, works_order: WorksOrder, by: Membership | None, detail: str
) -> None:
    """The customer answered the approval request: the job goes back on the bench, whoever
    recorded the answer (the counter may; it does not resume bench work otherwise)."""
    if works_order.status == Status.AWAITING_APPROVAL:
        _take_step(works_order, "resume", by, {"reason": detail})


def _take_step(
    works_order: WorksOrder, step: str, by: Membership | None, inputs: dict
) -> WorksOrder:
    source, since = works_order.status, works_order.status_since
    try:
        with transaction.atomic():
            try:
                getattr(works_order, step)(by=by, **inputs)
            except TransitionNotAllowed:
                raise TransitionRefused(condition_refusal(works_order, step) or "") from None
            sla_step(works_order, works_order.status)  # the SLA clock stops or restarts
            works_order.status_since = timezone.now()
            works_order.save()
            sla_clock_save(works_order)
            if step == "cancel":  # what it held goes back on the shelf and off draft orders
                works_order_release_parts(works_order=works_order, by=by)
            entry = record_step(
                works_order,
                STEP_EVENTS.get(step, Event.STATUS),
                by,
                step_text(source, works_order.status, _step_detail(works_order, step, inputs)),
                source=source,
                since=since,
                step=step,
            )
            # Inside the step's transaction: what listeners write (the customer's message in
            # the outbox) commits with the step or not at all.
            works_order_moved.send(
                WorksOrder,
                works_order=works_order,
                step=step,
                source=source,
                target=works_order.status,
                entry=entry,  # what the step is known by: one message per step taken
            )
    except ConcurrentTransition:
        works_order.refresh_from_db()
        raise TransitionRefused(moved_meanwhile(works_order)) from None
    return works_order


def works_order_reassign(
    *, works_order: WorksOrder, technician: Membership, by: Membership
) -> WorksOrder:
    """Give an assigned job to someone else; once work has started, only a manager may."""
    if works_order.status == Status.INTAKE:
        return works_order_advance(
            works_order=works_order, step="assign", by=by, technician=technician
        )
    if not works_order.is_open:
        raise TransitionRefused(f"{works_order.number} is closed.")
    if works_order.started_at and not by.is_manager:
        raise TransitionRefused("Only a manager reassigns a job someone has started.")
    if not by.is_manager and by.role != Role.FRONT_DESK:
        raise TransitionRefused("Ask a manager to reassign this job.")
    with transaction.atomic():
        previous = works_order.assigned_to
        works_order._set_assignee(technician)
        works_order.save(update_fields=["assigned_to", "assigned_at"])
        record(
            works_order,
            Event.ASSIGNED,
            by,
            f"Reassigned from {previous.user if previous else 'nobody'} to {technician.user}",
        )
    return works_order


PRIORITY_ORDER = [Priority.VIP, Priority.URGENT, Priority.WARRANTY, Priority.STANDARD]
SKILL_FOR_CATEGORY = {
    "phone": Skill.PHONES,
    "tablet": Skill.TABLETS,
    "laptop": Skill.LAPTOPS,
    "console": Skill.CONSOLES,
    "watch": Skill.WATCHES,
}


def _priority_rank():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *(When(priority=p, then=Value(i)) for i, p in enumerate(PRIORITY_ORDER)),
        output_field=IntegerField(),
    )


def pick_up_next(*, by: Membership) -> WorksOrder | None:
    """The technician takes the most pressing unassigned job at their branches that they can do:
    highest priority first, then the oldest."""
    skills = [c for c, skill in SKILL_FOR_CATEGORY.items() if skill in by.skills]
    candidates = (
        WorksOrder.objects.for_shop(by.shop_id)
        .filter(status=Status.INTAKE, assigned_to__isnull=True, agreed_gross__isnull=False)
        .filter(branch__membershipbranch__membership=by)
        .annotate(rank=_priority_rank())
        .order_by("rank", "created_at")
    )
    if skills:  # a technician without listed skills takes anything
        candidates = candidates.filter(Q(device__category__in=skills) | Q(device__category="other"))
    for works_order in candidates[:5]:
        try:
            return works_order_advance(works_order=works_order, step="assign", by=by, technician=by)
        except TransitionRefused:
            continue  # taken by a colleague this instant: try the next one
    return None


ACTIVE = [Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_PARTS, Status.AWAITING_APPROVAL]


def open_work_by_technician(shop_id: int, technicians) -> dict[int, int]:
    return dict(
        WorksOrder.objects.for_shop(shop_id)
        .filter(status__in=ACTIVE, assigned_to__in=technicians)
        .values_list("assigned_to")
        .annotate(jobs=Count("id"))
    )


def technician_for(works_order: WorksOrder) -> Membership | None:
    """Automatic assignment: the technician at the job's branch, with the skill it needs, who has
    the least open work (the longest-serving first on a tie)."""
    technicians = Membership.objects.for_shop(works_order.shop_id).filter(
        role=Role.TECHNICIAN, is_active=True, membershipbranch__branch=works_order.branch_id
    )
    skill = SKILL_FOR_CATEGORY.get(works_order.device.category)
    if skill:  # as for picking up: a technician without listed skills takes anything
        technicians = technicians.filter(Q(skills__contains=[skill]) | Q(skills=[]))
    technicians = list(technicians.select_related("user"))
    load = open_work_by_technician(works_order.shop_id, technicians)
    return min(technicians, key=lambda m: (load.get(m.pk, 0), m.joined_at), default=None)


def auto_assign(*, works_order: WorksOrder, by: Membership) -> WorksOrder:
    """If the shop assigns automatically and the job may leave intake, give it to someone."""
    if not works_order.shop.auto_assign or works_order.status != Status.INTAKE:
        return works_order
    if works_order.agreed_gross is None:
        return works_order
    technician = technician_for(works_order)
    if technician is None:
        return works_order
    return works_order_advance(works_order=works_order, step="assign", by=by, technician=technician)
