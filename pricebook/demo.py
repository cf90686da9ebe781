"""The demo shop's pricebook: its best-known models, priced, written by the CSV import."""

from __future__ import annotations

import random

from django.db import transaction

from devices.models import DeviceModel
from pricebook import csvfile
from pricebook.importer import apply_plan, plan_import
from pricebook.models import PricebookEntry
from pricebook.sample import SampleModel, sample_rows, tier_for
from shops.models import Shop

# The models that come through a high-street shop's door most; the rest of the catalogue is
# left unpriced, so the "no price yet" report has something to show.
DEMO_MODELS = [
    ("Apple", "iPhone 11"),
    ("Apple", "iPhone 12"),
    ("Apple", "iPhone 12 Pro"),
    ("Apple", "iPhone 13"),
    ("Apple", "iPhone 13 Pro"),
    ("Apple", "iPhone 14"),
    ("Apple", "iPhone 14 Pro Max"),
    ("Apple", "iPhone 15"),
    ("Apple", "iPhone 15 Pro"),
    ("Apple", "iPhone 16"),
    ("Apple", "iPhone SE (3rd generation)"),
    ("Samsung", "Galaxy S21"),
    ("Samsung", "Galaxy S22 Ultra"),
    ("Samsung", "Galaxy S23"),
    ("Samsung", "Galaxy S24"),
    ("Samsung", "Galaxy A15"),
    ("Samsung", "Galaxy A35"),
    ("Samsung", "Galaxy A53"),
    ("Google", "Pixel 7"),
    ("Google", "Pixel 8"),
    ("Google", "Pixel 8 Pro"),
    ("Apple", "iPad (10th generation)"),
    ("Apple", "iPad Air (5th generation)"),
    ("Samsung", "Galaxy Tab S9"),
    ("Apple", "MacBook Air 13-inch (M2, 2022)"),
    ("Dell", "XPS 13 9315"),
    ("Sony", "PlayStation 5"),
    ("Nintendo", "Switch OLED"),
    ("Apple", "Apple Watch Series 9"),
]


def demo_pricebook_load(*, shop: Shop, seed: int = 7) -> int:
    """Price the demo models `shop` has, once; returns how many rows were imported."""
    if PricebookEntry.objects.for_shop(shop).exists():
        return 0
    wanted = set(DEMO_MODELS)
    rng = random.Random(seed)
    models = [
        SampleModel(model.category, model.make, model.name, tier_for(model.name, rng))
        for model in DeviceModel.objects.for_shop(shop).order_by("make", "name")
        if (model.make, model.name) in wanted
    ]
    data = "".join(csvfile.write(sample_rows(models, rng))).encode()
    with transaction.atomic():
        plan = plan_import(shop, data)
        apply_plan(shop, plan)
    return len(plan.outcomes)
