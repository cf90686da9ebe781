"""The works-order list with its filters, and the top-bar search."""

from __future__ import annotations

from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from shops.access import ShopRequest, shop_member_required
from shops.fields import SearchForm
from shops.paging import bounded_page
from tickets import selectors
from tickets.filters import WorksOrderFilterForm
from tickets.models import WorksOrder

PER_PAGE = 25
DROPDOWN_RESULTS = 8
PAGE_RESULTS = 50


def _wants_fragment(request: ShopRequest) -> bool:
    # A history restore (back button after a cache miss) needs the whole page, not the fragment.
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


@shop_member_required()
@require_GET
def works_order_list(request: ShopRequest) -> HttpResponse:
    form = WorksOrderFilterForm(request.GET, shop=request.shop)
    filters = form.filters()
    works_orders = selectors.works_order_list(request.shop, filters)
    page = bounded_page(
        works_orders,
        request.GET.get("page"),
        per_page=PER_PAGE,
        rows=lambda chosen: selectors.works_order_rows(request.shop, chosen),
    )
    # Page links keep the filters: the filled-in fields of the query string, not the page.
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name != "page" and any(values):
            query.setlist(name, [value for value in values if value])
    nothing_yet = not page.object_list and (
        not filters.any or not WorksOrder.objects.for_shop(request.shop).exists()
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "works_orders": page.object_list,
        "query": query.urlencode(),
        "nothing_yet": nothing_yet,
    }
    if _wants_fragment(request):
        response = render(request, "tickets/list.html#table", context)
        # The address bar shows the tidy query (no empty fields), as the page links do.
        tidy = query.copy()
        if page.number > 1:
            tidy["page"] = page.number
        push_url(response, f"{request.path}?{tidy.urlencode()}" if tidy else request.path)
    else:
        response = render(request, "tickets/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required()
@require_GET
def search(request: ShopRequest) -> HttpResponse:
    search = SearchForm(request.GET)
    q = search.text
    fragment = _wants_fragment(request)
    results = (
        selectors.works_order_search(
            request.shop, q, limit=DROPDOWN_RESULTS if fragment else PAGE_RESULTS
        )
        if q
        else []
    )
    if not fragment and selectors.is_number_match(results):
        # Enter on a works-order number opens it: there is nothing to choose between.
        response = redirect("works_order_detail", number=results[0].number)
    else:
        template = "tickets/search.html#results" if fragment else "tickets/search.html"
        response = render(
            request,
            template,
            {
                "q": search.shown,
                "search": search,
                "results": results,
                "more": fragment and len(results) == DROPDOWN_RESULTS,
            },
        )
    patch_vary_headers(response, ["HX-Request"])
    return response
