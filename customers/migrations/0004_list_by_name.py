# The customer list reads a page of everyone by name along (shop, full_name, id), where the big
# shop's 235,000 customers were sorted for every page; the id orders namesakes, so none shows
# on two pages or on none. The search finds an email's beginning along (shop, email) in
# text_pattern_ops. Built concurrently, as tickets 0029: customers are written all day.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0003_sms_opt_out"),
        ("shops", "0016_technicians_move_branches"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={"ordering": ["full_name", "id"]},
        ),
        AddIndexConcurrently(
            model_name="customer",
            index=models.Index(fields=["shop", "full_name", "id"], name="customer_by_name"),
        ),
        AddIndexConcurrently(
            model_name="customer",
            index=models.Index(
                fields=["shop", "email"],
                opclasses=["int8_ops", "text_pattern_ops"],
                name="customer_email_prefix",
            ),
        ),
    ]
