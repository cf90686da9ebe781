"""The sweep's next threshold moves from the works order into a narrow table of its own
(SlaClock): each job the sweep moved on rewrote its works-order row into every one of that
table's indexes. Open jobs with a threshold still to record are copied over as they stand."""

import django.db.models.deletion
from django.db import migrations, models

from shops.db import SameShopForeignKey

# The new keys are checked as the rows go in: a deferred check would still be pending when the
# works-order table is altered next, which PostgreSQL refuses.
COPY = """
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO tickets_slaclock (works_order_id, shop_id, branch_id, due_at, risk_at, paused_at, next_at)
SELECT id, shop_id, branch_id, sla_due_at, sla_risk_at, sla_paused_at, sla_next_at
  FROM tickets_worksorder
 WHERE sla_next_at IS NOT NULL AND sla_due_at IS NOT NULL AND sla_risk_at IS NOT NULL
   AND status NOT IN ('collected', 'cancelled');
ANALYZE tickets_slaclock;
"""
COPY_BACK = """
UPDATE tickets_worksorder w SET sla_next_at = c.next_at
  FROM tickets_slaclock c WHERE c.works_order_id = w.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0009_membership_sla_alerts"),
        ("tickets", "0015_prediction_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SlaClock",
            fields=[
                (
                    "works_order",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="sla_clock",
                        serialize=False,
                        to="tickets.worksorder",
                    ),
                ),
                (
                    "shop",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shops.shop",
                    ),
                ),
                (
                    "branch",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="shops.branch",
                    ),
                ),
                ("due_at", models.DateTimeField()),
                ("risk_at", models.DateTimeField()),
                ("paused_at", models.DateTimeField(blank=True, null=True)),
                ("next_at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["next_at"], name="sla_clock_next")],
            },
        ),
        SameShopForeignKey("slaclock", "works_order"),
        SameShopForeignKey("slaclock", "branch"),
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.RemoveIndex(model_name="worksorder", name="sla_next"),
        migrations.RemoveField(model_name="worksorder", name="sla_next_at"),
    ]
