"""Reads of the pricebook: what the quote builder calls, and what the pricebook pages show.

For the quote builder (intake and the bench) — every query names the shop:

    quote_options(shop: Shop, device_model: DeviceModel | int,
                  repair_types: Iterable[RepairType | int]) -> list[RepairQuote]

        One RepairQuote per repair type asked for, in the order asked. Its `options` are the
        model's active pricebook entry for that repair, one QuoteOption per grade (OEM,
        aftermarket, refurbished, then the no-grade option); empty when the pricebook has no
        active price for it yet (quote it by hand). Each QuoteOption carries price_net, vat and
        price_gross (Decimal, to the penny), labour_minutes, warranty_days, the parts it consumes
        (PartUse: part_id, part_number, name, quantity, cost, sell_price, vat_rate) and the
        margin on the parts' current cost. Four queries, whatever is asked. To offer every
        repair at intake, pass RepairType.objects.for_shop(shop).filter(is_active=True).

    quote_option(shop: Shop, option_id: int) -> QuoteOption

        One option by id (the one picked on a form); PriceOption.DoesNotExist for an id that
        is unknown or another shop's.

    quote_lines_for(option: QuoteOption | PriceOption) -> list[LineData]

        The tickets.services.LineData lines that put the option on a works order's quote
        (works_order_book_in(lines=…)): one part line per part, then labour, each with its own
        VAT rate (the part's; the shop's for labour). Their gross adds up to
        option.price_gross to the penny, whether the shop enters prices including or excluding
        VAT; any rounding falls on labour (pricebook.pricing explains how).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from devices.models import DeviceModel
from pricebook.models import (
    GRADE_ORDER,
    OptionPart,
    PricebookEntry,
    PriceOption,
    RepairType,
    grade_label,
)
from pricebook.pricing import MarginBand, PartUse, margin_band, margin_percent, quote_lines, totals
from shops.models import Shop
from tickets.models import QuoteLine, WorksOrder
from tickets.services import LineData

# The quote builder -----------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteOption:
    option_id: int
    entry_id: int
    repair_type_id: int
    repair_type: str
    device_model_id: int
    device_model: str
    grade: str  # "oem", "aftermarket", "refurbished", or "" (no grade)
    grade_label: str
    price: Decimal  # as entered in the pricebook
    prices_include_vat: bool
    price_net: Decimal
    vat: Decimal
    price_gross: Decimal
    labour_minutes: int
    warranty_days: int
    parts: tuple[PartUse, ...]
    lines: tuple[LineData, ...]
    parts_cost: Decimal
    margin: Decimal | None  # % of price_net left after the parts' current cost
    margin_band: MarginBand | None


@dataclass(frozen=True)
class RepairQuote:
    repair_type_id: int
    repair_type: str
    entry_id: int | None
    options: tuple[QuoteOption, ...]

    @property
    def has_price(self) -> bool:
        return bool(self.options)


def quote_options(
    shop: Shop,
    device_model: DeviceModel | int,
    repair_types: Iterable[RepairType | int],
) -> list[RepairQuote]:
    """The priced options of `device_model` for each of `repair_types` (see the module doc)."""
    wanted = [getattr(r, "pk", r) for r in repair_types]
    names = dict(RepairType.objects.for_shop(shop).filter(pk__in=wanted).values_list("pk", "name"))
    entries = {
        entry.repair_type_id: entry
        for entry in priced_entries(shop).filter(
            device_model=device_model, repair_type__in=wanted, is_active=True
        )
    }
    quotes = []
    for repair_type_id in wanted:
        if repair_type_id not in names:
            continue  # not this shop's repair type
        entry = entries.get(repair_type_id)
        quotes.append(
            RepairQuote(
                repair_type_id=repair_type_id,
                repair_type=names[repair_type_id],
                entry_id=entry.pk if entry else None,
                options=tuple(entry_options(shop, entry)) if entry else (),
            )
        )
    return quotes


def quote_option(shop: Shop, option_id: int) -> QuoteOption:
    option = (
        PriceOption.objects.for_shop(shop)
        .select_related("entry__device_model", "entry__repair_type")
        .prefetch_related(_option_parts(shop))
        .get(pk=option_id)
    )
    return _quote_option(shop, option.entry, option)


def quote_lines_for(option: QuoteOption | PriceOption) -> list[LineData]:
    """The quote lines for `option`; their gross is option.price_gross to the penny."""
    if isinstance(option, PriceOption):
        option = quote_option(option.shop, option.pk)
    return list(option.lines)


def _option_parts(shop: Shop) -> Prefetch:
    return Prefetch(
        "parts", queryset=OptionPart.objects.for_shop(shop).select_related("part").order_by("id")
    )


def priced_entries(shop: Shop) -> QuerySet[PricebookEntry]:
    """Entries with their model, repair type, options and parts: four queries for any number."""
    return (
        PricebookEntry.objects.for_shop(shop)
        .select_related("device_model", "repair_type")
        .prefetch_related(
            Prefetch(
                "options",
                queryset=PriceOption.objects.for_shop(shop).prefetch_related(_option_parts(shop)),
            )
        )
    )


def entry_options(shop: Shop, entry: PricebookEntry) -> list[QuoteOption]:
    """An entry's options priced, in grade order (needs the entry from priced_entries)."""
    options = sorted(entry.options.all(), key=lambda o: GRADE_ORDER.get(o.grade, 9))
    return [_quote_option(shop, entry, option) for option in options]


def _quote_option(shop: Shop, entry: PricebookEntry, option: PriceOption) -> QuoteOption:
    parts = tuple(
        PartUse(
            part_id=use.part_id,
            part_number=use.part.part_number,
            name=use.part.name,
            quantity=use.quantity,
            cost=use.part.cost,
            sell_price=use.part.sell_price,
            vat_rate=use.part.vat_rate,
            option_part_id=use.pk,
        )
        for use in option.parts.all()
    )
    repair = entry.repair_type.name
    lines = quote_lines(
        price=option.price,
        includes_vat=shop.pricebook_prices_include_vat,
        labour_vat_rate=shop.vat_rate,
        labour_description=f"{repair} (labour)" if parts else repair,
        parts=parts,
    )
    sums = totals(lines)
    parts_cost = sum((part.total_cost for part in parts), Decimal("0.00"))
    margin = margin_percent(sums.net, parts_cost)
    return QuoteOption(
        option_id=option.pk,
        entry_id=entry.pk,
        repair_type_id=entry.repair_type_id,
        repair_type=repair,
        device_model_id=entry.device_model_id,
        device_model=str(entry.device_model),
        grade=option.grade,
        grade_label=grade_label(option.grade),
        price=option.price,
        prices_include_vat=shop.pricebook_prices_include_vat,
        price_net=sums.net,
        vat=sums.vat,
        price_gross=sums.gross,
        labour_minutes=entry.labour_minutes,
        warranty_days=entry.warranty_days,
        parts=parts,
        lines=tuple(lines),
        parts_cost=parts_cost,
        margin=margin,
        margin_band=margin_band(
            margin, green_above=shop.margin_green_above, red_below=shop.margin_red_below
        ),
    )


# The pricebook page ----------------------------------------------------------------------


@dataclass(frozen=True)
class PricebookFilters:
    q: str = ""
    category: str = ""
    make: str = ""
    repair_type: RepairType | None = None
    device_model: DeviceModel | None = None
    offered: str = ""  # "yes", "no" or "" for both

    @property
    def any(self) -> bool:
        return bool(
            self.q
            or self.category
            or self.make
            or self.repair_type
            or self.device_model
            or self.offered
        )


def pricebook_list(shop: Shop, filters: PricebookFilters) -> QuerySet[PricebookEntry]:
    """Entries by make, model and repair type; every word searched must match one of them."""
    entries = priced_entries(shop).order_by(
        "device_model__make", "device_model__name", "repair_type__position", "repair_type__name"
    )
    for word in filters.q.split()[:6]:
        entries = entries.filter(
            Q(device_model__make__icontains=word)
            | Q(device_model__name__icontains=word)
            | Q(repair_type__name__icontains=word)
        )
    if filters.category:
        entries = entries.filter(device_model__category=filters.category)
    if filters.make:
        entries = entries.filter(device_model__make=filters.make)
    if filters.repair_type is not None:
        entries = entries.filter(repair_type=filters.repair_type)
    if filters.device_model is not None:
        entries = entries.filter(device_model=filters.device_model)
    if filters.offered:
        entries = entries.filter(is_active=filters.offered == "yes")
    return entries


def priced_makes(shop: Shop) -> list[str]:
    """The makes the pricebook has entries for, for the filter."""
    return list(
        PricebookEntry.objects.for_shop(shop)
        .order_by("device_model__make")
        .values_list("device_model__make", flat=True)
        .distinct()
    )


def other_entries_of(shop: Shop, entry: PricebookEntry) -> QuerySet[PricebookEntry]:
    return (
        PricebookEntry.objects.for_shop(shop)
        .filter(device_model_id=entry.device_model_id)
        .exclude(pk=entry.pk)
        .select_related("repair_type")
        .order_by("repair_type__position", "repair_type__name")
    )


# The "no price yet" report -----------------------------------------------------------------


@dataclass
class Unpriced:
    """A device model the counter quoted by hand because the pricebook has no price for it."""

    make: str
    model: str
    category: str
    device_model_id: int | None  # None: typed at intake, not in the catalogue
    works_orders: int
    last_at: datetime.datetime
    last_number: str = ""
    last_lines: list[QuoteLine] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.model.lower().startswith(self.make.lower()):
            return self.model
        return f"{self.make} {self.model}"


REPORT_ROWS = 100


def no_price_report(shop: Shop, *, days: int | None = 365) -> list[Unpriced]:
    """Device models whose works orders were quoted by hand since `days` ago (None: ever), the
    models with no active pricebook entry only; most works orders first."""
    since = timezone.now() - datetime.timedelta(days=days) if days is not None else None
    lines = QuoteLine.objects.for_shop(shop)
    if since is not None:
        lines = lines.filter(works_order__created_at__gte=since)
    priced = PricebookEntry.objects.for_shop(shop).filter(
        device_model_id=OuterRef("works_order__device__device_model_id"), is_active=True
    )
    per_group = {
        "works_orders": Count("works_order_id", distinct=True),
        "last_at": Max("works_order__created_at"),
    }
    catalogued = (
        lines.filter(works_order__device__device_model__isnull=False)
        .exclude(Exists(priced))
        .values(
            model_id=F("works_order__device__device_model_id"),
            make=F("works_order__device__device_model__make"),
            model=F("works_order__device__device_model__name"),
            category=F("works_order__device__device_model__category"),
        )
        .annotate(**per_group)
        .order_by("-works_orders", "-last_at")[:REPORT_ROWS]
    )
    typed = (
        lines.filter(works_order__device__device_model__isnull=True)
        .values(
            make=F("works_order__device__make"),
            model=F("works_order__device__model_name"),
            category=F("works_order__device__category"),
        )
        .annotate(**per_group)
        .order_by("-works_orders", "-last_at")[:REPORT_ROWS]
    )
    priced_names = _priced_names(shop)
    rows = [Unpriced(device_model_id=row.pop("model_id"), **row) for row in catalogued] + [
        Unpriced(device_model_id=None, **row)
        for row in typed
        if (row["make"].casefold(), row["model"].casefold()) not in priced_names
    ]
    rows.sort(key=lambda r: (-r.works_orders, -r.last_at.timestamp()))
    rows = rows[:REPORT_ROWS]
    _add_last_quotes(shop, rows, since)
    return rows


def _priced_names(shop: Shop) -> set[tuple[str, str]]:
    """(make, model) of catalogue models with an active price, without regard to case: a
    device typed at intake that matches one is priced, just not linked to the catalogue."""
    return {
        (make.casefold(), name.casefold())
        for make, name in PricebookEntry.objects.for_shop(shop)
        .filter(is_active=True)
        .values_list("device_model__make", "device_model__name")
    }


def _add_last_quotes(shop: Shop, rows: list[Unpriced], since: datetime.datetime | None) -> None:
    """Each row's most recent works order and its quote lines, in three queries for all rows."""
    works_orders = WorksOrder.objects.for_shop(shop)
    if since is not None:
        works_orders = works_orders.filter(created_at__gte=since)
    model_ids = [r.device_model_id for r in rows if r.device_model_id]
    typed = {(r.make, r.model) for r in rows if r.device_model_id is None}
    latest = {
        model_id: (pk, number)
        for pk, number, model_id in works_orders.filter(device__device_model_id__in=model_ids)
        .order_by("device__device_model_id", "-created_at")
        .distinct("device__device_model_id")
        .values_list("pk", "number", "device__device_model_id")
    }
    latest |= {
        (make, model): (pk, number)
        for pk, number, make, model in works_orders.filter(
            device__device_model__isnull=True,
            device__make__in={make for make, _ in typed},
            device__model_name__in={model for _, model in typed},
        )
        .order_by("device__make", "device__model_name", "-created_at")
        .distinct("device__make", "device__model_name")
        .values_list("pk", "number", "device__make", "device__model_name")
    }
    lines: dict[int, list[QuoteLine]] = {}
    for line in QuoteLine.objects.for_shop(shop).filter(
        works_order_id__in=[pk for pk, _ in latest.values()]
    ):
        lines.setdefault(line.works_order_id, []).append(line)
    for row in rows:
        pk, number = latest.get(row.device_model_id or (row.make, row.model), (None, ""))
        row.last_number, row.last_lines = number, lines.get(pk, [])
