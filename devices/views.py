from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from devices.imei import normalise_imei
from devices.selectors import (
    device_by_imei,
    device_by_serial,
    device_history,
    device_model_for_imei,
    normalise_serial,
)
from shops.access import ShopRequest, shop_member_required
from shops.fields import SearchForm


@shop_member_required()
@require_GET
def device_lookup(request: ShopRequest) -> HttpResponse:
    """For the intake screen, as the IMEI (or serial) is typed or scanned: the catalogue's make
    and model for its TAC, and the device's past works orders if it was here before.

    Always a 200 fragment rooted at #device-lookup, even for a bad IMEI (htmx 2 does not swap
    4xx answers): the error text is in the fragment and in data-error.
    """
    raw_imei = request.GET.get("imei", "").strip()
    typed_serial = SearchForm(request.GET, name="serial", cut=40)
    serial = normalise_serial(typed_serial.text)
    context: dict = {"imei": "", "error": "", "catalogue": None, "device": None, "history": []}
    if typed_serial.refused:
        context["error"] = " ".join(typed_serial.errors["q"])
    elif raw_imei:
        try:
            context["imei"] = imei = normalise_imei(raw_imei)
        except ValidationError as problem:
            context["error"] = " ".join(problem.messages)
        else:
            context["catalogue"] = device_model_for_imei(request.shop, imei)
            context["device"] = device_by_imei(request.shop, imei)
    if context["device"] is None and serial and not context["error"]:
        context["device"] = device_by_serial(request.shop, serial)
    if context["device"] is not None:
        context["history"] = device_history(context["device"])
    return render(request, "devices/lookup.html", context)
