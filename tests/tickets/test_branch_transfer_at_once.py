"""Two people moving the same job at once (or one double click): one move happens, once.

Committed transactions and a connection per thread, as two counters would have."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from parts import services as parts
from parts.models import MovementKind, StockMovement
from parts.selectors import stock_figures
from tests.factories import PartFactory, WorksOrderFactory
from tickets.models import BranchTransfer, Event, WorksOrder
from tickets.transfers import works_order_transfer

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_submits_at_once_move_the_job_and_its_parts_once(personas):
    screen = PartFactory(shop=personas.shop, name="iPad screen", part_number="IPAD-SCR")
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    parts.stock_receive(part=screen, branch=personas.branch, quantity=1, by=personas.manager)
    parts.stock_receive(part=screen, branch=personas.other_branch, quantity=3, by=personas.manager)
    parts.works_order_part_add(works_order=job, part=screen, quantity=1, by=personas.manager)
    parts.works_order_reserve_parts(works_order=job, by=personas.manager)
    start = threading.Barrier(2)

    def submit(by):
        try:
            start.wait(timeout=30)
            copy = WorksOrder.objects.for_shop(personas.shop).get(pk=job.pk)
            works_order_transfer(
                works_order=copy,
                to_branch=personas.other_branch,
                from_branch_id=personas.branch.pk,
                reason="Specialist",
                by=by,
            )
            return "moved"
        except ValidationError as refused:
            return refused.messages[0]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(submit, [personas.front_desk, personas.manager]))

    assert sorted(results) == [f"{job.number} has already been moved to Coventry.", "moved"]
    assert BranchTransfer.objects.for_shop(personas.shop).count() == 1
    movements = StockMovement.objects.for_shop(personas.shop).filter(works_order=job)
    assert movements.filter(kind=MovementKind.RELEASED).count() == 1
    assert movements.filter(kind=MovementKind.RESERVED).count() == 2  # the first, and Coventry's
    assert stock_figures(screen, personas.branch).reserved == 0
    assert stock_figures(screen, personas.other_branch).reserved == 1
    assert job.timeline.filter(event=Event.TRANSFER).count() == 1
