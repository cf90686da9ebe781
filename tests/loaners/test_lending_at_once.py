"""Two counters lending the same loaner at once: one lends it, the other is told where it is.

Committed transactions and a connection per thread, as two counters would have."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from billing.models import Payment
from loaners.models import Loan, Loaner
from loaners.services import loaner_add, loaner_lend
from tests.factories import WorksOrderFactory
from tickets.models import WorksOrder

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_loaner_is_lent_once_when_two_counters_lend_it_at_once(personas):
    loaner = loaner_add(
        branch=personas.branch, name="Pixel 6", serial="PX6-0001", condition="", by=personas.manager
    )
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(2)]
    start = threading.Barrier(2)

    def lend(job_and_member):
        job, by = job_and_member
        try:
            start.wait(timeout=30)
            loaner_lend(
                works_order=WorksOrder.objects.for_shop(personas.shop).get(pk=job.pk),
                loaner=Loaner.objects.for_shop(personas.shop).get(pk=loaner.pk),
                due_back=timezone.localdate() + datetime.timedelta(days=5),
                condition="",
                deposit=Decimal("30.00"),
                deposit_method="cash",
                by=by,
            )
            return "lent"
        except ValidationError as refused:
            return " ".join(refused.messages)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(lend, [(jobs[0], personas.front_desk), (jobs[1], personas.manager)])
        )

    assert results.count("lent") == 1
    refused = next(r for r in results if r != "lent")
    assert "Pixel 6 (S/N PX6-0001) is already out with" in refused
    assert Loan.objects.for_shop(personas.shop).filter(loaner=loaner).count() == 1
    # The refused lend took no deposit either: it rolled back with the refusal.
    assert Payment.objects.for_shop(personas.shop).filter(held=True).count() == 1
