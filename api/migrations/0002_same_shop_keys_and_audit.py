"""Keys between the API's tables stay inside one shop; keys and webhook endpoints are shop
settings, so the audit trail records every change to them (not a key's last use)."""

from django.db import migrations

from shops.db import SameShopForeignKey

# (trigger name, table, kind, columns not recorded)
TRACKED = [
    ("audit_apikey", "api_apikey", "settings", "last_used_at,secret_hash"),
    ("audit_webhookendpoint", "api_webhookendpoint", "settings", "secret_sealed"),
]


def create_trigger(name: str, table: str, kind: str, skipped: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION audit_record_change('{kind}', 'except', '{skipped}');"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_api_keys_and_webhooks"),
        ("audit", "0003_erasure"),
        ("shops", "0015_quiet_hours_defaults_called"),
    ]

    operations = [
        SameShopForeignKey("apikey", "created_by"),
        SameShopForeignKey("apikey", "revoked_by"),
        SameShopForeignKey("webhookendpoint", "created_by"),
        SameShopForeignKey("webhookdelivery", "event"),
        SameShopForeignKey("webhookdelivery", "endpoint"),
        *(
            migrations.RunSQL(create_trigger(*spec), f"DROP TRIGGER {spec[0]} ON {spec[1]};")
            for spec in TRACKED
        ),
    ]
