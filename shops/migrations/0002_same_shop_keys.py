from django.db import migrations

from shops.db import SameShopForeignKey


class Migration(migrations.Migration):
    dependencies = [("shops", "0001_initial")]

    operations = [
        SameShopForeignKey("openinghours", "branch"),
        SameShopForeignKey("closeddate", "branch"),
        SameShopForeignKey("membershipbranch", "membership"),
        SameShopForeignKey("membershipbranch", "branch"),
        SameShopForeignKey("invitation", "invited_by"),
    ]
