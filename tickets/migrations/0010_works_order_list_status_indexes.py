# Built concurrently, as 0009: bookings must not wait while the works-order table is indexed.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0009_works_order_list_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(
                fields=["shop", "priority", "status", "-created_at", "-id"],
                name="works_order_list_priority_st",
            ),
        ),
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(
                fields=["shop", "assigned_to", "status", "-created_at", "-id"],
                name="works_order_list_tech_status",
            ),
        ),
    ]
