"""Two sweeps at once (two beats, two workers): every crossing and every alert still once.

These run with committed transactions (transaction=True) and one database connection per
thread, as two Celery workers taking the same beat would.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from notifications.models import Alert, Message
from tests.factories import WorksOrderFactory
from tests.tickets.sla_helpers import HOUR, T, sla_set
from tickets.models import SlaClock, SlaCrossing
from tickets.sla_sweep import sla_sweep

pytestmark = pytest.mark.django_db(transaction=True)

MANAGERS = 2  # the owner and the manager work at both branches


def in_own_connection(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connections.close_all()  # this thread's connection, before the test database goes

    return run


@pytest.fixture
def crossing_jobs(personas):
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(20)]
    return [sla_set(job, risk=T - 2 * HOUR, due=T - HOUR) for job in jobs]


def test_two_sweeps_started_together_record_each_crossing_and_alert_once(personas, crossing_jobs):
    start = threading.Barrier(2)

    @in_own_connection
    def beat(_):
        start.wait(timeout=30)
        return sla_sweep(now=T)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(beat, range(2)))

    assert sum(r.crossings for r in results) == 2 * len(crossing_jobs)
    assert sum(r.alerts for r in results) == 2 * len(crossing_jobs) * MANAGERS
    assert SlaCrossing.objects.for_shop(personas.shop).count() == 2 * len(crossing_jobs)
    assert Alert.objects.for_shop(personas.shop).count() == 2 * len(crossing_jobs) * MANAGERS
    # One email per manager from each sweep that recorded anything.
    emails = Message.objects.for_shop(personas.shop).exclude(member=None)
    assert emails.count() == MANAGERS * sum(1 for r in results if r.crossings)
    assert sum(r.emails for r in results) == emails.count()
    assert not SlaClock.objects.for_shop(personas.shop).exists()  # nothing left to record


def test_a_sweep_waits_for_one_in_flight_and_then_finds_nothing_left(personas, crossing_jobs):
    """Sweep A holds the rows while B starts: B queues on the row locks, not on luck, and after
    A commits re-reads each row (READ COMMITTED), sees it moved on, and records nothing."""
    a_swept, b_started, a_may_commit = threading.Event(), threading.Event(), threading.Event()

    @in_own_connection
    def sweep_a():
        with transaction.atomic():
            result = sla_sweep(now=T)
            a_swept.set()
            a_may_commit.wait(timeout=30)
        return result

    @in_own_connection
    def sweep_b():
        a_swept.wait(timeout=30)
        b_started.set()
        began = time.monotonic()
        result = sla_sweep(now=T)
        return result, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(sweep_a)
        b = pool.submit(sweep_b)
        b_started.wait(timeout=30)
        time.sleep(0.5)  # B is now blocked on A's locks
        a_may_commit.set()
        first = a.result(timeout=30)
        second, waited = b.result(timeout=30)

    assert first.crossings == 2 * len(crossing_jobs)
    assert (second.jobs, second.crossings, second.alerts) == (0, 0, 0)
    assert waited >= 0.4
    assert Alert.objects.for_shop(personas.shop).count() == first.alerts


def test_a_sweep_that_fails_leaves_everything_for_the_next_one(personas, crossing_jobs):
    """A sweep rolled back (worker killed mid-way) records nothing; the next beat does it all."""

    @in_own_connection
    def doomed():
        with pytest.raises(RuntimeError), transaction.atomic():
            sla_sweep(now=T)
            raise RuntimeError("worker lost")

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(doomed).result(timeout=30)
    assert not SlaCrossing.objects.for_shop(personas.shop).exists()
    assert not Alert.objects.for_shop(personas.shop).exists()

    result = sla_sweep(now=T + HOUR)

    assert result.crossings == 2 * len(crossing_jobs)
    assert Alert.objects.for_shop(personas.shop).count() == result.alerts
