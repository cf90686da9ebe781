"""A stock take: expected figures at the start, counts by scanner or by hand, differences
posted as adjustments — and stock that moves while the shelves are counted is not lost."""

import pytest
from django.core.exceptions import ValidationError

from parts import services
from parts.models import MovementKind, StockMovement, TakeStatus
from tests.factories import PartFactory
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(personas, screen, battery):
    """BHM holds 5 screens and a part that is 2 on paper."""
    cable = PartFactory(shop=personas.shop, name="Charge port flex", part_number="FLEX-1")
    services.stock_receive(part=screen, branch=personas.branch, quantity=5, by=personas.manager)
    services.stock_receive(part=cable, branch=personas.branch, quantity=2, by=personas.manager)
    return screen, cable


def test_counting_by_scan_and_by_hand_posts_the_differences(personas, shelf):
    screen, cable = shelf
    take = services.stock_take_start(branch=personas.branch, by=personas.manager)
    assert {(line.part, line.expected) for line in take.lines.all()} == {(screen, 5), (cable, 2)}
    for _ in range(4):
        services.stock_take_scan(stock_take=take, code="5012345678900", by=personas.technician)
    services.stock_take_count(stock_take=take, part=cable, counted=3, by=personas.technician)

    movements = services.stock_take_post(stock_take=take, by=personas.manager)

    assert sorted((m.part.name, m.on_hand_delta, m.reason) for m in movements) == [
        ("Charge port flex", 1, f"stock take #{take.number}"),
        ("iPhone 13 screen (OEM)", -1, f"stock take #{take.number}"),
    ]
    assert figures(screen, personas.branch)[0] == 4
    assert figures(cable, personas.branch)[0] == 3
    take.refresh_from_db()
    assert take.status == TakeStatus.POSTED


def test_stock_that_moves_during_the_count_is_not_lost(personas, shelf, job):
    """The snapshot says 5 screens and 2 cables. Before the screens are counted one is fitted
    (the shelf has 4, the count says 4); after the cables are counted 3 more arrive (the count
    said 2, the shelf now has 5). Posting changes neither: nothing was missing."""
    screen, cable = shelf
    take = services.stock_take_start(branch=personas.branch, by=personas.manager)
    services.stock_use(
        part=screen, branch=personas.branch, quantity=1, works_order=job, by=personas.technician
    )
    services.stock_take_count(stock_take=take, part=screen, counted=4, by=personas.front_desk)
    services.stock_take_count(stock_take=take, part=cable, counted=2, by=personas.front_desk)
    services.stock_receive(part=cable, branch=personas.branch, quantity=3, by=personas.manager)

    assert services.stock_take_post(stock_take=take, by=personas.manager) == []
    assert figures(screen, personas.branch)[0] == 4
    assert figures(cable, personas.branch)[0] == 5


def test_a_part_not_on_the_list_can_be_scanned_in_and_uncounted_parts_are_left_alone(
    personas, shelf
):
    screen, _ = shelf
    take = services.stock_take_start(branch=personas.branch, by=personas.manager)
    stray = PartFactory(shop=personas.shop, barcode="0000111122223")
    line = services.stock_take_scan(stock_take=take, code="0000111122223", by=personas.manager)
    assert (line.part, line.expected, line.counted) == (stray, 0, 1)
    services.stock_take_post(stock_take=take, by=personas.manager)
    assert figures(stray, personas.branch)[0] == 1
    assert figures(screen, personas.branch)[0] == 5  # never counted: untouched


def test_one_stock_take_at_a_time_per_branch_and_a_posted_one_takes_no_more_counts(personas, shelf):
    take = services.stock_take_start(branch=personas.branch, by=personas.manager)
    with pytest.raises(ValidationError, match="already under way at Birmingham"):
        services.stock_take_start(branch=personas.branch, by=personas.manager)
    services.stock_take_start(branch=personas.other_branch, by=personas.manager)
    services.stock_take_post(stock_take=take, by=personas.manager)
    with pytest.raises(ValidationError, match="counting is over"):
        services.stock_take_scan(stock_take=take, code="FLEX-1", by=personas.manager)


def test_a_count_may_leave_reserved_parts_uncovered_because_the_shelf_is_the_truth(
    personas, shelf, job
):
    screen, _ = shelf
    services.stock_reserve(
        part=screen, branch=personas.branch, quantity=5, works_order=job, by=personas.manager
    )
    take = services.stock_take_start(branch=personas.branch, by=personas.manager)
    services.stock_take_count(stock_take=take, part=screen, counted=3, by=personas.manager)
    services.stock_take_post(stock_take=take, by=personas.manager)
    assert figures(screen, personas.branch) == (3, 5, -2)
    adjusted = StockMovement.objects.for_shop(personas.shop).get(kind=MovementKind.ADJUSTED)
    assert adjusted.stock_take == take
