from django.db import migrations

from shops.db import SameShopForeignKey


class Migration(migrations.Migration):
    dependencies = [("pricebook", "0001_pricebook")]

    operations = [
        SameShopForeignKey("pricebookentry", "device_model"),
        SameShopForeignKey("pricebookentry", "repair_type"),
        SameShopForeignKey("priceoption", "entry"),
        SameShopForeignKey("optionpart", "option"),
        SameShopForeignKey("optionpart", "part"),
        SameShopForeignKey("pricebookimport", "uploaded_by"),
        SameShopForeignKey("pricebookimport", "applied_by"),
    ]
