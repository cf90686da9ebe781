"""Prepared queries: compiled once, the same rows as Django's own, another shop's rows never."""

import datetime
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shops.prepared import Prepared, keep_as_prefetched
from tests.factories import ShopFactory, WorksOrderFactory
from tickets.models import QuoteLine, TimelineEntry, WorksOrder
from tickets.sla_status import sla_status


def _job(shop_id: int, number: str, now: datetime.datetime):
    return (
        WorksOrder.objects.for_shop(shop_id)
        .filter(number=number)
        .select_related("customer", "device", "branch")
        .annotate(
            sla_status=sla_status(now),
            has_lines=Exists(QuoteLine.objects.filter(shop_id=shop_id, works_order=OuterRef("pk"))),
        )
    )


JOB = Prepared(_job, shop_id=int, number=str, now=datetime.datetime)


def _book(personas, elsewhere: bool = False):
    if elsewhere:
        return WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk)


@pytest.fixture
def jobs(personas):
    """Two of this shop's jobs and three of another shop's (numbered on from WO-000001 in each
    shop: WO-000003 is theirs alone)."""
    return [_book(personas) for _ in range(2)] + [_book(personas, True) for _ in range(3)]


def test_it_returns_what_the_queryset_would_in_one_query(jobs):
    now = timezone.now()
    for job in jobs:
        with CaptureQueriesContext(connection) as ran:
            [found] = JOB.fetch(shop_id=job.shop_id, number=job.number, now=now)
            # The related rows came in the same query.
            names = (found.customer.full_name, found.device.imei, found.branch.name)
        [expected] = _job(job.shop_id, job.number, now)
        assert len(ran) == 1
        assert found.pk == expected.pk == job.pk
        assert names == (expected.customer.full_name, expected.device.imei, expected.branch.name)
        assert (found.sla_status, found.has_lines) == (expected.sla_status, expected.has_lines)


def test_each_request_gets_its_own_time(personas):
    job = _book(personas)
    due = timezone.now() + datetime.timedelta(hours=2)
    WorksOrder.objects.for_shop(job.shop).filter(pk=job.pk).update(
        sla_due_at=due, sla_risk_at=due - datetime.timedelta(hours=1)
    )
    statuses = [
        JOB.fetch(shop_id=job.shop_id, number=job.number, now=due + offset)[0].sla_status
        for offset in (datetime.timedelta(hours=-3), datetime.timedelta(minutes=-30),
                       datetime.timedelta(minutes=1))
    ]  # fmt: skip
    assert statuses == ["on_track", "at_risk", "breached"]


def test_another_shops_number_finds_nothing(jobs):
    mine, theirs = jobs[0], jobs[4]
    assert mine.shop_id != theirs.shop_id and theirs.number == "WO-000003"
    now = timezone.now()
    assert JOB.fetch(shop_id=mine.shop_id, number=theirs.number, now=now) == []
    [same_number] = JOB.fetch(shop_id=theirs.shop_id, number=mine.number, now=now)
    assert same_number.pk == jobs[2].pk  # their own WO-000001, not ours
    assert JOB.fetch(shop_id=ShopFactory().pk, number=mine.number, now=now) == []


def test_a_value_the_build_makes_itself_is_refused(db):
    frozen = Prepared(
        lambda shop_id: WorksOrder.objects.for_shop(shop_id).annotate(s=sla_status()),
        shop_id=int,
    )
    with pytest.raises(ImproperlyConfigured, match="none of the slots"):
        frozen.fetch(shop_id=1)


def test_a_slot_turned_into_another_value_is_refused(db):
    pattern = Prepared(
        lambda shop_id, number: WorksOrder.objects.for_shop(shop_id).filter(
            number__startswith=number
        ),
        shop_id=int,
        number=str,
    )
    with pytest.raises(ImproperlyConfigured, match="none of the slots"):
        pattern.fetch(shop_id=1, number="A")


def test_only_model_instances_are_prepared(db):
    counted = Prepared(
        lambda shop_id: WorksOrder.objects.for_shop(shop_id).values("status"), shop_id=int
    )
    prefetching = Prepared(
        lambda shop_id: WorksOrder.objects.for_shop(shop_id).prefetch_related("lines"),
        shop_id=int,
    )
    for prepared in (counted, prefetching):
        with pytest.raises(ImproperlyConfigured):
            prepared.fetch(shop_id=1)
    grouped = Prepared(
        lambda shop_id: WorksOrder.objects.for_shop(shop_id).annotate(n=Count("lines")),
        shop_id=int,
    )
    assert grouped.fetch(shop_id=1) == []


@pytest.mark.parametrize(
    "values",
    [
        {"shop_id": "1", "number": "A", "now": timezone.now()},
        {"shop_id": True, "number": "A", "now": timezone.now()},
        {"shop_id": 1, "number": 7, "now": timezone.now()},
        {"shop_id": 1, "number": "A", "now": datetime.datetime(2026, 1, 1)},  # naive
        {"shop_id": 1, "number": "A"},
    ],
)
def test_a_slot_of_the_wrong_kind_is_refused_before_the_database(db, values):
    with CaptureQueriesContext(connection) as ran, pytest.raises(TypeError):
        JOB.fetch(**values)
    assert len(ran) == 0


@pytest.mark.django_db(transaction=True)
def test_another_thread_uses_its_own_connection(personas):
    job = _book(personas)
    JOB.fetch(shop_id=job.shop_id, number=job.number, now=timezone.now())  # compiled here
    found, failed = [], []

    def read():
        try:
            found.extend(JOB.fetch(shop_id=job.shop_id, number=job.number, now=timezone.now()))
        except Exception as problem:  # handed back to the test below
            failed.append(problem)
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert failed == [] and [wo.pk for wo in found] == [job.pk]


def test_kept_rows_are_what_all_returns_and_a_filter_still_asks(personas):
    job = _book(personas)
    entries = list(TimelineEntry.objects.for_shop(job.shop_id).filter(works_order=job))
    assert entries  # booking in wrote one
    keep_as_prefetched(job, "timeline", entries)
    with CaptureQueriesContext(connection) as ran:
        kept = list(job.timeline.all())
        back = kept[0].works_order
    assert kept == entries and back is job and len(ran) == 0
    with CaptureQueriesContext(connection) as ran:
        assert list(job.timeline.filter(pk=-1)) == []
    assert len(ran) == 1


@pytest.mark.parametrize("number", ["WO-000001\x00", "\x00"])
def test_text_with_a_nul_finds_nothing_and_asks_nothing(jobs, number):
    with CaptureQueriesContext(connection) as ran:
        assert JOB.fetch(shop_id=jobs[0].shop_id, number=number, now=timezone.now()) == []
    assert len(ran) == 0


def test_an_id_beyond_what_a_column_holds_finds_nothing(jobs):
    kept = Prepared(
        lambda shop_id, works_order_id: TimelineEntry.objects.for_shop(shop_id).filter(
            works_order_id=works_order_id
        ),
        shop_id=int,
        works_order_id=int,
    )
    assert kept.fetch(shop_id=jobs[0].shop_id, works_order_id=jobs[0].pk)
    for huge in (2**31, 2**63, -(2**70)):
        assert kept.fetch(shop_id=jobs[0].shop_id, works_order_id=huge) == []
