"""Invoice and credit-note numbers under 16 counters at once: distinct, gap-free, and one invoice
per job however many tills issue it. Committed transactions (transaction=True), one database
connection per thread, as at a busy shop."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections

from billing import services
from billing.models import DocumentKind, Invoice
from tests.billing.conftest import ready_job

CLIENTS = 16
PER_CLIENT = 3

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(work, items_per_client: list[list]) -> list:
    start = threading.Barrier(len(items_per_client))

    def run(items) -> list:
        try:
            start.wait(timeout=30)
            return [work(item) for item in items]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(items_per_client)) as pool:
        futures = [pool.submit(run, items) for items in items_per_client]
        return [result for future in futures for result in future.result(timeout=120)]


def test_sixteen_counters_issue_invoices_and_credit_notes_without_a_gap(personas):
    jobs = [ready_job(personas) for _ in range(CLIENTS * PER_CLIENT)]
    chunks = [jobs[i::CLIENTS] for i in range(CLIENTS)]

    numbers = at_once(
        lambda job: services.invoice_issue(works_order=job, by=personas.front_desk).number,
        chunks,
    )
    total = CLIENTS * PER_CLIENT
    assert sorted(numbers) == [f"INV-{n:06d}" for n in range(1, total + 1)]

    invoices = list(Invoice.objects.for_shop(personas.shop).filter(kind=DocumentKind.INVOICE))
    notes = at_once(
        lambda invoice: (
            services.credit_note_issue(
                invoice=invoice, amount=Decimal("1.00"), reason="Goodwill", by=personas.manager
            ).number
        ),
        [invoices[i::CLIENTS] for i in range(CLIENTS)],
    )
    assert sorted(notes) == [f"CN-{n:06d}" for n in range(1, total + 1)]


def test_sixteen_tills_issuing_one_job_at_once_make_one_invoice(personas):
    job = ready_job(personas)
    numbers = at_once(
        lambda _: services.invoice_issue(works_order=job, by=personas.front_desk).number,
        [[None]] * CLIENTS,
    )
    assert set(numbers) == {"INV-000001"}
    assert Invoice.objects.for_shop(personas.shop).count() == 1
