"""Quoting from the pricebook: at the counter (intake) and on the bench (extra work).

The counter picks a repair; the grades the pricebook has for the device's model come back with
their price, warranty and whether the branch has the parts; one click puts an option's lines
on the quote. On the bench, an option is added as extra work, approval rules and all.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from devices.models import DeviceModel
from parts.models import Part, PartStatus, WorksOrderPart
from parts.selectors import with_stock
from pricebook.models import PriceOption, RepairType
from pricebook.selectors import QuoteOption, quote_option, quote_options
from shops.access import ShopRequest, shop_member_required
from shops.fields import object_id
from shops.models import COUNTER, Branch, Role
from tickets import bench_parts
from tickets.access import get_works_order
from tickets.models import TransitionRefused, WorksOrder
from tickets.views.detail import works_order_detail


def _model_of(request: ShopRequest, params) -> DeviceModel | None:
    """The catalogue model chosen, or the one whose make and name were typed."""
    models = DeviceModel.objects.for_shop(request.shop)
    chosen = object_id(params.get("device-device_model", ""))
    if chosen is not None:
        return models.filter(pk=chosen).first()
    make, name = params.get("device-make", "").strip(), params.get("device-model_name", "").strip()
    if not (make and name):
        return None
    return models.filter(
        Q(name__iexact=name) | Q(name__iexact=f"{make} {name}"), make__iexact=make
    ).first()


def _free_at(request: ShopRequest, branch: Branch, options: list[QuoteOption]) -> dict[int, int]:
    """Part id → how many the branch has free on the shelf, for every part the options use."""
    part_ids = {use.part_id for option in options for use in option.parts}
    if not part_ids:
        return {}
    parts = with_stock(
        Part.objects.for_shop(request.shop).filter(pk__in=part_ids), request.shop, branch
    )
    return dict(parts.values_list("pk", "available"))


def _lines_json(option: QuoteOption) -> str:
    return json.dumps(
        [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": f"{line.unit_price:.2f}",
                "vat_rate": f"{line.vat_rate.normalize():f}" if line.vat_rate is not None else "",
            }
            for line in option.lines
        ]
    )


def _offer(request: ShopRequest, branch: Branch, options: list[QuoteOption]) -> list[dict]:
    free = _free_at(request, branch, options)
    return [
        {
            "option": option,
            "lines_json": _lines_json(option),
            "parts": [(use, free.get(use.part_id, 0)) for use in option.parts],
            "in_stock": all(free.get(use.part_id, 0) >= use.quantity for use in option.parts),
        }
        for option in options
    ]


@shop_member_required(*COUNTER)
@require_GET
def intake_prices(request: ShopRequest) -> HttpResponse:
    """The pricebook's options for the repair chosen at intake, for the device being booked."""
    params = request.GET
    context = {"offers": [], "problem": ""}
    repair = _one(RepairType.objects.for_shop(request.shop), params.get("repair_type", ""))
    branch = _one(Branch.objects.for_shop(request.shop), params.get("job-branch", ""))
    model = _model_of(request, params)
    if repair is None:
        pass  # nothing chosen (yet, or again): nothing to offer
    elif model is None:
        context["problem"] = (
            "Scan the IMEI or choose the model from the catalogue to quote from the pricebook; "
            "or type the lines below."
        )
    else:
        (quote,) = quote_options(request.shop, model, [repair])
        context |= {"model": model, "repair": repair, "branch": branch}
        if not quote.has_price:
            context["problem"] = (
                f"No price for {repair.name.lower()} on the {model} yet: type the lines below "
                "(the pricebook's “No price yet” list will show it)."
            )
        else:
            context["offers"] = _offer(
                request, branch or _first_branch(request), list(quote.options)
            )
    return render(request, "tickets/prices.html#intake_offers", context)


def _one(queryset, pk: str):
    return queryset.filter(pk=found).first() if (found := object_id(pk)) is not None else None


def _first_branch(request: ShopRequest) -> Branch:
    return Branch.objects.for_shop(request.shop).filter(is_active=True).order_by("name").first()


def say_what_is_short(request: ShopRequest, works_order: WorksOrder) -> None:
    """After booking: the parts the quote needs that the branch could not put aside."""
    short = (
        WorksOrderPart.objects.for_shop(request.shop)
        .filter(works_order=works_order, status=PartStatus.NEEDED)
        .select_related("part")
    )
    names = [f"{line.quantity} × {line.part.name}" for line in short]
    if names:
        messages.warning(
            request,
            f"Not in stock at {works_order.branch.name}: {', '.join(names)}. "
            "Order it from the works order's Parts section.",
        )


# On the bench ------------------------------------------------------------------------------


@shop_member_required(*COUNTER, Role.TECHNICIAN)
def bench_prices(request: ShopRequest, number: str) -> HttpResponse:
    """The pricebook's options for the job's device, to add as extra work (loaded when the
    extra-work panel is opened, so the works-order page itself stays quick)."""
    works_order = get_works_order(request, number)  # another shop's number: 404, whatever asks
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    model_id = works_order.device.device_model_id
    quotes = []
    if model_id is not None:
        repairs = RepairType.objects.for_shop(request.shop).filter(is_active=True)
        quotes = [q for q in quote_options(request.shop, model_id, repairs) if q.has_price]
    context = {"wo": works_order, "quotes": quotes}
    return render(request, "tickets/prices.html#bench_offers", context)


@shop_member_required(*COUNTER, Role.TECHNICIAN)
def bench_priced(request: ShopRequest, number: str) -> HttpResponse:
    """Add a pricebook option as extra work: its lines (above the threshold the job waits for
    the customer's approval) and the parts it uses on the job's parts list."""
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    option_id = object_id(request.POST.get("option", ""))
    try:
        if option_id is None:
            raise PriceOption.DoesNotExist
        option = quote_option(request.shop, option_id)
    except PriceOption.DoesNotExist:
        messages.error(request, "Choose a repair from the list.")
        return redirect(works_order_detail, number=number)
    reason = request.POST.get("reason", "").strip()
    try:
        added = bench_parts.works_order_add_priced_work(
            works_order=works_order, option=option, reason=reason, by=request.member
        )
    except (ValidationError, TransitionRefused) as refused:
        messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
        return redirect(works_order_detail, number=number)
    waiting = " It waits for the customer's approval." if works_order.is_paused else ""
    messages.success(
        request, f"{option.repair_type} ({option.grade_label}) added: {added} lines.{waiting}"
    )
    return redirect(works_order_detail, number=number)
