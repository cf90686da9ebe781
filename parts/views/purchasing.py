"""Suppliers and purchase orders: raise, send (PDF or email), receive, cancel."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from config.pdf import pdf_response
from parts import selectors, services
from parts.access import get_po_line, get_purchase_order, get_supplier
from parts.forms import (
    CancelOrderForm,
    ExpectedForm,
    OrderLineForm,
    PurchaseOrderForm,
    ReceiveDeliveryForm,
    SupplierForm,
)
from parts.models import (
    OrderStatus,
    Part,
    PartStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    StockMovement,
    Supplier,
    WorksOrderPart,
)
from parts.printouts import purchase_order_filename, purchase_order_pdf
from parts.views.common import EDITORS, RECEIVERS, can_edit, can_receive, not_get, say_refused
from shops.access import ShopRequest, shop_member_required

TOTAL = DecimalField(max_digits=14, decimal_places=2)


# Suppliers -----------------------------------------------------------------------------------


@shop_member_required()
@require_GET
def supplier_list(request: ShopRequest) -> HttpResponse:
    suppliers = (
        Supplier.objects.for_shop(request.shop)
        .annotate(parts_count=Count("part_refs", distinct=True))
        .order_by("-is_active", "name")
    )
    context = {"suppliers": suppliers, "can_edit": can_edit(request)}
    return render(request, "parts/supplier_list.html", context)


@shop_member_required(*EDITORS, to="add suppliers")
def supplier_create(request: ShopRequest) -> HttpResponse:
    form = SupplierForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        supplier = services.supplier_save(supplier=form.save(commit=False))
        messages.success(request, f"{supplier.name} added.")
        return redirect("supplier_edit", supplier_id=supplier.pk)
    return render(request, "parts/supplier_form.html", {"form": form, "supplier": None})


@shop_member_required()
def supplier_edit(request: ShopRequest, supplier_id: int) -> HttpResponse:
    """The supplier's page: their details (editable by managers), parts and recent orders."""
    supplier = get_supplier(request, supplier_id)
    editable = can_edit(request)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only managers and owners can change a supplier's details.")
    data = request.POST if request.method == "POST" else None
    form = SupplierForm(data, instance=copy.copy(supplier), shop=request.shop)
    if data is not None and form.is_valid():
        services.supplier_save(supplier=form.save(commit=False))
        messages.success(request, f"{form.instance.name} saved.")
        return redirect("supplier_edit", supplier_id=supplier.pk)
    context = {
        "form": form,
        "supplier": supplier,
        "can_edit": editable,
        "refs": supplier.part_refs.select_related("part").order_by(Lower("part__name")),
        "orders": _with_totals(supplier.orders.select_related("branch"))[:10],
    }
    return render(request, "parts/supplier_form.html", context, status=400 if form.errors else 200)


# Purchase orders ---------------------------------------------------------------------------


def _with_totals(orders):
    return orders.annotate(
        lines_count=Count("lines"),
        total=Sum(F("lines__quantity") * F("lines__unit_cost"), output_field=TOTAL),
    )


@shop_member_required()
@require_GET
def purchase_order_list(request: ShopRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    orders = _with_totals(
        PurchaseOrder.objects.for_shop(request.shop).select_related("supplier", "branch")
    )
    if status == "open":
        orders = orders.exclude(status__in=[OrderStatus.RECEIVED, OrderStatus.CANCELLED])
    elif status in OrderStatus.values:
        orders = orders.filter(status=status)
    context = {
        "orders": orders.order_by("-created_at", "-id")[:200],
        "status": status,
        "statuses": [("open", "Open"), *OrderStatus.choices, ("all", "All")],
        "can_edit": can_edit(request),
    }
    return render(request, "parts/purchase_order_list.html", context)


@shop_member_required(*EDITORS, to="raise and change purchase orders")
def purchase_order_create(request: ShopRequest) -> HttpResponse:
    form = PurchaseOrderForm(
        request.POST or None,
        shop=request.shop,
        initial={"supplier": request.GET.get("supplier")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.purchase_order_create(by=request.member, **form.cleaned_data)
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(request, f"Draft {order.number} started: add what to order.")
            return redirect("purchase_order_detail", po_number=order.number)
    return render(request, "parts/purchase_order_new.html", {"form": form})


def _lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    lines = list(
        PurchaseOrderLine.objects.for_shop(order.shop_id)
        .filter(order=order)
        .select_related("part", "works_order")
        .annotate(received=selectors.received_quantity(order.shop))
    )
    for line in lines:
        line.outstanding = line.quantity - line.received
    return lines


def _jobs(order: PurchaseOrder) -> list[dict]:
    """The works orders this order buys for, and whether each has all its parts now."""
    wanted = (
        WorksOrderPart.objects.for_shop(order.shop_id)
        .filter(po_line__order=order)
        .select_related("works_order__customer", "part")
    )
    jobs: dict[int, dict] = {}
    for line in wanted:
        job = jobs.setdefault(line.works_order_id, {"works_order": line.works_order, "parts": []})
        job["parts"].append(line)
    waiting = set(
        WorksOrderPart.objects.for_shop(order.shop_id)
        .filter(works_order__in=list(jobs), status__in=[PartStatus.NEEDED, PartStatus.ORDERED])
        .values_list("works_order_id", flat=True)
    )
    for job_id, job in jobs.items():
        job["all_in"] = job_id not in waiting and job["works_order"].is_open
    return sorted(jobs.values(), key=lambda j: j["works_order"].number)


def _detail(request: ShopRequest, order: PurchaseOrder, **forms) -> HttpResponse:
    lines = _lines(order)
    receipts = (
        StockMovement.objects.for_shop(request.shop)
        .filter(po_line__order=order)
        .select_related("part", "by__user", "unit")
        .order_by("at", "id")
    )
    context = {
        "order": order,
        "lines": lines,
        "total": sum((line.total for line in lines), 0),
        "jobs": _jobs(order),
        "receipts": receipts,
        "can_edit": can_edit(request),
        "can_receive": can_receive(request) and order.awaiting_delivery,
        "line_form": forms.get("line_form") or OrderLineForm(shop=request.shop, prefix="line"),
        "expected_form": forms.get("expected_form")
        or ExpectedForm(prefix="expected", initial={"expected_on": order.expected_on}),
        "cancel_form": forms.get("cancel_form") or CancelOrderForm(prefix="cancel"),
        "part_codes": Part.objects.for_shop(request.shop)
        .filter(is_active=True)
        .values_list("part_number", "name")
        if order.status == OrderStatus.DRAFT
        else [],
    }
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render(request, "parts/purchase_order_detail.html", context, status=status)


@shop_member_required()
def purchase_order_detail(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    return not_get(request) or _detail(request, order)


@shop_member_required()
def purchase_order_pdf_view(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    if refused := not_get(request):
        return refused
    return pdf_response(purchase_order_pdf(order, request=request), purchase_order_filename(order))


def _back(order: PurchaseOrder) -> HttpResponse:
    return redirect("purchase_order_detail", po_number=order.number)


@shop_member_required(*EDITORS, to="raise and change purchase orders")
def po_line_add(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    if request.method != "POST":
        return _back(order)
    form = OrderLineForm(request.POST, shop=request.shop, prefix="line")
    if not form.is_valid():
        return _detail(request, order, line_form=form)
    try:
        line = services.purchase_order_add_line(
            order=order,
            part=form.cleaned_data["code"],
            quantity=form.cleaned_data["quantity"],
            unit_cost=form.cleaned_data["unit_cost"],
        )
    except ValidationError as problem:
        form.add_error(None, problem)
        return _detail(request, order, line_form=form)
    messages.success(request, f"Added {line.quantity} × {line.part.name}.")
    return _back(order)


@shop_member_required(*EDITORS, to="raise and change purchase orders")
def po_line_remove(request: ShopRequest, po_number: str, line_id: int) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    line = get_po_line(order, line_id)
    if request.method == "POST":
        try:
            services.purchase_order_remove_line(line=line)
        except ValidationError as problem:
            say_refused(request, problem)
        else:
            messages.success(request, f"Removed {line.part.name}.")
    return _back(order)


@shop_member_required(*EDITORS, to="raise and change purchase orders")
def purchase_order_send(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    if request.method != "POST":
        return _back(order)
    by_email = request.POST.get("how") == "email"
    send = services.purchase_order_email if by_email else services.purchase_order_send
    try:
        order = send(order=order, by=request.member)
    except ValidationError as problem:
        say_refused(request, problem)
        return _back(order)
    how = f"emailed to {order.supplier.email}" if by_email else "marked as sent"
    expected = f"{order.expected_on:%a %-d %b}"
    messages.success(request, f"{order.number} {how}. Delivery expected {expected}.")
    return _back(order)


@shop_member_required(*EDITORS, to="raise and change purchase orders")
def purchase_order_expected(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    if request.method != "POST":
        return _back(order)
    form = ExpectedForm(request.POST, prefix="expected")
    if not form.is_valid():
        return _detail(request, order, expected_form=form)
    try:
        services.purchase_order_set_expected(order=order, **form.cleaned_data)
    except ValidationError as problem:
        form.add_error("expected_on", problem)
        return _detail(request, order, expected_form=form)
    messages.success(request, "Expected delivery changed.")
    return _back(order)


@shop_member_required(*EDITORS, to="raise and change purchase orders")
def purchase_order_cancel(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    if request.method != "POST":
        return _back(order)
    form = CancelOrderForm(request.POST, prefix="cancel")
    if not form.is_valid():  # the reason is optional, but a refused one cancels nothing
        return _detail(request, order, cancel_form=form)
    try:
        services.purchase_order_cancel(
            order=order, reason=form.cleaned_data["reason"], by=request.member
        )
    except ValidationError as problem:
        form.add_error("reason", problem)
        return _detail(request, order, cancel_form=form)
    messages.success(request, f"{order.number} cancelled.")
    return _back(order)


def _receipt_message(receipt: services.Receipt) -> str:
    text = f"Received {receipt.units} part{'s' if receipt.units != 1 else ''} into "
    text += f"{receipt.order.branch.name}."
    if receipt.ready:
        text += " Can go ahead now: " + ", ".join(wo.number for wo in receipt.ready) + "."
    if receipt.waiting:
        text += " Also waiting for these parts: "
        text += ", ".join(wo.number for wo in receipt.waiting) + "."
    return text


@shop_member_required(*RECEIVERS, to="take deliveries in")
def purchase_order_receive(request: ShopRequest, po_number: str) -> HttpResponse:
    order = get_purchase_order(request, po_number)
    if not order.awaiting_delivery:
        messages.error(request, f"{order.number} is not waiting for a delivery.")
        return _back(order)
    lines = _lines(order)
    form = ReceiveDeliveryForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        deliveries = [services.Delivery(**d) for d in form.deliveries()]
        try:
            receipt = services.purchase_order_receive(
                order=order, deliveries=deliveries, by=request.member
            )
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(request, _receipt_message(receipt))
            return _back(order)
    context = {"order": order, "form": form}
    return render(
        request, "parts/purchase_order_receive.html", context, status=400 if form.errors else 200
    )
