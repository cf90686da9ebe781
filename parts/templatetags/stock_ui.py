"""Small display helpers for the stock pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from shops.templatetags.ui import badge

register = template.Library()

ORDER_COLOURS = {
    "draft": "secondary",
    "sent": "primary",
    "partly_received": "warning",
    "received": "success",
    "cancelled": "light",
}
PART_COLOURS = {
    "needed": "warning",
    "reserved": "info",
    "ordered": "primary",
    "used": "success",
    "released": "light",
}
GRADE_COLOURS = {"oem": "dark", "aftermarket": "secondary", "refurbished": "info"}


@register.simple_tag
def order_badge(order) -> SafeString:
    return badge(order.get_status_display(), ORDER_COLOURS.get(order.status))


@register.simple_tag
def part_status_badge(line) -> SafeString:
    return badge(line.get_status_display(), PART_COLOURS.get(line.status))


@register.simple_tag
def grade_badge(part) -> SafeString:
    return badge(part.get_grade_display(), GRADE_COLOURS.get(part.grade, "light"))


@register.filter
def signed(number: int | None) -> str:
    """+2, −1 (a real minus sign), or 0: a change, as the ledger shows it."""
    if not number:
        return "0"
    return f"+{number}" if number > 0 else f"−{abs(number)}"
