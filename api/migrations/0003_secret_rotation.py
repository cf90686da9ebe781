"""A webhook endpoint's secret can be replaced while the old one keeps signing for a day; the
audit trail records when (`previous_secret_until`), never a secret."""

from django.db import migrations, models

TRIGGER = "audit_webhookendpoint"


def trigger(skipped: str) -> str:
    return (
        f"DROP TRIGGER {TRIGGER} ON api_webhookendpoint; "
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON api_webhookendpoint "
        "FOR EACH ROW EXECUTE FUNCTION "
        f"audit_record_change('settings', 'except', '{skipped}');"
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0002_same_shop_keys_and_audit")]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_sealed",
            field=models.BinaryField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(
            trigger("secret_sealed,previous_secret_sealed"), trigger("secret_sealed")
        ),
    ]
