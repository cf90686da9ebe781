"""Small display helpers for the pricebook pages."""

from __future__ import annotations

from django import template

from pricebook import pricing

register = template.Library()

BAND_COLOURS = {"green": "success", "amber": "warning", "red": "danger"}
BAND_WORDS = {"green": "good", "amber": "thin", "red": "poor"}


@register.inclusion_tag("pricebook/margin.html")
def margin_badge(option, shop) -> dict:
    """The option's margin on current part costs, coloured by the shop's thresholds."""
    band = option.margin_band
    return {
        "margin": option.margin,
        "colour": BAND_COLOURS.get(band, "secondary"),
        "word": BAND_WORDS.get(band, ""),
        "shop": shop,
    }


@register.filter
def bench_time(minutes: int) -> str:
    """45 → "45 min", 90 → "1 h 30 min"."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@register.filter
def warranty(days: int) -> str:
    if not days:
        return "No warranty"
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years > 1 else ''}"
    return f"{days} days"


@register.filter
def line_net(line) -> object:
    """A quote line's net (quantity × unit price, to the penny), as the works order adds it."""
    return pricing.line_net(line)
