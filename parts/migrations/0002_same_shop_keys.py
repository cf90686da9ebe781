from django.db import migrations

from shops.db import SameShopForeignKey


class Migration(migrations.Migration):
    dependencies = [("parts", "0001_catalogue")]

    operations = [
        SameShopForeignKey("partcompatibility", "part"),
        SameShopForeignKey("partcompatibility", "device_model"),
    ]
