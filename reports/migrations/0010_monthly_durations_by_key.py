# The dashboard's first rows of a long table (the busiest device models) work out percentiles
# for those keys only: their monthly histogram rows read along (shop, measure, key). Built
# concurrently: the nightly refresh writes to the table.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0009_rollups_vacuumed_soon"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="monthlyduration",
            index=models.Index(
                fields=["shop", "measure", "key", "day"],
                include=["branch", "seconds", "jobs"],
                name="monthly_duration_by_key",
            ),
        ),
    ]
