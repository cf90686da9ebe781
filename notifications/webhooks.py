"""Twilio's calls to us: delivery reports and inbound SMS. Each is accepted only with a valid
X-Twilio-Signature for our public URL; a bad or missing one is refused and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

import tenancy
from audit.context import SMS_REPLY, TWILIO, acting_as
from notifications import inbound, outbox
from notifications.models import DeliveryReport
from shops.ratelimit import WEBHOOKS, limited_by_address

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def signed_by_twilio(request: HttpRequest) -> bool:
    """Whether the request carries Twilio's signature of our public URL and its form."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    params = {key: request.POST.getlist(key)[-1] for key in request.POST}
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)


def twilio_webhook(view: Callable[[HttpRequest], HttpResponse]) -> Callable:
    @csrf_exempt
    @require_POST
    @limited_by_address(WEBHOOKS)
    @wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        if not signed_by_twilio(request):
            return HttpResponseForbidden("Bad or missing Twilio signature.")
        return view(request)

    return checked


@twilio_webhook
@acting_as(TWILIO)
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A delivery report: kept once per (SID, status), then the message moves forward only."""
    sid = request.POST.get("MessageSid", "")[:64]
    status = request.POST.get("MessageStatus", "")[:20]
    if not sid or not status:
        return HttpResponse(status=400)
    payload = {key: request.POST[key][:500] for key in request.POST}
    try:
        with transaction.atomic():
            DeliveryReport.objects.create(provider_id=sid, status=status, payload=payload)
    except IntegrityError:
        pass  # a replay: stored before; applying it again below is harmless
    with tenancy.all_shops():  # the provider's id names the message, and so its shop
        outbox.message_advance(sid, status, error=outbox.report_error(payload))
    return HttpResponse(status=204)


@twilio_webhook
@acting_as(SMS_REPLY)
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """An SMS from a customer; Twilio gets an empty TwiML answer (replies go through the
    outbox, so they are recorded and sent like every other message)."""
    # One sending number for every shop: a reply (STOP, YES 123) may concern several.
    with tenancy.all_shops():
        inbound.inbound_receive(
            provider_id=request.POST.get("MessageSid", "")[:64],
            sender=request.POST.get("From", "")[:20],
            to=request.POST.get("To", "")[:20],
            body=request.POST.get("Body", "")[:1600],
        )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
