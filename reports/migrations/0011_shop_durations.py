"""The duration histograms summed over a shop's branches, per day and per month
(reports.DailyShopDuration, MonthlyShopDuration), under the shop policy and vacuumed soon after
each refresh as the other rollups are (0009); 0012 fills them."""

import django.db.models.deletion
from django.db import migrations, models

from tenancy import rls

SOON = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,"
    " autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,"
    " autovacuum_analyze_scale_factor = 0.02"
)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_monthly_durations_by_key"),
        ("shops", "0016_technicians_move_branches"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyShopDuration",
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
                        include=("key", "seconds", "jobs"),
                        name="daily_shop_duration_read",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shop", "day", "measure", "key", "seconds"),
                        name="daily_shop_duration_once",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthlyShopDuration",
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
                        include=("key", "seconds", "jobs"),
                        name="monthly_shop_duration_read",
                    ),
                    models.Index(
                        fields=["shop", "measure", "key", "day"],
                        include=("seconds", "jobs"),
                        name="monthly_shop_duration_by_key",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shop", "day", "measure", "key", "seconds"),
                        name="monthly_shop_duration_once",
                    )
                ],
            },
        ),
        *(
            operation
            for table in ("reports_dailyshopduration", "reports_monthlyshopduration")
            for operation in (
                rls.protect(table),
                migrations.RunSQL(f"ALTER TABLE {table} SET ({SOON})", migrations.RunSQL.noop),
            )
        ),
    ]
