"""The dashboard's duration histograms (reports.DailyDuration), under the shop policy; the rollups'
mark forgotten so the next catch-up fills them; the index the live part of assignment time reads
along (jobs picked up after the last rolled day)."""

import django.db.models.deletion
from django.db import migrations, models

from shops.db import SameShopForeignKey
from tenancy import rls


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_weekly_summary_claims"),
        ("shops", "0016_technicians_move_branches"),
        ("tenancy", "0003_api_transfers_recurring"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyDuration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("measure", models.CharField(max_length=30)),
                ("key", models.TextField(blank=True, default="")),
                ("seconds", models.BigIntegerField()),
                ("jobs", models.PositiveIntegerField(default=0)),
                (
                    "branch",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shops.branch",
                    ),
                ),
                (
                    "shop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shops.shop",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["shop", "measure", "day"],
                        include=["branch", "key", "seconds", "jobs"],
                        name="daily_duration_read",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shop", "day", "branch", "measure", "key", "seconds"),
                        name="daily_duration_once",
                    )
                ],
            },
        ),
        SameShopForeignKey("dailyduration", "branch"),
        rls.protect("reports_dailyduration"),
        # The new histograms hold nothing yet: forget the mark, so the next catch-up rolls every
        # day again (all rollups, set-based) and until then the dashboard reads every day live.
        migrations.RunSQL("DELETE FROM reports_rollupmark", migrations.RunSQL.noop),
        # Jobs first picked up after the rollups' mark, read live (the table is tickets').
        migrations.RunSQL(
            "CREATE INDEX reports_started ON tickets_worksorder (shop_id, started_at)"
            " INCLUDE (branch_id, created_at) WHERE started_at IS NOT NULL",
            "DROP INDEX reports_started",
        ),
    ]
