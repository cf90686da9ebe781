"""Indexes for the top-bar search (tickets.selectors.works_order_search).

Expression indexes the model Meta cannot say without a model change, so they are plain SQL and
Django's model state does not track them. Each one matches a query shape in the selector:

- "4582" / "0042": the last digits of a number, as reverse(number) LIKE '2854-%' (a prefix);
- the first or the last 8+ digits of an IMEI: imei LIKE '…%' and reverse(imei) LIKE '…%';
- a serial typed in any case: upper(serial) = '…'.

text_pattern_ops makes LIKE 'prefix%' use a btree whatever the database collation.
"""

from django.db import migrations

INDEXES = {
    "works_order_number_reversed": (
        "tickets_worksorder (shop_id, reverse(number) text_pattern_ops)"
    ),
    "device_imei_prefix": "devices_device (shop_id, imei text_pattern_ops) WHERE imei <> ''",
    "device_imei_reversed": (
        "devices_device (shop_id, reverse(imei) text_pattern_ops) WHERE imei <> ''"
    ),
    "device_serial_upper": "devices_device (shop_id, upper(serial)) WHERE serial <> ''",
}


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_same_shop_keys_and_sealed_consent"),
        ("devices", "0002_same_shop_keys"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {target}", f"DROP INDEX {name}")
        for name, target in INDEXES.items()
    ]
