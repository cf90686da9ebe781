"""A works order may be the warranty return of an earlier, collected one of the same shop."""

import django.db.models.deletion
from django.db import migrations, models

from shops.db import SameShopForeignKey


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0020_time_in_previous_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="worksorder",
            name="warranty_return_of",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="warranty_returns",
                to="tickets.worksorder",
            ),
        ),
        migrations.AddIndex(
            model_name="worksorder",
            index=models.Index(
                condition=models.Q(("warranty_return_of__isnull", False)),
                fields=["shop", "warranty_return_of"],
                name="works_order_warranty_returns",
            ),
        ),
        SameShopForeignKey("worksorder", "warranty_return_of"),
    ]
