"""The status link's token is no longer stored: only its SHA-256 (see tickets.models)."""

from django.db import migrations, models

import tickets.models

BATCH = 5_000


def hash_tokens(apps, schema_editor):
    # Links printed before this point carried the old random token; the status page never
    # answered them, so the worked-out token takes over (a reprint or the next message has it).
    from tickets.models import status_token_for, status_token_hash

    connection = schema_editor.connection
    with connection.cursor() as read, connection.cursor() as write:
        last = 0
        while True:
            read.execute(
                "SELECT id, shop_id, number FROM tickets_worksorder WHERE id > %s "
                "ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = read.fetchall()
            if not rows:
                return
            pairs = [
                (pk, status_token_hash(status_token_for(shop_id=shop, number=number, version=1)))
                for pk, shop, number in rows
            ]
            values = ", ".join(["(%s, %s)"] * len(pairs))
            write.execute(
                f"UPDATE tickets_worksorder AS w SET status_token_hash = v.hash "
                f"FROM (VALUES {values}) AS v(id, hash) WHERE w.id = v.id",
                [x for pair in pairs for x in pair],
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0011_approval_reply_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="worksorder",
            name="status_link_version",
            field=models.PositiveSmallIntegerField(db_default=1, default=1),
        ),
        migrations.AddField(
            model_name="worksorder",
            name="status_token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="worksorder",
            name="status_token_hash",
            field=tickets.models.StatusTokenHashField(editable=False, max_length=64, unique=True),
        ),
        migrations.RemoveField(model_name="worksorder", name="status_token"),
    ]
