"""Pricebook arithmetic: from a price as the shop entered it to quote lines that add up.

A works order's quote is itemised (parts, then labour) and its VAT is worked out per line, as
tickets.models.QuoteLine does: net = quantity × unit price rounded to the penny, VAT = net × rate
rounded half up, gross = net + VAT. The pricebook price is one figure, so it is shared out:

- each part the option consumes goes on a line at its sell price (its cost when no sell price
  is set), scaled down if the parts alone would exceed the price;
- labour takes the rest.

Entered including VAT, the price is what the customer pays: the lines' gross adds up to it to the
penny, the rounding falling on labour. Per-line VAT cannot reach every gross amount with one line
(at 20 %, net £83.32 makes £99.98 and £83.33 makes £100.00: nothing makes £99.99), so when the
labour's share is such an amount, one penny of it goes on a line of its own whose VAT rounds to
nothing ("Rounding to the quoted price").

Entered excluding VAT, the price is the quote's net to the penny and each line carries its own
VAT, as the invoice will; the gross shown is the lines' gross, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from tickets.models import LineKind, money
from tickets.services import LineData

PENNY = Decimal("0.01")
ROUNDING_LINE = "Rounding to the quoted price"


@dataclass(frozen=True)
class PartUse:
    """A part an option consumes, with the figures the quote and the margin need today."""

    part_id: int
    part_number: str
    name: str
    quantity: int
    cost: Decimal  # net, per unit, as the parts catalogue says now
    sell_price: Decimal  # net, per unit; 0 when the shop has not set one
    vat_rate: Decimal
    option_part_id: int | None = None  # the pricebook row that says the option uses it

    @property
    def unit_price(self) -> Decimal:
        return self.sell_price or self.cost

    @property
    def total_cost(self) -> Decimal:
        return self.cost * self.quantity


def line_net(line: LineData) -> Decimal:
    return money(line.quantity * line.unit_price)


def line_vat(line: LineData) -> Decimal:
    return money(line_net(line) * line.vat_rate / 100)


def line_gross(line: LineData) -> Decimal:
    return line_net(line) + line_vat(line)


def _gross_of(net: Decimal, rate: Decimal) -> Decimal:
    return net + money(net * rate / 100)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal


def totals(lines: Sequence[LineData]) -> Totals:
    """The quote's totals, VAT rounded per line exactly as the works order will add them up."""
    net = sum((line_net(line) for line in lines), Decimal("0.00"))
    vat = sum((line_vat(line) for line in lines), Decimal("0.00"))
    return Totals(net=net, vat=vat, gross=net + vat)


def quote_lines(
    *,
    price: Decimal,
    includes_vat: bool,
    labour_vat_rate: Decimal,
    labour_description: str,
    parts: Sequence[PartUse] = (),
) -> list[LineData]:
    """Part lines, then labour, adding up to `price` (gross if `includes_vat`, else net)."""
    if price < 0:
        raise ValueError("A price cannot be negative.")
    part_lines = _part_lines(price, includes_vat, parts)
    if includes_vat:
        left = price - sum((line_gross(line) for line in part_lines), Decimal("0.00"))
        labour = _labour_for_gross(left, labour_vat_rate, labour_description)
    else:
        left = price - sum((line_net(line) for line in part_lines), Decimal("0.00"))
        labour = [_labour(labour_description, left, labour_vat_rate)] if left else []
    return [*part_lines, *labour]


def _part_line(part: PartUse, unit_price: Decimal) -> LineData:
    return LineData(
        description=part.name,
        unit_price=unit_price,
        quantity=Decimal(part.quantity),
        kind=LineKind.PART,
        vat_rate=part.vat_rate,
    )


def _labour(description: str, net: Decimal, rate: Decimal) -> LineData:
    return LineData(description=description, unit_price=net, kind=LineKind.LABOUR, vat_rate=rate)


def _part_lines(price: Decimal, includes_vat: bool, parts: Sequence[PartUse]) -> list[LineData]:
    """Parts at their own price, shrunk to fit inside `price` if they would not."""
    measure = line_gross if includes_vat else line_net
    units = [part.unit_price for part in parts]

    def total(candidate: list[Decimal]) -> Decimal:
        lines = [_part_line(part, unit) for part, unit in zip(parts, candidate, strict=True)]
        return sum((measure(line) for line in lines), Decimal("0.00"))

    full = total(units)
    if full > price:
        share = price / full
        units = [(unit * share).quantize(PENNY, rounding=ROUND_DOWN) for unit in units]
        # Rounding each line's VAT up may still overshoot by a penny or two: take them back
        # from the dearest line.
        while total(units) > price:
            dearest = max(range(len(units)), key=lambda i: units[i] * parts[i].quantity)
            units[dearest] -= PENNY
    return [_part_line(part, unit) for part, unit in zip(parts, units, strict=True)]


def _labour_for_gross(gross: Decimal, rate: Decimal, description: str) -> list[LineData]:
    """Labour lines whose gross is exactly `gross`: one line, or two when one cannot be."""
    if gross <= 0:
        return []
    for rounding in (Decimal(0), PENNY, 2 * PENNY):
        net = _net_for_gross(gross - _gross_of(rounding, rate), rate)
        if net is not None:
            lines = [_labour(description, net, rate)]
            if rounding:
                lines.append(_labour(ROUNDING_LINE, rounding, rate))
            return lines
    raise ValueError(f"No labour lines make {gross} at {rate} % VAT")  # only above 100 % VAT


def _net_for_gross(gross: Decimal, rate: Decimal) -> Decimal | None:
    """The net whose gross (net + VAT rounded) is exactly `gross`, if one exists."""
    estimate = (gross * 100 / (100 + rate)).quantize(PENNY, rounding=ROUND_HALF_UP)
    for net in (estimate, estimate - PENNY, estimate + PENNY):
        if net >= 0 and _gross_of(net, rate) == gross:
            return net
    return None


# Margins ---------------------------------------------------------------------------------


class MarginBand(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def margin_percent(net: Decimal, parts_cost: Decimal) -> Decimal | None:
    """What is left of the net price after the parts' current cost, to one decimal place."""
    if net <= 0:
        return None
    return ((net - parts_cost) * 100 / net).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def margin_band(
    margin: Decimal | None, *, green_above: Decimal, red_below: Decimal
) -> MarginBand | None:
    """Green above the shop's upper threshold, red below its lower one, amber between (both
    thresholds included in amber). Compared as shown, to one decimal place, so the colour
    always agrees with the figure next to it."""
    if margin is None:
        return None
    if margin > green_above:
        return MarginBand.GREEN
    if margin < red_below:
        return MarginBand.RED
    return MarginBand.AMBER
