"""The audit page: who changed what, when and from where, for owners and managers."""

from __future__ import annotations

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from audit import selectors
from audit.forms import AuditFilterForm
from shops.access import ShopRequest, shop_member_required
from shops.models import MANAGERS


@shop_member_required(*MANAGERS, to="see the audit trail")
@require_GET
def audit_list(request: ShopRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, shop=request.shop)
    filters = form.filters()
    # A refused filter shows nothing rather than everything, and says why (also in the fragment).
    page = selectors.Page([], None) if form.errors else selectors.audit_page(request.shop, filters)
    query = QueryDict(mutable=True)  # the filled-in filters, for the "Older" link
    for name in ("kind", "member", "date_from", "date_to", "works_order", "object"):
        value = request.GET.get(name, "").replace("\x00", "")
        if value and name not in form.errors:
            query[name] = value
    context = {"form": form, "filters": filters, "page": page, "query": query.urlencode()}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "audit/list.html#changes", context)
    else:
        response = render(request, "audit/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
