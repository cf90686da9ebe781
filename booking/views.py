"""The public booking page (no login; the shop comes from the address), its confirmation, and
the managers' booking settings with the snippet for the shop's own website.

The public pages find the shop by its slug on the cross-shop path and then set it for the rest
of the request, as the status page does with its token: every query after that sees only that
shop's rows, so no posted id of another shop's branch, model or repair can be found. They may
be shown in a frame by the websites the shop lists, and by no other (Content-Security-Policy
frame-ancestors); every page of the app itself keeps frame-ancestors 'none'.
"""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.vary import vary_on_headers

import tenancy
from audit.context import acting_as
from booking import services
from booking.forms import BookingForm, BookingSettingsForm
from booking.models import BookingSettings
from booking.slots import branch_days, find_slot
from devices.models import DeviceModel
from pricebook.models import PriceOption
from pricebook.selectors import QuoteOption, entry_options, priced_entries
from shops import ratelimit
from shops.access import ShopRequest, shop_member_required
from shops.models import MANAGERS, Branch, Shop
from shops.money import format_money
from tickets.models import WorksOrder
from tickets.qr import absolute_url, status_url

# Booking attempts from one address, and bookings into one shop: a person books a device or
# two; a flood of either is refused with 429 before it reaches the intake.
PAGE = ratelimit.Limit("booking-page", count=120, window=60)
PER_ADDRESS = ratelimit.Limit("booking-address", count=10, window=3600)
PER_SHOP = ratelimit.Limit("booking-shop", count=60, window=3600)
DONE_SALT = "benchdesk.booking.done"
ONLINE_BOOKING = "customer via online booking"
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "private, no-store",
}


class Page:
    """The shop whose page this is, found by its slug; 404 when booking is off."""

    def __init__(self, slug: str) -> None:
        if len(slug) > 60 or "\x00" in slug:
            raise Http404
        with tenancy.all_shops():  # the slug names the shop: its row is read to learn its id
            shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise Http404
        tenancy.set_shop(shop)  # from here on, that shop's rows only
        self.shop = shop
        self.settings: BookingSettings = services.settings_for(shop)
        if not self.settings.enabled:
            raise Http404
        self.places = services.capacities(shop)
        self.branches = [
            branch
            for branch in Branch.objects.for_shop(shop).filter(is_active=True).order_by("name")
            if self.places.get(branch.pk, 0) > 0
        ]
        for branch in self.branches:
            branch.shop = shop

    def models(self) -> list[DeviceModel]:
        """The device models the shop has an offered price for."""
        return list(
            DeviceModel.objects.for_shop(self.shop)
            .filter(
                pk__in=PriceOption.objects.for_shop(self.shop)
                .filter(entry__is_active=True, entry__repair_type__is_active=True)
                .values("entry__device_model")
            )
            .order_by("make", "name")
        )

    def options(self, model_id: int | None) -> list[tuple[QuoteOption, str]]:
        """The model's offered repairs, each grade with its price as the customer pays it."""
        if model_id is None:
            return []
        entries = (
            priced_entries(self.shop)
            .filter(device_model_id=model_id, is_active=True, repair_type__is_active=True)
            .order_by("repair_type__position", "repair_type__name")
        )
        labelled = []
        for entry in entries:
            for option in entry_options(self.shop, entry):
                grade = f" ({option.grade_label})" if option.grade else ""
                price = format_money(option.price_gross, self.shop.currency)
                labelled.append((option, f"{option.repair_type}{grade}: {price}"))
        return labelled

    def form(self, request: HttpRequest, data=None, now: float | None = None) -> BookingForm:
        source = data if data is not None else request.GET
        model_id = _id(source.get("device_model"))
        branch_id = _id(source.get("branch"))
        if branch_id is None and len(self.branches) == 1:
            branch_id = self.branches[0].pk
        branch = next((b for b in self.branches if b.pk == branch_id), None)
        days = []
        if branch is not None:
            days = branch_days(
                branch, self.settings, per_slot=self.places[branch.pk], now=timezone.now()
            )
        initial = {"device_model": model_id, "branch": branch_id}
        if data is None:
            initial |= {"option": _id(source.get("option")), "day": source.get("day", "")[:10]}
        form = BookingForm(
            data,
            shop=self.shop,
            models=self.models(),
            options=self.options(model_id),
            branches=self.branches,
            days=days,
            now=now,
            initial=initial,
        )
        form.branch_chosen = branch
        return form

    def frame_ancestors(self) -> list[str]:
        return list(self.settings.embed_origins) or ["'none'"]


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _respond(request, page: Page | None, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    for name, value in HEADERS.items():
        response[name] = value
    # Framed only by the shop's own websites; the app's pages stay 'none'.
    ancestors = page.frame_ancestors() if page is not None else ["'none'"]
    response._csp_replace = {"frame-ancestors": ancestors}
    return response


def _slow_down(request, page, wait: int) -> HttpResponse:
    response = _respond(request, page, "booking/slow_down.html", {"shop": page.shop}, status=429)
    response["Retry-After"] = str(wait)
    return response


@csrf_exempt  # no session is used; the signed form stamp is checked instead (booking.forms)
@xframe_options_exempt  # framing is decided by the CSP's frame-ancestors above
@vary_on_headers("HX-Request")
@acting_as(ONLINE_BOOKING)
def booking_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Pick the device, the repair (with its price) and a drop-off time; leave a name and a
    mobile number. HTMX redraws the choices as they are made; without it, "Show times" does."""
    if wait := ratelimit.hit(PAGE, ratelimit.client_address(request)):
        return ratelimit.too_many_requests(wait)
    page = Page(slug)
    if request.method == "POST" and "book" in request.POST:
        return _book(request, page)
    data = request.POST if request.method == "POST" else None
    form = page.form(request, data)
    if data is not None:
        form.errors.clear()  # "Show times": redrawn with the choices, not judged yet
    context = {"page": page, "shop": page.shop, "form": form}
    if request.htmx:
        return _respond(request, page, "booking/page.html#choices", context)
    return _respond(request, page, "booking/page.html", context)


def _book(request: HttpRequest, page: Page) -> HttpResponse:
    if wait := ratelimit.hit(PER_ADDRESS, ratelimit.client_address(request)):
        return _slow_down(request, page, wait)
    form = page.form(request, request.POST)
    context = {"page": page, "shop": page.shop, "form": form}
    if not form.is_valid():
        return _respond(request, page, "booking/page.html", context, status=400)
    if wait := ratelimit.hit(PER_SHOP, str(page.shop.pk)):
        return _slow_down(request, page, wait)
    data = form.cleaned_data
    branch = form.branch_chosen
    slot = find_slot(form.days, data["slot"])
    try:
        with transaction.atomic():
            works_order = services.booking_create(
                shop=page.shop,
                data=services.BookingData(
                    option_id=data["option"],
                    branch=branch,
                    starts_at=slot.starts_at,
                    full_name=data["full_name"],
                    phone=data["phone"],
                    email=data["email"],
                    note=data["note"],
                ),
                places=page.places[branch.pk],
            )
    except services.SlotFull as full:
        form = page.form(request, request.POST)  # the slot shows as taken now
        if form.is_valid() or "slot" not in form.errors:
            form.add_error("slot", full.messages[0])
        context["form"] = form
        return _respond(request, page, "booking/page.html", context, status=409)
    except IntegrityError:  # the same new phone booked at the same moment: try once more
        form.add_error(None, "Something changed while you were booking. Please send it again.")
        return _respond(request, page, "booking/page.html", context, status=409)
    token = signing.dumps({"s": page.shop.pk, "w": works_order.pk}, salt=DONE_SALT)
    return redirect("booking_done", slug=page.shop.slug, token=token)


@xframe_options_exempt
def booking_done(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The confirmation: what was booked, when and where to bring it, and the status link.
    Its address is signed and expires in a day, so it names nobody else's booking."""
    if wait := ratelimit.hit(PAGE, ratelimit.client_address(request)):
        return ratelimit.too_many_requests(wait)
    try:
        found = signing.loads(token, salt=DONE_SALT, max_age=24 * 3600)
        page = Page(slug)
    except (signing.BadSignature, Http404, UnicodeDecodeError, ValueError):
        return _respond(request, None, "booking/gone.html", {}, status=404)
    if not isinstance(found, dict) or found.get("s") != page.shop.pk:
        return _respond(request, None, "booking/gone.html", {}, status=404)
    works_order = (
        WorksOrder.objects.for_shop(page.shop)
        .select_related("branch", "device")
        .filter(pk=found.get("w"))
        .first()
    )
    if works_order is None or works_order.drop_off_at is None:
        return _respond(request, None, "booking/gone.html", {}, status=404)
    lines = list(works_order.lines.all())
    total = sum((line.gross for line in lines), start=0)
    context = {
        "page": page,
        "shop": page.shop,
        "works_order": works_order,
        "branch": works_order.branch,
        "drop_off": timezone.localtime(works_order.drop_off_at, works_order.branch.tz),
        "lines": lines,
        "total": format_money(total, page.shop.currency),
        "status_url": status_url(request, works_order),
    }
    return _respond(request, page, "booking/done.html", context)


@shop_member_required(*MANAGERS, to="change the online booking settings")
def booking_settings(request: ShopRequest) -> HttpResponse:
    """On or off, slots, each branch's places, the websites that may frame the page, and the
    snippet to paste there."""
    settings = services.settings_for(request.shop)
    branches = list(Branch.objects.for_shop(request.shop).filter(is_active=True).order_by("name"))
    data = request.POST if request.method == "POST" else None
    form = BookingSettingsForm(
        data, instance=settings, branches=branches, places=services.capacities(request.shop)
    )
    if data is not None and form.is_valid():
        services.booking_settings_save(
            shop=request.shop,
            enabled=form.cleaned_data["enabled"],
            slot_minutes=form.cleaned_data["slot_minutes"],
            days_ahead=form.cleaned_data["days_ahead"],
            notice_hours=form.cleaned_data["notice_hours"],
            embed_origins=form.cleaned_data["embed_origins"],
            per_slot=form.places(),
            by=request.member,
        )
        messages.success(request, "Online booking settings saved.")
        return redirect("booking_settings")
    page_url = absolute_url(request, reverse("booking_page", args=[request.shop.slug]))
    context = {
        "form": form,
        "settings": settings,
        "page_url": page_url,
        "snippet": (
            f'<iframe src="{page_url}" title="Book a repair with {request.shop.name}" '
            'width="100%" height="1400" loading="lazy"></iframe>'
        ),
    }
    return render(request, "booking/settings.html", context, status=400 if data else 200)
