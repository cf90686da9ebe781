"""Printouts of a works order: the intake receipt (A4 or 80 mm roll) and the device tag."""

from __future__ import annotations

import base64
from decimal import Decimal
from itertools import groupby

from django.http import HttpResponse

from config.pdf import pdf_response, render_pdf
from customers.phones import display as phone_display
from shops.access import ShopRequest, shop_member_required
from shops.models import Shop, TermsVersion, Weekday
from shops.money import format_money
from tickets import qr
from tickets.access import get_works_order
from tickets.models import Condition, Consent, WorksOrder
from tickets.services import quote_totals

RECEIPT_LAYOUTS = {
    "a4": "tickets/printouts/receipt_a4.html",
    "roll": "tickets/printouts/receipt_roll.html",
}


@shop_member_required()
def receipt_pdf(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    layout = request.GET.get("layout", "a4")
    template = RECEIPT_LAYOUTS.get(layout, RECEIPT_LAYOUTS["a4"])
    pdf = render_pdf(template, receipt_context(request, works_order), request=request)
    return pdf_response(pdf, f"{works_order.number}-receipt.pdf")


@shop_member_required()
def tag_pdf(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    context = {
        "works_order": works_order,
        "device_name": f"{works_order.device.make} {works_order.device.model_name}",
        "qr_uri": qr.qr_svg_data_uri(qr.staff_url(request, works_order), border=2),
    }
    pdf = render_pdf("tickets/printouts/tag.html", context, request=request)
    return pdf_response(pdf, f"{works_order.number}-tag.pdf")


def receipt_context(request: ShopRequest, works_order: WorksOrder) -> dict:
    """Everything the receipt shows, formatted; never the passcode itself."""
    shop = request.shop
    consent = (
        Consent.objects.for_shop(shop)
        .select_related("terms", "recorded_by__user")
        .filter(works_order=works_order)
        .first()
    )
    lines = list(works_order.lines.all())
    net, vat, gross = quote_totals(lines)
    status_url = qr.status_url(request, works_order)
    return {
        "works_order": works_order,
        "label": shop.works_order_label,
        "branch": works_order.branch,
        "opening_hours": opening_hours_text(works_order.branch.opening_hours.all()),
        "customer": works_order.customer,
        "customer_phone": phone_display(works_order.customer.phone, shop.phone_region),
        "device": works_order.device,
        "conditions": [(c.label, c.value in works_order.condition) for c in Condition],
        "passcode_given": works_order.has_passcode,
        "lines": [
            {
                "description": line.description,
                "quantity": plain_number(line.quantity),
                "unit_price": money_text(line.unit_price, shop),
                "vat_rate": f"{plain_number(line.vat_rate)}%",
                "net": money_text(line.net, shop),
                "vat": money_text(line.vat, shop),
                "gross": money_text(line.gross, shop),
            }
            for line in lines
        ],
        "totals": {
            "net": money_text(net, shop),
            "vat": money_text(vat, shop),
            "gross": money_text(gross, shop),
        },
        "consent": consent,
        "consent_gross": money_text(consent.quote_gross, shop) if consent else "",
        "signature_uri": signature_data_uri(consent),
        "terms": consent.terms if consent else current_terms(shop),
        "status_url": status_url,
        "status_url_short": qr.without_scheme(status_url),
        "status_qr_uri": qr.qr_svg_data_uri(status_url),
    }


def current_terms(shop: Shop) -> TermsVersion:
    terms = TermsVersion.objects.for_shop(shop).filter(version=shop.terms_version).first()
    return terms or TermsVersion(shop=shop, version=shop.terms_version, text=shop.terms_text)


def signature_data_uri(consent: Consent | None) -> str:
    if consent is None or not consent.signature_png:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(consent.signature_png)).decode()


def money_text(amount: Decimal, shop: Shop) -> str:
    return format_money(amount, shop.currency)


def plain_number(value: Decimal) -> str:
    """1.00 → 1, 1.50 → 1.5, 17.50 → 17.5: quantities and rates without trailing zeros."""
    return f"{value.normalize():f}"


def opening_hours_text(hours) -> list[str]:
    """['Mon–Fri 09:00–17:30', 'Sat 10:00–16:00'] — consecutive days with the same hours merged."""
    by_day = {h.weekday: f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in hours}
    runs = []
    for times, days in groupby(Weekday, key=lambda day: by_day.get(day)):
        days = list(days)
        if times is None:
            continue
        first, last = days[0].label[:3], days[-1].label[:3]
        runs.append(f"{first}–{last} {times}" if len(days) > 1 else f"{first} {times}")
    return runs
