"""Indexes the SLA view reads along (reports/selectors.py); the tables are tickets', the reads
are ours, so they are created here in SQL rather than declared on tickets' models."""

from django.db import migrations

# The condition must read exactly as reports.selectors.STEP_ENTRIES (without the alias): a
# partial index is used only when the query's WHERE visibly implies it.
STEP_ENTRIES = (
    "(event = 'booked_in' OR (event IN ('status', 'assigned', 'qc', 'collected', 'cancelled')"
    " AND data->>'target' IS NOT NULL))"
)


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tickets", "0013_sla")]

    operations = [
        # Compliance: the jobs of a shop that became ready in a period, with an SLA due time.
        migrations.RunSQL(
            "CREATE INDEX reports_sla_ready ON tickets_worksorder (shop_id, ready_at)"
            " INCLUDE (priority, sla_due_at, branch_id) WHERE sla_due_at IS NOT NULL",
            "DROP INDEX reports_sla_ready",
        ),
        # Time in status: a shop's status changes in a period, in time order.
        migrations.RunSQL(
            f"CREATE INDEX reports_timeline_steps ON tickets_timelineentry (shop_id, at)"
            f" INCLUDE (works_order_id) WHERE {STEP_ENTRIES}",
            "DROP INDEX reports_timeline_steps",
        ),
    ]
