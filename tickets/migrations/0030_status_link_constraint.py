# The status link's hash is unique by a constraint rather than by unique=True on the field,
# which also gave it a second, pattern-matching index (varchar_pattern_ops) that nothing uses:
# the hash is only ever looked up whole, and every booking wrote a random page of both (160 MB
# each on the full data set). The new index is built concurrently, as 0010 and 0029 build
# theirs (bookings go on meanwhile), and then becomes the constraint; the field's own
# constraint and its pattern twin go last.

from django.db import migrations, models

import tickets.models

NEW = "works_order_status_link"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0029_timeline_latest"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {NEW}"
                    " ON tickets_worksorder (status_token_hash)",
                    f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}",
                ),
                migrations.RunSQL(
                    f"ALTER TABLE tickets_worksorder ADD CONSTRAINT {NEW} UNIQUE USING INDEX {NEW}",
                    f"ALTER TABLE tickets_worksorder DROP CONSTRAINT IF EXISTS {NEW}",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="worksorder",
                    constraint=models.UniqueConstraint(fields=("status_token_hash",), name=NEW),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="worksorder",
            name="status_token_hash",
            field=tickets.models.StatusTokenHashField(editable=False, max_length=64),
        ),
    ]
