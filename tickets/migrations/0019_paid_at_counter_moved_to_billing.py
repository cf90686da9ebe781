"""The "paid at the counter" tick and the typed exemption now live in billing (payments and
exemptions): billing 0002 copied them over before they go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0018_billing_event"),
        ("billing", "0002_same_shop_keys_sealed_invoices_and_history"),
    ]

    operations = [
        migrations.RemoveField(model_name="worksorder", name="paid_at_counter"),
        migrations.RemoveField(model_name="worksorder", name="payment_exemption"),
    ]
