"""Suggestions from the shop's history (tickets/suggestions.py) find past jobs whose fault or
findings are like the fault being typed: a GIN trigram index over `fault_reported || ' ' ||
diagnosis` of finished jobs (they reached ready), led by the shop (btree_gin), so the match reads
one shop's entries only. Built concurrently: on a big installation the works-order table takes a
while to index (about a minute for a million works orders), and bookings must not wait for it.

Written as SQL rather than a Meta index: the query in tickets/suggestions.py repeats the
expression exactly as it is here, which Django's Concat (COALESCE around each part) would not.
"""

from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0025_transfers_templates_checklists")]

    operations = [
        TrigramExtension(),  # both are there since customers 0001; this says the index needs them
        BtreeGinExtension(),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS works_order_history_trgm "
            "ON tickets_worksorder USING gin "
            "(shop_id, (fault_reported || ' ' || diagnosis) gin_trgm_ops) "
            "WHERE ready_at IS NOT NULL",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS works_order_history_trgm",
        ),
    ]
