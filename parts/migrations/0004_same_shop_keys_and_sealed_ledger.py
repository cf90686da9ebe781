from django.db import migrations

from shops.db import SameShopForeignKey

# The ledger is the stock: once written, a movement is never changed or removed. A mistake is
# put right by another movement (an adjustment), so the history always adds up.
SEAL_LEDGER = """
CREATE FUNCTION parts_stockmovement_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a stock movement cannot be changed or deleted; post an adjustment instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER parts_stockmovement_sealed BEFORE UPDATE OR DELETE ON parts_stockmovement
    FOR EACH ROW EXECUTE FUNCTION parts_stockmovement_is_sealed();
"""
UNSEAL_LEDGER = """
DROP TRIGGER parts_stockmovement_sealed ON parts_stockmovement;
DROP FUNCTION parts_stockmovement_is_sealed();
"""

SAME_SHOP = {
    "supplierpart": ["part", "supplier"],
    "stocklevel": ["part", "branch"],
    "partunit": ["part"],
    "stockmovement": [
        "part",
        "branch",
        "unit",
        "works_order",
        "po_line",
        "stock_take",
        "transfer_of",
        "by",
    ],
    "purchaseorder": ["supplier", "branch", "created_by"],
    "purchaseorderline": ["order", "part", "works_order"],
    "worksorderpart": ["works_order", "part", "unit", "po_line", "added_by"],
    "stocktake": ["branch", "started_by", "finished_by"],
    "stocktakeline": ["stock_take", "part", "counted_by"],
}


class Migration(migrations.Migration):
    dependencies = [("parts", "0003_stock_and_purchasing")]

    operations = [
        *(
            SameShopForeignKey(model, field)
            for model, fields in SAME_SHOP.items()
            for field in fields
        ),
        migrations.RunSQL(SEAL_LEDGER, UNSEAL_LEDGER),
    ]
