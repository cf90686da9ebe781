"""Parts fixtures: a screen and a tracked battery in the catalogue, a supplier, jobs at BHM."""

from decimal import Decimal

import pytest

from parts.selectors import Figures, stock_figures
from tests.factories import PartFactory, SupplierFactory, SupplierPartFactory, WorksOrderFactory


@pytest.fixture
def screen(personas):
    return PartFactory(
        shop=personas.shop,
        name="iPhone 13 screen (OEM)",
        part_number="IP13-SCR-OEM",
        barcode="5012345678900",
        cost=Decimal("85.00"),
    )


@pytest.fixture
def battery(personas):
    """A part whose units carry serial numbers."""
    return PartFactory(
        shop=personas.shop,
        name="iPhone 13 battery",
        part_number="IP13-BAT",
        barcode="5012345678917",
        cost=Decimal("18.00"),
        tracks_serials=True,
    )


@pytest.fixture
def supplier(personas):
    return SupplierFactory(shop=personas.shop, name="Mobile Parts Direct", lead_time_days=2)


@pytest.fixture
def supplies(supplier, screen, battery):
    """The supplier's references for both parts."""
    return [
        SupplierPartFactory(part=screen, supplier=supplier, cost=Decimal("80.00")),
        SupplierPartFactory(part=battery, supplier=supplier, cost=Decimal("15.50")),
    ]


@pytest.fixture
def job(personas):
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk)


@pytest.fixture
def other_job(personas):
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk)


def figures(part, branch) -> tuple[int, int, int]:
    """(on hand, reserved, available) as the ledger sums them."""
    found: Figures = stock_figures(part, branch)
    return found.on_hand, found.reserved, found.available
