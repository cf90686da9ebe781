"""Each lifecycle step keeps the status it left and how long the job had been in it, and the works
order when it entered its current status: the time in each status is then read from the steps alone
(reports), not pieced together from the timeline with window functions on every read.

The steps already recorded are filled in from the timeline, in two set-based statements."""

import django.utils.timezone
from django.db import migrations, models

# The timeline entries that start a stretch in a status (as reports.selectors.STEP_ENTRIES).
STEP_ENTRIES = (
    "(event = 'booked_in' OR (event IN ('status', 'assigned', 'qc', 'collected', 'cancelled')"
    " AND data->>'target' IS NOT NULL))"
)

FILL_STEPS = f"""
    UPDATE tickets_timelineentry t
    SET from_status = s.data->>'source', time_in_from_status = s.at - s.began
    FROM (
        SELECT id, event, data, at,
               LAG(at) OVER (PARTITION BY works_order_id ORDER BY at, id) AS began
        FROM tickets_timelineentry
        WHERE {STEP_ENTRIES}
    ) s
    WHERE t.id = s.id AND s.event <> 'booked_in' AND s.data->>'source' IS NOT NULL
"""

FILL_WORKS_ORDERS = f"""
    UPDATE tickets_worksorder w
    SET status_since = COALESCE((
        SELECT max(t.at) FROM tickets_timelineentry t
        WHERE t.works_order_id = w.id AND t.shop_id = w.shop_id AND {STEP_ENTRIES}
    ), w.created_at)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0012_reply_emails"),
        ("tickets", "0019_paid_at_counter_moved_to_billing"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="from_status",
            field=models.CharField(blank=True, db_default="", max_length=20),
        ),
        migrations.AddField(
            model_name="timelineentry",
            name="time_in_from_status",
            field=models.DurationField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="worksorder",
            name="status_since",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunSQL(FILL_STEPS, migrations.RunSQL.noop, elidable=True),
        migrations.RunSQL(FILL_WORKS_ORDERS, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="timelineentry",
            index=models.Index(
                condition=models.Q(("from_status", ""), _negated=True),
                fields=["shop", "at"],
                include=("works_order", "from_status", "time_in_from_status"),
                name="timeline_stays",
            ),
        ),
    ]
