"""Migration 0012 turns each works order's raw status token into the hash of its worked-out one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import WorksOrderFactory
from tickets.models import status_token_hash

BEFORE = [("tickets", "0011_approval_reply_code")]
AFTER = [("tickets", "0012_status_token_hash")]


@pytest.mark.owner_login
@pytest.mark.django_db(transaction=True)
def test_existing_works_orders_get_the_hash_of_their_link(personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT status_token FROM tickets_worksorder")
        assert cursor.fetchone()[0]  # the old raw token is back for this test
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    with connection.cursor() as cursor:  # read before later migrations add columns back
        cursor.execute("SELECT status_token_hash FROM tickets_worksorder")
        stored = cursor.fetchone()[0]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert stored == status_token_hash(works_order.status_token)
