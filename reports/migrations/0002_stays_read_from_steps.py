"""The time in each status is now read from the steps themselves (tickets 0020 and its index
timeline_stays): the index of status changes that reads pieced it together is no longer read."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_sla_indexes"),
        ("tickets", "0020_time_in_previous_status"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS reports_timeline_steps",
            "CREATE INDEX reports_timeline_steps ON tickets_timelineentry (shop_id, at)"
            " INCLUDE (works_order_id) WHERE (event = 'booked_in' OR (event IN ('status',"
            " 'assigned', 'qc', 'collected', 'cancelled') AND data->>'target' IS NOT NULL))",
        ),
    ]
