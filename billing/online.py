"""Paying online: the Pay button's post from the customer's status page, which sends them to
Stripe's payment page, and Stripe's webhook, which records what was paid.

The status page (notifications/status.py) shows the button and, on the way back from Stripe,
"processing" until the webhook has recorded the payment, then "payment received". Nothing is
recorded from the customer coming back: only a signed event from Stripe records money.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.context import STATUS_PAGE, STRIPE, acting_as
from billing import payments, services
from notifications.status import (
    StatusPageCsrf,
    find_works_order,
    gone,
    over_rate_limit,
    refused_page,
    slow_down,
)
from shops.ratelimit import WEBHOOKS, limited_by_address

UNAVAILABLE = (
    "Card payment is not available just now, so nothing was taken. Please try again in a few "
    "minutes, or pay when you collect."
)


@csrf_exempt  # from the site-wide check only: StatusPageCsrf checks the token, as for answers
@decorator_from_middleware(StatusPageCsrf)
@acting_as(STATUS_PAGE)
def status_pay(request: HttpRequest, token: str) -> HttpResponse:
    """Open a Stripe Checkout Session for what the invoice owes and send the customer there."""
    if wait := over_rate_limit(request):
        return slow_down(request, wait)
    works_order = find_works_order(token)
    if works_order is None:
        return gone(request)
    page = reverse("status_page", args=[token])
    if request.method != "POST" or not payments.configured():
        return redirect(page)
    back = request.build_absolute_uri(page)
    try:
        checkout = services.online_checkout_start(
            works_order=works_order,
            success_url=f"{back}?payment=done",
            cancel_url=f"{back}?payment=cancelled",
        )
    except payments.OnlinePaymentUnavailable:
        return refused_page(request, works_order, UNAVAILABLE, status=503)
    if checkout is None:  # paid meanwhile, or nothing owed: the page says where things stand
        return redirect(page)
    response = HttpResponse(status=303)  # See Other: the browser GETs Stripe's page
    response["Location"] = checkout.url
    return response


@csrf_exempt
@require_POST
@limited_by_address(WEBHOOKS)
@acting_as(STRIPE)
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events, each accepted only with a valid Stripe-Signature: a bad or missing one
    gets 403 and changes nothing. Every signed event gets 200, whether acted on, seen before, or
    of a kind we ignore (a non-2xx makes Stripe send it again for days)."""
    try:
        event = payments.event_from(request.body, request.headers.get("Stripe-Signature", ""))
    except payments.NotFromStripe:
        return HttpResponseForbidden("Bad or missing Stripe signature.")
    services.stripe_event_apply(event=event)
    return HttpResponse(status=200)
