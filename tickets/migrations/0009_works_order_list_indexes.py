# Built concurrently: on a big installation the works-order table takes a while to index, and
# bookings must not wait for it.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0008_photo_size"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="worksorder", name="works_order_recent"),
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(fields=["shop", "-created_at", "-id"], name="works_order_recent"),
        ),
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(
                fields=["shop", "branch", "-created_at", "-id"], name="works_order_list_branch"
            ),
        ),
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(
                fields=["shop", "status", "-created_at", "-id"], name="works_order_list_status"
            ),
        ),
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(
                fields=["shop", "priority", "-created_at", "-id"], name="works_order_list_priority"
            ),
        ),
        AddIndexConcurrently(
            model_name="worksorder",
            index=models.Index(
                fields=["shop", "assigned_to", "-created_at", "-id"],
                name="works_order_list_technician",
            ),
        ),
    ]
