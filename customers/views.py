from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from customers.access import get_customer
from customers.forms import CustomerForm
from customers.selectors import (
    customer_matches,
    customer_profile,
    customer_rows,
    customers_for_list,
)
from shops.access import ShopRequest, shop_member_required
from shops.fields import SearchForm
from shops.models import COUNTER
from shops.paging import planned_with_its_values

PER_PAGE = 50


def can_edit(request: ShopRequest) -> bool:
    return request.member.role in COUNTER


def _wants_fragment(request: ShopRequest) -> bool:
    # A history restore asks for the whole page even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


@shop_member_required()
@require_GET
def customer_list(request: ShopRequest) -> HttpResponse:
    search = SearchForm(request.GET)
    customers = customers_for_list(request.shop, search.text)
    if search.refused:
        customers = customers.none()
    with planned_with_its_values():  # a search's count and page, planned for its words
        page = Paginator(customers, PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = customer_rows(request.shop, page.object_list)
    template = "customers/list.html#results" if _wants_fragment(request) else "customers/list.html"
    context = {"q": search.shown, "search": search, "page": page, "can_edit": can_edit(request)}
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required()
@require_GET
def customer_lookup(request: ShopRequest) -> HttpResponse:
    """The intake screen's as-you-type customer finder: a fragment, never a page."""
    search = SearchForm(request.GET)
    matches = customer_matches(request.shop, search.text) if search.text else []
    context = {"q": search.shown, "search": search, "matches": matches}
    return render(request, "customers/lookup.html", context)


@shop_member_required()
def customer_detail(request: ShopRequest, customer_id: int) -> HttpResponse:
    customer = get_customer(request, customer_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {"profile": customer_profile(customer), "can_edit": can_edit(request)}
    return render(request, "customers/detail.html", context)


@shop_member_required(*COUNTER, to="change a customer's details")
def customer_edit(request: ShopRequest, customer_id: int) -> HttpResponse:
    customer = get_customer(request, customer_id)
    # The form works on a copy so the page heading keeps the saved name while errors show.
    form = CustomerForm(request.POST or None, instance=copy.copy(customer), shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save()
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(request, f"Saved {saved.full_name}.")
            return redirect("customer_detail", customer_id=saved.pk)
    return render(request, "customers/edit.html", {"customer": customer, "form": form})
