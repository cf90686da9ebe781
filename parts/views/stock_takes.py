"""Stock takes: start a count, scan or type what is on the shelves, post the differences."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from parts import services
from parts.access import get_part, get_stock_take
from parts.forms import CountForm, ScanForm, StartTakeForm
from parts.models import StockTake, StockTakeLine, TakeStatus
from parts.views.common import EDITORS, can_edit, not_get, refusal_text, say_refused
from shops.access import ShopRequest, shop_member_required


@shop_member_required()
@require_GET
def stock_take_list(request: ShopRequest) -> HttpResponse:
    takes = StockTake.objects.for_shop(request.shop).select_related(
        "branch", "started_by__user", "finished_by__user"
    )
    context = {
        "takes": takes[:100],
        "start_form": StartTakeForm(shop=request.shop),
        "can_edit": can_edit(request),
    }
    return render(request, "parts/stock_take_list.html", context)


@shop_member_required(*EDITORS, to="start, post or cancel stock takes")
def stock_take_start(request: ShopRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("stock_takes")
    form = StartTakeForm(request.POST, shop=request.shop)
    if not form.is_valid():
        messages.error(request, "Choose the branch to count.")
        return redirect("stock_takes")
    try:
        take = services.stock_take_start(branch=form.cleaned_data["branch"], by=request.member)
    except ValidationError as problem:
        say_refused(request, problem)
        return redirect("stock_takes")
    messages.success(request, f"{take} started at {take.branch.name}: scan or count the shelves.")
    return redirect("stock_take_detail", take_number=take.number)


def _lines(take: StockTake) -> list[StockTakeLine]:
    return list(
        StockTakeLine.objects.for_shop(take.shop_id)
        .filter(stock_take=take)
        .select_related("part")
        .order_by(Lower("part__name"), "part__part_number")
    )


def _summary(lines: list[StockTakeLine]) -> dict:
    counted = [line for line in lines if line.counted is not None]
    return {
        "total": len(lines),
        "counted": len(counted),
        "differences": sum(1 for line in counted if line.difference),
    }


def _counting_context(request: ShopRequest, take: StockTake, **extra) -> dict:
    lines = _lines(take)
    return {
        "take": take,
        "lines": lines,
        "summary": _summary(lines),
        "counting": take.status == TakeStatus.COUNTING,
        "can_edit": can_edit(request),
        "scan_form": ScanForm(),
        **extra,
    }


@shop_member_required()
def stock_take_detail(request: ShopRequest, take_number: int) -> HttpResponse:
    take = get_stock_take(request, take_number)
    return not_get(request) or render(
        request, "parts/stock_take.html", _counting_context(request, take)
    )


@shop_member_required()
def stock_take_scan(request: ShopRequest, take_number: int) -> HttpResponse:
    """A keyboard-wedge scanner types the code and Enter: one more of that part counted."""
    take = get_stock_take(request, take_number)
    if request.method != "POST":
        return redirect("stock_take_detail", take_number=take.number)
    form = ScanForm(request.POST)
    line, problem = None, ""
    if not form.is_valid():
        problem = "Scan a barcode or type a part number first."
    else:
        try:
            line = services.stock_take_scan(
                stock_take=take, code=form.cleaned_data["code"], by=request.member
            )
        except ValidationError as refused:
            problem = refusal_text(refused)
    if not request.htmx:
        if problem:
            messages.error(request, problem)
        return redirect("stock_take_detail", take_number=take.number)
    context = _counting_context(request, take, scanned=line, problem=problem)
    return render(request, "parts/stock_take.html#counts", context)


@shop_member_required()
def stock_take_count(request: ShopRequest, take_number: int, part_id: int) -> HttpResponse:
    take, part = get_stock_take(request, take_number), get_part(request, part_id)
    if request.method != "POST":
        return redirect("stock_take_detail", take_number=take.number)
    form = CountForm(request.POST, prefix=f"count-{part.pk}")
    problem = ""
    if form.is_valid():
        try:
            services.stock_take_count(
                stock_take=take, part=part, counted=form.cleaned_data["counted"], by=request.member
            )
        except ValidationError as refused:
            problem = refusal_text(refused)
    else:
        problem = f"{part.name}: {' '.join(form.errors['counted'])}"
    if not request.htmx:
        if problem:
            messages.error(request, problem)
        return redirect("stock_take_detail", take_number=take.number)
    # Only the row and the summary change: focus stays where the counter tabbed to.
    lines = _lines(take)
    line = next((line for line in lines if line.part_id == part.pk), None)
    if line is None:  # a part never counted here, refused: say why above the table
        context = _counting_context(request, take, problem=problem)
        return render(request, "parts/stock_take.html#counts", context)
    context = {
        "take": take,
        "line": line,
        "summary": _summary(lines),
        "counting": take.status == TakeStatus.COUNTING,
        "typed": part,
        "problem": problem,
        "oob": True,
    }
    return render(request, "parts/stock_take.html#count_row", context)


@shop_member_required(*EDITORS, to="start, post or cancel stock takes")
def stock_take_post(request: ShopRequest, take_number: int) -> HttpResponse:
    take = get_stock_take(request, take_number)
    if request.method == "POST":
        try:
            movements = services.stock_take_post(stock_take=take, by=request.member)
        except ValidationError as problem:
            say_refused(request, problem)
        else:
            count = len(movements)
            messages.success(
                request,
                f"{take} posted: {count} adjustment{'s' if count != 1 else ''} to the ledger.",
            )
    return redirect("stock_take_detail", take_number=take.number)


@shop_member_required(*EDITORS, to="start, post or cancel stock takes")
def stock_take_cancel(request: ShopRequest, take_number: int) -> HttpResponse:
    take = get_stock_take(request, take_number)
    if request.method == "POST":
        try:
            services.stock_take_cancel(stock_take=take, by=request.member)
        except ValidationError as problem:
            say_refused(request, problem)
        else:
            messages.success(request, f"{take} cancelled: nothing was adjusted.")
    return redirect("stock_take_detail", take_number=take.number)
