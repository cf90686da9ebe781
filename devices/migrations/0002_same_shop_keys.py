from django.db import migrations

from shops.db import SameShopForeignKey


class Migration(migrations.Migration):
    dependencies = [("devices", "0001_initial")]

    operations = [
        SameShopForeignKey("device", "customer"),
        SameShopForeignKey("device", "device_model"),
    ]
