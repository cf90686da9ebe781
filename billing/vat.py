"""VAT on invoice lines: the one rounding rule, per line.

Every amount is in the shop's currency, to the penny, rounded half up (0.005 → 0.01).

* A line priced net of VAT (every quote line: the quote holds net unit prices, whatever the
  pricebook setting said when it was quoted): net = round(quantity × unit price), then
  VAT = round(net × rate / 100), gross = net + VAT.
* A line whose price was fixed with VAT included (the difference between the final price the
  customer was told and the quote, or a credit note for an amount refunded):
  gross is that amount, net = round(gross × 100 / (100 + rate)), VAT = gross − net.

So on every line net + VAT = gross exactly, and the invoice's totals are the sums of its lines
(never VAT worked out again on the total). This is HMRC's "per line" method; the difference
from "per invoice" is at most half a penny a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    vat: Decimal
    gross: Decimal


def from_net(*, quantity: Decimal, unit_price: Decimal, rate: Decimal) -> Amounts:
    """A line priced net of VAT."""
    net = money(quantity * unit_price)
    vat = money(net * rate / 100)
    return Amounts(net, vat, net + vat)


def from_gross(*, gross: Decimal, rate: Decimal) -> Amounts:
    """A line whose price includes VAT."""
    gross = money(gross)
    net = money(gross * 100 / (100 + rate))
    return Amounts(net, gross - net, gross)


def totals(lines) -> Amounts:
    """The sums of the lines' own amounts."""
    net = sum((line.net for line in lines), ZERO)
    vat = sum((line.vat for line in lines), ZERO)
    return Amounts(net, vat, net + vat)
