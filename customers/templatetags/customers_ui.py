"""Small display filters for customer and device pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from customers.phones import display
from shops.money import format_money

register = template.Library()


@register.filter
def national(e164: str, region: str) -> str:
    """`{{ customer.phone|national:shop.phone_region }}` → 07911 123456."""
    try:
        return display(e164, region)
    except Exception:  # a malformed stored value is still worth showing as it is
        return e164


@register.filter
def money(amount: Decimal | None, currency: str = "GBP") -> str:
    """`{{ total|money:shop.currency }}` → £120.00."""
    return "" if amount is None else format_money(amount, currency)


@register.filter
def ago(moment: datetime.datetime | None) -> str:
    """'3 months ago', 'today': how long ago, to the largest unit only."""
    if moment is None:
        return ""
    now = timezone.now()
    if now - moment < datetime.timedelta(days=1):
        return "today"
    return f"{timesince(moment, now, depth=1)} ago"
