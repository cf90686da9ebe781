"""Two beats at once: every visit raised once, with real transactions and a connection each."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from recurring.models import Visit
from recurring.services import visits_raise
from tests.recurring.conftest import MONDAY
from tickets.models import WorksOrder

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_beats_at_once_raise_each_visit_once(personas, make_schedule, tablets):
    make_schedule(devices=tablets)
    make_schedule(name="Second contract", devices=tablets[:1], frequency="monthly")
    start = threading.Barrier(2)

    def beat(_):
        try:
            start.wait(timeout=30)
            return visits_raise(today=MONDAY)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(beat, range(2)))

    assert sum(run.booked for run in runs) == 3
    assert sum(run.claimed for run in runs) == 3
    assert WorksOrder.objects.for_shop(personas.shop).count() == 3
    assert Visit.objects.for_shop(personas.shop).filter(works_order__isnull=True).count() == 0
