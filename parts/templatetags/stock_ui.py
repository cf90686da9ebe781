"""Small display helpers for the stock pages."""

from __future__ import annotations

from django import template

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


@register.inclusion_tag("tickets/badge.html")
def order_badge(order) -> dict:
    return {"label": order.get_status_display(), "colour": ORDER_COLOURS.get(order.status)}


@register.inclusion_tag("tickets/badge.html")
def part_status_badge(line) -> dict:
    return {"label": line.get_status_display(), "colour": PART_COLOURS.get(line.status)}


@register.inclusion_tag("tickets/badge.html")
def grade_badge(part) -> dict:
    return {"label": part.get_grade_display(), "colour": GRADE_COLOURS.get(part.grade, "light")}


@register.filter
def signed(number: int | None) -> str:
    """+2, −1 (a real minus sign), or 0: a change, as the ledger shows it."""
    if not number:
        return "0"
    return f"+{number}" if number > 0 else f"−{abs(number)}"
