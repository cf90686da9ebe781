from django.db import migrations

from shops.db import SameShopForeignKey

# A consent is evidence: once written, the database itself refuses to change or remove it.
SEAL_CONSENT = """
CREATE FUNCTION tickets_consent_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a recorded consent cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tickets_consent_sealed BEFORE UPDATE OR DELETE ON tickets_consent
    FOR EACH ROW EXECUTE FUNCTION tickets_consent_is_sealed();
"""
UNSEAL_CONSENT = """
DROP TRIGGER tickets_consent_sealed ON tickets_consent;
DROP FUNCTION tickets_consent_is_sealed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("devices", "0002_same_shop_keys"),
        ("shops", "0003_terms_version_shop_key"),
    ]

    operations = [
        SameShopForeignKey("worksorder", "branch"),
        SameShopForeignKey("worksorder", "customer"),
        SameShopForeignKey("worksorder", "device"),
        SameShopForeignKey("worksorder", "assigned_to"),
        SameShopForeignKey("worksorder", "created_by"),
        SameShopForeignKey("quoteline", "works_order"),
        SameShopForeignKey("consent", "works_order"),
        SameShopForeignKey("consent", "recorded_by"),
        SameShopForeignKey("consent", "terms"),
        SameShopForeignKey("photo", "works_order"),
        SameShopForeignKey("photo", "uploaded_by"),
        SameShopForeignKey("timelineentry", "works_order"),
        SameShopForeignKey("timelineentry", "actor"),
        migrations.RunSQL(SEAL_CONSENT, UNSEAL_CONSENT),
    ]
