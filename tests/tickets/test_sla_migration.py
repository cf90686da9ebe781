"""Migration 0014 gives the jobs open when the SLA engine arrives their promise."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shops.services import DEFAULT_HOURS, branch_set_hours
from tests.factories import WorksOrderFactory
from tests.tickets.sla_helpers import sla_next_at
from tickets.models import Priority, WorksOrder


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target or executor.loader.graph.leaf_nodes())


@pytest.mark.owner_login
@pytest.mark.django_db(transaction=True)
def test_open_jobs_get_a_promise_and_closed_ones_none(personas):
    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk, priority=Priority.VIP)
    expected = (job.sla_due_at, job.sla_risk_at)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=job.pk).update(
        sla_due_at=None, sla_risk_at=None
    )
    migrate([("tickets", "0013_sla")])
    migrate(None)
    job.refresh_from_db()
    assert (job.sla_due_at, job.sla_risk_at) == expected
    assert sla_next_at(job) in (job.sla_risk_at, job.sla_due_at, None)
