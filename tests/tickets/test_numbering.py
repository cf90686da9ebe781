"""Works-order numbers under concurrent intake: distinct, gap-free, never reused.

These run against the real PostgreSQL with committed transactions (transaction=True): each
thread has its own database connection, as each counter at a busy shop would.
"""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction
from django.utils import timezone

from shops.models import NumberingScheme
from tests.factories import CustomerFactory, DeviceFactory
from tickets import numbering
from tickets.models import WorksOrder
from tickets.services import works_order_book_in, works_order_cancel

CONNECTIONS = 8


def book_in(branch, by, customer, device) -> str:
    works_order = works_order_book_in(
        branch=branch,
        customer=customer,
        device=device,
        by=by,
        details={"fault_reported": "No power"},
    )
    return works_order.number


def book_in_parallel(jobs: list[tuple]) -> list[str]:
    """Run each job (branch, member, count) in its own thread and connection, all at once."""
    start = threading.Barrier(len(jobs))

    def run(branch, by, count) -> list[str]:
        try:
            # Each thread's own customer: also proves the connection sees committed rows.
            customer = CustomerFactory(shop=branch.shop)
            device = DeviceFactory(shop=branch.shop, customer=customer)
            start.wait(timeout=30)
            return [book_in(branch, by, customer, device) for _ in range(count)]
        finally:
            connections.close_all()  # this thread's connection, before the test database goes

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, *job) for job in jobs]
        return [number for future in futures for number in future.result(timeout=120)]


def month_of(branch) -> str:
    return f"{timezone.localdate(timezone=branch.tz):%y%m}"


@pytest.mark.django_db(transaction=True)
def test_eight_counters_booking_400_at_once_get_400_numbers_without_a_gap(personas):
    jobs = [(personas.branch, personas.front_desk, 50)] * CONNECTIONS
    numbers = book_in_parallel(jobs)
    assert len(numbers) == 400
    assert sorted(numbers) == [f"WO-{n:06d}" for n in range(1, 401)]
    stored = WorksOrder.objects.for_shop(personas.shop).values_list("number", flat=True)
    assert sorted(stored) == sorted(numbers)


@pytest.mark.django_db(transaction=True)
def test_two_branches_booking_at_once_each_get_their_own_gap_free_series(personas):
    shop = personas.shop
    shop.numbering = NumberingScheme.BRANCH_PREFIXED
    shop.save()
    bhm, cov = personas.branch, personas.other_branch
    jobs = [(bhm, personas.owner, 50), (cov, personas.manager, 50)] * (CONNECTIONS // 2)
    numbers = book_in_parallel(jobs)
    assert len(set(numbers)) == 400
    for branch in (bhm, cov):
        series = sorted(n for n in numbers if n.startswith(branch.code + "-"))
        prefix = f"{branch.code}-{month_of(branch)}"
        assert series == [f"{prefix}-{n:04d}" for n in range(1, 201)]


@pytest.mark.django_db(transaction=True)
def test_a_booking_that_rolls_back_leaves_no_gap(personas):
    customer = CustomerFactory(shop=personas.shop)
    device = DeviceFactory(shop=personas.shop, customer=customer)
    first = book_in(personas.branch, personas.front_desk, customer, device)

    class TillCrashed(Exception):
        pass

    with pytest.raises(TillCrashed), transaction.atomic():
        lost = book_in(personas.branch, personas.front_desk, customer, device)
        raise TillCrashed
    after = book_in(personas.branch, personas.front_desk, customer, device)
    assert (first, lost, after) == ("WO-000001", "WO-000002", "WO-000002")
    assert WorksOrder.objects.for_shop(personas.shop).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_counter_waiting_on_a_booking_that_rolls_back_takes_its_number(personas):
    """Desk A holds the counter row, desk B queues behind it, A fails: B gets A's number."""
    branch, by = personas.branch, personas.front_desk
    customer = CustomerFactory(shop=personas.shop)
    device = DeviceFactory(shop=personas.shop, customer=customer)
    a_has_number, b_is_waiting = threading.Event(), threading.Event()

    def desk_a() -> str:
        try:
            with transaction.atomic():
                number = book_in(branch, by, customer, device)
                a_has_number.set()
                b_is_waiting.wait(timeout=30)
                transaction.set_rollback(True)
            return number
        finally:
            connections.close_all()

    def desk_b() -> str:
        try:
            a_has_number.wait(timeout=30)
            threading.Timer(0.3, b_is_waiting.set).start()  # B is blocked on the row lock by then
            return book_in(branch, by, customer, device)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.submit(desk_a), pool.submit(desk_b)
        assert a.result(timeout=60) == b.result(timeout=60) == "WO-000001"
    assert list(WorksOrder.objects.for_shop(personas.shop).values_list("number", flat=True)) == [
        "WO-000001"
    ]


@pytest.mark.django_db
def test_date_based_numbers_count_up_within_a_day_and_restart_the_next(personas):
    shop, branch = personas.shop, personas.branch
    shop.numbering = NumberingScheme.DATE_BASED
    ides = datetime.date(2026, 3, 15)
    with transaction.atomic():
        numbers = [numbering.next_number(shop=shop, branch=branch, on=ides) for _ in range(3)]
        next_day = numbering.next_number(shop=shop, branch=branch, on=ides.replace(day=16))
    assert numbers == ["2603-15-001", "2603-15-002", "2603-15-003"]
    assert next_day == "2603-16-001"


@pytest.mark.django_db
def test_a_date_based_booking_is_numbered_for_the_branchs_own_day(personas):
    personas.shop.numbering = NumberingScheme.DATE_BASED
    personas.shop.save()
    customer = CustomerFactory(shop=personas.shop)
    device = DeviceFactory(shop=personas.shop, customer=customer)
    number = book_in(personas.branch, personas.front_desk, customer, device)
    assert number == f"{timezone.localdate(timezone=personas.branch.tz):%y%m-%d}-001"


@pytest.mark.django_db
def test_the_number_of_a_cancelled_works_order_is_never_reused(personas):
    customer = CustomerFactory(shop=personas.shop)
    device = DeviceFactory(shop=personas.shop, customer=customer)
    first = works_order_book_in(
        branch=personas.branch,
        customer=customer,
        device=device,
        by=personas.front_desk,
        details={"fault_reported": "No power"},
    )
    works_order_cancel(works_order=first, reason="Customer took it home", by=personas.manager)
    second = book_in(personas.branch, personas.front_desk, customer, device)
    first.refresh_from_db()
    assert first.number == "WO-000001" and first.status == "cancelled"
    assert second == "WO-000002"


@pytest.mark.django_db
def test_each_shop_counts_on_its_own(personas):
    outsider = personas.outsider
    theirs_customer = CustomerFactory(shop=outsider.shop)
    theirs = book_in(
        outsider.branches.first(),
        outsider,
        theirs_customer,
        DeviceFactory(shop=outsider.shop, customer=theirs_customer),
    )
    customer = CustomerFactory(shop=personas.shop)
    ours = book_in(
        personas.branch,
        personas.front_desk,
        customer,
        DeviceFactory(shop=personas.shop, customer=customer),
    )
    assert theirs == ours == "WO-000001"
