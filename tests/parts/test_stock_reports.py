"""Stock reports: value on the shelves per branch, slow movers, parts used over a period."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from parts import services
from parts.selectors import parts_used, slow_movers, stock_value_by_branch
from tests.factories import PartFactory

pytestmark = pytest.mark.django_db


def test_stock_value_is_on_hand_times_current_cost_per_branch(personas, screen, battery):
    services.stock_receive(part=screen, branch=personas.branch, quantity=3, by=personas.manager)
    services.stock_receive(
        part=battery, branch=personas.other_branch, quantity=2, batch="L1", by=personas.manager
    )
    values = {v.branch.code: (v.units, v.value) for v in stock_value_by_branch(personas.shop)}
    assert values == {"BHM": (3, Decimal("255.00")), "COV": (2, Decimal("36.00"))}


def test_slow_movers_are_parts_on_the_shelf_not_used_for_n_days(personas, screen, job):
    idle = PartFactory(shop=personas.shop, name="Galaxy S21 back glass", cost=Decimal("12.00"))
    for part in (screen, idle):
        services.stock_receive(part=part, branch=personas.branch, quantity=4, by=personas.manager)
    services.stock_use(
        part=screen, branch=personas.branch, quantity=1, works_order=job, by=personas.manager
    )
    slow = list(slow_movers(personas.shop, personas.branch, days=30))
    assert [(p.name, p.on_hand, p.value, p.last_used) for p in slow] == [
        ("Galaxy S21 back glass", 4, Decimal("48.00"), None)
    ]


def test_parts_used_over_a_period_add_up_quantity_and_cost_at_the_time(personas, screen, job):
    services.stock_receive(part=screen, branch=personas.branch, quantity=5, by=personas.manager)
    services.stock_use(
        part=screen, branch=personas.branch, quantity=2, works_order=job, by=personas.manager
    )
    screen.cost = Decimal("99.00")  # dearer now: earlier use keeps its cost
    screen.save()
    services.stock_use(
        part=screen, branch=personas.branch, quantity=1, works_order=job, by=personas.manager
    )
    today = timezone.localdate()
    (row,) = parts_used(personas.shop, start=today, end=today)
    assert (row["part__name"], row["units"], row["cost"]) == (
        "iPhone 13 screen (OEM)",
        3,
        Decimal("269.00"),
    )
    yesterday = today - datetime.timedelta(days=1)
    assert not parts_used(personas.shop, start=yesterday, end=yesterday)
