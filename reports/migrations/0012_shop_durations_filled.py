"""The shop-wide histograms filled from the per-branch days and months already rolled up (apart
from 0011 for the reason 0008 gives; the owner runs it, row_security off as there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0011_shop_durations")]

    operations = [
        migrations.RunSQL("SET LOCAL row_security = off", migrations.RunSQL.noop),
        *(
            migrations.RunSQL(
                f"INSERT INTO reports_{grain}shopduration"
                " (shop_id, day, measure, key, seconds, jobs)"
                " SELECT shop_id, day, measure, key, seconds, SUM(jobs)"
                f" FROM reports_{grain}duration GROUP BY shop_id, day, measure, key, seconds",
                migrations.RunSQL.noop,
            )
            for grain in ("daily", "monthly")
        ),
    ]
