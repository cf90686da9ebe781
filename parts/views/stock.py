"""The stock page per branch, reorder rules, low stock, the serial trace and stock reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from parts import selectors, services
from parts.access import get_part
from parts.forms import PeriodForm, ReorderForm, active_branches
from parts.models import Part
from parts.views.common import EDITORS, can_edit, chosen_branch, say_refused, wants_fragment
from shops.access import ShopRequest, get_branch, shop_member_required
from shops.fields import SearchForm
from shops.models import MANAGERS, Branch

PER_PAGE = 50


def _stock_url(branch: Branch, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"branch": branch.code, **params}.items() if v)
    return f"{reverse('stock')}?{query}"


@shop_member_required()
@require_GET
def stock_page(request: ShopRequest) -> HttpResponse:
    branch = chosen_branch(request)
    search = SearchForm(request.GET)
    low_only = request.GET.get("low") == "1"
    parts = (
        selectors.stock_list(request.shop, branch, q=search.text, low_only=low_only)
        if branch and not search.refused
        else Part.objects.for_shop(request.shop).none()
    )
    page = Paginator(parts, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "branch": branch,
        "branches": active_branches(request.shop),
        "q": search.shown,
        "search": search,
        "low_only": low_only,
        "page": page,
        "can_edit": can_edit(request),
    }
    template = "parts/stock.html#table" if wants_fragment(request) else "parts/stock.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required(*EDITORS, to="set reorder points")
def stock_level_edit(request: ShopRequest, branch_code: str, part_id: int) -> HttpResponse:
    branch, part = get_branch(request, branch_code), get_part(request, part_id)
    if request.method != "POST":
        return redirect(_stock_url(branch))
    form = ReorderForm(request.POST, prefix=f"level-{part.pk}")
    if form.is_valid():
        try:
            services.stock_level_set(part=part, branch=branch, **form.cleaned_data)
        except ValidationError as problem:
            form.add_error(None, problem)
    if not request.htmx:
        if form.errors:
            said = " ".join(dict.fromkeys(m for ms in form.errors.values() for m in ms))
            messages.error(request, f"{part.name}: reorder figures: {said}")
        else:
            messages.success(request, f"Reorder rule for {part.name} at {branch.name} saved.")
        return redirect(_stock_url(branch, q=request.POST.get("q", "")))
    row = selectors.with_stock(Part.objects.for_shop(request.shop), request.shop, branch)
    context = {
        "part": row.get(pk=part.pk),
        "branch": branch,
        "can_edit": True,
        "row_form": form,
        "saved": not form.errors,
    }
    return render(request, "parts/stock.html#row", context)


@shop_member_required()
@require_GET
def low_stock_page(request: ShopRequest) -> HttpResponse:
    branch = chosen_branch(request)
    context = {
        "branch": branch,
        "branches": active_branches(request.shop),
        "low": selectors.low_stock(request.shop, branch) if branch else None,
        "can_edit": can_edit(request),
    }
    return render(request, "parts/low_stock.html", context)


@shop_member_required(*EDITORS, to="order stock")
def low_stock_order(request: ShopRequest, branch_code: str) -> HttpResponse:
    branch = get_branch(request, branch_code)
    back = f"{reverse('low_stock')}?branch={branch.code}"
    if request.method != "POST":
        return redirect(back)
    try:
        orders = services.purchase_orders_for_low_stock(branch=branch, by=request.member)
    except ValidationError as problem:
        say_refused(request, problem)
        return redirect(back)
    if not orders:
        messages.info(request, f"Nothing at {branch.name} needs ordering.")
        return redirect(back)
    numbers = ", ".join(order.number for order in orders)
    plural = "s" if len(orders) > 1 else ""
    messages.success(request, f"Draft purchase order{plural} ready to check and send: {numbers}.")
    return redirect(f"{reverse('purchase_orders')}?status=draft")


@shop_member_required()
@require_GET
def stock_trace(request: ShopRequest) -> HttpResponse:
    """Search a serial or batch number (or a works-order number) and see where it came from
    and where it went."""
    search = SearchForm(request.GET, cut=64)
    q, traces = search.text, []
    if q:
        traces = selectors.unit_trace(request.shop, q) or selectors.works_order_trace(
            request.shop, q
        )
    context = {"q": search.shown, "search": search, "traces": traces}
    return render(request, "parts/trace.html", context)


@shop_member_required(*MANAGERS)
@require_GET
def stock_reports(request: ShopRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    start, end, days = form.period(timezone.localdate())
    branch = chosen_branch(request)
    values = selectors.stock_value_by_branch(request.shop)
    used = list(selectors.parts_used(request.shop, start=start, end=end, branch=branch))
    context = {
        "form": form,
        "branch": branch,
        "branches": active_branches(request.shop),
        "start": start,
        "end": end,
        "days": days,
        "values": values,
        "total_value": sum(v.value for v in values),
        "slow": selectors.slow_movers(request.shop, branch, days=days)[:100] if branch else [],
        "used": used,
        "used_cost": sum(row["cost"] for row in used),
        "used_units": sum(row["units"] for row in used),
        "by_repair": selectors.parts_used_by_repair(
            request.shop, start=start, end=end, branch=branch
        ),
    }
    return render(request, "parts/reports.html", context)
