"""The monthly rollups filled from the daily rows already rolled up, so the mark stays where it
is (a first catch-up of the full data set takes half an hour). Apart from 0007: rows inserted
leave deferred key checks pending, and the tables cannot be altered after them in one
transaction.

The owner runs migrations, a superuser in every setup here, so row-level security does not
hold it back; should it ever, row_security off makes the fill fail rather than copy nothing."""

from django.db import migrations

# (table, the columns a row is kept under besides shop, branch and day, the columns summed), as
# reports.rollups.MONTHLY had them when this was written.
TWINS = [
    ("repair", "repair_type_id, priority", ["booked_in", "sla_jobs", "sla_met"]),
    ("duration", "measure, key, seconds", ["jobs"]),
    ("tally", "measure, key", ["jobs", "reworked", "came_back", "amount"]),
]


def _fill(table: str, keys: str, sums: list[str]) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"INSERT INTO reports_monthly{table} (shop_id, branch_id, day, {keys}, {', '.join(sums)})"
        f" SELECT shop_id, branch_id, date_trunc('month', day)::date, {keys},"
        f" {', '.join(f'SUM({column})' for column in sums)} FROM reports_daily{table}"
        f" GROUP BY shop_id, branch_id, 3, {keys}",
        migrations.RunSQL.noop,
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_monthly_rollups")]

    operations = [
        migrations.RunSQL("SET LOCAL row_security = off", migrations.RunSQL.noop),
        *(_fill(table, keys, sums) for table, keys, sums in TWINS),
    ]
