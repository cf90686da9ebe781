"""Two works orders reserving the last unit at once: exactly one gets it, the other is told.

These run with committed transactions (transaction=True) and one database connection per
thread, as two technicians' tablets would have.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from parts import services
from parts.models import MovementKind, PartStatus, StockMovement
from tests.factories import WorksOrderFactory
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_connection(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connections.close_all()  # this thread's connection, before the test database goes

    return run


def test_two_jobs_reserving_the_last_unit_at_once_one_wins_and_the_other_is_short(personas, screen):
    services.stock_receive(part=screen, branch=personas.branch, quantity=1, by=personas.manager)
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(2)]
    for job in jobs:
        services.works_order_part_add(
            works_order=job, part=screen, quantity=1, by=personas.technician
        )
    start = threading.Barrier(2)

    @in_own_connection
    def reserve(job):
        start.wait(timeout=30)
        return services.works_order_reserve_parts(works_order=job, by=personas.technician)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(reserve, jobs))

    assert sorted(len(r.reserved) for r in results) == [0, 1]
    (loser,) = [r for r in results if not r.reserved]
    assert loser.short[0].message == (
        "Not enough stock of iPhone 13 screen (OEM): 1 needed, 0 available."
    )
    assert figures(screen, personas.branch) == (1, 1, 0)
    reservations = StockMovement.objects.for_shop(personas.shop).filter(kind=MovementKind.RESERVED)
    assert reservations.count() == 1
    statuses = sorted(job.part_lines.get().status for job in jobs)
    assert statuses == [PartStatus.NEEDED, PartStatus.RESERVED]


def test_a_reservation_waits_for_the_one_in_flight_and_then_sees_the_unit_gone(personas, screen):
    """Job A holds the row while B asks: B queues on the lock, not on luck, then is refused."""
    services.stock_receive(part=screen, branch=personas.branch, quantity=1, by=personas.manager)
    job_a, job_b = (WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in "ab")
    a_reserved, b_is_waiting = threading.Event(), threading.Event()

    def reserve(job):
        return services.stock_reserve(
            part=screen, branch=personas.branch, quantity=1, works_order=job, by=personas.manager
        )

    @in_own_connection
    def tablet_a():
        with transaction.atomic():
            reserve(job_a)
            a_reserved.set()
            b_is_waiting.wait(timeout=30)

    @in_own_connection
    def tablet_b():
        a_reserved.wait(timeout=30)
        threading.Timer(0.3, b_is_waiting.set).start()  # B is blocked on the row lock by then
        with pytest.raises(services.NotEnoughStock, match="1 needed, 0 available"):
            reserve(job_b)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(tablet_a), pool.submit(tablet_b)]:
            future.result(timeout=60)
    assert figures(screen, personas.branch) == (1, 1, 0)
