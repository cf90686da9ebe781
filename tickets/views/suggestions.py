"""Suggestions from the shop's history (tickets/suggestions.py): at the counter, the repairs
usually done for the fault being typed, ready to put on the quote; on the bench, the parts
usually fitted on jobs like this one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from devices.models import DeviceModel
from parts.models import Part, PartStatus, WorksOrderPart
from parts.selectors import with_stock
from pricebook.models import RepairType
from pricebook.selectors import quote_options
from shops.access import ShopRequest, shop_member_required
from shops.models import COUNTER, MANAGERS, Branch, Role
from tickets.access import get_works_order
from tickets.suggestions import Device, likely_parts, repairs_for_fault
from tickets.views.prices import _first_branch, _model_of, _offer, _one


@shop_member_required(*COUNTER)
@require_GET
def intake_suggestions(request: ShopRequest) -> HttpResponse:
    """What this shop usually did for the fault being typed, on this model or its relatives,
    with the pricebook's options for the model being booked (nothing at all without history)."""
    params = request.GET
    model = _model_of(request, params)
    device = Device.of(
        model,
        make=params.get("device-make", ""),
        name=params.get("device-model_name", ""),
        category=params.get("device-category", ""),
    )
    suggestions = repairs_for_fault(
        request.shop, fault=params.get("job-fault_reported", ""), device=device
    )
    context = {"suggestions": suggestions, "model": model}
    if suggestions:
        names = RepairType.objects.for_shop(request.shop).filter(
            pk__in=[s.repair_type_id for s in suggestions]
        )
        names = dict(names.values_list("pk", "name"))
        quotes = (
            {q.repair_type_id: q for q in quote_options(request.shop, model, names)}
            if model is not None
            else {}
        )
        branch = _one(Branch.objects.for_shop(request.shop), params.get("job-branch", ""))
        branch = branch or _first_branch(request)
        every_option = [o for q in quotes.values() for o in q.options]
        offers = {o["option"].option_id: o for o in _offer(request, branch, every_option)}
        for suggestion in suggestions:
            suggestion.repair_type = names.get(suggestion.repair_type_id, "")
            quote = quotes.get(suggestion.repair_type_id)
            suggestion.options = [offers[o.option_id] for o in quote.options] if quote else []
        context |= {"branch": branch, "circle": suggestions[0].circle}
    response = render(request, "tickets/suggestions.html#intake", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required(Role.TECHNICIAN, *MANAGERS)
def bench_likely_parts(request: ShopRequest, number: str) -> HttpResponse:
    """The parts most often fitted on similar jobs, with the stock at the job's branch: for the
    technician the job is assigned to (and managers, who may look over their shoulder)."""
    works_order = get_works_order(request, number)  # another shop's number: 404, whatever asks
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    member = request.member
    if member.role == Role.TECHNICIAN and works_order.assigned_to_id != member.pk:
        raise PermissionDenied("Likely parts are shown to the technician on the job.")
    if works_order.device.device_model_id is not None:
        works_order.device.device_model = DeviceModel.objects.for_shop(request.shop).get(
            pk=works_order.device.device_model_id
        )
    likely = likely_parts(request.shop, works_order) if works_order.is_open else []
    rows = []
    if likely:
        parts = with_stock(
            Part.objects.for_shop(request.shop).filter(pk__in=[p.part_id for p in likely]),
            request.shop,
            works_order.branch,
        )
        by_id = {part.pk: part for part in parts}
        on_job = set(
            WorksOrderPart.objects.for_shop(request.shop)
            .filter(works_order=works_order)
            .exclude(status=PartStatus.RELEASED)
            .values_list("part_id", flat=True)
        )
        rows = [
            {"likely": p, "part": by_id[p.part_id], "on_job": p.part_id in on_job}
            for p in likely
            if p.part_id in by_id
        ]
    response = render(
        request,
        "tickets/suggestions.html#bench",
        {"wo": works_order, "rows": rows, "circle": likely[0].circle if likely else None},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response
