"""The part catalogue: list, create and edit, a part's page, its suppliers and stock moves."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from parts import selectors, services
from parts.access import get_part, get_supplier_part
from parts.forms import GRADE_CHOICES, MOVE_FORMS, PartForm, SupplierPartForm, active_branches
from parts.models import Part, PartCompatibility, PartUnit, StockLevel, StockMovement
from parts.views.common import EDITORS, can_edit, not_get, wants_fragment
from shops.access import ShopRequest, shop_member_required
from shops.fields import SearchForm

PER_PAGE = 50
ACTIVE_FILTER = {"active": True, "retired": False, "all": None}
MOVE_TITLES = {
    "receive": "Receive stock",
    "adjust": "Adjust the count",
    "transfer": "Transfer to another branch",
    "return": "Return to the supplier",
}


@shop_member_required()
@require_GET
def part_list(request: ShopRequest) -> HttpResponse:
    search = SearchForm(request.GET)
    grade = request.GET.get("grade", "")
    status = request.GET.get("status", "active")
    parts = selectors.part_catalogue(
        request.shop,
        q=search.text,
        grade=grade if grade in dict(GRADE_CHOICES) else "",
        active=ACTIVE_FILTER.get(status, True),
    )
    if search.refused:
        parts = parts.none()
    page = Paginator(parts, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "q": search.shown,
        "search": search,
        "grade": grade,
        "status": status,
        "grades": GRADE_CHOICES,
        "page": page,
        "can_edit": can_edit(request),
    }
    template = "parts/part_list.html#results" if wants_fragment(request) else "parts/part_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _save_part(request: ShopRequest, form: PartForm) -> Part | None:
    if not form.is_valid():
        return None
    return services.part_save(
        part=form.save(commit=False), compatible_models=form.cleaned_data["compatible_models"]
    )


@shop_member_required(*EDITORS, to="change the parts catalogue")
def part_create(request: ShopRequest) -> HttpResponse:
    form = PartForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and (part := _save_part(request, form)):
        messages.success(request, f"{part.name} added to the catalogue.")
        return redirect("part_detail", part_id=part.pk)
    return render(request, "parts/part_form.html", {"form": form, "part": None})


@shop_member_required(*EDITORS, to="change the parts catalogue")
def part_edit(request: ShopRequest, part_id: int) -> HttpResponse:
    part = get_part(request, part_id)
    # The form edits a copy, so the heading keeps the saved name while errors show.
    form = PartForm(request.POST or None, instance=copy.copy(part), shop=request.shop)
    if request.method == "POST" and (saved := _save_part(request, form)):
        messages.success(request, f"{saved.name} saved.")
        return redirect("part_detail", part_id=saved.pk)
    return render(request, "parts/part_form.html", {"form": form, "part": part})


def _stock_rows(request: ShopRequest, part: Part) -> list[dict]:
    figures = selectors.figures_by_branch(part)
    levels = {
        level.branch_id: level
        for level in StockLevel.objects.for_shop(request.shop).filter(part=part)
    }
    return [
        {
            "branch": branch,
            "figures": figures.get(branch.pk, selectors.Figures()),
            "level": levels.get(branch.pk),
        }
        for branch in active_branches(request.shop)
    ]


def _detail(request: ShopRequest, part: Part, supplier_form: SupplierPartForm | None = None):
    shop = request.shop
    movements = (
        StockMovement.objects.for_shop(shop)
        .filter(part=part)
        .select_related("branch", "by__user", "unit", "works_order", "po_line__order")
        .order_by("-at", "-id")[:25]
    )
    units = (
        [
            u
            for u in PartUnit.objects.for_shop(shop).filter(part=part)
            if selectors.units_in_stock(u)
        ]
        if part.tracks_serials
        else []
    )
    context = {
        "part": part,
        "stock": _stock_rows(request, part),
        "refs": part.supplier_refs.select_related("supplier"),
        "fits": [
            c.device_model
            for c in PartCompatibility.objects.for_shop(shop)
            .filter(part=part)
            .select_related("device_model")
            .order_by("device_model__make", "device_model__name")
        ],
        "movements": movements,
        "units": units,
        "can_edit": can_edit(request),
        "supplier_form": supplier_form or SupplierPartForm(shop=shop, prefix="supplier"),
    }
    status = 400 if supplier_form is not None and supplier_form.errors else 200
    return render(request, "parts/part_detail.html", context, status=status)


@shop_member_required()
def part_detail(request: ShopRequest, part_id: int) -> HttpResponse:
    part = get_part(request, part_id)  # another shop's part is 404 whatever the method
    return not_get(request) or _detail(request, part)


@shop_member_required(*EDITORS, to="change the parts catalogue")
def supplier_part_add(request: ShopRequest, part_id: int) -> HttpResponse:
    part = get_part(request, part_id)
    if request.method != "POST":
        return redirect("part_detail", part_id=part.pk)
    form = SupplierPartForm(request.POST, shop=request.shop, prefix="supplier")
    if not form.is_valid():
        return _detail(request, part, supplier_form=form)
    try:
        ref = services.supplier_part_set(part=part, **form.cleaned_data)
    except ValidationError as problem:
        form.add_error(None, problem)
        return _detail(request, part, supplier_form=form)
    messages.success(request, f"{ref.supplier}'s reference for {part.name} saved.")
    return redirect("part_detail", part_id=part.pk)


@shop_member_required(*EDITORS, to="change the parts catalogue")
def supplier_part_remove(request: ShopRequest, part_id: int, supplier_part_id: int) -> HttpResponse:
    part = get_part(request, part_id)
    ref = get_supplier_part(request, part, supplier_part_id)
    if request.method == "POST":
        ref.delete()
        messages.success(request, f"{ref.supplier} is no longer listed for {part.name}.")
    return redirect("part_detail", part_id=part.pk)


def _move(request: ShopRequest, kind: str, part, data: dict) -> str:
    """Post the movement the form describes; returns what to tell the user."""
    by = request.member
    if kind == "receive":
        services.stock_receive(part=part, by=by, **data)
        return f"{data['quantity']} × {part.name} received at {data['branch'].name}."
    if kind == "adjust":
        services.stock_adjust(part=part, by=by, **data)
        return f"{part.name} at {data['branch'].name} adjusted by {data['change']:+d}."
    if kind == "transfer":
        services.stock_transfer(part=part, by=by, **data)
        return (
            f"{data['quantity']} × {part.name} moved from {data['from_branch'].name} "
            f"to {data['to_branch'].name}."
        )
    services.stock_return_to_supplier(part=part, by=by, **data)
    return f"{data['quantity']} × {part.name} returned to the supplier."


@shop_member_required(*EDITORS, to="receive, adjust or move stock by hand")
def stock_move(request: ShopRequest, part_id: int, kind: str) -> HttpResponse:
    part = get_part(request, part_id)
    if kind not in MOVE_FORMS:
        raise Http404("No such stock movement")
    initial = {"branch": request.GET.get("branch")}
    form = MOVE_FORMS[kind](request.POST or None, shop=request.shop, part=part, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("serials", "batch")}
        if "serials" in form.fields:
            data |= form.units()
        try:
            messages.success(request, _move(request, kind, part, data))
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            return redirect("part_detail", part_id=part.pk)
    context = {"part": part, "form": form, "kind": kind, "title": MOVE_TITLES[kind]}
    return render(request, "parts/stock_move.html", context, status=400 if form.errors else 200)
