"""The pricebook as CSV rows (pricebook.csvfile's format): what the import reads back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Case, IntegerField, Value, When

from pricebook.csvfile import ExportRow
from pricebook.models import GRADE_ORDER, OptionPart, PriceOption
from shops.models import Shop

CHUNK = 5000


def export_rows(shop: Shop) -> Iterator[ExportRow]:
    """One row per part of each option (one row for an option without parts), by make, model,
    repair and grade. Two queries, streamed."""
    parts = defaultdict(list)
    for option_id, number, name, cost, quantity in (
        OptionPart.objects.for_shop(shop)
        .order_by("id")
        .values_list("option_id", "part__part_number", "part__name", "part__cost", "quantity")
        .iterator(chunk_size=CHUNK)
    ):
        parts[option_id].append((number, name, cost, quantity))
    grade_rank = Case(
        *(When(grade=grade, then=Value(rank)) for grade, rank in GRADE_ORDER.items()),
        output_field=IntegerField(),
    )
    options = (
        PriceOption.objects.for_shop(shop)
        .annotate(grade_rank=grade_rank)
        .order_by(
            "entry__device_model__make",
            "entry__device_model__name",
            "entry__repair_type__position",
            "entry__repair_type__name",
            "grade_rank",
        )
        .values_list(
            "pk",
            "entry__device_model__category",
            "entry__device_model__make",
            "entry__device_model__name",
            "entry__repair_type__name",
            "grade",
            "price",
            "entry__labour_minutes",
            "entry__warranty_days",
            "entry__is_active",
        )
    )
    for option_id, *cells in options.iterator(chunk_size=CHUNK):
        uses = parts.get(option_id)
        if not uses:
            yield ExportRow(*cells)
            continue
        for number, name, cost, quantity in uses:
            yield ExportRow(
                *cells, part_number=number, part_name=name, part_cost=cost, part_quantity=quantity
            )
