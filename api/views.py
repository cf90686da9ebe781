"""Settings → API keys and Settings → Webhooks: managers' and owners' pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from api import services
from api.forms import ApiKeyForm, WebhookEndpointForm
from api.models import ApiKey, WebhookDelivery, WebhookEndpoint
from shops.access import ShopRequest, shop_member_required
from shops.fields import object_id
from shops.models import MANAGERS

LOG_PAGE = 50


def _keys_page(request: ShopRequest, form: ApiKeyForm, new_key: str = "", status: int = 200):
    keys = ApiKey.objects.for_shop(request.shop).select_related(
        "created_by__user", "revoked_by__user"
    )
    response = render(
        request,
        "api/keys.html",
        {"keys": keys, "form": form, "new_key": new_key},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@shop_member_required(*MANAGERS, to="manage API keys")
def api_keys(request: ShopRequest) -> HttpResponse:
    """The shop's keys; a key just made is shown on the answer to its POST, once, never kept."""
    if request.method != "POST":
        return _keys_page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, form, status=422)
    key, full = services.api_key_create(by=request.member, **form.cleaned_data)
    messages.success(request, f"{key} made. Copy it now: it is not shown again.")
    return _keys_page(request, ApiKeyForm(), new_key=full)


@shop_member_required(*MANAGERS, to="manage API keys")
def api_key_revoke(request: ShopRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.for_shop(request.shop), pk=key_id)
    if request.method != "POST":
        return redirect("api_keys")  # the page that holds this action's button
    services.api_key_revoke(key=key, by=request.member)
    messages.success(request, f"{key} revoked: it no longer works.")
    return redirect("api_keys")


def _hooks_page(request, form, new_secret: str = "", status: int = 200) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.for_shop(request.shop).select_related("created_by__user")
    response = render(
        request,
        "api/webhooks.html",
        {"endpoints": endpoints, "form": form, "new_secret": new_secret},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@shop_member_required(*MANAGERS, to="manage webhooks")
def webhooks(request: ShopRequest) -> HttpResponse:
    if request.method != "POST":
        return _hooks_page(request, WebhookEndpointForm())
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "is_active"}
        try:
            endpoint, secret = services.webhook_endpoint_create(by=request.member, **data)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Webhook to {endpoint.url} added.")
            return _hooks_page(request, WebhookEndpointForm(), new_secret=secret)
    return _hooks_page(request, form, status=422)


@shop_member_required(*MANAGERS, to="manage webhooks")
def webhook_edit(request: ShopRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint.objects.for_shop(request.shop), pk=endpoint_id)
    form = WebhookEndpointForm(request.POST or None, initial=_as_saved(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("webhooks")
    return _edit_page(request, endpoint, form, status=422 if request.method == "POST" else 200)


@shop_member_required(*MANAGERS, to="manage webhooks")
def webhook_new_secret(request: ShopRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint.objects.for_shop(request.shop), pk=endpoint_id)
    if request.method != "POST":
        return redirect("webhook_edit", endpoint.pk)
    secret = services.webhook_secret_replace(endpoint=endpoint)
    endpoint.refresh_from_db()
    form = WebhookEndpointForm(initial=_as_saved(endpoint))
    return _edit_page(request, endpoint, form, new_secret=secret)


def _as_saved(endpoint: WebhookEndpoint) -> dict:
    return {k: getattr(endpoint, k) for k in ("url", "description", "topics", "is_active")}


def _edit_page(request, endpoint, form, *, new_secret: str = "", status: int = 200):
    context = {"endpoint": endpoint, "form": form, "new_secret": new_secret, "now": timezone.now()}
    response = render(request, "api/webhook_edit.html", context, status=status)
    response["Cache-Control"] = "private, no-store"  # the secret, shown once
    return response


@shop_member_required(*MANAGERS, to="see webhook deliveries")
def webhook_log(request: ShopRequest) -> HttpResponse:
    """Deliveries, newest first, by keyset (`before=<id>`)."""
    rows = (
        WebhookDelivery.objects.for_shop(request.shop)
        .select_related("event", "endpoint")
        .order_by("-id")
    )
    before = object_id(request.GET.get("before", ""))
    if before:
        rows = rows.filter(id__lt=before)
    page = list(rows[: LOG_PAGE + 1])
    more = len(page) > LOG_PAGE
    page = page[:LOG_PAGE]
    return render(
        request,
        "api/webhook_log.html",
        {"deliveries": page, "next_before": page[-1].pk if more else None},
    )


@shop_member_required(*MANAGERS, to="send webhooks again")
def webhook_send_again(request: ShopRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.for_shop(request.shop), pk=delivery_id)
    if request.method != "POST":
        return redirect("webhook_log")
    services.webhook_delivery_send_again(delivery=delivery)
    messages.success(request, f"Event {delivery.event.event_id} will be sent again now.")
    return redirect("webhook_log")
