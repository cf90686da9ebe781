"""Bench work on a works order: findings, time, extra work and the customer's approval."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from shops.access import ShopRequest, shop_member_required
from shops.models import COUNTER, MANAGERS, Role
from tickets import bench_parts, board, services
from tickets.access import get_part_line, get_works_order
from tickets.forms import (
    ApprovalForm,
    AssignForm,
    DiagnosisForm,
    ExtraWorkForm,
    FinalPriceForm,
    PartFittedForm,
    PartNeededForm,
    PlanForm,
    TimeEntryForm,
)
from tickets.lifecycle import works_order_reassign
from tickets.models import TransitionRefused, WorksOrder
from tickets.views.detail import render_detail, works_order_detail

BENCH = (*MANAGERS, Role.TECHNICIAN)


def _post_only(request: ShopRequest, number: str):
    works_order = get_works_order(request, number)
    return works_order, (None if request.method == "POST" else redirect(works_order_detail, number))


def _done(request: ShopRequest, number: str, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(works_order_detail, number=number)


def _refused(request: ShopRequest, number: str, refused: Exception) -> HttpResponse:
    messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
    return redirect(works_order_detail, number=number)


@shop_member_required(*BENCH)
def diagnosis(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = DiagnosisForm(request.POST, prefix="diagnosis")
    if not form.is_valid():
        return render_detail(request, number, diagnosis_form=form)
    services.diagnosis_update(
        works_order=works_order,
        diagnosis=form.cleaned_data["diagnosis"],
        codes=form.cleaned_data["codes"],
        by=request.member,
    )
    return _done(request, number, "Diagnosis saved.")


@shop_member_required(*BENCH)
def timer(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    try:
        if request.POST.get("action") == "stop":
            entry = services.timer_stop(works_order=works_order, by=request.member)
            return _done(request, number, f"Timer stopped: {entry.minutes} min logged.")
        services.timer_start(works_order=works_order, by=request.member)
    except ValidationError as refused:
        return _refused(request, number, refused)
    return _done(request, number, "Timer started.")


@shop_member_required(*BENCH)
def time_entry(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = TimeEntryForm(request.POST, prefix="time")
    if not form.is_valid():
        return render_detail(request, number, time_form=form)
    services.time_entry_add(
        works_order=works_order, technician=request.member, by=request.member, **form.cleaned_data
    )
    return _done(request, number, f"{form.cleaned_data['minutes']} min logged.")


@shop_member_required(*BENCH)
def extra_work(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = ExtraWorkForm(
        request.POST,
        prefix="extra",
        vat_rate=request.shop.vat_rate,
        may_discount=request.member.is_manager,
    )
    if not form.is_valid():
        return render_detail(request, number, extra_form=form)
    try:
        services.extra_work_add(
            works_order=works_order,
            line=form.line(),
            reason=form.cleaned_data["reason"],
            by=request.member,
        )
    except (ValidationError, TransitionRefused) as refused:
        return _refused(request, number, refused)
    works_order.refresh_from_db()
    if works_order.status == "awaiting_approval":
        return _done(request, number, "Line added. The new total needs the customer's approval.")
    return _done(request, number, "Line added.")


@shop_member_required(*COUNTER, Role.TECHNICIAN)
def approval(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = ApprovalForm(request.POST, prefix="approval")
    if not form.is_valid():
        return render_detail(request, number, approval_form=form)
    try:
        services.approval_record(works_order=works_order, by=request.member, **form.cleaned_data)
    except (ValidationError, TransitionRefused) as refused:
        return _refused(request, number, refused)
    return _done(request, number, "The customer's answer is recorded; the job carries on.")


@shop_member_required(*BENCH)
def final_price(request: ShopRequest, number: str) -> HttpResponse:
    """The technician on the job or a manager sets what the customer pays (see the service)."""
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = FinalPriceForm(request.POST, prefix="price")
    if form.is_valid():
        try:
            services.final_price_set(works_order=works_order, by=request.member, **form.inputs())
        except ValidationError as refused:
            if not hasattr(refused, "error_dict"):
                return _refused(request, number, refused)
            form.add_error(None, refused)
        else:
            return _done(request, number, "Final price set.")
    return render_detail(request, number, price_form=form)


@shop_member_required()
def plan(request: ShopRequest, number: str) -> HttpResponse:
    """Priority, due time and bench time: anyone on the job may correct them; the timeline
    keeps what they were."""
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = PlanForm(request.POST, prefix="plan", instance=WorksOrder(priority=works_order.priority))
    if not form.is_valid():
        return render_detail(request, number, plan_form=form)
    try:
        services.works_order_plan_update(
            works_order=works_order, by=request.member, **form.cleaned_data
        )
    except ValidationError as refused:
        return _refused(request, number, refused)
    return _done(request, number, "Plan saved.")


@shop_member_required(*COUNTER)
def reassign(request: ShopRequest, number: str) -> HttpResponse:
    """Give the job to another technician of its branch (once started: managers only)."""
    works_order, back = _post_only(request, number)
    if back:
        return back
    technicians = board.workload(request.shop, works_order.branch)
    form = AssignForm(request.POST, prefix="reassign", technicians=technicians)
    if not form.is_valid():
        return render_detail(request, number, reassign_form=form)
    technician = form.inputs()["technician"]
    try:
        works_order_reassign(works_order=works_order, technician=technician, by=request.member)
    except TransitionRefused as refused:
        return _refused(request, number, refused)
    return _done(request, number, f"{number} is now {technician.full_name}'s job.")


# Parts on the bench --------------------------------------------------------------------------


@shop_member_required(*COUNTER, Role.TECHNICIAN)
def part_needed(request: ShopRequest, number: str) -> HttpResponse:
    """Put a part on the job; it is held on the shelf at once if the branch has it."""
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = PartNeededForm(request.POST, prefix="need")
    if not form.is_valid():
        return render_detail(request, number, need_form=form)
    try:
        part = bench_parts.part_for(works_order, form.cleaned_data["part"])
        added = bench_parts.works_order_need_part(
            works_order=works_order,
            part=part,
            quantity=form.cleaned_data["quantity"],
            by=request.member,
        )
    except ValidationError as refused:
        form.add_error("part", refused)
        return render_detail(request, number, need_form=form)
    if added.short:
        messages.warning(request, f"{added.short} “Order it” next to the part buys one.")
        return redirect(f"{reverse('works_order_detail', args=[number])}#parts")
    return _done(request, number, f"{added.line.quantity} × {part.name} reserved for the job.")


@shop_member_required(*COUNTER, Role.TECHNICIAN)
def part_order(request: ShopRequest, number: str, part_line_id: int) -> HttpResponse:
    """Order a part the branch does not have; a job being worked on waits for it."""
    works_order, back = _post_only(request, number)
    if back:
        return back
    line = get_part_line(request, works_order, part_line_id)
    try:
        ordered = bench_parts.works_order_wait_for_part(
            works_order=works_order, line=line, by=request.member
        )
    except ValidationError as refused:
        return _refused(request, number, refused)
    order = ordered.po_line.order
    waiting = " The job waits for it." if works_order.is_paused else ""
    return _done(
        request, number, f"{line.part.name} added to {order.number} ({order.supplier}).{waiting}"
    )


@shop_member_required(*BENCH)
def part_fitted(request: ShopRequest, number: str) -> HttpResponse:
    """A part scanned as fitted: it comes off the job's reservation, or off the shelf."""
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = PartFittedForm(request.POST, prefix="fit")
    if not form.is_valid():
        return render_detail(request, number, fit_form=form)
    try:
        line = bench_parts.works_order_fit_part(
            works_order=works_order,
            code=form.cleaned_data["code"],
            unit_number=form.cleaned_data["serial"],
            by=request.member,
        )
    except ValidationError as refused:
        field = "serial" if "serial" in " ".join(refused.messages) else "code"
        form.add_error(field, refused)
        form.fields[field].widget.attrs["autofocus"] = True  # the scanner's next read goes there
        return render_detail(request, number, fit_form=form)
    serial = f", {line.unit}" if line.unit else ""
    messages.success(request, f"Fitted {line.quantity} × {line.part.name}{serial}.")
    # Back with the cursor in the scan field, ready for the next part.
    return redirect(f"{reverse('works_order_detail', args=[number])}#{form['code'].auto_id}")
