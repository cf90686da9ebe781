# A job's newest timeline entry, which the board's version reads for every open card, in one
# probe of (works_order, id); it takes the place of the foreign key's own index on works_order
# alone, which timeline_recent (works_order, -at) already covered. Built concurrently, as 0010:
# the timeline is written by every step of every job.

import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0028_booked_online"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="timelineentry",
            index=models.Index(fields=["works_order", "id"], name="timeline_latest"),
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="works_order",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="timeline",
                to="tickets.worksorder",
            ),
        ),
    ]
