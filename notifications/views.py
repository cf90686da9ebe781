"""Staff pages for messages: the thread on a works order or customer, resending, writing to the
customer, the shop's wordings (Settings → Messages) and the alerts behind the bell."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from customers.models import Customer
from notifications import services, texts
from notifications.forms import MessageTemplateForm, ResendForm, WriteForm
from notifications.models import Alert, Channel, InboundMessage, Message, Stage, State
from shops.access import ShopRequest, shop_member_required
from shops.models import COUNTER, MANAGERS, Membership, Role
from tickets.access import get_works_order
from tickets.models import WorksOrder

THREAD_LENGTH = 50  # the latest this many of each kind; older ones are on the customer's page


# The thread ---------------------------------------------------------------------------------


def may_write(member: Membership, works_order: WorksOrder | None) -> bool:
    """The counter writes to any customer; a technician to the customers of their own jobs."""
    if member.role in COUNTER:
        return True
    return (
        member.role == Role.TECHNICIAN
        and works_order is not None
        and works_order.assigned_to_id == member.pk
    )


def state_in_words(message: Message) -> str:
    if message.state == State.NOT_SENT:
        return f"not sent: {message.not_sent_reason}"
    if message.state == State.FAILED:
        return f"failed: {message.last_error or 'the provider refused it'}"
    if message.state == State.UNDELIVERED:
        return f"not delivered: {message.last_error or 'the network could not deliver it'}"
    if message.state == State.QUEUED and message.send_after > timezone.now():
        when = timezone.localtime(message.send_after)
        return f"held until {when:%-d %b %H:%M} (quiet hours)"
    return message.get_state_display().lower()


RESENDABLE = (State.FAILED, State.UNDELIVERED, State.NOT_SENT)


def _thread(outgoing: list[Message], incoming: list[InboundMessage]) -> list[dict]:
    """Both kinds in time order, oldest first like a phone's thread, each resendable one with
    the next resend's attempt number (so a double click resends once)."""
    resends: dict[int, int] = {}
    for message in outgoing:
        if message.key.startswith("resend:"):
            original = int(message.key.split(":")[1])
            resends[original] = resends.get(original, 0) + 1
    rows = [
        {
            "at": m.created_at,
            "out": m,
            "state": state_in_words(m),
            "resent": m.key.startswith("resend:"),
            "attempt": resends.get(m.pk, 0) + 1 if m.state in RESENDABLE else None,
        }
        for m in outgoing
    ]
    rows += [{"at": m.received_at, "in": m} for m in incoming]
    rows.sort(key=lambda row: row["at"])
    return rows


def _works_order_thread(request: ShopRequest, works_order: WorksOrder, form=None) -> dict:
    shop = request.shop
    outgoing = list(
        Message.objects.for_shop(shop)
        .filter(works_order=works_order, member=None)
        .select_related("created_by__user")[:THREAD_LENGTH]
    )
    incoming = list(
        InboundMessage.objects.for_shop(shop).filter(works_order=works_order)[:THREAD_LENGTH]
    )
    writer = may_write(request.member, works_order)
    customer = works_order.customer
    if writer and form is None:
        form = WriteForm(sms_refused=services.why_not_to(customer, Channel.SMS))
    return {
        "wo": works_order,
        "customer": customer,
        "thread": _thread(outgoing, incoming),
        "may_write": writer,
        "write_form": form,
        "write_length": (
            str(texts.sms_segments(form.data.get("body", "")[:2000]))
            if form is not None and form.is_bound and form.data.get("body")
            else ""
        ),
        "thread_url": reverse("works_order_messages", args=[works_order.number]),
    }


def _respond(request: ShopRequest, page: str, context: dict) -> HttpResponse:
    """The thread as a fragment (the page loads it after itself) or as a page without JS."""
    if request.htmx:
        response = render(request, f"{page}#thread", context)
    else:
        response = render(request, page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required()
def works_order_messages(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _respond(
        request,
        "notifications/works_order_messages.html",
        _works_order_thread(request, works_order),
    )


@shop_member_required()
def works_order_write(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect("works_order_messages", number=number)
    if not may_write(request.member, works_order):
        raise PermissionDenied(
            "Only front desk staff, managers and the job's technician can write to the customer."
        )
    customer = works_order.customer
    form = WriteForm(request.POST, sms_refused=services.why_not_to(customer, Channel.SMS))
    if not form.is_valid():
        context = _works_order_thread(request, works_order, form)
        response = _respond(request, "notifications/works_order_messages.html", context)
        response.status_code = 422 if request.htmx else 200
        return response
    services.message_write(
        works_order=works_order,
        channel=form.cleaned_data["channel"],
        body=form.cleaned_data["body"],
        subject=form.cleaned_data["subject"],
        token=form.cleaned_data["token"].hex,
        by=request.member,
    )
    if request.htmx:
        return _respond(
            request,
            "notifications/works_order_messages.html",
            _works_order_thread(request, works_order),
        )
    flash.success(request, "Message queued.")
    return redirect(reverse("works_order_detail", args=[number]) + "#messages")


def _customer_of(request: ShopRequest, customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.for_shop(request.shop), pk=customer_id)


def _customer_thread(request: ShopRequest, customer: Customer) -> dict:
    shop = request.shop
    outgoing = list(
        Message.objects.for_shop(shop)
        .filter(customer=customer, member=None)
        .select_related("works_order", "created_by__user")[:THREAD_LENGTH]
    )
    incoming = list(
        InboundMessage.objects.for_shop(shop)
        .filter(customer=customer)
        .select_related("works_order")[:THREAD_LENGTH]
    )
    return {
        "customer": customer,
        "thread": _thread(outgoing, incoming),
        "may_write": request.member.role in COUNTER,
        "show_jobs": True,
        "thread_url": reverse("customer_messages", args=[customer.pk]),
    }


@shop_member_required()
def customer_messages(request: ShopRequest, customer_id: int) -> HttpResponse:
    customer = _customer_of(request, customer_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _respond(
        request, "notifications/customer_messages.html", _customer_thread(request, customer)
    )


@shop_member_required()
@require_POST
def message_resend(request: ShopRequest) -> HttpResponse:
    form = ResendForm(request.POST)
    if not form.is_valid():
        return HttpResponse("That message cannot be resent.", status=400)
    message = get_object_or_404(
        Message.objects.for_shop(request.shop)
        .filter(member=None)  # staff alerts are not the customer's to resend
        .select_related("customer", "works_order__branch", "works_order__customer"),
        pk=form.cleaned_data["message"],
    )
    if not may_write(request.member, message.works_order):
        raise PermissionDenied(
            "Only front desk staff, managers and the job's technician can resend messages."
        )
    if message.state in RESENDABLE:
        services.message_resend(
            message=message, attempt=form.cleaned_data["attempt"], by=request.member
        )
    on_customer_page = request.POST.get("on") == "customer" or message.works_order is None
    if request.htmx:
        if on_customer_page:
            context = _customer_thread(request, message.customer)
            return _respond(request, "notifications/customer_messages.html", context)
        works_order = get_works_order(request, message.works_order.number)
        context = _works_order_thread(request, works_order)
        return _respond(request, "notifications/works_order_messages.html", context)
    flash.success(request, "Message queued again.")
    if on_customer_page:
        return redirect(reverse("customer_detail", args=[message.customer_id]) + "#messages")
    return redirect(reverse("works_order_detail", args=[message.works_order.number]) + "#messages")


@shop_member_required()
@require_GET
def sms_length(request: ShopRequest) -> HttpResponse:
    """The live count under a message box: how many SMS the text makes."""
    text = request.GET.get("body", "")[:2000]
    return HttpResponse(str(texts.sms_segments(text)) if text else "", content_type="text/plain")


# Settings → Messages --------------------------------------------------------------------------

TEMPLATES = [(stage, channel) for stage in texts.STAGES for channel in Channel.values]


def _chosen(request: ShopRequest) -> tuple[str, str]:
    data = request.POST if request.method == "POST" else request.GET
    stage, channel = data.get("stage", ""), data.get("channel", "")
    if (stage, channel) not in texts.DEFAULTS or stage not in texts.STAGES:
        return TEMPLATES[0]
    return stage, channel


class _Sample(dict):
    """Fields for a preview when the shop has no works order yet."""

    def __missing__(self, name: str) -> str:
        return f"[{name}]"


def _preview_fields(shop):
    works_order = (
        WorksOrder.objects.for_shop(shop)
        .select_related("branch", "customer", "device", "shop")
        .order_by("-created_at")
        .first()
    )
    if works_order is None:
        return None, _Sample()
    approval = works_order.approvals.order_by("-requested_at").first()
    fields = services.WorksOrderFields(
        works_order, approval=approval, note="Your replacement screen has arrived."
    )
    return works_order, fields


def _preview(shop, channel: str, subject: str, body: str) -> dict:
    works_order, fields = _preview_fields(shop)
    rendered = texts.render(body, fields)
    return {
        "preview_wo": works_order,
        "preview_body": rendered,
        "preview_subject": texts.render(subject, fields) if channel == Channel.EMAIL else "",
        "segments": texts.sms_segments(rendered) if channel == Channel.SMS else None,
        "unknown": texts.unknown_fields(body + " " + subject),
    }


@shop_member_required(*MANAGERS, to="change the customer messages")
def message_templates(request: ShopRequest) -> HttpResponse:
    shop = request.shop
    stage, channel = _chosen(request)
    words = services.wording(shop, stage, channel)
    initial = {"enabled": words.enabled, "subject": words.subject, "body": words.body}
    if request.method == "POST" and "reset" in request.POST:
        services.message_template_reset(shop=shop, stage=stage, channel=channel)
        flash.success(request, "Back to the default wording.")
        return redirect(f"{reverse('message_templates')}?stage={stage}&channel={channel}")
    form = MessageTemplateForm(
        request.POST if request.method == "POST" else None, channel=channel, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        services.message_template_save(
            shop=shop,
            stage=stage,
            channel=channel,
            enabled=form.cleaned_data["enabled"],
            subject=form.cleaned_data.get("subject", ""),
            body=form.cleaned_data["body"],
            by=request.member,
        )
        flash.success(request, "Message saved.")
        return redirect(f"{reverse('message_templates')}?stage={stage}&channel={channel}")
    own = {
        (t.stage, t.channel): t
        for t in services.MessageTemplate.objects.for_shop(shop).only("stage", "channel", "enabled")
    }
    rows = [
        {
            "stage": s,
            "label": Stage(s).label,
            "channels": [
                {
                    "channel": c,
                    "label": Channel(c).label,
                    "enabled": own[(s, c)].enabled
                    if (s, c) in own
                    else texts.DEFAULTS[(s, c)].enabled,
                    "own": (s, c) in own,
                    "current": (s, c) == (stage, channel),
                }
                for c in Channel.values
            ],
        }
        for s in texts.STAGES
    ]
    shown = form.data if form.is_bound else initial
    context = {
        "form": form,
        "stage": stage,
        "stage_label": Stage(stage).label,
        "channel": channel,
        "channel_label": Channel(channel).label,
        "is_own": (stage, channel) in own,
        "rows": rows,
        "fields": texts.FIELDS,
        **_preview(shop, channel, shown.get("subject", "") or "", shown.get("body", "") or ""),
    }
    return render(request, "notifications/templates.html", context)


@shop_member_required(*MANAGERS, to="change the customer messages")
@require_POST
def message_template_preview(request: ShopRequest) -> HttpResponse:
    _stage, channel = _chosen(request)
    subject = request.POST.get("subject", "")[:200]
    body = request.POST.get("body", "")[:2000]
    context = {"channel": channel, **_preview(request.shop, channel, subject, body)}
    return render(request, "notifications/templates.html#preview", context)


# Alerts -------------------------------------------------------------------------------------


def _unread(request: ShopRequest):
    return Alert.objects.for_shop(request.shop).filter(member=request.member, read_at=None)


@shop_member_required()
@require_GET
def alerts_bell(request: ShopRequest) -> HttpResponse:
    """The unread count in the nav, fetched after the page (one query)."""
    response = render(
        request, "notifications/alerts.html#bell", {"unread": _unread(request).count()}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required()
@require_GET
def alerts(request: ShopRequest) -> HttpResponse:
    rows = list(Alert.objects.for_shop(request.shop).filter(member=request.member)[:100])
    unread = sum(1 for alert in rows if alert.read_at is None)
    return render(request, "notifications/alerts.html", {"alerts": rows, "unread": unread})


@shop_member_required()
@require_POST
def alerts_read(request: ShopRequest) -> HttpResponse:
    """Marks one alert read (`alert`), or all of them; then follows the alert's link if asked."""
    alert_id = request.POST.get("alert", "")
    if alert_id:
        if not alert_id.isdigit() or len(alert_id) > 18:
            return HttpResponse("No such alert.", status=400)
        alert = get_object_or_404(
            Alert.objects.for_shop(request.shop).filter(member=request.member), pk=int(alert_id)
        )
        services.alerts_mark_read(member=request.member, alert_id=alert.pk)
        if request.POST.get("open") and alert.url.startswith("/"):
            return redirect(alert.url)
    else:
        services.alerts_mark_read(member=request.member)
    return redirect("alerts")
