"""Billing 0002 carries the old "paid at the counter" tick and typed exemptions over."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from billing.models import ExemptionKind, Method, Payment, PaymentExemption
from tests.factories import WorksOrderFactory


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target or executor.loader.graph.leaf_nodes())


@pytest.mark.owner_login
@pytest.mark.django_db(transaction=True)
def test_paid_jobs_get_a_payment_and_exempt_ones_an_exemption(personas):
    paid, exempt, open_job = (
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(3)
    )
    migrate([("tickets", "0018_billing_event"), ("billing", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_worksorder SET status = 'collected', collected_at = now(), "
            "final_price = 99.50, paid_at_counter = true WHERE id = %s",
            [paid.pk],
        )
        cursor.execute(
            "UPDATE tickets_worksorder SET status = 'collected', collected_at = now(), "
            "payment_exemption = 'Warranty repair' WHERE id = %s",
            [exempt.pk],
        )
    migrate(None)
    payment = Payment.objects.for_shop(personas.shop).get()
    assert (payment.works_order_id, payment.method, payment.amount) == (
        paid.pk,
        Method.RECORDED,
        Decimal("99.50"),
    )
    exemption = PaymentExemption.objects.for_shop(personas.shop).get()
    assert (exemption.works_order_id, exemption.kind, exemption.note) == (
        exempt.pk,
        ExemptionKind.RECORDED,
        "Warranty repair",
    )
    assert open_job.pk not in (payment.works_order_id, exemption.works_order_id)
