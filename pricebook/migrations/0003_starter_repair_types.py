from django.db import migrations

# The starter list as it was when this migration was written (pricebook.starter may grow later;
# a migration keeps what it did).
STARTER = (
    "Screen replacement",
    "Battery replacement",
    "Charging port",
    "Back glass",
    "Rear camera",
    "Front camera",
    "Camera lens",
    "Loudspeaker",
    "Earpiece speaker",
    "Microphone",
    "Buttons",
    "Keyboard",
    "HDMI port",
    "Water damage diagnostic",
    "Data recovery",
    "Software restore",
)


def seed_existing_shops(apps, schema_editor):
    """Shops created before the pricebook get the repair types new shops start with."""
    Shop = apps.get_model("shops", "Shop")
    RepairType = apps.get_model("pricebook", "RepairType")
    RepairType.objects.bulk_create(
        [
            RepairType(shop_id=shop_id, name=name, position=position)
            for shop_id in Shop.objects.values_list("id", flat=True)
            for position, name in enumerate(STARTER, start=1)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("pricebook", "0002_same_shop_keys")]

    operations = [migrations.RunPython(seed_existing_shops, migrations.RunPython.noop)]
