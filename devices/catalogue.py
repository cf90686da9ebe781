"""The starter device catalogue every new shop gets: common phones, tablets, laptops, consoles
and watches (the pricebook issue grows it).

The data lives in catalogue_data.csv beside this file: category, make, name, tacs (TACs
separated by spaces). TACs are listed only where known for certain; none are guessed. Shops
learn the rest from real intakes (devices.services.catalogue_learn_tac).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from devices.models import Category, DeviceModel
from shops.models import Shop

DATA_FILE = Path(__file__).with_name("catalogue_data.csv")
_TAC = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class CatalogueRow:
    category: str
    make: str
    name: str
    tacs: tuple[str, ...] = ()


@functools.cache
def starter_catalogue() -> tuple[CatalogueRow, ...]:
    """The rows of catalogue_data.csv, checked: known categories, 8-digit TACs, no repeats."""
    rows: list[CatalogueRow] = []
    seen: set[tuple[str, str]] = set()
    with DATA_FILE.open(newline="", encoding="utf-8") as data:
        for line, record in enumerate(csv.DictReader(data), start=2):
            row = CatalogueRow(
                category=record["category"].strip(),
                make=record["make"].strip(),
                name=record["name"].strip(),
                tacs=tuple((record.get("tacs") or "").split()),
            )
            problems = [f"TAC {tac!r} is not 8 digits" for tac in row.tacs if not _TAC.match(tac)]
            if row.category not in Category.values:
                problems.append(f"unknown category {row.category!r}")
            if not (row.make and row.name):
                problems.append("make and name are required")
            if (row.make, row.name) in seen:
                problems.append("listed twice")
            if problems:
                raise ValueError(f"{DATA_FILE.name} line {line}: {', '.join(problems)}")
            seen.add((row.make, row.name))
            rows.append(row)
    return tuple(rows)


def catalogue_seed(*, shop: Shop) -> int:
    """Add the starter catalogue to `shop`; models it already has (same make and name) are
    left as they are. Returns how many were added."""
    have = set(DeviceModel.objects.for_shop(shop).values_list("make", "name"))
    new = [
        DeviceModel(
            shop=shop, category=row.category, make=row.make, name=row.name, tacs=list(row.tacs)
        )
        for row in starter_catalogue()
        if (row.make, row.name) not in have
    ]
    # ignore_conflicts: a model added at the same moment by someone else is kept as theirs.
    DeviceModel.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def catalogue_add(*, shop: Shop, rows: list[CatalogueRow]) -> list[DeviceModel]:
    """Add these models to `shop`'s catalogue in one statement per batch; returns them saved.

    For callers that already know the models are new (the pricebook import checks first)."""
    models = [
        DeviceModel(
            shop=shop, category=row.category, make=row.make, name=row.name, tacs=list(row.tacs)
        )
        for row in rows
    ]
    return DeviceModel.objects.bulk_create(models, batch_size=2000)


def catalogue_recategorise(*, shop: Shop, categories: dict[int, str]) -> None:
    """Set the category of the models with these ids; one statement per category."""
    by_category: dict[str, list[int]] = {}
    for model_id, category in categories.items():
        by_category.setdefault(category, []).append(model_id)
    for category, ids in by_category.items():
        DeviceModel.objects.for_shop(shop).filter(pk__in=ids).update(category=category)
