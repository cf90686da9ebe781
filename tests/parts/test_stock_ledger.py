"""Stock is a ledger: on hand, reserved and available are sums of movements, never typed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from parts import services
from parts.models import MovementKind, StockMovement
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db


def test_every_kind_of_movement_moves_on_hand_reserved_and_available_as_it_should(
    personas, screen, job
):
    bhm, cov, manager = personas.branch, personas.other_branch, personas.manager
    steps = [
        (lambda: services.stock_receive(part=screen, branch=bhm, quantity=5, by=manager), (5, 0)),
        (
            lambda: services.stock_reserve(
                part=screen, branch=bhm, quantity=2, works_order=job, by=manager
            ),
            (5, 2),
        ),
        (
            lambda: services.stock_release(
                part=screen, branch=bhm, quantity=1, works_order=job, by=manager
            ),
            (5, 1),
        ),
        (
            lambda: services.stock_use(
                part=screen,
                branch=bhm,
                quantity=1,
                works_order=job,
                by=manager,
                from_reservation=True,
            ),
            (4, 0),
        ),
        (
            lambda: services.stock_use(
                part=screen, branch=bhm, quantity=1, works_order=job, by=manager
            ),
            (3, 0),
        ),
        (
            lambda: services.stock_return_to_supplier(
                part=screen, branch=bhm, quantity=1, reason="Dead pixels", by=manager
            ),
            (2, 0),
        ),
        (
            lambda: services.stock_adjust(
                part=screen, branch=bhm, change=3, reason="Found in the back", by=manager
            ),
            (5, 0),
        ),
        (
            lambda: services.stock_adjust(
                part=screen, branch=bhm, change=-1, reason="Dropped", by=manager
            ),
            (4, 0),
        ),
        (
            lambda: services.stock_transfer(
                part=screen, from_branch=bhm, to_branch=cov, quantity=2, by=manager
            ),
            (2, 0),
        ),
    ]
    for step, (on_hand, reserved) in steps:
        step()
        assert figures(screen, bhm) == (on_hand, reserved, on_hand - reserved)
    assert figures(screen, cov) == (2, 0, 2)
    kinds = set(StockMovement.objects.for_shop(personas.shop).values_list("kind", flat=True))
    assert kinds == set(MovementKind.values)


def test_a_transfer_is_a_pair_of_movements_the_in_naming_its_out(personas, screen):
    services.stock_receive(part=screen, branch=personas.branch, quantity=3, by=personas.manager)
    ((out, arrived),) = services.stock_transfer(
        part=screen,
        from_branch=personas.branch,
        to_branch=personas.other_branch,
        quantity=2,
        by=personas.manager,
    )
    assert (out.kind, out.on_hand_delta, out.branch) == ("transfer_out", -2, personas.branch)
    assert (arrived.kind, arrived.on_hand_delta) == ("transfer_in", 2)
    assert arrived.transfer_of == out


def test_available_never_goes_below_zero_through_reservations_or_use(personas, screen, job):
    bhm, manager = personas.branch, personas.manager
    services.stock_receive(part=screen, branch=bhm, quantity=1, by=manager)
    services.stock_reserve(part=screen, branch=bhm, quantity=1, works_order=job, by=manager)
    with pytest.raises(services.NotEnoughStock, match="1 needed, 0 available"):
        services.stock_reserve(part=screen, branch=bhm, quantity=1, works_order=job, by=manager)
    with pytest.raises(services.NotEnoughStock):
        services.stock_use(part=screen, branch=bhm, quantity=1, works_order=job, by=manager)
    with pytest.raises(services.NotEnoughStock):
        services.stock_transfer(
            part=screen, from_branch=bhm, to_branch=personas.other_branch, quantity=1, by=manager
        )
    assert figures(screen, bhm) == (1, 1, 0)


def test_a_count_being_corrected_may_leave_a_reservation_uncovered(personas, screen, job):
    bhm, manager = personas.branch, personas.manager
    services.stock_receive(part=screen, branch=bhm, quantity=1, by=manager)
    services.stock_reserve(part=screen, branch=bhm, quantity=1, works_order=job, by=manager)
    with pytest.raises(services.NotEnoughStock):
        services.stock_adjust(part=screen, branch=bhm, change=-1, reason="Cracked", by=manager)
    services.stock_adjust(
        part=screen, branch=bhm, change=-1, reason="Miscounted", by=manager, correcting=True
    )
    assert figures(screen, bhm) == (0, 1, -1)


def test_an_adjustment_needs_a_reason_and_a_release_cannot_exceed_what_is_held(
    personas, screen, job
):
    bhm, manager = personas.branch, personas.manager
    with pytest.raises(ValidationError, match="reason"):
        services.stock_adjust(part=screen, branch=bhm, change=2, reason=" ", by=manager)
    services.stock_receive(part=screen, branch=bhm, quantity=2, by=manager)
    with pytest.raises(ValidationError, match="holds 0"):
        services.stock_release(part=screen, branch=bhm, quantity=1, works_order=job, by=manager)


def test_the_database_refuses_a_movement_whose_figures_do_not_fit_its_kind(personas, screen):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            shop=personas.shop,
            part=screen,
            branch=personas.branch,
            kind=MovementKind.RECEIVED,
            quantity=2,
            on_hand_delta=2,
            reserved_delta=2,  # a receipt reserves nothing
            unit_cost=screen.cost,
        )


def test_the_ledger_cannot_be_rewritten(personas, screen):
    (received,) = services.stock_receive(
        part=screen, branch=personas.branch, quantity=2, by=personas.manager
    )
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        StockMovement.objects.for_shop(personas.shop).filter(pk=received.pk).update(quantity=20)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        received.delete()
    assert figures(screen, personas.branch) == (2, 0, 2)
