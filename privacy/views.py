from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from customers.access import get_customer
from privacy import services
from privacy.forms import EraseForm, RetentionForm
from shops.access import ShopRequest, shop_member_required
from shops.models import MANAGERS
from shops.services import shop_update_retention


@shop_member_required(*MANAGERS, to="export a customer's data")
def customer_export(request: ShopRequest, customer_id: int) -> HttpResponse:
    customer = get_customer(request, customer_id)  # another shop's customer: 404 for any method
    if request.method != "POST":  # it records the export: never a link a crawler follows
        return HttpResponseNotAllowed(["POST"])
    data = services.customer_export(customer=customer, by=request.member)
    response = HttpResponse(data, content_type="application/zip")
    name = f"customer-{customer.pk}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@shop_member_required(*MANAGERS, to="erase a customer")
def customer_erase(request: ShopRequest, customer_id: int) -> HttpResponse:
    customer = get_customer(request, customer_id)
    refusal = services.erasure_refusal(customer)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.customer_erase(
                customer=customer, by=request.member, typed_name=form.cleaned_data["confirm_name"]
            )
        except ValidationError as problem:
            form.add_error("confirm_name" if problem.code == "name_mismatch" else None, problem)
        else:
            messages.success(request, "The customer's personal data has been erased.")
            return redirect("customer_detail", customer_id=customer.pk)
    context = {"customer": customer, "form": form, "refusal": refusal}
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/erase.html", context, status=status)


@shop_member_required(*MANAGERS, to="change how long the shop keeps data")
def retention_settings(request: ShopRequest) -> HttpResponse:
    form = RetentionForm(request.POST or None, instance=request.shop)
    if request.method == "POST" and form.is_valid():
        shop_update_retention(shop=form.save(commit=False))
        messages.success(request, "Privacy settings saved.")
        return redirect("retention_settings")
    return render(request, "privacy/settings.html", {"form": form})
